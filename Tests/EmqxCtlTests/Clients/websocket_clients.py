"""MQTT over WebSocket against serve's ws and wss listeners, as browsers' and apps' clients
speak it: paho-mqtt with transport="websockets", and a raw socket for what paho cannot do
(a text frame, a ping, the close handshake, an upgrade refused). Prints one JSON object.

usage: websocket_clients.py flows WS_PORT WSS_PORT   paho over ws and wss, 3.1.1 and 5.0:
                                                     QoS 0/1/2, retained, will
       websocket_clients.py frames WS_PORT           raw frames
       websocket_clients.py mtls WSS_PORT CERT KEY   one paho connection with a client cert
       websocket_clients.py deflate WS_PORT          permessage-deflate with the websockets
                                                     library (RFC 7692), and a deflate bomb
       websocket_clients.py idle WS_PORT SECONDS     how long a silent connection lives
       websocket_clients.py psk WSS_PORT ID HEXKEY   MQTT over wss with TLS-PSK, through
                                                     openssl s_client -psk (TLS 1.2 and 1.3)
"""
import base64
import json
import os
import socket
import ssl
import struct
import sys
import time

import zlib

import paho.mqtt.client as mqtt


def client(name, port, tls, protocol, cert=None, key=None):
    c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=name, protocol=protocol, transport="websockets")
    c.ws_set_options(path="/mqtt")
    if tls:
        c.tls_set(ca_certs="etc/certs/cacert.pem", certfile=cert, keyfile=key)
    return c


def wait(predicate, seconds=5):
    deadline = time.time() + seconds
    while time.time() < deadline and not predicate():
        time.sleep(0.02)
    return predicate()


def flows(ws_port, wss_port):
    out = {}
    for port, tls in ((ws_port, False), (wss_port, True)):
        for protocol, version in ((mqtt.MQTTv311, "3.1.1"), (mqtt.MQTTv5, "5.0")):
            case = f"{'wss' if tls else 'ws'} {version}"
            got = []
            sub = client(f"sub-{port}-{version}", port, tls, protocol)
            sub.on_message = lambda cl, ud, m, got=got: got.append((m.topic, m.payload, m.qos, m.retain))
            sub.connect("localhost", port)
            sub.loop_start()
            wait(sub.is_connected)
            sub.subscribe([("flow/#", 2)])
            time.sleep(0.3)
            pub = client(f"pub-{port}-{version}", port, tls, protocol)
            # A will, published when the connection drops without DISCONNECT.
            pub.will_set("flow/will", b"gone", qos=1)
            pub.connect("localhost", port)
            pub.loop_start()
            wait(pub.is_connected)
            big = os.urandom(200_000)  # many frames' worth, as one packet
            for qos in (0, 1, 2):
                pub.publish(f"flow/q{qos}", f"qos{qos}".encode(), qos=qos).wait_for_publish(5)
            pub.publish("flow/big", big, qos=1).wait_for_publish(5)
            pub.publish("flow/retained", b"kept", qos=1, retain=True).wait_for_publish(5)
            wait(lambda: len(got) >= 5)
            pub._sock.close()  # drop: the will goes out
            wait(lambda: any(t == "flow/will" for t, *_ in got))
            pub.loop_stop()
            later = []
            sub2 = client(f"late-{port}-{version}", port, tls, protocol)
            sub2.on_message = lambda cl, ud, m: later.append((m.topic, m.payload, m.retain))
            sub2.connect("localhost", port)
            sub2.loop_start()
            wait(sub2.is_connected)
            sub2.subscribe("flow/retained", 1)
            wait(lambda: later)
            sub2.disconnect()
            sub2.loop_stop()
            sub.disconnect()
            sub.loop_stop()
            topics = {t: (p if t != "flow/big" else p == big, q) for t, p, q, _ in got}
            out[case] = {
                "qos0": topics.get("flow/q0", [None])[0] == b"qos0",
                "qos1": topics.get("flow/q1", [None])[0] == b"qos1",
                "qos2": topics.get("flow/q2", [None, None]) == (b"qos2", 2),
                "big": topics.get("flow/big", [False])[0] is True,
                "will": topics.get("flow/will", [None])[0] == b"gone",
                "retained": later[:1] == [("flow/retained", b"kept", True)],
            }
            # Clear the retained message for the next case.
            clear = client(f"clear-{port}-{version}", port, tls, protocol)
            clear.connect("localhost", port)
            clear.loop_start()
            wait(clear.is_connected)
            clear.publish("flow/retained", b"", qos=1, retain=True).wait_for_publish(5)
            clear.disconnect()
            clear.loop_stop()
    return out


def upgrade(port, path="/mqtt", protocol="mqtt", origin=None, extra=()):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    key = base64.b64encode(os.urandom(16)).decode()
    lines = [f"GET {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Upgrade: websocket", "Connection: Upgrade",
             f"Sec-WebSocket-Key: {key}", "Sec-WebSocket-Version: 13"]
    if protocol:
        lines.append(f"Sec-WebSocket-Protocol: {protocol}")
    if origin:
        lines.append(f"Origin: {origin}")
    lines.extend(extra)
    s.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = s.recv(1)
        if not chunk:
            break
        head += chunk
    return s, head.decode(errors="replace")


def frame(opcode, payload):
    mask = os.urandom(4)
    header = bytes([0x80 | opcode])
    n = len(payload)
    header += bytes([0x80 | n]) if n < 126 else bytes([0x80 | 126]) + struct.pack("!H", n)
    return header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


def read_frame(s):
    def exactly(n):
        data = b""
        while len(data) < n:
            chunk = s.recv(n - len(data))
            if not chunk:
                raise EOFError
            data += chunk
        return data
    first, second = exactly(2)
    n = second & 0x7F
    if n == 126:
        n = struct.unpack("!H", exactly(2))[0]
    elif n == 127:
        n = struct.unpack("!Q", exactly(8))[0]
    return first & 0x0F, exactly(n)


def frames(ws_port):
    out = {}
    s, head = upgrade(ws_port)
    out["upgrade"] = head.split("\r\n")[0]
    out["subprotocol"] = "Sec-WebSocket-Protocol: mqtt" in head
    # CONNECT split across two frames, then a PINGREQ in the same frame as nothing else.
    connect = bytes.fromhex("101000044d5154540402003c000461626364")
    s.sendall(frame(0x2, connect[:5]) + frame(0x2, connect[5:]))
    out["connack"] = read_frame(s)[1].hex()
    s.sendall(frame(0x9, b"are you there"))
    out["pong"] = list(read_frame(s)) == [0xA, b"are you there"]
    # Two PINGREQs in one frame: two PINGRESPs.
    s.sendall(frame(0x2, bytes.fromhex("c000c000")))
    answers = b""
    while len(answers) < 4:
        answers += read_frame(s)[1]
    out["two_pings"] = answers.hex()
    s.sendall(frame(0x1, b"text is not MQTT"))
    opcode, payload = read_frame(s)
    out["text_close"] = [opcode, struct.unpack("!H", payload[:2])[0]]
    s.close()
    # The close handshake from the client: echoed.
    s, _ = upgrade(ws_port)
    s.sendall(frame(0x2, connect))
    read_frame(s)
    s.sendall(frame(0x8, struct.pack("!H", 1000)))
    opcode, payload = read_frame(s)
    out["close_echo"] = [opcode, struct.unpack("!H", payload[:2])[0]]
    out["closed_after"] = s.recv(1) == b""
    s.close()
    # A proxy on loopback names the client; the listener's access rules deny that address.
    s, _ = upgrade(ws_port, extra=["X-Forwarded-For: 10.9.8.7, 127.0.0.1"])
    s.sendall(frame(0x2, connect))
    try:
        out["forwarded_denied"] = read_frame(s)[0]
    except EOFError:
        out["forwarded_denied"] = "eof"
    s.close()
    for name, kwargs in (("wrong_path", {"path": "/other"}), ("no_subprotocol", {"protocol": None}),
                         ("bad_origin", {"origin": "https://evil.example.com"}), ("good_origin", {"origin": "https://app.example.com"})):
        s, head = upgrade(ws_port, **kwargs)
        out[name] = head.split("\r\n")[0]
        s.close()
    return out


def mtls(wss_port, cert, key):
    c = client("mtls", wss_port, True, mqtt.MQTTv5, cert=cert, key=key)
    results = []
    c.on_connect = lambda cl, ud, flags, rc, props: results.append(rc.value)
    try:
        c.connect("localhost", wss_port)
        c.loop_start()
        wait(lambda: results, 5)
        c.loop_stop()
    except Exception as error:  # the handshake refused
        return {"connected": False, "error": type(error).__name__}
    return {"connected": results == [0], "codes": results}


def mqtt_packet(kind, body):
    length = b""
    n = len(body)
    while True:
        byte, n = n % 128, n // 128
        length += bytes([byte | (0x80 if n else 0)])
        if not n:
            return bytes([kind]) + length + body


def utf8(text):
    return struct.pack("!H", len(text)) + text.encode()


def deflate_session(port, name, **options):
    """One MQTT 3.1.1 session over the websockets library with compression: subscribe to a
    topic, publish a large compressible payload and small ones to it, read them back."""
    from websockets.extensions.permessage_deflate import ClientPerMessageDeflateFactory
    from websockets.sync.client import connect

    out = {}
    extensions = [ClientPerMessageDeflateFactory(**options)]
    with connect(f"ws://127.0.0.1:{port}/mqtt", subprotocols=["mqtt"], extensions=extensions,
                 compression=None, open_timeout=5, max_size=None) as ws:
        out["agreed"] = ws.response.headers.get("Sec-WebSocket-Extensions")
        ws.send(mqtt_packet(0x10, utf8("MQTT") + bytes([4, 2, 0, 60]) + utf8(name)))
        out["connack"] = ws.recv(timeout=5).hex()
        ws.send(mqtt_packet(0x82, b"\x00\x01" + utf8(f"deflate/{name}") + b"\x00"))
        out["suback"] = ws.recv(timeout=5).hex()
        big = (b"temperature=21.5;humidity=40;" * 20_000)[:500_000]
        payloads = [big] + [f"small {i}".encode() for i in range(20)]
        for payload in payloads:
            ws.send(mqtt_packet(0x30, utf8(f"deflate/{name}") + payload))
        got = []
        stream = b""
        deadline = time.time() + 10
        while len(got) < len(payloads) and time.time() < deadline:
            stream += ws.recv(timeout=5)
            while len(stream) >= 2:
                n, multiplier, index = 0, 1, 1
                while True:
                    byte = stream[index]
                    n += (byte & 0x7F) * multiplier
                    multiplier *= 128
                    index += 1
                    if not byte & 0x80 or index >= len(stream):
                        break
                if len(stream) < index + n:
                    break
                body = stream[index:index + n]
                stream = stream[index + n:]
                topic_length = struct.unpack("!H", body[:2])[0]
                got.append(body[2 + topic_length:])
        out["echoed"] = got == payloads
        out["received"] = len(got)
    return out


def deflate(ws_port):
    out = {"default": deflate_session(ws_port, "plain")}
    # The client asks for fresh contexts both ways and small windows; the broker must honour
    # server_no_context_takeover and server_max_window_bits, and may say client_max_window_bits.
    out["asked"] = deflate_session(ws_port, "asked", server_no_context_takeover=True, client_no_context_takeover=True,
                                   server_max_window_bits=10, client_max_window_bits=True)
    # A deflate bomb: a PUBLISH claiming 64 MB, deflated into one small frame.
    s, head = upgrade(ws_port, extra=["Sec-WebSocket-Extensions: permessage-deflate"])
    out["raw_agreed"] = "permessage-deflate" in head
    connect = mqtt_packet(0x10, utf8("MQTT") + bytes([4, 2, 0, 60]) + utf8("bomb"))
    s.sendall(frame(0x2, connect))
    out["bomb_connack"] = read_frame(s)[1] != b""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    bomb = mqtt_packet(0x30, utf8("bomb") + bytes(64 * 1024 * 1024))
    deflated = compressor.compress(bomb) + compressor.flush(zlib.Z_SYNC_FLUSH)
    out["bomb_frame_bytes"] = len(deflated)
    mask = os.urandom(4)
    n = len(deflated) - 4
    header = bytes([0x80 | 0x40 | 0x2]) + (bytes([0x80 | 126]) + struct.pack("!H", n) if n < 65536 else bytes([0x80 | 127]) + struct.pack("!Q", n))
    s.sendall(header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(deflated[:-4])))
    try:
        s.settimeout(10)
        data = s.recv(4096)
        while data and s.recv(4096):
            pass
        out["bomb_closed"] = True
    except (ConnectionResetError, EOFError):
        out["bomb_closed"] = True
    except socket.timeout:
        out["bomb_closed"] = False
    s.close()
    return out


def idle(ws_port, seconds):
    """Connects, sends CONNECT with keep-alive 0 (no MQTT timer), then nothing: how long until
    the broker closes, and the close frame's code."""
    s, _ = upgrade(ws_port)
    s.sendall(frame(0x2, mqtt_packet(0x10, utf8("MQTT") + bytes([4, 2, 0, 0]) + utf8("quiet"))))
    read_frame(s)
    started = time.time()
    s.settimeout(seconds)
    try:
        opcode, payload = read_frame(s)
        code = struct.unpack("!H", payload[:2])[0] if opcode == 0x8 else None
    except (socket.timeout, EOFError):
        opcode, code = None, None
    return {"closed_after": round(time.time() - started, 1), "opcode": opcode, "code": code}


def psk(wss_port, identity, hex_key):
    """openssl s_client carries the upgrade and MQTT frames over TLS-PSK: CONNECT, SUBSCRIBE,
    PUBLISH to the subscription, DISCONNECT; the broker's frames come back on its stdout."""
    import subprocess

    out = {}
    for version in ("-tls1_2", "-tls1_3"):
        key = base64.b64encode(os.urandom(16)).decode()
        request = (f"GET /mqtt HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                   f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: mqtt\r\n\r\n").encode()
        topic = f"psk/{version}"
        frames_out = b"".join(frame(0x2, p) for p in (
            mqtt_packet(0x10, utf8("MQTT") + bytes([4, 2, 0, 60]) + utf8("psk" + version)),
            mqtt_packet(0x82, b"\x00\x01" + utf8(topic) + b"\x00"),
            mqtt_packet(0x30, utf8(topic) + b"over wss with a pre-shared key"),
        ))
        client = subprocess.Popen(
            ["openssl", "s_client", "-connect", f"127.0.0.1:{wss_port}", version, "-psk_identity", identity, "-psk", hex_key,
             "-quiet", "-ign_eof"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            client.stdin.write(request)
            client.stdin.flush()
            time.sleep(0.5)  # the upgrade's answer before the frames
            client.stdin.write(frames_out)
            client.stdin.flush()
            time.sleep(1)
        except BrokenPipeError:  # s_client ended: the handshake was refused
            pass
        try:
            # DISCONNECT last: the broker closes, and s_client ends.
            stdout, stderr = client.communicate(input=None if client.poll() is not None else frame(0x2, bytes([0xE0, 0x00])),
                                                timeout=10)
        except subprocess.TimeoutExpired:
            client.kill()
            stdout, stderr = client.communicate()
        head, _, rest = stdout.partition(b"\r\n\r\n")
        packets = []
        while len(rest) >= 2:
            n = rest[1] & 0x7F
            start = 2 + (2 if n == 126 else 0)
            if n == 126:
                n = struct.unpack("!H", rest[2:4])[0]
            packets.append(rest[start:start + n])
            rest = rest[start + n:]
        out[version] = {
            "upgrade": head.split(b"\r\n")[0].decode(errors="replace"),
            "connack": packets[0].hex() if packets else None,
            "echoed": any(p.endswith(b"over wss with a pre-shared key") for p in packets),
            "stderr": stderr.decode(errors="replace")[-300:],
        }
    return out


mode = sys.argv[1]
if mode == "flows":
    print(json.dumps(flows(int(sys.argv[2]), int(sys.argv[3]))))
elif mode == "frames":
    print(json.dumps(frames(int(sys.argv[2]))))
elif mode == "deflate":
    print(json.dumps(deflate(int(sys.argv[2]))))
elif mode == "psk":
    print(json.dumps(psk(int(sys.argv[2]), sys.argv[3], sys.argv[4])))
elif mode == "idle":
    print(json.dumps(idle(int(sys.argv[2]), float(sys.argv[3]))))
else:
    print(json.dumps(mtls(int(sys.argv[2]), sys.argv[3], sys.argv[4])))

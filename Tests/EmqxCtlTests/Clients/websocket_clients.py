"""MQTT over WebSocket against serve's ws and wss listeners, as browsers' and apps' clients
speak it: paho-mqtt with transport="websockets", and a raw socket for what paho cannot do
(a text frame, a ping, the close handshake, an upgrade refused). Prints one JSON object.

usage: websocket_clients.py flows WS_PORT WSS_PORT   paho over ws and wss, 3.1.1 and 5.0:
                                                     QoS 0/1/2, retained, will
       websocket_clients.py frames WS_PORT           raw frames
       websocket_clients.py mtls WSS_PORT CERT KEY   one paho connection with a client cert
"""
import base64
import json
import os
import socket
import ssl
import struct
import sys
import time

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


mode = sys.argv[1]
if mode == "flows":
    print(json.dumps(flows(int(sys.argv[2]), int(sys.argv[3]))))
elif mode == "frames":
    print(json.dumps(frames(int(sys.argv[2]))))
else:
    print(json.dumps(mtls(int(sys.argv[2]), sys.argv[3], sys.argv[4])))

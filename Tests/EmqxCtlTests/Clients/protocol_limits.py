"""Protocol limits the broker enforces, from raw packets over a socket, against a broker run
with mqtt.server_keepalive = 30 and mqtt.max_inflight = 4 (ProtocolLimitsServeTests).

    protocol_limits.py PORT      prints one line per check, "NAME: ok" or "NAME: <problem>"

- server_keepalive applies to 5.0 clients only, which CONNACK's Server Keep Alive tells; a
  3.1.1 client with keep-alive 1 is closed after 1.5 s of silence (EMQX does the same).
- Receive Maximum is enforced inbound (5.0 §3.3.4): a 5.0 client that leaves more QoS 2
  PUBLISHes unreleased than the Receive Maximum the broker advertised gets DISCONNECT 0x93.
  3.1.1 has no Receive Maximum: there mqtt.max_awaiting_rel (default 100) bounds them.
"""
import socket
import struct
import sys
import time

HOST = "127.0.0.1"
PORT = int(sys.argv[1])
RECEIVE_MAXIMUM = 4
SERVER_KEEPALIVE = 30


def connect(level, client_id, keepalive):
    """Opens a connection, sends CONNECT, returns (socket, CONNACK bytes)."""
    body = b"\x00\x04MQTT" + bytes([level, 0x02]) + struct.pack(">H", keepalive)
    if level == 5:
        body += b"\x00"
    body += struct.pack(">H", len(client_id)) + client_id.encode()
    sock = socket.create_connection((HOST, PORT), timeout=5)
    sock.sendall(bytes([0x10, len(body)]) + body)
    return sock, read_packet(sock)


def read_exactly(sock, count):
    data = b""
    while len(data) < count:
        chunk = sock.recv(count - len(data))
        if not chunk:
            raise EOFError(f"closed after {data!r}")
        data += chunk
    return data


def read_packet(sock):
    """One whole packet: fixed header byte, remaining length, body."""
    first = read_exactly(sock, 1)
    length, shift, header = 0, 0, first
    while True:
        byte = read_exactly(sock, 1)
        header += byte
        length |= (byte[0] & 0x7F) << shift
        shift += 7
        if byte[0] < 0x80:
            break
    return header + read_exactly(sock, length)


def closed_after(sock, limit):
    """Seconds until the peer closed (and what it sent first), or (None, data) if it stayed open."""
    started = time.time()
    sock.settimeout(limit)
    data = b""
    try:
        while True:
            chunk = sock.recv(64)
            if not chunk:
                return time.time() - started, data
            data += chunk
    except socket.timeout:
        return None, data
    except ConnectionResetError:
        return time.time() - started, data
    finally:
        sock.close()


def connack_properties(connack):
    """The properties of a 5.0 CONNACK, as {identifier: raw bytes} for the ones used here."""
    body = connack[2:]
    length = body[2]  # the property length fits one byte here
    properties, index = {}, 3
    while index < 3 + length:
        identifier = body[index]
        index += 1
        size = {0x11: 4, 0x13: 2, 0x21: 2, 0x22: 2, 0x27: 4, 0x24: 1, 0x25: 1, 0x28: 1, 0x29: 1, 0x2A: 1}.get(identifier)
        if size is None:  # a string property (assigned client id, reason string)
            size = 2 + struct.unpack(">H", body[index:index + 2])[0]
        properties[identifier] = body[index:index + size]
        index += size
    return properties


def publish_qos2(sock, level, packet_id):
    topic = b"limits/qos2"
    body = struct.pack(">H", len(topic)) + topic + struct.pack(">H", packet_id)
    if level == 5:
        body += b"\x00"
    sock.sendall(bytes([0x34, len(body) + 1]) + body + b"p")


def v311_keeps_its_own_keepalive():
    sock, connack = connect(4, "limits-v3", keepalive=1)
    if connack != b"\x20\x02\x00\x00":
        return f"CONNACK {connack!r}"
    elapsed, _ = closed_after(sock, 5)
    if elapsed is None:
        return "still open after 5 s of silence with keep-alive 1: server_keepalive was imposed on a 3.1.1 client"
    if not 1.2 <= elapsed <= 3.5:
        return f"closed after {elapsed:.1f} s, expected about 1.5 s"


def v5_gets_server_keepalive():
    sock, connack = connect(5, "limits-v5", keepalive=1)
    properties = connack_properties(connack)
    told = properties.get(0x13)
    if told is None or struct.unpack(">H", told)[0] != SERVER_KEEPALIVE:
        sock.close()
        return f"CONNACK carries no Server Keep Alive of {SERVER_KEEPALIVE}: {connack!r}"
    elapsed, _ = closed_after(sock, 3)
    if elapsed is not None:
        return f"closed after {elapsed:.1f} s although the server told it keep-alive {SERVER_KEEPALIVE}"


def v5_receive_maximum_enforced():
    sock, connack = connect(5, "limits-flow-v5", keepalive=60)
    advertised = connack_properties(connack).get(0x21)
    if advertised is None or struct.unpack(">H", advertised)[0] != RECEIVE_MAXIMUM:
        sock.close()
        return f"CONNACK advertises no Receive Maximum of {RECEIVE_MAXIMUM}: {connack!r}"
    for packet_id in range(1, RECEIVE_MAXIMUM + 1):
        publish_qos2(sock, 5, packet_id)
        pubrec = read_packet(sock)
        if pubrec[0] != 0x50 or pubrec[2:4] != struct.pack(">H", packet_id):
            sock.close()
            return f"no PUBREC for message {packet_id}: {pubrec!r}"
    publish_qos2(sock, 5, RECEIVE_MAXIMUM + 1)
    elapsed, data = closed_after(sock, 3)
    if elapsed is None:
        return f"still open after {RECEIVE_MAXIMUM + 1} unreleased QoS 2 messages (Receive Maximum {RECEIVE_MAXIMUM})"
    if not (data.startswith(b"\xe0") and len(data) >= 3 and data[2] == 0x93):
        return f"closed without DISCONNECT 0x93: {data!r}"


def v311_has_no_receive_maximum():
    sock, connack = connect(4, "limits-flow-v3", keepalive=60)
    for packet_id in range(1, RECEIVE_MAXIMUM + 3):
        publish_qos2(sock, 4, packet_id)
        pubrec = read_packet(sock)
        if pubrec != bytes([0x50, 2]) + struct.pack(">H", packet_id):
            sock.close()
            return f"message {packet_id}: expected PUBREC, got {pubrec!r}"
    sock.close()


failures = 0
for name, check in [
    ("server_keepalive is not imposed on 3.1.1", v311_keeps_its_own_keepalive),
    ("server_keepalive is told to 5.0 in CONNACK", v5_gets_server_keepalive),
    ("Receive Maximum exceeded gets DISCONNECT 0x93 (5.0)", v5_receive_maximum_enforced),
    ("3.1.1 is bounded by max_awaiting_rel, not Receive Maximum", v311_has_no_receive_maximum),
]:
    try:
        problem = check()
    except Exception as error:  # a timeout or an early close is a failed check, not a crash
        problem = f"{type(error).__name__}: {error}"
    print(f"{name}: {problem or 'ok'}", flush=True)
    failures += bool(problem)
sys.exit(1 if failures else 0)

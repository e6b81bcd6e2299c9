"""Raw-socket MQTT 3.1.1 for the checks that need byte-level control (slow_peers.py,
listener_sockets.py): a CONNECT packet, and a connected client that has had its CONNACK."""
import socket
import struct

HOST = "127.0.0.1"


def connect_packet(client_id, keepalive=60):
    body = b"\x00\x04MQTT\x04\x02" + struct.pack(">H", keepalive) + struct.pack(">H", len(client_id)) + client_id.encode()
    return bytes([0x10, len(body)]) + body


def client(port, client_id, receive_buffer=None):
    """Connects (a small SO_RCVBUF makes a subscriber that stalls quickly), sends CONNECT and
    returns the socket once CONNACK 0 came; raises with what came instead."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if receive_buffer:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
    sock.settimeout(5)
    sock.connect((HOST, port))
    sock.sendall(connect_packet(client_id))
    connack = sock.recv(4)
    if connack != b"\x20\x02\x00\x00":
        raise RuntimeError(f"CONNACK {connack!r}")
    return sock


# MQTT 3.1.1 and 5.0 packets, for the persistence checks (persistence.py, durability_load.py):
# sessions that outlive a crash, and QoS flows stopped half-way.

CONNACK, PUBLISH, PUBACK, PUBREC, PUBREL, PUBCOMP, SUBACK = 2, 3, 4, 5, 6, 7, 9


def remaining_length(n):
    out = bytearray()
    while True:
        byte, n = n % 128, n // 128
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def packet(first_byte, body):
    return bytes([first_byte]) + remaining_length(len(body)) + body


def string(text):
    data = text.encode()
    return struct.pack(">H", len(data)) + data


def read_exactly(sock, count):
    data = b""
    while len(data) < count:
        chunk = sock.recv(count - len(data))
        if not chunk:
            raise ConnectionError("the broker closed the connection")
        data += chunk
    return data


def read_packet(sock):
    """The next packet: (type, flags, body)."""
    first = read_exactly(sock, 1)[0]
    length, shift = 0, 0
    while True:
        byte = read_exactly(sock, 1)[0]
        length |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            break
    return first >> 4, first & 0x0F, read_exactly(sock, length)


class Session:
    """A raw connection: CONNECT with a clean flag and (5.0) a Session Expiry Interval, then
    packets by hand. `session_present` is CONNACK's flag."""

    def __init__(self, port, client_id, version=4, clean=True, expiry=None, timeout=5):
        self.version = version
        self.sock = socket.create_connection((HOST, port), timeout=timeout)
        flags = 0x02 if clean else 0x00
        body = b"\x00\x04MQTT" + bytes([version, flags]) + struct.pack(">H", 60)
        if version == 5:
            properties = b"" if expiry is None else b"\x11" + struct.pack(">I", expiry)
            body += remaining_length(len(properties)) + properties
        body += string(client_id)
        self.sock.sendall(packet(0x10, body))
        kind, _, answer = read_packet(self.sock)
        if kind != CONNACK or answer[1] != 0:
            raise RuntimeError(f"CONNACK refused: {answer!r}")
        self.session_present = bool(answer[0] & 1)

    def properties(self):
        return b"\x00" if self.version == 5 else b""

    def subscribe(self, topic, qos, packet_id=1):
        body = struct.pack(">H", packet_id) + self.properties() + string(topic) + bytes([qos])
        self.sock.sendall(packet(0x82, body))
        kind, _, answer = read_packet(self.sock)
        if kind != SUBACK:
            raise RuntimeError(f"expected SUBACK, got type {kind}")
        return answer[-1]

    def publish(self, topic, payload, qos, packet_id=None, duplicate=False, retain=False):
        first = 0x30 | (qos << 1) | (0x08 if duplicate else 0) | (1 if retain else 0)
        body = string(topic) + (struct.pack(">H", packet_id) if qos else b"") + self.properties() + payload
        self.sock.sendall(packet(first, body))

    def ack(self, kind, packet_id):
        """PUBACK, PUBREC, PUBREL or PUBCOMP for `packet_id`."""
        self.sock.sendall(packet((kind << 4) | (0x02 if kind == PUBREL else 0), struct.pack(">H", packet_id)))

    def read(self):
        """The next packet: (type, flags, packet identifier or None, body)."""
        kind, flags, body = read_packet(self.sock)
        if kind == PUBLISH:
            topic_length = struct.unpack(">H", body[:2])[0]
            qos = (flags >> 1) & 3
            packet_id = struct.unpack(">H", body[2 + topic_length:4 + topic_length])[0] if qos else None
            return kind, flags, packet_id, body
        packet_id = struct.unpack(">H", body[:2])[0] if kind in (PUBACK, PUBREC, PUBREL, PUBCOMP) else None
        return kind, flags, packet_id, body

    def payload(self, flags, body):
        """A PUBLISH body's payload."""
        topic_length = struct.unpack(">H", body[:2])[0]
        at = 2 + topic_length + (2 if (flags >> 1) & 3 else 0)
        if self.version == 5:
            length, shift, count = 0, 0, 0
            while True:
                byte = body[at + count]
                count += 1
                length |= (byte & 0x7F) << shift
                shift += 7
                if not byte & 0x80:
                    break
            at += count + length
        return body[at:]

    def close(self):
        self.sock.close()

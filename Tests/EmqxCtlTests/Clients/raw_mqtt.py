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

"""Raw PROXY protocol checks against a listener with proxy_protocol = true. Each prints one
line: "connack RC" when the broker answered a CONNECT, or "closed after S s" when it closed
the connection first.

Usage:
  python3 proxy_clients.py v1 PORT SOURCE_IP          a v1 header naming SOURCE_IP, then CONNECT
  python3 proxy_clients.py v2 PORT SOURCE_IP          the same with a v2 header
  python3 proxy_clients.py none PORT                  CONNECT with no header
  python3 proxy_clients.py stall PORT CLAIMED SENT    a v2 header claiming CLAIMED body bytes, SENT of them, then nothing
  python3 proxy_clients.py direct PORT HOST           CONNECT with no header to HOST (127.0.0.1 or ::1)
Every wait is bounded (15 s).
"""
import ipaddress
import socket
import struct
import sys
import time

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from raw_mqtt import connect_packet  # noqa: E402

SIGNATURE = b"\r\n\r\n\x00\r\nQUIT\n"


def v2_header(source, port):
    body = ipaddress.IPv4Address(source).packed + ipaddress.IPv4Address("127.0.0.1").packed + struct.pack(">HH", 50000, port)
    return SIGNATURE + bytes([0x21, 0x11]) + struct.pack(">H", len(body)) + body


def outcome(sock, started):
    sock.settimeout(15)
    try:
        data = sock.recv(4)
    except (ConnectionResetError, socket.timeout):
        data = b""
    if len(data) >= 4 and data[0] == 0x20:
        return f"connack {data[3]}"
    return f"closed after {time.time() - started:.1f} s"


def run(kind, port, args):
    host = args[0] if kind == "direct" else "127.0.0.1"
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.connect((host, port))
    started = time.time()
    if kind == "v1":
        sock.sendall(f"PROXY TCP4 {args[0]} 127.0.0.1 50000 {port}\r\n".encode())
    elif kind == "v2":
        sock.sendall(v2_header(args[0], port))
    elif kind == "stall":
        claimed, sent = int(args[0]), int(args[1])
        sock.sendall(SIGNATURE + bytes([0x21, 0x11]) + struct.pack(">H", claimed) + b"\x00" * sent)
        print(outcome(sock, started), flush=True)
        return
    try:
        sock.sendall(connect_packet(f"proxy-{kind}"))
    except (BrokenPipeError, ConnectionResetError):
        pass
    print(outcome(sock, started), flush=True)


run(sys.argv[1], int(sys.argv[2]), sys.argv[3:])

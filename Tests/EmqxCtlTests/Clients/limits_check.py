"""Connection limits seen from raw clients. Prints one line and exits.

Usage:
  python3 limits_check.py capacity PORT N   N clients connect and stay; one more is tried; then
                                            the first publishes QoS 1 and pings. Prints
                                            "extra refused, first still works" when so.
  python3 limits_check.py rate PORT N       N connections as fast as possible; prints how many
                                            got a CONNACK ("admitted K of N").
"""
import socket
import sys

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from raw_mqtt import HOST, client, connect_packet  # noqa: E402


def refused(port):
    sock = socket.create_connection((HOST, port), timeout=5)
    try:
        sock.sendall(connect_packet("extra"))
        return sock.recv(4) == b""
    except (ConnectionResetError, BrokenPipeError):
        return True
    finally:
        sock.close()


def capacity(port, count):
    clients = [client(port, f"held-{i}") for i in range(count)]
    extra_refused = refused(port)
    first = clients[0]
    first.sendall(bytes([0x32, 0x08, 0x00, 0x03]) + b"a/b" + b"\x00\x01" + b"x")  # PUBLISH QoS 1, id 1
    puback = first.recv(4)
    first.sendall(b"\xc0\x00")
    pingresp = first.recv(2)
    works = puback[:1] == b"\x40" and pingresp == b"\xd0\x00"
    print(("extra refused" if extra_refused else "extra admitted") + (", first still works" if works else ", first broken"), flush=True)


def rate(port, count):
    admitted = 0
    for i in range(count):
        sock = socket.create_connection((HOST, port), timeout=5)
        try:
            sock.sendall(connect_packet(f"storm-{i}"))
            if sock.recv(4)[:1] == b"\x20":
                admitted += 1
        except (ConnectionResetError, BrokenPipeError, socket.timeout):
            pass
        finally:
            sock.close()
    print(f"admitted {admitted} of {count}", flush=True)


{"capacity": capacity, "rate": rate}[sys.argv[1]](int(sys.argv[2]), int(sys.argv[3]))

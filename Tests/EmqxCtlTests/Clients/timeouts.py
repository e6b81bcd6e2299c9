"""The broker's timeouts, from raw sockets: a silent TCP or TLS client is closed after
mqtt.idle_timeout / ssl_options.handshake_timeout (both 1 s in the test config), and a client
that connected in time is not closed when those deadlines pass.

    timeouts.py TCP_PORT SSL_PORT      prints one line per check, "ok" or the problem
"""
import socket
import ssl
import sys
import time

HOST = "127.0.0.1"
TCP_PORT, SSL_PORT = int(sys.argv[1]), int(sys.argv[2])
CONNECT_NO_KEEPALIVE = bytes([0x10, 13, 0, 4]) + b"MQTT" + bytes([4, 2, 0, 0, 0, 1]) + b"t"
PINGREQ, PINGRESP = b"\xc0\x00", b"\xd0\x00"


def closed_after(sock, limit):
    """Seconds until the peer closed, or None if it stayed open for `limit` seconds."""
    started = time.time()
    sock.settimeout(limit)
    try:
        while sock.recv(64):
            pass
        return time.time() - started
    except socket.timeout:
        return None
    except (ConnectionResetError, ssl.SSLError):
        return time.time() - started


def silent_closed(port):
    sock = socket.create_connection((HOST, port), timeout=5)
    elapsed = closed_after(sock, 6)
    sock.close()
    if elapsed is None:
        return "still open after 6 s of silence"
    if not 0.7 <= elapsed <= 3.5:
        return f"closed after {elapsed:.1f} s, expected about 1 s"


def connected_stays_open(wrap):
    sock = wrap(socket.create_connection((HOST, TCP_PORT if wrap is plain else SSL_PORT), timeout=5))
    sock.sendall(CONNECT_NO_KEEPALIVE)
    sock.settimeout(5)
    connack = sock.recv(4)
    if not connack.startswith(b"\x20\x02\x00\x00"):
        return f"no CONNACK: {connack!r}"
    time.sleep(2.5)  # past both 1 s deadlines
    try:
        sock.sendall(PINGREQ)
        answer = sock.recv(2)
    except OSError as error:
        return f"closed after the deadlines passed: {error}"
    finally:
        sock.close()
    if answer != PINGRESP:
        return f"expected PINGRESP after the deadlines passed, got {answer!r}"


def plain(sock):
    return sock


def tls(sock):
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context.wrap_socket(sock)


for name, check in [
    ("tcp: no CONNECT within idle_timeout is closed", lambda: silent_closed(TCP_PORT)),
    ("ssl: no handshake within handshake_timeout is closed", lambda: silent_closed(SSL_PORT)),
    ("tcp: a connected client outlives idle_timeout", lambda: connected_stays_open(plain)),
    ("ssl: a connected client outlives handshake_timeout and idle_timeout", lambda: connected_stays_open(tls)),
]:
    problem = check()
    print(f"{name}: {problem or 'ok'}", flush=True)

"""A listener's tcp_options and access_rules, seen from real sockets (TCPOptionsServeTests).

    listener_sockets.py CHECK PORT [PORT2]      prints one line, "CHECK: ok" or "CHECK: <problem>"

Checks:
  socket-options TUNED PLAIN   the accepted socket of TUNED (recbuf = sndbuf = 32KB,
                               keepalive = "60,10,3") shows those in `ss`; PLAIN's shows none
  nolinger PORT                closing a connection resets it (RST, not FIN)
  linger PORT                  closing a connection ends it with FIN (the default)
  send-timeout PORT            a subscriber that stops reading is closed once nothing could be
                               sent to it for send_timeout (1 s in the test config)
  denied PORT                  the broker closes the connection before sending anything
"""
import re
import socket
import struct
import subprocess
import sys
import time

from raw_mqtt import HOST, client, connect_packet


def server_socket_line(port):
    """`ss` on the broker's end of the one established connection to `port`."""
    for _ in range(50):
        out = subprocess.run(
            ["ss", "-tnmoeH", "state", "established", f"( sport = :{port} )"], capture_output=True, text=True, check=True
        ).stdout
        line = " ".join(out.split())
        if line:
            return line
        time.sleep(0.1)
    raise RuntimeError(f"ss shows no connection on port {port}")


def socket_options(tuned, plain):
    problems = []
    clients = [client(tuned, "tuned"), client(plain, "plain")]
    try:
        line = server_socket_line(tuned)
        buffers = re.search(r"skmem:\(r\d+,rb(\d+),t\d+,tb(\d+)", line)
        # Linux doubles what setsockopt asks for, for its bookkeeping.
        if not buffers or buffers.groups() != ("65536", "65536"):
            problems.append(f"recbuf/sndbuf 32KB not applied: {line}")
        keepalive = re.search(r"timer:\(keepalive,(\d+)(min|sec|ms)", line)
        if not keepalive:
            problems.append(f"no keepalive timer: {line}")
        elif keepalive.group(2) == "sec" and int(keepalive.group(1)) > 60:
            problems.append(f"keepalive idle is not 60 s: {line}")
        plain_line = server_socket_line(plain)
        if "keepalive" in plain_line:
            problems.append(f"keepalive on a listener without it: {plain_line}")
    finally:
        for sock in clients:
            sock.close()
    return "; ".join(problems) or None


def ending(port):
    """How the broker ends a connection it refuses: 'reset' or 'fin'."""
    sock = socket.create_connection((HOST, port), timeout=5)
    sock.sendall(b"\x00\x00")  # packet type 0 is reserved: the broker closes
    try:
        while sock.recv(64):
            pass
        return "fin"
    except ConnectionResetError:
        return "reset"
    finally:
        sock.close()


def send_timeout(port):
    subscriber = client(port, "stalled", receive_buffer=4096)
    subscribe = b"\x00\x01" + struct.pack(">H", 7) + b"flood/#" + b"\x00"
    subscriber.sendall(bytes([0x82, len(subscribe)]) + subscribe)
    if subscriber.recv(5)[:1] != b"\x90":
        return "no SUBACK"
    publisher = client(port, "flooder")
    topic = b"flood/x"
    payload = b"p" * 4000
    body = struct.pack(">H", len(topic)) + topic + payload
    length = len(body)
    packet = bytes([0x30, (length & 0x7F) | 0x80, length >> 7]) + body
    started = time.time()
    sent = 0
    publisher.settimeout(0.2)
    # Bounded: at most 8 MB or 6 s, far more than the subscriber's buffers hold.
    while sent < 2000 and time.time() - started < 6:
        try:
            publisher.sendall(packet)
            sent += 1
        except socket.timeout:
            pass
    publisher.close()
    # Still not reading for longer than send_timeout (1 s), then draining what the socket
    # holds: a connection the broker closed ends there. (Reading sooner would be progress,
    # which send_timeout rightly lets go on.)
    time.sleep(2.5)
    subscriber.settimeout(8)
    try:
        while subscriber.recv(65536):
            pass
    except ConnectionResetError:
        pass
    except socket.timeout:
        return f"the stalled subscriber was not closed ({sent} messages of 4 kB published)"
    finally:
        subscriber.close()


def denied(port):
    sock = socket.create_connection((HOST, port), timeout=5)
    try:
        sock.sendall(connect_packet("denied"))
        data = sock.recv(64)
        return None if data == b"" else f"got {data!r} instead of a close"
    except ConnectionResetError:
        return None
    finally:
        sock.close()


check, ports = sys.argv[1], [int(p) for p in sys.argv[2:]]
try:
    if check == "socket-options":
        problem = socket_options(*ports)
    elif check in ("nolinger", "linger"):
        how = ending(ports[0])
        expected = "reset" if check == "nolinger" else "fin"
        problem = None if how == expected else f"the connection ended with {how}, expected {expected}"
    elif check == "send-timeout":
        problem = send_timeout(ports[0])
    elif check == "denied":
        problem = denied(ports[0])
    else:
        problem = f"unknown check {check}"
except Exception as error:
    problem = f"{type(error).__name__}: {error}"
print(f"{check}: {problem or 'ok'}", flush=True)
sys.exit(1 if problem else 0)

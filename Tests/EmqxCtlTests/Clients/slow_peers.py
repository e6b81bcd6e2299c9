"""Slow and hostile peers, from raw sockets (SlowPeersServeTests).

    slow_peers.py CHECK PORT BROKER_PID      prints one line, "CHECK: ok" or "CHECK: <problem>"

Checks:
  stalled-subscriber   a subscriber to # that never reads, and a publisher sending 32 MB of
                       1 KB QoS 0 messages: the publisher is answered at once afterwards (not
                       held back), and the broker's memory grows by less than 24 MB (its queue
                       and unsent bytes for the stalled client are bounded).
  slowloris            a CONNECT sent one byte every 0.4 s is closed by mqtt.idle_timeout (2 s
                       in the test config) counted from accept, however the bytes trickle.
"""
import socket
import struct
import sys
import time

from raw_mqtt import HOST, client, connect_packet


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def stalled_subscriber(port, pid):
    subscriber = client(port, "stalled", receive_buffer=4096)
    subscribe = b"\x00\x01" + struct.pack(">H", 1) + b"#" + b"\x00"
    subscriber.sendall(bytes([0x82, len(subscribe)]) + subscribe)
    if subscriber.recv(5)[:1] != b"\x90":
        return "no SUBACK"
    publisher = client(port, "publisher")
    time.sleep(0.3)
    before = rss_kb(pid)
    topic = b"flood/x"
    body = struct.pack(">H", len(topic)) + topic + b"p" * 1000
    packet = bytes([0x30, (len(body) & 0x7F) | 0x80, len(body) >> 7]) + body
    burst = packet * 256  # 256 kB per send
    started = time.time()
    sent = 0
    publisher.settimeout(40)
    while sent < 32 * 1024 and time.time() - started < 40:  # bounded: 32 MB or 40 s
        publisher.sendall(burst)
        sent += 256
    # The publisher is not held back: a PINGREQ after the flood is answered promptly.
    publisher.sendall(b"\xc0\x00")
    publisher.settimeout(10)
    data = b""
    while not data.endswith(b"\xd0\x00"):
        chunk = publisher.recv(64)
        if not chunk:
            return "the publisher's connection closed"
        data += chunk
    elapsed = time.time() - started
    time.sleep(0.5)
    grown = (rss_kb(pid) - before) / 1024
    publisher.close()
    subscriber.close()
    if sent < 32 * 1024:
        return f"only {sent} kB published in 40 s: the publisher was held back"
    if grown > 24:
        return f"the broker grew by {grown:.0f} MB for one stalled subscriber ({sent // 1024} MB published in {elapsed:.1f} s)"
    # Once both have gone, the memory goes back: the heap trimmer looks every 2 s and trims
    # once activity has settled. Bounded wait: 20 s, the trimmer's tail window (on a loaded
    # machine, with the whole test suite running beside it, 12 s was once too little).
    deadline = time.time() + 20
    kept = (rss_kb(pid) - before) / 1024
    while kept > 4 and time.time() < deadline:
        time.sleep(0.5)
        kept = (rss_kb(pid) - before) / 1024
    if kept > 4:
        return f"{kept:.1f} MB still held 20 s after the clients left (peak {grown:.1f} MB)"


def slowloris(port):
    sock = socket.create_connection((HOST, port), timeout=5)
    packet = connect_packet("slow")
    started = time.time()
    try:
        for byte in packet:
            sock.sendall(bytes([byte]))
            time.sleep(0.4)
            if time.time() - started > 6:
                break
        sock.settimeout(6 - min(5, time.time() - started))
        data = sock.recv(64)
        elapsed = time.time() - started
        if data:
            return f"the trickled CONNECT was answered: {data!r}"
    except (ConnectionResetError, BrokenPipeError):
        elapsed = time.time() - started
    except socket.timeout:
        return "still open after 6 s"
    finally:
        sock.close()
    if elapsed > 4:
        return f"closed after {elapsed:.1f} s, expected about 2 s (idle_timeout from accept)"


check, port = sys.argv[1], int(sys.argv[2])
try:
    if check == "stalled-subscriber":
        problem = stalled_subscriber(port, int(sys.argv[3]))
    elif check == "slowloris":
        problem = slowloris(port)
    else:
        problem = f"unknown check {check}"
except Exception as error:
    problem = f"{type(error).__name__}: {error}"
print(f"{check}: {problem or 'ok'}", flush=True)
sys.exit(1 if problem else 0)

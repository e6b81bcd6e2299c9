"""serve out of file descriptors (FDExhaustionServeTests): run it with a low `ulimit -n`.

    fd_exhaustion.py PORT BROKER_PID      prints one line, "fd-exhaustion: ok" or the problem

Opens more connections than the broker has descriptors for and holds them: the broker must
not spin (it backs off accepting, so its CPU stays low while the queue waits), and once the
connections go it accepts and serves a new client again.
"""
import socket
import struct
import sys
import time

HOST = "127.0.0.1"
PORT, PID = int(sys.argv[1]), int(sys.argv[2])


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / 100.0  # utime + stime, in clock ticks


def check():
    sockets = []
    for _ in range(120):  # bounded: far more than the broker's descriptors
        sockets.append(socket.create_connection((HOST, PORT), timeout=5))
    time.sleep(0.5)
    before = cpu_seconds(PID)
    time.sleep(2)
    spent = cpu_seconds(PID) - before
    for sock in sockets:
        sock.close()
    if spent > 0.5:
        return f"the broker used {spent:.2f} s of CPU in 2 s while out of descriptors: it spins"
    # Descriptors free again: a client connects and gets its CONNACK (the backoff is 1 s).
    deadline = time.time() + 10
    while time.time() < deadline:
        try:
            sock = socket.create_connection((HOST, PORT), timeout=3)
            body = b"\x00\x04MQTT\x04\x02\x00\x3c\x00\x05after"
            sock.sendall(bytes([0x10, len(body)]) + body)
            if sock.recv(4) == b"\x20\x02\x00\x00":
                sock.close()
                return None
            sock.close()
        except OSError:
            pass
        time.sleep(0.5)
    return "no CONNACK within 10 s after the descriptors were freed"


try:
    problem = check()
except Exception as error:
    problem = f"{type(error).__name__}: {error}"
print(f"fd-exhaustion: {problem or 'ok'}", flush=True)
sys.exit(1 if problem else 0)

"""Peers for Benchmarks/slow-peers.sh; every loop is bounded by its duration.

    slow_peers.py stalled PORT SECONDS             a subscriber to # that never reads
    slow_peers.py flood PORT SECONDS QOS           1 kB messages to flood/x, as fast as the socket takes
                                                   (QoS 1 with a window of 32); prints messages/s
    slow_peers.py hostile PORT SECONDS SLOW IDLE   SLOW slowloris sockets (a CONNECT byte every 10 s,
                                                   reopened when closed) and IDLE idle connected clients
"""
import socket
import struct
import sys
import time

HOST = "127.0.0.1"


def connect_packet(client_id, keepalive=600):
    body = b"\x00\x04MQTT\x04\x02" + struct.pack(">H", keepalive) + struct.pack(">H", len(client_id)) + client_id.encode()
    return bytes([0x10, len(body)]) + body


def mqtt(port, client_id, receive_buffer=None):
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if receive_buffer:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
    sock.settimeout(10)
    sock.connect((HOST, port))
    sock.sendall(connect_packet(client_id))
    assert sock.recv(4)[:1] == b"\x20"
    return sock


def stalled(port, seconds):
    sock = mqtt(port, "stalled", receive_buffer=4096)
    subscribe = b"\x00\x01" + struct.pack(">H", 1) + b"#" + b"\x00"
    sock.sendall(bytes([0x82, len(subscribe)]) + subscribe)
    sock.recv(5)
    print("subscribed", flush=True)
    time.sleep(seconds)
    sock.close()


def flood(port, seconds, qos):
    sock = mqtt(port, f"flood-{qos}")
    topic = b"flood/x"
    payload = b"p" * 1000
    sent = acked = 0
    started = time.time()
    sock.settimeout(2)
    if qos == 0:
        body = struct.pack(">H", len(topic)) + topic + payload
        burst = (bytes([0x30, (len(body) & 0x7F) | 0x80, len(body) >> 7]) + body) * 64
        while time.time() - started < seconds:
            try:
                sock.sendall(burst)
                sent += 64
            except socket.timeout:
                break
        acked = sent
    else:
        window, pending, packet_id, buffer = 32, 0, 0, b""
        while time.time() - started < seconds:
            while pending < window:
                packet_id = packet_id % 65535 + 1
                body = struct.pack(">H", len(topic)) + topic + struct.pack(">H", packet_id) + payload
                sock.sendall(bytes([0x32, (len(body) & 0x7F) | 0x80, len(body) >> 7]) + body)
                pending += 1
                sent += 1
            try:
                buffer += sock.recv(65536)
            except socket.timeout:
                break
            while len(buffer) >= 4 and buffer[0] == 0x40:
                buffer = buffer[4:]
                pending -= 1
                acked += 1
    elapsed = time.time() - started
    sock.close()
    print(f"{acked / elapsed:.0f}", flush=True)


def hostile(port, seconds, slow, idle):
    idle_clients = []
    for index in range(idle):
        try:
            idle_clients.append(mqtt(port, f"idle-{index}"))
        except OSError:
            break
    packet = connect_packet("slowloris")
    loris = [(socket.create_connection((HOST, port), timeout=5), 0) for _ in range(slow)]
    print(f"hostile: {len(idle_clients)} idle, {len(loris)} slowloris", flush=True)
    started = time.time()
    while time.time() - started < seconds:
        for index, (sock, sent) in enumerate(loris):
            try:
                sock.sendall(packet[sent:sent + 1])
                loris[index] = (sock, sent + 1 if sent + 1 < len(packet) else 0)
            except OSError:
                sock.close()
                loris[index] = (socket.create_connection((HOST, port), timeout=5), 0)
        time.sleep(min(10, max(0.1, seconds - (time.time() - started))))
    for sock, _ in loris:
        sock.close()
    for sock in idle_clients:
        sock.close()


command, port, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
if command == "stalled":
    stalled(port, seconds)
elif command == "flood":
    flood(port, seconds, int(sys.argv[4]))
elif command == "hostile":
    hostile(port, seconds, int(sys.argv[4]), int(sys.argv[5]))

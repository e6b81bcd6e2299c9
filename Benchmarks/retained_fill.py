"""Fills a broker with retained messages for Benchmarks/persistence.sh: N topics
(`retained/0` ...), QoS 0 and pipelined, then one QoS 1 message whose PUBACK says the broker
has read them all. Usage: retained_fill.py PORT COUNT"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "Tests", "EmqxCtlTests", "Clients"))
import raw_mqtt  # noqa: E402
from raw_mqtt import PUBACK  # noqa: E402

port, count = int(sys.argv[1]), int(sys.argv[2])
session = raw_mqtt.Session(port, "retained-fill", timeout=60)
payload = b"x" * 64
batch = bytearray()
for index in range(count):
    topic = f"retained/{index}"
    body = raw_mqtt.string(topic) + payload
    batch += raw_mqtt.packet(0x31, body)
    if len(batch) > 1 << 16:
        session.sock.sendall(batch)
        batch.clear()
session.sock.sendall(batch)
session.publish("retained/done", payload, qos=1, packet_id=1, retain=True)
while session.read()[0] != PUBACK:
    pass
session.close()

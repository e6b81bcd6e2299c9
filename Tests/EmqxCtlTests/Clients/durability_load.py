"""kill -9 at random moments under a QoS 1 load, with a checker (PersistenceServeTests,
Benchmarks/persistence.sh).

  durability_load.py --port P --kills N --cwd DIR -- BROKER COMMAND...

Starts the broker (its command after --, run in DIR, listening on 127.0.0.1:P), makes a
durable subscriber (clean session off, `load/#` at QoS 1), then runs a publisher that sends
numbered QoS 1 messages (8 in flight) and a subscriber that acknowledges what it receives,
both reconnecting whenever the broker is gone, while the broker is killed with SIGKILL N times
at random moments and started again. At the end every message the broker acknowledged (PUBACK)
must have reached the subscriber. Prints `RESULT acked=… delivered=… lost=… duplicates=…`,
and exits 1 when any acknowledged message was lost (--allow-loss reports only).
"""
import argparse
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time

import raw_mqtt
from raw_mqtt import PUBACK, PUBLISH

arguments = argparse.ArgumentParser()
arguments.add_argument("--port", type=int, required=True)
arguments.add_argument("--kills", type=int, default=100)
arguments.add_argument("--cwd", required=True)
arguments.add_argument("--seed", type=int, default=None)
arguments.add_argument("--allow-loss", action="store_true")
arguments.add_argument("command", nargs=argparse.REMAINDER)
options = arguments.parse_args()
command = options.command[1:] if options.command[:1] == ["--"] else options.command
rng = random.Random(options.seed)
stop = threading.Event()
acked, delivered = set(), []
lock = threading.Lock()


def start_broker():
    log = open(os.path.join(options.cwd, "broker.log"), "a")
    broker = subprocess.Popen(command, cwd=options.cwd, stdout=log, stderr=log)
    deadline = time.time() + 20
    while time.time() < deadline:
        try:
            socket.create_connection((raw_mqtt.HOST, options.port), timeout=0.2).close()
            return broker
        except OSError:
            if broker.poll() is not None:
                sys.exit(f"FAIL the broker exited with {broker.returncode}; see {options.cwd}/broker.log")
            time.sleep(0.01)
    sys.exit("FAIL the broker did not start within 20 s")


def connected(client_id, clean):
    """A session, retried while the broker is away (bounded by `stop`)."""
    while not stop.is_set():
        try:
            return raw_mqtt.Session(options.port, client_id, clean=clean, timeout=2)
        except (OSError, RuntimeError):
            time.sleep(0.02)
    return None


def publisher():
    sequence = 0
    while not stop.is_set():
        session = connected("load-publisher", clean=True)
        if session is None:
            return
        in_flight = {}
        try:
            while not stop.is_set():
                while len(in_flight) < 8:
                    sequence += 1
                    packet_id = sequence % 65535 + 1
                    in_flight[packet_id] = sequence
                    session.publish("load/x", str(sequence).encode(), qos=1, packet_id=packet_id)
                kind, _, packet_id, _ = session.read()
                if kind == PUBACK and packet_id in in_flight:
                    with lock:
                        acked.add(in_flight.pop(packet_id))
        except (OSError, ConnectionError):
            session.close()  # the unacknowledged are simply not counted: nothing was promised


def subscriber():
    while not stop.is_set() or pending():
        session = connected("load-sink", clean=False)
        if session is None:
            return
        try:
            session.sock.settimeout(0.5)
            while True:
                try:
                    kind, flags, packet_id, body = session.read()
                except socket.timeout:
                    if stop.is_set() and not pending():
                        session.close()
                        return
                    continue
                if kind == PUBLISH:
                    with lock:
                        delivered.append(int(session.payload(flags, body)))
                    if packet_id is not None:
                        session.ack(PUBACK, packet_id)
        except (OSError, ConnectionError):
            session.close()


def pending():
    with lock:
        return bool(acked - set(delivered))


broker = start_broker()
setup = connected("load-sink", clean=False)
setup.subscribe("load/#", 1)
setup.close()
threads = [threading.Thread(target=publisher), threading.Thread(target=subscriber)]
for thread in threads:
    thread.start()
started = time.time()
for _ in range(options.kills):
    time.sleep(rng.uniform(0.02, 0.3))
    broker.send_signal(signal.SIGKILL)
    broker.wait()
    broker = start_broker()
time.sleep(0.5)
stop_publishing = threading.Event()
stop.set()
threads[0].join(timeout=10)
deadline = time.time() + 30
while pending() and time.time() < deadline:
    time.sleep(0.05)
threads[1].join(timeout=10)
broker.send_signal(signal.SIGTERM)
broker.wait(timeout=10)
with lock:
    lost = sorted(acked - set(delivered))
    duplicates = len(delivered) - len(set(delivered))
print(
    f"RESULT acked={len(acked)} delivered={len(set(delivered))} lost={len(lost)} duplicates={duplicates} "
    f"kills={options.kills} seconds={time.time() - started:.1f}",
    flush=True)
if lost:
    print(f"{'NOTE' if options.allow_loss else 'FAIL'} lost acknowledged messages, first: {lost[:10]}", flush=True)
    sys.exit(0 if options.allow_loss else 1)
if not acked:
    print("FAIL nothing was acknowledged", flush=True)
    sys.exit(1)
print("PASS every acknowledged message was delivered", flush=True)

"""MQTT's guarantees with connections spread over several event loops (serve --threads N).

Usage: python3 every_core.py PORT LOOPS
NIO hands accepted connections to the loops in turn, so of LOOPS consecutive connections each
lands on another loop; every check opens its clients so that they meet across loops.
Prints "PASS <name>" or "FAIL <name>: <why>" per check; exits 1 if any failed. Every wait
is bounded.
"""
import queue
import subprocess
import sys
import threading
import uuid

from checks import RESULTS, check
from paho_client import V5, Client, session_expiry

PORT = int(sys.argv[1])
LOOPS = int(sys.argv[2])
HOST = "127.0.0.1"
Client.port = PORT


def spacer():
    """A connection that only moves the next one onto the next loop."""
    return Client(V5)


@check("order per publisher at QoS 1 and 2, publishers on every loop")
def order():
    # Each publisher's messages must come in order, each at least once (a QoS 1 resend comes
    # again after its first delivery). QoS 1 publishers are paho; QoS 2 ones mosquitto_pub
    # (paho 2.1, publishing QoS 2 faster than the broker's Receive Maximum, sends queued
    # messages with the payloads of earlier ones, against mosquitto as well).
    topic = f"order/{uuid.uuid4().hex[:6]}"
    subscriber = Client(V5)
    subscriber.subscribe(f"{topic}/#", qos=2)
    count = 200  # all of them fit the subscriber's queue (mqtt.max_mqueue_len, 1000)
    publishers = [Client(V5) if index % 2 == 0 else None for index in range(LOOPS)]  # spread over the loops

    def run(index, publisher):
        if publisher:
            for n in range(count):
                publisher.client.publish(f"{topic}/{index}", f"{n}", qos=1)
        else:
            lines = "".join(f"{n}\n" for n in range(count))
            subprocess.run(
                ["mosquitto_pub", "-h", HOST, "-p", str(PORT), "-V", "mqttv5", "-q", "2", "-t", f"{topic}/{index}", "-l"],
                input=lines, text=True, timeout=30, check=True)

    threads = [threading.Thread(target=run, args=(i, p)) for i, p in enumerate(publishers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    got = subscriber.received(count * LOOPS, timeout=30)
    for client in [p for p in publishers if p] + [subscriber]:
        client.close()
    by_publisher = {}
    for message in got:
        by_publisher.setdefault(message.topic, []).append(int(message.payload))
    for index in range(LOOPS):
        sequence = by_publisher.get(f"{topic}/{index}", [])
        qos = 1 if publishers[index] else 2
        if qos == 2 and sequence != list(range(count)):
            return f"publisher {index} (QoS 2): {len(sequence)} received, not exactly 0...{count - 1} in order"
        firsts = [n for i, n in enumerate(sequence) if n == 0 or n > max(sequence[:i], default=-1)]
        if firsts != list(range(count)):
            return f"publisher {index} (QoS 1): {len(sequence)} received, not all of {count} in order"
    return None


@check("session takeover when the new connection lands on another loop")
def takeover():
    client_id = f"device-{uuid.uuid4().hex[:6]}"
    first = Client(V5, client_id, clean=False, properties=session_expiry(300))
    first.subscribe("takeover/t", qos=1)
    previous = first
    for round_ in range(LOOPS + 1):
        spacers = [spacer() for _ in range(round_ % LOOPS)]
        second = Client(V5, client_id, clean=False, properties=session_expiry(300))
        if not second.flags.session_present:
            return f"round {round_}: session_present = 0"
        try:
            reason = previous.disconnects.get(timeout=5)
        except queue.Empty:
            return f"round {round_}: the old connection was not closed"
        if int(reason.value) != 0x8E:
            return f"round {round_}: the old connection got {reason}, not 0x8E session taken over"
        previous.client.loop_stop()
        publisher = Client(V5)
        publisher.client.publish("takeover/t", f"r{round_}", qos=1).wait_for_publish(5)
        got = second.received(1, timeout=5)
        publisher.close()
        for s in spacers:
            s.close()
        if [m.payload for m in got] != [f"r{round_}".encode()]:
            return f"round {round_}: the subscription did not move with the session: {got}"
        previous = second
    previous.close()
    return None


@check("shared subscription round robin over members on every loop")
def shared():
    group = f"$share/g{uuid.uuid4().hex[:6]}/shared/t"
    members = [Client(V5) for _ in range(LOOPS)]
    for member in members:
        member.subscribe(group, qos=1)
    publisher = Client(V5)
    total = 60 * LOOPS
    for n in range(total):
        publisher.client.publish("shared/t", f"{n}", qos=1).wait_for_publish(5)
    counts = [len(member.received(total // LOOPS, timeout=10)) for member in members]
    extra = [member.received(1, timeout=0.3) for member in members]
    publisher.close()
    for member in members:
        member.close()
    if counts != [total // LOOPS] * LOOPS or any(extra):
        return f"{total} messages over {LOOPS} members: {counts} (and {sum(map(len, extra))} more)"
    return None


@check("a will is delivered to subscribers on every loop")
def will():
    topic = f"will/{uuid.uuid4().hex[:6]}"
    watchers = [Client(V5) for _ in range(LOOPS)]
    for watcher in watchers:
        watcher.subscribe(topic, qos=1)
    dying = Client(V5, will={"topic": topic, "payload": b"gone", "qos": 1})
    dying.drop()
    got = [watcher.received(1, timeout=5) for watcher in watchers]
    for watcher in watchers:
        watcher.close()
    if any([m.payload for m in g] != [b"gone"] for g in got):
        return f"wills received: {[[m.payload for m in g] for g in got]}"
    return None


@check("a retained message is seen by new subscribers on every loop")
def retained():
    topic = f"retained/{uuid.uuid4().hex[:6]}"
    publisher = Client(V5)
    publisher.client.publish(topic, b"kept", qos=1, retain=True).wait_for_publish(5)
    publisher.close()
    for index in range(LOOPS + 1):
        subscriber = Client(V5)
        subscriber.subscribe(topic, qos=1)
        got = subscriber.received(1, timeout=5)
        subscriber.close()
        if [(m.payload, m.retain) for m in got] != [(b"kept", True)]:
            return f"subscriber {index}: {[(m.payload, m.retain) for m in got]}"
    cleaner = Client(V5)
    cleaner.client.publish(topic, b"", qos=1, retain=True).wait_for_publish(5)
    cleaner.close()
    return None


sys.exit(1 if any(problem for _, problem in RESULTS) else 0)

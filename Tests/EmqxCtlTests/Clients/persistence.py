"""Durable sessions and retained messages across a broker restart or crash (PersistenceServeTests).

  persistence.py before --port P --version 4|5 --state FILE
      Makes durable sessions and leaves them with work pending: a paho subscriber that went
      away with messages queued for it (QoS 1 and 2, each acknowledged to its publisher), a
      retained message, a raw subscriber stopped after PUBREL (before PUBCOMP), and a raw
      publisher stopped after PUBREC (before PUBREL); a retained message cleared, and (5.0)
      one that expires in a second. Prints READY and keeps its raw
      connections open until stdin closes, so the broker stops with them connected.
  persistence.py after --port P --version 4|5 --state FILE
      After the restart: each session is present, every acknowledged message arrives (QoS 2
      exactly once), the half-done QoS 2 flows finish where they stopped, the retained message
      is there.
"""
import argparse
import json
import sys
import time

from checks import RESULTS, check
from paho_client import V3, V5, Client, PacketTypes, Properties, session_expiry
import raw_mqtt
from raw_mqtt import PUBCOMP, PUBLISH, PUBREC, PUBREL

arguments = argparse.ArgumentParser()
arguments.add_argument("phase", choices=["before", "after"])
arguments.add_argument("--port", type=int, required=True)
arguments.add_argument("--version", type=int, choices=[4, 5], required=True)
arguments.add_argument("--state", required=True)
options = arguments.parse_args()
Client.port = options.port
version = V5 if options.version == 5 else V3
tag = f"v{options.version}"
expiry = session_expiry(3600) if version == V5 else None
raw_expiry = 3600 if options.version == 5 else None
COMMANDS = [f"q1-{i}" for i in range(1, 6)] + [f"q2-{i}" for i in range(1, 6)]


def durable_subscriber():
    return Client(version, client_id=f"dev-{tag}", clean=False, properties=expiry)


def raw(name):
    return raw_mqtt.Session(options.port, f"{name}-{tag}", version=options.version, clean=False, expiry=raw_expiry)


def before():
    state = {}

    @check("a durable subscriber subscribes and goes away")
    def _():
        subscriber = durable_subscriber()
        granted = subscriber.subscribe(f"cmd/{tag}/#", qos=2)
        subscriber.close()
        return None if [int(getattr(code, "value", code)) for code in granted] == [2] else f"granted {granted}"

    publisher = Client(version, client_id=f"pub-{tag}")

    @check("a retained message and ten commands are acknowledged")
    def _():
        infos = [publisher.publish(f"state/{tag}", b"on", qos=1, retain=True)]
        # One retained and then cleared (empty payload); for 5.0 one that expires in a second.
        infos.append(publisher.publish(f"state/{tag}/cleared", b"soon gone", qos=1, retain=True))
        infos.append(publisher.publish(f"state/{tag}/cleared", b"", qos=1, retain=True))
        if version == V5:
            properties = Properties(PacketTypes.PUBLISH)
            properties.MessageExpiryInterval = 1
            infos.append(publisher.publish(f"state/{tag}/expiring", b"stale", qos=1, retain=True, properties=properties))
        for name in COMMANDS:
            infos.append(publisher.publish(f"cmd/{tag}/{name}", name.encode(), qos=int(name[1])))
        state["published_at"] = time.time()
        unacked = [info.mid for info in infos if not info.is_published()]
        return f"not acknowledged: {unacked}" if unacked else None

    @check("a raw subscriber stops after PUBREL, before PUBCOMP")
    def _():
        subscriber = raw("rawsub")
        subscriber.subscribe(f"rel/{tag}", 2)
        publisher.publish(f"rel/{tag}", b"released", qos=2)
        kind, _, packet_id, _ = subscriber.read()
        if kind != PUBLISH:
            return f"expected PUBLISH, got {kind}"
        subscriber.ack(PUBREC, packet_id)
        kind, _, released, _ = subscriber.read()
        if (kind, released) != (PUBREL, packet_id):
            return f"expected PUBREL {packet_id}, got {kind} {released}"
        state["released"] = packet_id
        state["rawsub"] = subscriber
        return None

    @check("a raw publisher stops after PUBREC, before PUBREL")
    def _():
        sender = raw("rawpub")
        sender.publish(f"cmd/{tag}/raw", b"raw-once", qos=2, packet_id=77)
        kind, _, packet_id, _ = sender.read()
        state["rawpub"] = sender
        return None if (kind, packet_id) == (PUBREC, 77) else f"expected PUBREC 77, got {kind} {packet_id}"

    publisher.close()
    with open(options.state, "w") as file:
        json.dump({"released": state.get("released"), "published_at": state.get("published_at", 0)}, file)
    print("READY", flush=True)
    sys.stdin.read()  # the test closes stdin once the broker is stopped


def after():
    with open(options.state) as file:
        state = json.load(file)
    subscriber = durable_subscriber()

    @check("the paho subscriber's session is present")
    def _():
        return None if subscriber.flags.session_present else f"session_present = {subscriber.flags.session_present}"

    @check("every acknowledged command arrives, QoS 2 exactly once")
    def _():
        got = [message.payload.decode() for message in subscriber.received(11, timeout=10)]
        missing = [name for name in COMMANDS + ["raw-once"] if name not in got]
        repeated = [name for name in set(got) if got.count(name) > 1 and not name.startswith("q1-")]
        return f"missing {missing}, got {got}" if missing else (f"repeated {repeated}" if repeated else None)

    @check("the raw publisher resumes: its retransmission is acknowledged, not routed again")
    def _():
        sender = raw("rawpub")
        if not sender.session_present:
            return "session_present = 0"
        sender.publish(f"cmd/{tag}/raw", b"raw-once", qos=2, packet_id=77, duplicate=True)
        kind, _, packet_id, _ = sender.read()
        if (kind, packet_id) != (PUBREC, 77):
            return f"expected PUBREC 77, got {kind} {packet_id}"
        sender.ack(PUBREL, 77)
        kind, _, packet_id, _ = sender.read()
        if (kind, packet_id) != (PUBCOMP, 77):
            return f"expected PUBCOMP 77, got {kind} {packet_id}"
        return subscriber.nothing(1.0)

    @check("the raw subscriber resumes with PUBREL, not the message again")
    def _():
        receiver = raw("rawsub")
        if not receiver.session_present:
            return "session_present = 0"
        kind, _, packet_id, _ = receiver.read()
        if (kind, packet_id) != (PUBREL, state["released"]):
            return f"expected PUBREL {state['released']}, got {kind} {packet_id}"
        receiver.ack(PUBCOMP, packet_id)
        return None

    @check("the retained message is back; the cleared one and the expired one are not")
    def _():
        time.sleep(max(0.0, state["published_at"] + 1.2 - time.time()))  # the 5.0 one has expired
        watcher = Client(version, client_id=f"watch-{tag}")
        watcher.subscribe(f"state/{tag}/#", qos=1)
        got = sorted((message.topic, message.payload, message.retain) for message in watcher.received(3, timeout=2))
        return None if got == [(f"state/{tag}", b"on", True)] else f"got {got}"

    subscriber.close()


before() if options.phase == "before" else after()
sys.exit(0 if all(problem is None for _, problem in RESULTS) else 1)

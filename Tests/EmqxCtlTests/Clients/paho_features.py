"""Broker features exercised with paho-mqtt, in MQTT 3.1.1 and 5.0.

Usage: python3 paho_features.py PORT [--websockets]
With --websockets every paho client speaks MQTT over WebSocket (ws://HOST:PORT/mqtt); the
checks that write raw MQTT bytes to a TCP socket are left out there.
Prints one line per check, "PASS <name>" or "FAIL <name>: <why>", and exits 1 if any failed.
Every wait is bounded; the whole run takes a few seconds.
"""
import queue
import socket
import struct
import sys
import time
import uuid

from checks import RESULTS, check
from paho_client import V3, V5, Client, PacketTypes, Properties, mqtt

PORT = int(sys.argv[1])
HOST = "127.0.0.1"
WEBSOCKETS = "--websockets" in sys.argv[2:]
Client.port = PORT
Client.transport = "websockets" if WEBSOCKETS else "tcp"


def unique(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def both(name, body):
    for version, label in ((V3, "3.1.1"), (V5, "5.0")):
        check(f"{name} ({label})")(lambda version=version: body(version))


# MARK: Checks in both versions

def qos_end_to_end(version):
    topic = unique("qos")
    subscriber = Client(version)
    subscriber.subscribe(topic, qos=2)
    publisher = Client(version)
    for qos in (0, 1, 2):
        publisher.publish(topic, f"q{qos}", qos=qos)
        message = subscriber.receive()
        if message.payload != f"q{qos}".encode() or message.qos != qos:
            return f"QoS {qos}: got {message.payload!r} at QoS {message.qos}"
    subscriber.close()
    publisher.close()


def qos_downgrade(version):
    topic = unique("down")
    subscriber = Client(version)
    subscriber.subscribe(topic, qos=0)
    publisher = Client(version)
    publisher.publish(topic, "x", qos=2)
    message = subscriber.receive()
    subscriber.close()
    publisher.close()
    return None if message.qos == 0 else f"delivered at QoS {message.qos}"


def wildcards(version):
    base = unique("wild")
    subscriber = Client(version)
    subscriber.subscribe(f"{base}/+/temp", qos=1)
    subscriber.subscribe(f"{base}/all/#", qos=1)
    publisher = Client(version)
    publisher.publish(f"{base}/kitchen/temp", "21", qos=1)
    publisher.publish(f"{base}/kitchen/humidity", "40", qos=1)
    publisher.publish(f"{base}/all", "parent", qos=1)
    got = sorted(subscriber.receive().topic for _ in range(2))
    extra = subscriber.nothing()
    subscriber.close()
    publisher.close()
    if got != sorted([f"{base}/kitchen/temp", f"{base}/all"]):
        return f"got {got}"
    return extra


def dollar_topics(version):
    subscriber = Client(version)
    subscriber.subscribe("#", qos=0)
    publisher = Client(version)
    publisher.publish("$internal/status", "up", qos=1)
    problem = subscriber.nothing(timeout=0.7)
    subscriber.close()
    publisher.close()
    return problem


def retained(version):
    topic = unique("retained")
    publisher = Client(version)
    publisher.publish(topic, "kept", qos=1, retain=True)
    first = Client(version)
    first.subscribe(topic, qos=1)
    message = first.receive()
    if message.payload != b"kept" or not message.retain:
        return f"got {message.payload!r}, retain={message.retain}"
    publisher.publish(topic, "", qos=1, retain=True)
    second = Client(version)
    second.subscribe(topic, qos=1)
    problem = second.nothing()
    for client in (publisher, first, second):
        client.close()
    return problem


def will_on_abnormal_disconnect(version):
    topic = unique("will")
    watcher = Client(version)
    watcher.subscribe(topic, qos=1)
    dying = Client(version, will={"topic": topic, "payload": "gone", "qos": 1})
    dying.drop()
    message = watcher.receive()
    watcher.close()
    return None if message.payload == b"gone" else f"got {message.payload!r}"


def no_will_on_normal_disconnect(version):
    topic = unique("will")
    watcher = Client(version)
    watcher.subscribe(topic, qos=1)
    leaving = Client(version, will={"topic": topic, "payload": "gone", "qos": 1})
    leaving.close()
    problem = watcher.nothing(timeout=0.7)
    watcher.close()
    return problem


def session_takeover(version):
    client_id = unique("takeover")
    first = Client(version, client_id=client_id)
    second = Client(version, client_id=client_id)
    code = first.disconnects.get(timeout=5)
    second.close()
    first.client.loop_stop()
    if version == V5 and code != 0x8E:
        return f"the first connection got reason {code}, not 0x8E (session taken over)"


def persistent_session(version):
    client_id = unique("persist")
    topic = unique("offline")
    properties = None
    if version == V5:
        properties = Properties(PacketTypes.CONNECT)
        properties.SessionExpiryInterval = 60
    subscriber = Client(version, client_id=client_id, clean=False, properties=properties)
    subscriber.subscribe(topic, qos=1)
    subscriber.close()
    publisher = Client(version)
    publisher.publish(topic, "while away", qos=1)
    publisher.close()
    back = Client(version, client_id=client_id, clean=False, properties=properties)
    present = back.flags.session_present
    message = back.receive()
    back.close()
    if not present:
        return "session present was not set"
    return None if message.payload == b"while away" else f"got {message.payload!r}"


def shared_round_robin(version):
    topic = unique("shared")
    members = [Client(version), Client(version)]
    for member in members:
        member.subscribe(f"$share/workers/{topic}", qos=1)
    publisher = Client(version)
    for index in range(4):
        publisher.publish(topic, str(index), qos=1)
    counts = []
    for member in members:
        received = 0
        while True:
            try:
                member.receive(timeout=0.7)
                received += 1
            except queue.Empty:
                break
        counts.append(received)
        member.close()
    publisher.close()
    return None if counts == [2, 2] else f"the two members got {counts}"


def unsubscribe(version):
    topic = unique("unsub")
    subscriber = Client(version)
    subscriber.subscribe(topic, qos=1)
    subscriber.unsubscribe(topic)
    publisher = Client(version)
    publisher.publish(topic, "x", qos=1)
    problem = subscriber.nothing()
    subscriber.close()
    publisher.close()
    return problem


def assigned_client_id(version):
    client = Client(version, client_id="")
    assigned = getattr(client.properties, "AssignedClientIdentifier", None) if version == V5 else "n/a"
    client.close()
    if version == V5 and not assigned:
        return "no Assigned Client Identifier"


# MARK: 5.0 only

def v5_no_local():
    topic = unique("nolocal")
    client = Client(V5)
    client.subscribe(topic, qos=1, noLocal=True)
    client.publish(topic, "echo", qos=1)
    problem = client.nothing()
    client.close()
    return problem


def v5_retain_handling_and_as_published():
    topic = unique("rh")
    publisher = Client(V5)
    publisher.publish(topic, "kept", qos=1, retain=True)
    never = Client(V5)
    never.subscribe(topic, qos=1, retainHandling=2)
    problem = never.nothing()
    if problem:
        return "retain handling 2: " + problem
    keeps = Client(V5)
    keeps.subscribe(topic, qos=1, retainAsPublished=True)
    keeps.receive()  # the retained copy
    publisher.publish(topic, "live", qos=1, retain=True)
    live = keeps.receive()
    publisher.publish(topic, "", qos=1, retain=True)
    for client in (publisher, never, keeps):
        client.close()
    return None if live.retain else "retain as published did not keep RETAIN"


def v5_properties_pass_through():
    topic = unique("props")
    subscriber = Client(V5)
    subscriber.subscribe(topic, qos=1)
    publisher = Client(V5)
    properties = Properties(PacketTypes.PUBLISH)
    properties.ResponseTopic = "reply/here"
    properties.CorrelationData = b"\x01\x02"
    properties.ContentType = "text/plain"
    properties.PayloadFormatIndicator = 1
    properties.UserProperty = [("k", "v")]
    publisher.publish(topic, "with properties", qos=1, properties=properties)
    received = subscriber.receive().properties
    subscriber.close()
    publisher.close()
    expected = {
        "ResponseTopic": "reply/here", "CorrelationData": b"\x01\x02", "ContentType": "text/plain",
        "PayloadFormatIndicator": 1, "UserProperty": [("k", "v")],
    }
    wrong = {key: getattr(received, key, None) for key, value in expected.items() if getattr(received, key, None) != value}
    return f"wrong properties: {wrong}" if wrong else None


def v5_topic_alias():
    topic = unique("alias")
    subscriber = Client(V5)
    subscriber.subscribe(topic, qos=1)
    publisher = Client(V5)
    first = Properties(PacketTypes.PUBLISH)
    first.TopicAlias = 5
    publisher.publish(topic, "one", qos=1, properties=first)
    again = Properties(PacketTypes.PUBLISH)
    again.TopicAlias = 5
    publisher.publish("", "two", qos=1, properties=again)
    got = [subscriber.receive().payload for _ in range(2)]
    subscriber.close()
    publisher.close()
    return None if got == [b"one", b"two"] else f"got {got}"


def v5_message_expiry():
    client_id = unique("expiry")
    topic = unique("exp")
    properties = Properties(PacketTypes.CONNECT)
    properties.SessionExpiryInterval = 60
    subscriber = Client(V5, client_id=client_id, clean=False, properties=properties)
    subscriber.subscribe(topic, qos=1)
    subscriber.close()
    publisher = Client(V5)
    short = Properties(PacketTypes.PUBLISH)
    short.MessageExpiryInterval = 1
    publisher.publish(topic, "stale", qos=1, properties=short)
    long = Properties(PacketTypes.PUBLISH)
    long.MessageExpiryInterval = 60
    publisher.publish(topic, "fresh", qos=1, properties=long)
    publisher.close()
    time.sleep(2.1)
    back = Client(V5, client_id=client_id, clean=False, properties=properties)
    message = back.receive()
    remaining = getattr(message.properties, "MessageExpiryInterval", None)
    problem = back.nothing()
    back.close()
    if message.payload != b"fresh":
        return f"got {message.payload!r}"
    if remaining is None or not 55 <= remaining <= 58:
        return f"the remaining expiry interval was {remaining}"
    return problem


def v5_subscription_identifier():
    topic = unique("subid")
    subscriber = Client(V5)
    properties = Properties(PacketTypes.SUBSCRIBE)
    properties.SubscriptionIdentifier = 42
    done = queue.Queue()
    subscriber.client.on_subscribe = lambda c, u, mid, codes, p: done.put(codes)
    subscriber.client.subscribe(topic, options=mqtt.SubscribeOptions(qos=1), properties=properties)
    done.get(timeout=5)
    publisher = Client(V5)
    publisher.publish(topic, "x", qos=1)
    identifiers = getattr(subscriber.receive().properties, "SubscriptionIdentifier", None)
    subscriber.close()
    publisher.close()
    return None if identifiers == [42] else f"got {identifiers}"


def v5_will_delay():
    topic = unique("delayed")
    watcher = Client(V5)
    watcher.subscribe(topic, qos=1)
    will_properties = Properties(PacketTypes.WILLMESSAGE)
    will_properties.WillDelayInterval = 1
    connect = Properties(PacketTypes.CONNECT)
    connect.SessionExpiryInterval = 10
    dying = Client(V5, will={"topic": topic, "payload": "late", "qos": 1, "properties": will_properties}, properties=connect)
    started = time.time()
    dying.drop()
    early = watcher.nothing(timeout=0.6)
    message = watcher.receive(timeout=3)
    watcher.close()
    if early:
        return "the will came before its delay: " + early
    elapsed = time.time() - started
    return None if message.payload == b"late" and elapsed >= 0.9 else f"got {message.payload!r} after {elapsed:.1f}s"


# MARK: Raw bytes: keep-alive and malformed packets

def raw_connect(version_level, keepalive):
    body = b"\x00\x04MQTT" + bytes([version_level, 0x02]) + struct.pack(">H", keepalive)
    if version_level == 5:
        body += b"\x00"
    body += b"\x00\x04raw1"
    sock = socket.create_connection((HOST, PORT), timeout=5)
    sock.sendall(bytes([0x10, len(body)]) + body)
    connack = sock.recv(64)
    return sock, connack


def closed_within(sock, seconds):
    """Reads until the broker closes the socket; returns (closed, bytes read)."""
    sock.settimeout(seconds)
    data = b""
    try:
        while True:
            chunk = sock.recv(64)
            if not chunk:
                return True, data
            data += chunk
    except socket.timeout:
        return False, data
    finally:
        sock.close()


def keepalive_enforced(level):
    sock, connack = raw_connect(level, keepalive=1)
    if not connack.startswith(b"\x20"):
        return f"no CONNACK: {connack!r}"
    started = time.time()
    closed, data = closed_within(sock, 4)
    elapsed = time.time() - started
    if not closed:
        return "still open after 4 s of silence with keep-alive 1"
    if not 1.2 <= elapsed <= 3.5:
        return f"closed after {elapsed:.1f}s, expected about 1.5s"
    if level == 5 and data != b"\xe0\x01\x8d" and not data.startswith(b"\xe0\x02\x8d"):
        return f"expected DISCONNECT 0x8D, got {data!r}"


def malformed_closes(level):
    sock, connack = raw_connect(level, keepalive=30)
    sock.sendall(b"\x36\x05\x00\x01a\x00\x01")  # PUBLISH with QoS 3
    closed, data = closed_within(sock, 3)
    if not closed:
        return "the connection stayed open"
    if level == 5 and not data.startswith(b"\xe0") or (level == 5 and b"\x81" not in data):
        return f"expected DISCONNECT 0x81 (malformed packet), got {data!r}"


def unsupported_version_is_refused():
    body = b"\x00\x04MQTT\x06\x02\x00\x3c\x00\x01c"
    sock = socket.create_connection((HOST, PORT), timeout=5)
    sock.sendall(bytes([0x10, len(body)]) + body)
    closed, data = closed_within(sock, 3)
    return None if closed and data == b"\x20\x02\x00\x01" else f"got {data!r}, closed={closed}"


both("QoS 0, 1 and 2 end to end", qos_end_to_end)
both("QoS downgraded to the subscription's", qos_downgrade)
both("+ and # wildcards", wildcards)
both("$ topics not matched by a leading wildcard", dollar_topics)
both("retained messages set, delivered and cleared", retained)
both("will sent on abnormal disconnect", will_on_abnormal_disconnect)
both("will suppressed on normal disconnect", no_will_on_normal_disconnect)
both("session takeover", session_takeover)
both("persistent session keeps subscriptions and queued QoS 1", persistent_session)
both("shared subscriptions round robin", shared_round_robin)
both("unsubscribe stops delivery", unsubscribe)
both("empty client id gets an id", assigned_client_id)
check("no local (5.0)")(v5_no_local)
check("retain handling and retain as published (5.0)")(v5_retain_handling_and_as_published)
check("publish properties passed through (5.0)")(v5_properties_pass_through)
check("inbound topic alias (5.0)")(v5_topic_alias)
check("message expiry (5.0)")(v5_message_expiry)
check("subscription identifier (5.0)")(v5_subscription_identifier)
check("will delay (5.0)")(v5_will_delay)
if not WEBSOCKETS:
    check("keep-alive enforced at 1.5x (3.1.1)")(lambda: keepalive_enforced(4))
    check("keep-alive enforced at 1.5x (5.0)")(lambda: keepalive_enforced(5))
    check("malformed packet closes the connection (3.1.1)")(lambda: malformed_closes(4))
    check("malformed packet gets DISCONNECT 0x81 (5.0)")(lambda: malformed_closes(5))
    check("unsupported protocol level refused with CONNACK 1")(unsupported_version_is_refused)

failed = [name for name, problem in RESULTS if problem]
print(f"{len(RESULTS) - len(failed)} passed, {len(failed)} failed")
sys.exit(1 if failed else 0)

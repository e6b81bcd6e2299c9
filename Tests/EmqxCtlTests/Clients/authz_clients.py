"""paho-mqtt clients for the authorization tests. Each prints one line and exits.

Usage:
  python3 authz_clients.py suback PORT 3|5 FILTER [CAFILE CERT KEY]
      Subscribes once; prints the SUBACK's reason codes (5.0 values, or 3.1.1's 0/1/2/128).
  python3 authz_clients.py puback PORT TOPIC [CAFILE CERT KEY]
      Publishes QoS 1 over 5.0; prints the PUBACK's reason code, or "disconnected RC".
  python3 authz_clients.py roundtrip PORT TOPIC [CAFILE CERT KEY]
      Subscribes to TOPIC and publishes to it (5.0, QoS 1); prints "received" or "nothing".
With BIND_ADDRESS set, the client connects from that address. A connection closed before
CONNACK prints "refused". Every wait is bounded.
"""
import os
import queue
import ssl
import sys
import uuid

import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes

V = {"3": mqtt.MQTTv311, "5": mqtt.MQTTv5}


def connect(port, version, tls):
    connected, lost = queue.Queue(), queue.Queue()
    c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"authz-{uuid.uuid4().hex[:8]}", protocol=version)
    if tls:
        cafile, cert, key = tls
        c.tls_set(ca_certs=cafile, certfile=cert, keyfile=key, tls_version=ssl.PROTOCOL_TLS_CLIENT)
    c.on_connect = lambda cl, ud, flags, rc, props: connected.put(rc.value)
    c.on_disconnect = lambda cl, ud, flags, rc, props: lost.put(rc.value)
    # BIND_ADDRESS: the client's own address (127.0.0.2 …), for checks of the real address.
    try:
        c.connect("127.0.0.1", port, keepalive=30, bind_address=os.environ.get("BIND_ADDRESS", ""))
    except (OSError, ssl.SSLError):
        print("refused", flush=True)  # closed during the TLS handshake
        sys.exit(0)
    c.loop_start()
    try:
        code = connected.get(timeout=10)
    except queue.Empty:
        print("refused", flush=True)
        sys.exit(0)
    assert code == 0, "refused"
    return c, lost


def suback(port, version, topic, tls):
    c, _ = connect(port, V[version], tls)
    codes = queue.Queue()
    c.on_subscribe = lambda cl, ud, mid, rcs, props: codes.put([rc.value for rc in rcs])
    c.subscribe(topic, qos=1)
    try:
        values = codes.get(timeout=10)
    except queue.Empty:
        print("no suback", flush=True)
        return
    # paho reports a 3.1.1 failure (0x80) as 128.
    print(",".join(str(v) for v in values), flush=True)
    c.loop_stop()
    c.disconnect()


def puback(port, topic, tls):
    c, lost = connect(port, mqtt.MQTTv5, tls)
    acks = queue.Queue()
    c.on_publish = lambda cl, ud, mid, rc, props: acks.put(rc.value)
    c.publish(topic, b"x", qos=1)
    try:
        print(acks.get(timeout=5), flush=True)
    except queue.Empty:
        try:
            print(f"disconnected {lost.get(timeout=5)}", flush=True)
        except queue.Empty:
            print("no puback", flush=True)
    c.loop_stop()


def roundtrip(port, topic, tls):
    c, _ = connect(port, mqtt.MQTTv5, tls)
    received, subscribed = queue.Queue(), queue.Queue()
    c.on_message = lambda cl, ud, msg: received.put(msg.payload)
    c.on_subscribe = lambda cl, ud, mid, rcs, props: subscribed.put([rc.value for rc in rcs])
    c.subscribe(topic, qos=1)
    subscribed.get(timeout=10)
    c.publish(topic, b"ping", qos=1)
    try:
        received.get(timeout=3)
        print("received", flush=True)
    except queue.Empty:
        print("nothing", flush=True)
    c.loop_stop()
    c.disconnect()


command, port = sys.argv[1], int(sys.argv[2])
if command == "suback":
    suback(port, sys.argv[3], sys.argv[4], tuple(sys.argv[5:8]) if len(sys.argv) > 5 else None)
elif command == "puback":
    puback(port, sys.argv[3], tuple(sys.argv[4:7]) if len(sys.argv) > 4 else None)
else:
    roundtrip(port, sys.argv[3], tuple(sys.argv[4:7]) if len(sys.argv) > 4 else None)

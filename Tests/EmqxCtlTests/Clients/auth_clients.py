"""paho-mqtt clients for the authentication tests.

Usage:
  python3 auth_clients.py connack PORT 3|5 USERNAME PASSWORD [CAFILE CERT KEY]
      Connects once and prints the CONNACK's reason code as paho reports it (5.0 codes; a
      3.1.1 return code is shown as its 5.0 equivalent: 4 -> 134, 5 -> 135, 3 -> 136).
  python3 auth_clients.py identity PORT CAFILE
      With peer_cert_as_clientid = cn: a subscriber with device1's certificate, then a client
      with another certificate claiming the client id "device1" publishes. PASS when the
      subscriber gets the message and is not disconnected (no takeover), and then a client
      with device1's certificate and any client id does take the session over.
  python3 auth_clients.py expire PORT USERNAME
      Connects (5.0) and waits up to 10 s to be disconnected; prints the DISCONNECT's reason
      code and the seconds it took.
Every wait is bounded.
"""
import queue
import ssl
import sys
import uuid

import paho.mqtt.client as mqtt

V = {"3": mqtt.MQTTv311, "5": mqtt.MQTTv5}


def client(version, client_id, tls=None):
    c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, protocol=version)
    if tls:
        cafile, cert, key = tls
        c.tls_set(ca_certs=cafile, certfile=cert, keyfile=key, tls_version=ssl.PROTOCOL_TLS_CLIENT)
    return c


def connack(port, version, username, password, tls):
    answers = queue.Queue()
    c = client(V[version], f"auth-{uuid.uuid4().hex[:8]}", tls)
    c.username_pw_set(username, password)
    c.on_connect = lambda cl, ud, flags, rc, props: answers.put(rc.value)
    c.connect("127.0.0.1", port, keepalive=30)
    c.loop_start()
    try:
        print(answers.get(timeout=15), flush=True)
    except queue.Empty:
        print("timeout", flush=True)
    c.loop_stop()
    c.disconnect()


def identity(port, cafile):
    folder = cafile.rsplit("/", 1)[0]
    received, connected, lost = queue.Queue(), queue.Queue(), queue.Queue()
    a = client(mqtt.MQTTv5, "chosen-by-a", (cafile, f"{folder}/device1-cert.pem", f"{folder}/device1-key.pem"))
    a.on_connect = lambda cl, ud, flags, rc, props: connected.put(rc.value)
    a.on_message = lambda cl, ud, msg: received.put(msg.payload)
    a.on_disconnect = lambda cl, ud, flags, rc, props: lost.put(rc.value)
    a.connect("127.0.0.1", port, keepalive=30)
    a.loop_start()
    assert connected.get(timeout=10) == 0, "device1 was refused"
    a.subscribe("identity/t", qos=1)
    import time
    time.sleep(0.3)
    b = client(mqtt.MQTTv5, "device1", (cafile, f"{folder}/client-cert.pem", f"{folder}/client-key.pem"))
    b_connected = queue.Queue()
    b.on_connect = lambda cl, ud, flags, rc, props: b_connected.put(rc.value)
    b.connect("127.0.0.1", port, keepalive=30)
    b.loop_start()
    assert b_connected.get(timeout=10) == 0, "the second client was refused"
    b.publish("identity/t", b"from-b", qos=1).wait_for_publish(timeout=10)
    try:
        payload = received.get(timeout=10)
    except queue.Empty:
        print("FAIL device1's subscriber got nothing", flush=True)
        sys.exit(1)
    if not lost.empty():
        print(f"FAIL device1 was disconnected ({lost.get()}): taken over", flush=True)
        sys.exit(1)
    # The same certificate with any client id is the same client: it takes the session over.
    c = client(mqtt.MQTTv5, "something-else", (cafile, f"{folder}/device1-cert.pem", f"{folder}/device1-key.pem"))
    c_connected = queue.Queue()
    c.on_connect = lambda cl, ud, flags, rc, props: c_connected.put(rc.value)
    c.connect("127.0.0.1", port, keepalive=30)
    c.loop_start()
    assert c_connected.get(timeout=10) == 0, "device1's second connection was refused"
    try:
        reason = lost.get(timeout=10)
    except queue.Empty:
        print("FAIL device1's certificate under another client id did not take the session over", flush=True)
        sys.exit(1)
    print(f"PASS {payload.decode()}, taken over by the same certificate ({reason})", flush=True)
    for each in (a, b, c):
        each.loop_stop()
        each.disconnect()


def expire(port, username):
    import time
    lost, connected = queue.Queue(), queue.Queue()
    c = client(mqtt.MQTTv5, f"expire-{uuid.uuid4().hex[:8]}")
    c.username_pw_set(username, "pw")
    c.on_connect = lambda cl, ud, flags, rc, props: connected.put(rc.value)
    c.on_disconnect = lambda cl, ud, flags, rc, props: lost.put(rc.value)
    started = time.time()
    c.connect("127.0.0.1", port, keepalive=30)
    c.loop_start()
    assert connected.get(timeout=10) == 0, "refused"
    try:
        print(f"{lost.get(timeout=10)} {time.time() - started:.1f}", flush=True)
    except queue.Empty:
        print("still connected", flush=True)
    c.loop_stop()


if sys.argv[1] == "expire":
    expire(int(sys.argv[2]), sys.argv[3])
elif sys.argv[1] == "connack":
    connack(int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5], tuple(sys.argv[6:9]) if len(sys.argv) > 6 else None)
else:
    identity(int(sys.argv[2]), sys.argv[3])

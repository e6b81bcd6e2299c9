"""Two paho-mqtt 5.0 clients with client certificates stay connected for SECONDS while the
test changes the broker's trust: `victim` (etc/certs/client-*.pem) and `keeper`
(etc/keeper/keeper-*.pem). Prints, for each, how often it connected and the reason codes of
the disconnects it saw, as JSON.

usage: trust_clients.py PORT SECONDS
"""
import json
import ssl
import sys
import time

import paho.mqtt.client as mqtt

port, seconds = int(sys.argv[1]), float(sys.argv[2])
seen = {}


def client(name, cert, key):
    seen[name] = {"connects": 0, "disconnects": []}
    c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=name, protocol=mqtt.MQTTv5)
    c.tls_set(ca_certs="etc/certs/cacert.pem", certfile=cert, keyfile=key, tls_version=ssl.PROTOCOL_TLS_CLIENT)
    c.on_connect = lambda cl, ud, flags, rc, props: seen[name].__setitem__("connects", seen[name]["connects"] + 1)
    c.on_disconnect = lambda cl, ud, flags, rc, props: seen[name]["disconnects"].append(rc.value)
    # One connection only: a reconnect would hide a close.
    c.reconnect_delay_set(min_delay=60, max_delay=60)
    c.connect("127.0.0.1", port, keepalive=30)
    c.loop_start()
    return c


clients = [
    client("victim", "etc/certs/client-cert.pem", "etc/certs/client-key.pem"),
    client("keeper", "etc/keeper/keeper-cert.pem", "etc/keeper/keeper-key.pem"),
]
time.sleep(seconds)
for c in clients:
    c.loop_stop()
print(json.dumps(seen), flush=True)

"""A paho-mqtt 5.0 subscriber that stays connected for SECONDS (it never reconnects, so a
drop shows), then prints how often it connected, how many messages it got, and whether it
is still connected: "connects N received M connected True".

usage: steady_subscriber.py PORT SECONDS CLIENT_ID TOPIC
"""
import sys
import time

import paho.mqtt.client as mqtt

port, seconds, client_id, topic = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3], sys.argv[4]
connects, received = [], []
c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5)
c.on_connect = lambda cl, ud, flags, rc, props: (connects.append(rc.value), cl.subscribe(topic, qos=1))
c.on_message = lambda cl, ud, msg: received.append(msg.payload)
c.reconnect_delay_set(min_delay=60, max_delay=60)
c.connect("127.0.0.1", port, keepalive=30)
c.loop_start()
time.sleep(seconds)
c.loop_stop()
print(f"connects {len(connects)} received {len(received)} connected {c.is_connected()}", flush=True)

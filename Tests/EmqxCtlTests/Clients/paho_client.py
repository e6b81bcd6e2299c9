"""The paho-mqtt client the client scripts share (paho_features.py, every_core.py): blocking
helpers over paho's callbacks, every wait bounded. Exits 2, saying how to install it, when
paho-mqtt 2.x is missing."""
import queue
import sys
import time

FIX = "python3 -m pip install 'paho-mqtt>=2,<3' (in a venv, or with --break-system-packages on Debian 12)"
try:
    import paho.mqtt
    import paho.mqtt.client as mqtt
    from paho.mqtt.packettypes import PacketTypes
    from paho.mqtt.properties import Properties
except ImportError:
    print(f"FAIL paho-mqtt is missing: {FIX}", flush=True)
    sys.exit(2)
if not paho.mqtt.__version__.startswith("2."):
    print(f"FAIL paho-mqtt {paho.mqtt.__version__} is too old, the tests need 2.x: {FIX}", flush=True)
    sys.exit(2)

V3, V5 = mqtt.MQTTv311, mqtt.MQTTv5


def session_expiry(seconds):
    """CONNECT properties with a Session Expiry Interval."""
    properties = Properties(PacketTypes.CONNECT)
    properties.SessionExpiryInterval = seconds
    return properties


class Client:
    """A paho client with blocking helpers and a queue of received messages. Set `port`
    (and `transport` for WebSocket) before the first."""

    host = "127.0.0.1"
    port = 1883
    transport = "tcp"

    def __init__(self, version, client_id=None, clean=True, will=None, keepalive=30, properties=None):
        self.version = version
        self.messages = queue.Queue()
        self.connack = queue.Queue()
        self.disconnects = queue.Queue()
        self.client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2,
            client_id="" if client_id is None else client_id,
            protocol=version,
            clean_session=clean if version == V3 else None,
            transport=Client.transport,
        )
        self.client.on_message = lambda c, u, m: self.messages.put(m)
        self.client.on_connect = lambda c, u, f, rc, p: self.connack.put((f, rc, p))
        self.client.on_disconnect = lambda c, u, f, rc, p: self.disconnects.put(rc)
        if will:
            self.client.will_set(**will)
        kwargs = {"keepalive": keepalive}
        if version == V5:
            kwargs["clean_start"] = clean
            if properties is not None:
                kwargs["properties"] = properties
        self.client.connect(Client.host, Client.port, **kwargs)
        self.client.loop_start()
        self.flags, self.reason, self.properties = self.connack.get(timeout=5)

    def subscribe(self, topic, qos=0, **options):
        done = queue.Queue()
        self.client.on_subscribe = lambda c, u, mid, codes, p: done.put(codes)
        if self.version == V5:
            self.client.subscribe(topic, options=mqtt.SubscribeOptions(qos=qos, **options))
        else:
            self.client.subscribe(topic, qos)
        return done.get(timeout=5)

    def unsubscribe(self, topic):
        done = queue.Queue()
        self.client.on_unsubscribe = lambda c, u, mid, codes, p: done.put(codes)
        self.client.unsubscribe(topic)
        return done.get(timeout=5)

    def publish(self, topic, payload, qos=0, retain=False, properties=None):
        info = self.client.publish(topic, payload, qos=qos, retain=retain, properties=properties)
        info.wait_for_publish(timeout=5)
        return info

    def receive(self, timeout=3):
        return self.messages.get(timeout=timeout)

    def received(self, count, timeout=20):
        """Up to `count` messages, within `timeout` seconds in all."""
        got, deadline = [], time.time() + timeout
        while len(got) < count and time.time() < deadline:
            try:
                got.append(self.messages.get(timeout=max(0.01, deadline - time.time())))
            except queue.Empty:
                break
        return got

    def nothing(self, timeout=0.5):
        try:
            message = self.messages.get(timeout=timeout)
            return f"unexpected message on {message.topic}: {message.payload!r}"
        except queue.Empty:
            return None

    def close(self):
        self.client.disconnect()
        self.client.loop_stop()

    def drop(self):
        """Ends the connection without DISCONNECT, as a crash would."""
        self.client.loop_stop()
        self.client.socket().close()


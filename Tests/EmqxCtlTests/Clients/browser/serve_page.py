"""Serves mqtt-over-websocket.html to headless Chromium, and holds the page's load open until
the page says it is done: the page loads /hold as a script (which delays its load event, and
so Chromium's --dump-dom) and fetches /release once its MQTT exchange has ended. /hold gives
up after 15 s, so a page that never finishes is dumped as it stands.

usage: serve_page.py PORT
"""
import http.server
import os
import sys
import threading

released = threading.Event()
folder = os.path.dirname(os.path.abspath(__file__))


class Handler(http.server.SimpleHTTPRequestHandler):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, directory=folder, **kwargs)

    def do_GET(self):
        if self.path.startswith("/hold"):
            released.wait(15)
            return self.answer(b"// released\n", "text/javascript")
        if self.path.startswith("/release"):
            released.set()
            return self.answer(b"ok\n", "text/plain")
        return super().do_GET()

    def answer(self, body, content_type):
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler)
print("serving", flush=True)
server.serve_forever()

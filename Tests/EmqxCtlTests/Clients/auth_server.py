#!/usr/bin/env python3
"""An HTTP(S) authentication backend for tests, answering as EMQX's HTTP authn contract says.

The user name decides the answer: allow-* -> {"result":"allow"}, super-* -> allow with
is_superuser, deny-* -> {"result":"deny"}, ignore-* -> {"result":"ignore"}, fail-* -> 500,
slow-* -> no answer for 30 s, no-content-* -> 204, expire-* -> allow with expire_at 2 s ahead, stale-* -> allow, and then the next request on
that connection is closed unanswered (a keep-alive connection the server dropped). Every request is appended to the log file as
one JSON line (method, path, headers, body). With --cert, it serves TLS; with --cafile it also
requires a client certificate from that CA. Prints the bound port, then serves until killed.
"""
import argparse
import http.server
import json
import socketserver
import ssl
import sys
import threading
import time
import urllib.parse

parser = argparse.ArgumentParser()
parser.add_argument("--cert")
parser.add_argument("--key")
parser.add_argument("--cafile")
parser.add_argument("--log", required=True)
parser.add_argument("--port", type=int, default=0)
args = parser.parse_args()
lock = threading.Lock()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *_):
        pass

    def answer(self):
        if getattr(self, "drop_next", False):
            self.close_connection = True
            return
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length).decode() if length else ""
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
        fields = json.loads(body) if body.startswith("{") else {k: v[0] for k, v in query.items()}
        with lock, open(args.log, "a") as log:
            log.write(json.dumps({"client_port": self.client_address[1], "method": self.command, "path": self.path, "headers": dict(self.headers), "body": body}) + "\n")
        user = fields.get("username", "")
        if user.startswith("slow-"):
            time.sleep(30)
        if user.startswith("fail-"):
            return self.reply(500, {"error": "down"})
        if user.startswith("stale-"):
            self.drop_next = True
        if user.startswith("no-content-"):
            return self.reply(204, None)
        result = {"allow": "allow", "super": "allow", "deny": "deny", "stale": "allow", "expire": "allow"}.get(user.split("-")[0], "ignore")
        reply = {"result": result}
        if user.startswith("expire-"):
            reply["expire_at"] = int(time.time()) + 2
        if user.startswith("super-"):
            reply["is_superuser"] = True
        self.reply(200, reply)

    def reply(self, status, payload):
        data = json.dumps(payload).encode() if payload is not None else b""
        self.send_response(status)
        if payload is not None:
            self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = answer
    do_POST = answer


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


server = Server(("127.0.0.1", args.port), Handler)
if args.cert:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(args.cert, args.key)
    if args.cafile:
        context.load_verify_locations(args.cafile)
        context.verify_mode = ssl.CERT_REQUIRED
    server.socket = context.wrap_socket(server.socket, server_side=True)
print(server.server_address[1], flush=True)
server.serve_forever()

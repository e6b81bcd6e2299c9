#!/usr/bin/env python3
"""A minimal HTTPS authentication backend for Benchmarks/authentication.sh: it answers every
request at once with 204 (allow, per EMQX's HTTP authn contract) on keep-alive connections,
and on SIGTERM prints how many TLS connections (handshakes) and requests it served.

Usage: auth_backend.py PORT CERT KEY CAFILE   (CAFILE: client certificates are required)
"""
import asyncio
import signal
import ssl
import sys

port, cert, key, cafile = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
counts = {"connections": 0, "requests": 0}
REPLY = b"HTTP/1.1 204 No Content\r\nconnection: keep-alive\r\n\r\n"


async def serve(reader, writer):
    counts["connections"] += 1
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":", 1)[1])
            if length:
                await reader.readexactly(length)
            counts["requests"] += 1
            writer.write(REPLY)
    except (asyncio.IncompleteReadError, ConnectionError, ssl.SSLError):
        pass
    finally:
        writer.close()


async def main():
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    context.load_verify_locations(cafile)
    context.verify_mode = ssl.CERT_REQUIRED
    server = await asyncio.start_server(serve, "127.0.0.1", port, ssl=context, backlog=512)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    print("ready", flush=True)
    async with server:
        await stop.wait()
    print(f"{counts['connections']} handshakes, {counts['requests']} requests", flush=True)


asyncio.run(main())

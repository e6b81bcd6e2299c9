"""Holds N MQTT 3.1.1 connections open over TLS with a client certificate (asyncio, one
process), for Benchmarks/reload.sh: connects them at up to 500 at a time, prints
"held N" once all are connected, then waits until stdin closes, and reports how many were
closed by the broker meanwhile.

usage: hold_tls.py PORT N CAFILE CERT KEY
"""
import asyncio
import ssl
import sys

port, count = int(sys.argv[1]), int(sys.argv[2])
context = ssl.create_default_context(cafile=sys.argv[3])
context.load_cert_chain(sys.argv[4], sys.argv[5])
context.check_hostname = False


def connect_packet(client_id):
    name = client_id.encode()
    body = b"\x00\x04MQTT\x04\x02\x00\x3c" + len(name).to_bytes(2, "big") + name
    return bytes([0x10, len(body)]) + body


async def hold(index, limit, held, lost):
    async with limit:
        reader, writer = await asyncio.open_connection("127.0.0.1", port, ssl=context)
        writer.write(connect_packet(f"hold-{index}"))
        await writer.drain()
        connack = await reader.readexactly(4)
        assert connack[3] == 0, connack
    held.append(writer)
    if await reader.read(1) == b"":
        lost.append(index)


async def main():
    limit = asyncio.Semaphore(500)
    held, lost = [], []
    tasks = [asyncio.create_task(hold(i, limit, held, lost)) for i in range(count)]
    while len(held) < count:
        await asyncio.sleep(0.2)
        failed = [t for t in tasks if t.done() and t.exception()]
        if failed:
            raise failed[0].exception()
    print(f"held {len(held)}", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    print(f"closed by the broker: {len(lost)}", flush=True)


asyncio.run(main())

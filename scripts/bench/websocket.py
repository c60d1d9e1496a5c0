"""WebSocket fan-out: 1,000 clients on loopback; a rating change is broadcast as `track.updated`,
and each client's receive time minus the request's send time is the broadcast latency. The same
1,000 clients against a minimal broadcast server written with Python's `websockets` (the
reference), in the same run. Also the server's RSS before and with the clients.

    .venv/bin/python scripts/bench/websocket.py --spool .build/release/spool [--clients 1000] [--rounds 20]
"""
from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import sqlite3
import statistics
import time
from pathlib import Path

import websockets
from spool_process import start_spool


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def measure(url: str, clients: int, rounds: int, trigger) -> list[float]:
    sockets = []
    for start in range(0, clients, 100):  # connect in waves: the kernel's accept backlog is finite
        sockets += await asyncio.gather(*(websockets.connect(url, open_timeout=60, max_queue=None)
                                          for _ in range(start, min(clients, start + 100))))
    latencies: list[float] = []
    for round_number in range(rounds):
        sent = time.perf_counter()
        await asyncio.get_running_loop().run_in_executor(None, trigger, round_number)

        async def receive(ws):
            while True:
                message = json.loads(await ws.recv())
                if message.get("type") == "track.updated" or message.get("round") == round_number:
                    return time.perf_counter()
        received = await asyncio.wait_for(asyncio.gather(*(receive(ws) for ws in sockets)), 60)
        latencies += [(t - sent) * 1000 for t in received]
    await asyncio.gather(*(ws.close() for ws in sockets))
    return latencies


def summary(latencies: list[float]) -> str:
    q = statistics.quantiles(latencies, n=100)
    return f"p50 {q[49]:6.1f} ms  p99 {q[98]:6.1f} ms  max {max(latencies):6.1f} ms"


async def reference_server(port: int, ready: asyncio.Event, triggers: asyncio.Queue):
    clients = set()

    async def handler(ws):
        clients.add(ws)
        try:
            await ws.wait_closed()
        finally:
            clients.discard(ws)

    async with websockets.serve(handler, "127.0.0.1", port, max_queue=None):
        ready.set()
        while True:
            round_number = await triggers.get()
            if round_number is None:
                return
            websockets.broadcast(clients, json.dumps({"round": round_number}))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--spool", default=".build/release/spool")
    ap.add_argument("--clients", type=int, default=1000)
    ap.add_argument("--rounds", type=int, default=20)
    args = ap.parse_args()
    def seed(work: Path) -> None:
        db = sqlite3.connect(work / "tracks.db")
        db.execute("INSERT INTO tracks (video_id, title, file_path, mime_type, created_at) VALUES ('w1', 'W', 'w.m4a', 'audio/mp4', 0)")
        db.commit()
        db.close()
    server, port, _, _ = start_spool(args.spool, "spool-ws-", seed)
    idle_rss = rss_mb(server.pid)

    def rate(round_number: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("PUT", "/api/tracks/1/rating", json.dumps({"value": 1 if round_number % 2 else -1}),
                     {"Content-Type": "application/json"})
        assert conn.getresponse().status == 200

    peak = [idle_rss]

    async def spool_side():
        async def sample():
            while True:
                peak[0] = max(peak[0], rss_mb(server.pid))
                await asyncio.sleep(0.2)
        sampler = asyncio.create_task(sample())
        try:
            return await measure(f"ws://127.0.0.1:{port}/ws", args.clients, args.rounds, rate)
        finally:
            sampler.cancel()
    spool = asyncio.run(spool_side())
    server.terminate()
    server.wait(timeout=30)

    async def reference_side():
        ready, triggers = asyncio.Event(), asyncio.Queue()
        task = asyncio.create_task(reference_server(port + 1 if port < 65000 else 20001, ready, triggers))
        await ready.wait()
        loop = asyncio.get_running_loop()
        latencies = await measure(f"ws://127.0.0.1:{port + 1 if port < 65000 else 20001}/ws", args.clients, args.rounds,
                                  lambda n: loop.call_soon_threadsafe(triggers.put_nowait, n))
        await triggers.put(None)
        await task
        return latencies
    reference = asyncio.run(reference_side())

    print(f"{args.clients} clients x {args.rounds} broadcasts")
    print(f"{'Spool (evhttp, rating → track.updated)':44} {summary(spool)}   RSS {idle_rss:.0f} MB idle, {peak[0]:.0f} MB peak")
    print(f"{'reference (Python websockets.broadcast)':44} {summary(reference)}")


if __name__ == "__main__":
    main()

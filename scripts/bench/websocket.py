"""WebSocket fan-out: 1,000 clients on loopback; a rating change is broadcast as `track.updated`,
and each client's receive time minus the request's send time is the broadcast latency. The same
1,000 clients against a minimal broadcast server written with Python's `websockets` (the
reference), in the same run. Also the server's RSS before and with the clients.

The clients are deliberately thin: one epoll loop, a real RFC 6455 handshake, and a timestamp
when a frame carrying the round's marker arrives. A full client library decoding 1,000 messages
in one Python process measured itself (~100 µs per message), not the server; the protocol
itself is checked by the test suite with the `websockets` library.

    .venv/bin/python scripts/bench/websocket.py --spool .build/release/spool [--clients 1000] [--rounds 20]
"""
from __future__ import annotations

import argparse
import asyncio
import base64
import http.client
import json
import os
import selectors
import socket
import sqlite3
import statistics
import threading
import time
from pathlib import Path

import websockets
from spool_process import start_spool


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def open_websocket(port: int, path: str = "/ws") -> tuple[socket.socket, bytes]:
    """A blocking RFC 6455 handshake; returns the socket and any bytes after the headers."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=60)
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall((f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
                  f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
                  f"Origin: http://127.0.0.1:{port}\r\n\r\n").encode())
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            raise ConnectionError("closed during the handshake")
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1.1 101"):
        raise ConnectionError(head.decode(errors="replace"))
    sock.setblocking(False)
    return sock, rest


def measure(port: int, clients: int, rounds: int, trigger, marker) -> list[float]:
    """Connects `clients` sockets, then per round calls `trigger(round)` on a thread and
    timestamps, per client, the arrival of the bytes `marker(round)`."""
    selector = selectors.DefaultSelector()
    buffers: dict[socket.socket, bytes] = {}
    for _ in range(clients):
        sock, rest = open_websocket(port)
        buffers[sock] = rest
        selector.register(sock, selectors.EVENT_READ)
    time.sleep(0.5)  # let the server settle (welcome messages, registrations)
    for sock in buffers:
        try:
            sock.recv(1 << 16)
        except BlockingIOError:
            pass
        buffers[sock] = b""
    latencies: list[float] = []
    for round_number in range(rounds):
        wanted = marker(round_number)
        waiting = set(buffers)
        sent = time.perf_counter()
        threading.Thread(target=trigger, args=(round_number,), daemon=True).start()
        deadline = sent + 60
        while waiting and time.perf_counter() < deadline:
            for key, _ in selector.select(timeout=1):
                sock = key.fileobj
                try:
                    chunk = sock.recv(1 << 16)
                except BlockingIOError:
                    continue
                now = time.perf_counter()
                if sock in waiting:
                    buffers[sock] += chunk
                    if wanted in buffers[sock]:
                        waiting.discard(sock)
                        latencies.append((now - sent) * 1000)
        if waiting:
            raise TimeoutError(f"{len(waiting)} clients missed round {round_number}")
        for sock in buffers:
            buffers[sock] = b""
    for sock in buffers:
        selector.unregister(sock)
        sock.close()
    return latencies


def summary(latencies: list[float]) -> str:
    q = statistics.quantiles(latencies, n=100)
    return f"p50 {q[49]:6.1f} ms  p99 {q[98]:6.1f} ms  max {max(latencies):6.1f} ms"


async def reference_server(bound: list, ready: threading.Event, triggers: asyncio.Queue):
    """Serves on a free port, appended to `bound` before `ready` is set."""
    clients = set()

    async def handler(ws):
        clients.add(ws)
        try:
            await ws.wait_closed()
        finally:
            clients.discard(ws)

    async with websockets.serve(handler, "127.0.0.1", 0, max_queue=None) as server:
        bound.append(next(iter(server.sockets)).getsockname()[1])
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

    request_ms: list[float] = []

    def rate(round_number: int) -> None:
        started = time.perf_counter()
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("PUT", "/api/tracks/1/rating", json.dumps({"value": 1 if round_number % 2 else -1}),
                     {"Content-Type": "application/json"})
        assert conn.getresponse().status == 200
        request_ms.append((time.perf_counter() - started) * 1000)

    peak = [idle_rss]
    sampling = threading.Event()

    def sample() -> None:
        while not sampling.wait(0.2):
            peak[0] = max(peak[0], rss_mb(server.pid))
    threading.Thread(target=sample, daemon=True).start()
    spool = measure(port, args.clients, args.rounds, rate, lambda n: b'"track.updated"')
    sampling.set()
    server.terminate()
    server.wait(timeout=30)

    loop = asyncio.new_event_loop()
    ready, triggers, bound = threading.Event(), [], []

    def run_reference() -> None:
        asyncio.set_event_loop(loop)
        queue: asyncio.Queue = asyncio.Queue()
        triggers.append(queue)
        loop.run_until_complete(reference_server(bound, ready, queue))
    thread = threading.Thread(target=run_reference, daemon=True)
    thread.start()
    if not ready.wait(30):
        raise RuntimeError("the reference server did not start")
    reference = measure(bound[0], args.clients, args.rounds,
                        lambda n: loop.call_soon_threadsafe(triggers[0].put_nowait, n),
                        lambda n: f'"round": {n}}}'.encode())
    loop.call_soon_threadsafe(triggers[0].put_nowait, None)
    thread.join(30)

    print(f"{args.clients} clients x {args.rounds} broadcasts")
    print(f"{'Spool (evhttp, rating → track.updated)':44} {summary(spool)}   RSS {idle_rss:.0f} MB idle, {peak[0]:.0f} MB peak")
    print(f"{'reference (Python websockets.broadcast)':44} {summary(reference)}")
    print(f"{'the triggering PUT (Spool), p50 / max':44} {statistics.median(request_ms):.1f} / {max(request_ms):.1f} ms")


if __name__ == "__main__":
    main()

"""Attacks on the live feed's memory (issue 12, item 8): a ping flood from a client that never
reads, and hundreds of clients that never read while events flow."""
from __future__ import annotations

import json
import socket
import struct
import threading
import time

import websockets.sync.client

from attack_clients import PeakMemory, client_frame, silent_websocket

TEST_JOBS = {"SPOOL_TEST_JOBS": "1"}


def test_a_million_pings_from_a_client_that_never_reads_cost_one_pong(spool):
    flooder = silent_websocket(spool.port)
    # 120-byte payloads, which every pong must echo: 125 MB of pongs if each were kept.
    ping = client_frame(0x9, b"p" * 120)
    burst = ping * 100_000
    with PeakMemory(spool.process.pid) as memory:
        flooder.settimeout(60)
        for _ in range(10):
            flooder.sendall(burst)
        # The last ping carries a payload: its pong must be the one left pending.
        flooder.sendall(client_frame(0x9, b"last"))
        time.sleep(0.5)
        assert spool.get("/api/health").status == 200
    print(f"RSS growth over 1,000,000 pings: {memory.growth_mib:.1f} MiB")
    assert memory.growth_mib < 10, f"{memory.growth_mib:.1f} MiB"
    # The client is still served once it reads: the pongs it gets answer the newest ping.
    flooder.settimeout(5)
    received = b""
    try:
        while True:
            chunk = flooder.recv(1 << 20)
            if not chunk:
                break
            received += chunk
            if received.endswith(b"\x8a\x04last"):
                break
    except socket.timeout:
        pass
    assert received.endswith(b"\x8a\x04last"), received[-20:]
    pongs = received.count(b"\x8a\x78" + b"p" * 120)
    print(f"pongs sent for 1,000,000 pings: {pongs}")
    assert pongs < 100_000
    flooder.close()


def test_silent_clients_cost_little_while_events_flow(spool_factory):
    server = spool_factory(env={**TEST_JOBS, "WORKERS": "4"})
    silent = [silent_websocket(server.port) for _ in range(500)]
    assert server.get("/api/health").json()["live"]["clients"] == 500
    seen: list[dict] = []
    waiting_for: set[int] = set()
    all_enqueued = threading.Event()
    done = threading.Event()

    def read_everything():
        with websockets.sync.client.connect(f"ws://127.0.0.1:{server.port}/ws", max_size=None) as ws:
            while not done.is_set():
                try:
                    message = json.loads(ws.recv(timeout=1))
                except TimeoutError:
                    continue
                seen.append(message)
                if message["type"] == "job.status" and message["data"]["status"] == "failed":
                    waiting_for.add(message["data"]["id"])
                if all_enqueued.is_set() and waiting_for >= set(ids):
                    done.set()

    ids: list[int] = []
    reader = threading.Thread(target=read_everything)
    with PeakMemory(server.process.pid) as memory:
        reader.start()
        time.sleep(0.5)
        for _ in range(50):
            ids += server.post("/api/test/jobs", {"jobs": [{"seconds": 0.001, "outcome": "permanent"}] * 50}).json()["ids"]
        all_enqueued.set()
        assert done.wait(120), "the reading client did not get every job's end"
        reader.join(5)
    live = server.get("/api/health").json()["live"]
    print(f"RSS growth with 500 silent clients over 2,500 jobs: {memory.growth_mib:.1f} MiB; "
          f"{len(seen)} events read by the live client; dropped {live['clients_dropped']}")
    # About 50 KiB per silent client (its 16 KiB output buffer in libevent's chains): 26 MiB
    # measured; before, 360 MB.
    assert memory.growth_mib < 48, f"{memory.growth_mib:.1f} MiB"
    # The silent clients fell more than the log's 2.5 MiB behind and were dropped; the reader was not.
    assert live["clients_dropped"] >= 450, live
    finals = {m["data"]["id"] for m in seen if m["type"] == "job.status" and m["data"]["status"] == "failed"}
    assert finals >= set(ids), f"{len(set(ids) - finals)} jobs' ends missing"
    for s in silent:
        s.close()

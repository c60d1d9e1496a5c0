"""Issue 12's mixed soak (long mode): the original user's scenario — a big sync, deletes and
restores, Retry clicks, bursts of seeks and volume changes — for SOAK_SECONDS (600 by default)
while a slowloris, a ping flood and silent WebSocket clients run against the same server.

It asserts what the user relies on: every acknowledged write is in the database afterwards,
the server's memory stays under 150 MB, and no request of the user's takes more than 250 ms.
Run it with `SPOOL_LONG=1 .venv/bin/pytest -q Tests/e2e/test_soak.py` (SOAK_SECONDS=60 for a
quick look)."""
from __future__ import annotations

import json
import os
import random
import socket
import threading
import time
import uuid

import pytest

from attack_clients import client_frame, silent_websocket, status_kib
from browser import db_query
from fixture_site import FixtureSite

YTDLP_ENV = {"WORKERS": "3", "RETRY_BASE_SECONDS": "1", "RETRY_MAX_SECONDS": "5"}
SOAK_SECONDS = float(os.environ.get("SOAK_SECONDS", "600"))


class Attack(threading.Thread):
    """Runs `step` until stopped; an attack that fails is the server's refusal, not ours."""

    def __init__(self, step):
        super().__init__(daemon=True)
        self.step, self.running = step, True

    def run(self):
        while self.running:
            try:
                self.step()
            except OSError:
                time.sleep(0.1)


def slowloris(port: int, connections: list[socket.socket]):
    """Keeps 40 connections trickling a request head, one byte a second."""
    while len(connections) < 40:
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        s.sendall(b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        connections.append(s)
    for s in list(connections):
        try:
            s.sendall(b"X")
        except OSError:
            connections.remove(s)  # cut by the head deadline: open another
    time.sleep(1)


@pytest.mark.long
def test_the_users_scenario_holds_while_the_server_is_attacked(spool_factory, tmp_path):
    with FixtureSite(tmp_path / "site", count=60, flaky_failures=2, flaky_status=429) as site:
        server = spool_factory(env=YTDLP_ENV)
        port = server.port
        trickling: list[socket.socket] = []
        flooder = silent_websocket(port)
        silent = [silent_websocket(port) for _ in range(50)]
        ping = client_frame(0x9, b"p" * 120) * 1000
        attacks = [Attack(lambda: slowloris(port, trickling)), Attack(lambda: (flooder.sendall(ping), time.sleep(0.01)))]
        for attack in attacks:
            attack.start()

        latencies: list[tuple[float, str]] = []
        accepted_events = 0
        peak_kib = 0
        session = str(uuid.uuid4())
        rng = random.Random(12)

        def timed(method, path, body=None):
            started = time.monotonic()
            response = server.request(method, path, body)
            latencies.append((time.monotonic() - started, f"{method} {path} → {response.status}"))
            return response

        assert timed("POST", "/api/sources", {"url": site.feed_url}).status == 202
        deadline = time.monotonic() + SOAK_SECONDS
        while time.monotonic() < deadline:
            peak_kib = max(peak_kib, status_kib(server.process.pid, "VmRSS"))
            tracks = timed("GET", "/api/tracks?limit=50").json()["tracks"]
            if tracks:
                victim = rng.choice(tracks)["id"]
                assert timed("DELETE", f"/api/tracks/{victim}").status == 200
                assert timed("POST", f"/api/tracks/{victim}/restore").status in (200, 409)
                events = [{"type": rng.choice(["seek", "volume"]), "track_id": victim, "session": session,
                           "position": rng.uniform(0, 50), "value": rng.uniform(0, 1)} for _ in range(20)]
                response = timed("POST", "/api/events", {"events": events})
                if response.status == 202:
                    accepted_events += response.json()["accepted"]
            if rng.random() < 0.2:
                assert timed("POST", "/api/jobs/retry", {"status": "failed"}).status in (200, 409)
            timed("GET", "/api/jobs?limit=100")
            time.sleep(0.05)

        for attack in attacks:
            attack.running = False
        for s in trickling + silent + [flooder]:
            s.close()

    recorded = db_query(server, "SELECT count(*) FROM play_events WHERE session = ?", (session,))[0][0]
    assert recorded == accepted_events, f"{accepted_events} events acknowledged, {recorded} stored"
    assert peak_kib < 150 * 1024, f"RSS peaked at {peak_kib // 1024} MB"
    slowest = sorted(latencies, reverse=True)[:5]
    print(f"{len(latencies)} user requests; slowest: {json.dumps(slowest)}; peak RSS {peak_kib // 1024} MB")
    assert slowest[0][0] < 0.25, slowest

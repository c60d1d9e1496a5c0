"""Telemetry under load: events/s over HTTP in batches of 50 from many clients, and the p99 of
DELETE /api/tracks/{id} (+ restore) and of rating changes meanwhile — beside raw SQLite rows/s
(the same rows, 50 per commit, WAL, synchronous=NORMAL) measured in the same run.

    .venv/bin/python scripts/bench/telemetry.py --spool .build/release/spool [--seconds 10] [--clients 16]
"""
from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import sqlite3
import statistics
import sys
import threading
import time
from pathlib import Path

from spool_process import start_spool


def seed(db_path: Path, library: Path, count: int) -> list[int]:
    (library / "Bench").mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(db_path)
    ids = []
    with db:
        for i in range(count):
            rel = f"Bench/t{i} [b{i}].m4a"
            (library / rel).write_bytes(os.urandom(4096))
            cur = db.execute("INSERT INTO tracks (video_id, title, file_path, size, mime_type, created_at, rating)"
                             " VALUES (?, ?, ?, 4096, 'audio/mp4', 0, 1)", (f"b{i}", f"Track {i}", rel))
            ids.append(cur.lastrowid)
    db.close()
    return ids


def raw_sqlite_rows_per_second(directory: Path, seconds: float) -> float:
    db = sqlite3.connect(directory / "raw.db", isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("CREATE TABLE play_events (id INTEGER PRIMARY KEY, track_id INT, session TEXT, type TEXT,"
               " position REAL, value REAL, client_time REAL, received_at REAL)")
    rows, deadline = 0, time.time() + seconds
    while time.time() < deadline:
        db.execute("BEGIN")
        db.executemany("INSERT INTO play_events (track_id, session, type, position, value, client_time, received_at)"
                       " VALUES (?, ?, 'seek', ?, NULL, ?, ?)", [(1, "s", i * 0.5, time.time(), time.time()) for i in range(50)])
        db.execute("COMMIT")
        rows += 50
    db.close()
    return rows / seconds


def telemetry_load(port: int, tracks: list[int], clients: int, stop, accepted, failed) -> None:
    """`clients` connections each posting batches of 50 seeks as fast as they are answered."""
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())

    def client(n: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        body = json.dumps({"events": [{"type": "seek", "track_id": tracks[n % len(tracks)], "session": f"s{n}",
                                       "position": i * 0.5, "client_time": stamp} for i in range(50)]})
        while not stop.is_set():
            conn.request("POST", "/api/events", body, {"Content-Type": "application/json"})
            r = conn.getresponse()
            data = r.read()
            if r.status == 202:
                with accepted.get_lock():
                    accepted.value += json.loads(data)["accepted"]
            else:
                with failed.get_lock():
                    failed.value += 1
    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--spool", default=".build/release/spool")
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--clients", type=int, default=16)
    args = ap.parse_args()
    server, port, work, ids = start_spool(args.spool, "spool-telemetry-",
                                          lambda work: seed(work / "tracks.db", work / "library", 40))
    stop = threading.Event()
    errors: list = []
    # The load runs in its own process: in this one its 16 threads would hold the GIL while
    # the user's requests wait for it, and the latencies would measure Python, not Spool.
    load_stop, accepted, load_errors = multiprocessing.Event(), multiprocessing.Value("q", 0), multiprocessing.Value("q", 0)
    load = multiprocessing.Process(target=telemetry_load, args=(port, ids[:20], args.clients, load_stop, accepted, load_errors))

    latencies = {"delete": [], "restore": [], "rating": []}

    def user() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        i = 0
        while not stop.is_set():
            track = ids[20 + i % 20]
            for kind, method, path, body in [
                ("rating", "PUT", f"/api/tracks/{track}/rating", json.dumps({"value": -1 if i % 2 else 1})),
                ("delete", "DELETE", f"/api/tracks/{track}", None),
                ("restore", "POST", f"/api/tracks/{track}/restore", None),
            ]:
                started = time.perf_counter()
                conn.request(method, path, body, {"Content-Type": "application/json"} if body else {})
                r = conn.getresponse()
                r.read()
                latencies[kind].append((time.perf_counter() - started) * 1000)
                if r.status >= 400:
                    errors.append((r.status, kind))
            i += 1
            time.sleep(0.02)

    user_thread = threading.Thread(target=user)
    started = time.time()
    load.start()
    user_thread.start()
    time.sleep(args.seconds)
    stop.set()
    load_stop.set()
    user_thread.join()
    load.join()
    elapsed = time.time() - started
    if load_errors.value:
        errors.append((load_errors.value, "telemetry requests failed"))
    server.terminate()
    server.wait(timeout=30)
    stored = sqlite3.connect(work / "tracks.db").execute("SELECT count(*) FROM play_events").fetchone()[0]
    raw = raw_sqlite_rows_per_second(work, min(5.0, args.seconds))

    def p(values, q):
        return statistics.quantiles(values, n=100)[q - 1] if len(values) >= 2 else float("nan")
    print(f"{'':40} {'Spool (HTTP, batches of 50)':32} reference")
    print(f"{'telemetry events/s':40} {accepted.value / elapsed:>10,.0f} events/s{'':13} {raw:>10,.0f} rows/s (sqlite3, 50 rows/commit)")
    print(f"{'acknowledged / stored':40} {accepted.value:,} / {stored:,}")
    for kind in ("delete", "restore", "rating"):
        values = latencies[kind]
        print(f"{kind + ' latency p50/p99/max':40} {p(values, 50):.1f}/{p(values, 99):.1f}/{max(values):.1f} ms ({len(values)} calls)")
    print(f"{'errors':40} {len(errors)} {errors[:3]}")
    return 0 if not errors and stored == accepted.value else 1


if __name__ == "__main__":
    sys.exit(main())

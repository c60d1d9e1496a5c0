"""Issue 19, fourth round: the library search and the trash writes, two server builds side by
side on copies of the same seeded databases (scale.py's), requests alternating between them
so that the machine's load falls on both alike.

    .venv/bin/python scripts/bench/search_trash.py --before OLD/spool --after .build/release/spool \
        [--data /tmp/spool-scale-data] [--rounds 40]

Search: p50 / p99 of each endpoint at the small and the large size, beside the library's first
page (the reference), and the server's CPU per request at the large size. Trash writes: `POST /api/tracks/bulk` deleting 100 tracks and restoring
them, the server's time per track (the bench library has no files: each delete finds its file
missing, as a trash of already-removed files does). And the trash and restore write as a
statement in Python's sqlite3 on a copy of the large database: the row write of every column
(what a record's `update` wrote) against the two columns the write changes, each prepared once
and prepared anew per write.
"""
from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from scale import Server, encoding_cost, percentile  # noqa: E402


def paths(server: Server) -> list[str]:
    # "a" has a second page at both sizes (135 matches of 1,000 tracks, 19,538 of 100,000).
    second = server.json("/api/tracks?limit=100&q=a")["next_before"]
    return ["/api/tracks?limit=100",
            "/api/tracks?limit=100&q=love",
            "/api/tracks?limit=100&q=love&sort=oldest",
            "/api/tracks?limit=100&q=a",
            f"/api/tracks?limit=100&q=a&before={second}",
            "/api/tracks?limit=100&q=love&trashed=true",
            "/api/tracks?limit=100&q=love&sort=title"]


def search(servers: dict[str, Server], rounds: int) -> dict[str, dict[str, tuple[float, float, int]]]:
    """name → path → (p50 ms, p99 ms, total); each request alternating between the servers."""
    shown = paths(next(iter(servers.values())))
    samples = {name: {path: [] for path in shown} for name in servers}
    totals = {name: {} for name in servers}
    for path in shown:
        for name, server in servers.items():
            for _ in range(10):
                totals[name][path] = server.json(path)["total"]
        for index in range(rounds):
            order = list(servers.items()) if index % 2 == 0 else list(reversed(servers.items()))
            for name, server in order:
                started = time.perf_counter()
                status, _ = server.get(path)
                samples[name][path].append((time.perf_counter() - started) * 1000)
                assert status == 200, (path, status)
    return {name: {path: (percentile(values, 0.5), percentile(values, 0.99), totals[name][path])
                   for path, values in by_path.items()} for name, by_path in samples.items()}


def trash_writes(servers: dict[str, Server], rounds: int) -> dict[str, dict[str, list[float]]]:
    """name → action → ms per track of each bulk call (100 tracks), alternating servers."""
    times = {name: {"delete": [], "restore": []} for name in servers}
    ids = [t["id"] for t in next(iter(servers.values())).json("/api/tracks?limit=100&sort=oldest")["tracks"]]
    for index in range(rounds):
        order = list(servers.items()) if index % 2 == 0 else list(reversed(servers.items()))
        for name, server in order:
            for action in ("delete", "restore"):
                started = time.perf_counter()
                reply = server.json("/api/tracks/bulk", "POST", {"action": action, "ids": ids})
                times[name][action].append((time.perf_counter() - started) * 1000 / len(ids))
                assert not reply["failed"], reply["failed"][:3]
    return times


COLUMNS = ["video_id", "source_id", "title", "uploader", "duration", "file_path", "size", "mime_type", "thumbnail_path",
           "info_path", "deleted_at", "trash_path", "created_at", "uploaded_at", "kept", "artist", "album", "track_number"]
EVERY_COLUMN = "UPDATE tracks SET " + ", ".join(f'"{c}"=?' for c in COLUMNS) + ' WHERE "id"=?'
TRASH = "UPDATE tracks SET deleted_at = ?, trash_path = ? WHERE id = ? AND deleted_at IS NULL"
RESTORE = "UPDATE tracks SET deleted_at = NULL, trash_path = NULL, kept = CASE WHEN ? THEN 1 ELSE kept END WHERE id = ? AND deleted_at IS NOT NULL"


def statement_cost(db: Path, form: str, cached: bool, writes: int) -> float:
    """The trash and restore writes as statements in Python's sqlite3 (the system SQLite) on a
    copy of `db`: µs per write, one transaction each, trash and restore alternating."""
    c = sqlite3.connect(db, isolation_level=None, cached_statements=128 if cached else 0)
    c.execute("PRAGMA journal_mode=WAL")
    c.execute("PRAGMA synchronous=NORMAL")
    ids = [r[0] for r in c.execute("SELECT id FROM tracks WHERE deleted_at IS NULL ORDER BY id LIMIT 200")]
    rows = {r[0]: list(r[1:]) for r in c.execute(f"SELECT id, {', '.join(COLUMNS)} FROM tracks WHERE id IN ({','.join(map(str, ids))})")}
    started = time.perf_counter()
    for index in range(writes):
        track = ids[(index // 2) % len(ids)]
        trash = index % 2 == 0
        c.execute("BEGIN IMMEDIATE")
        if form == "every column":
            row = rows[track][:]
            row[COLUMNS.index("deleted_at")] = float(index) if trash else None
            row[COLUMNS.index("trash_path")] = f".trash/{track}/x.m4a" if trash else None
            c.execute(EVERY_COLUMN, row + [track])
        elif trash:
            c.execute(TRASH, (float(index), f".trash/{track}/x.m4a", track))
        else:
            c.execute(RESTORE, (1, track))
        c.execute("COMMIT")
    elapsed = time.perf_counter() - started
    c.close()
    return elapsed / writes * 1e6


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", required=True)
    parser.add_argument("--after", required=True)
    parser.add_argument("--data", default="/tmp/spool-scale-data")
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--trash-rounds", type=int, default=10)
    parser.add_argument("--cpu-requests", type=int, default=100, help="requests per endpoint for the server's CPU per request")
    parser.add_argument("--writes", type=int, default=2000, help="writes per form in the statements' comparison")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="spool-search-trash-"))
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
    results, writes, cpu = {}, None, {}
    try:
        for size in ("small", "large"):
            servers = {}
            try:
                for name in ("before", "after"):
                    copy = work / f"{name}-{size}.db"
                    shutil.copyfile(Path(args.data) / f"{size}.db", copy)
                # Written back before the servers start: 0.6 GB of dirty pages at the large size
                # otherwise flush during the measurement.
                os.sync()
                for name in ("before", "after"):
                    servers[name] = Server(getattr(args, name), work / f"{name}-{size}.db")
                for server in servers.values():
                    server.settle()
                results[size] = search(servers, args.rounds)
                if size == "large":
                    # The server's CPU per request: what the machine's other load does not change.
                    shown = list(results[size]["before"])
                    for path in shown:
                        for name, server in servers.items():
                            cpu.setdefault(name, {}).update(encoding_cost(server, [path], args.cpu_requests))
                    writes = trash_writes(servers, args.trash_rounds)
            finally:
                for server in servers.values():
                    server.stop()
        copy = work / "statements.db"
        shutil.copyfile(Path(args.data) / "large.db", copy)
        os.sync()
        statements = {}
        for _ in range(3):
            for form in ("every column", "two columns"):
                for cached in (True, False):
                    statements.setdefault((form, cached), []).append(statement_cost(copy, form, cached, args.writes))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"{'endpoint':<58} {'build':<7} {'small p50/p99 ms':>17} {'large p50/p99 ms':>17} {'large/small':>11} {'total (large)':>13}")
    large_paths = list(results["large"]["before"])
    small_paths = list(results["small"]["before"])
    for index, path in enumerate(large_paths):
        for name in ("before", "after"):
            s50, s99, _ = results["small"][name][small_paths[index]]
            l50, l99, total = results["large"][name][path]
            shown = path if len(path) <= 58 else path[:55] + "..."
            print(f"{shown if name == 'before' else '':<58} {name:<7} {s50:7.2f} /{s99:7.2f} {l50:7.2f} /{l99:7.2f} {l50 / s50:10.1f}x {total:13,}")
    print()
    print(f"server CPU per request at the large size, ms ({args.cpu_requests} requests each): before / after")
    for path in large_paths:
        shown = path if len(path) <= 58 else path[:55] + "..."
        print(f"  {shown:<58} {cpu['before'][path][0]:7.2f} / {cpu['after'][path][0]:7.2f}")
    print()
    print("POST /api/tracks/bulk, 100 tracks, large size, ms per track: p50 (min-max) of", args.trash_rounds, "calls")
    for action in ("delete", "restore"):
        for name in ("before", "after"):
            values = writes[name][action]
            print(f"  {action:<8} {name:<7} {percentile(values, 0.5):6.3f} ({min(values):.3f}-{max(values):.3f})")
    print()
    print(f"the trash and restore write as a statement, large size, {args.writes} writes, median of 3 rounds (µs per write):")
    for (form, cached), values in statements.items():
        print(f"  {form:<13} {'prepared once' if cached else 'prepared anew':<14} {percentile(values, 0.5):7.1f}   "
              f"(rounds: {', '.join(f'{v:.1f}' for v in values)})")


if __name__ == "__main__":
    main()

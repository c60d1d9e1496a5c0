"""Two servers side by side: each serves its own copy of a database, and the requests alternate
between the two (before, after, before, after, …), so a slow minute of the machine falls on
both alike. Both servers first settle (their start-up work done). Prints p50 and p99 per path
for each, and the reply sizes (which must be equal when the change is meant to keep the replies
as they were).

Two builds on the same database (did a change make the server faster?):

    swift build -c release --product spool      # the "after" build
    .venv/bin/python scripts/bench/ab.py --before OLD/.build/release/spool --after .build/release/spool \
        --db /tmp/spool-scale-data/large.db [--rounds 60] "/api/tracks?limit=100" "/api/trash?limit=100"

One build on two databases (does a cost grow with the data?): `--after-db` gives the "after"
server another database, e.g. the small library before and the large one after:

    .venv/bin/python scripts/bench/ab.py --before .build/release/spool --after .build/release/spool \
        --db /tmp/spool-scale-data/small.db --after-db /tmp/spool-scale-data/large.db "/api/tracks?limit=100"

Each database is copied (the servers write to it: sessions, migrations) into a temporary
folder removed at the end. Requests go over one keep-alive connection per server, after five
warm-up calls per path; latency is measured at the client (http.client on loopback).
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from scale import Server, copy, percentile  # noqa: E402


def timed_get(server: Server, path: str) -> tuple[float, int]:
    began = time.perf_counter()
    status, body = server.get(path)
    if status != 200:
        raise RuntimeError(f"{path}: {status} {body[:200]!r}")
    return (time.perf_counter() - began) * 1000, len(body)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", required=True)
    parser.add_argument("--after", required=True)
    parser.add_argument("--db", required=True, type=Path)
    parser.add_argument("--after-db", type=Path, help="the after server's database (default: --db)")
    parser.add_argument("--rounds", type=int, default=60)
    parser.add_argument("paths", nargs="+")
    arguments = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="spool-ab-"))
    servers: dict[str, Server] = {}
    try:
        # The server key beside the database seals its users' Subsonic passwords (both copies
        # live in `work`, and a server reads `spool.key` beside its database).
        if (arguments.db.parent / "spool.key").exists():
            shutil.copyfile(arguments.db.parent / "spool.key", work / "spool.key")
        for name, db in (("before", arguments.db), ("after", arguments.after_db or arguments.db)):
            servers[name] = Server(getattr(arguments, name), copy(db, work))
        for server in servers.values():
            server.settle()
        print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())} ({os.cpu_count()} cores)")
        print(f"{'path':64} {'before p50 / p99 ms':>20} {'after p50 / p99 ms':>20} {'after/before':>12}  bytes")
        for path in arguments.paths:
            for server in servers.values():
                for _ in range(5):
                    timed_get(server, path)
            times: dict[str, list[float]] = {name: [] for name in servers}
            sizes: dict[str, int] = {}
            for _ in range(arguments.rounds):
                for name, server in servers.items():
                    elapsed, sizes[name] = timed_get(server, path)
                    times[name].append(elapsed)
            before, after = times["before"], times["after"]
            size = f"{sizes['after']:,}" + ("" if sizes["before"] == sizes["after"] else f" (before {sizes['before']:,})")
            print(f"{path[:64]:64} {percentile(before, .5):8.2f} / {percentile(before, .99):7.2f}"
                  f"   {percentile(after, .5):8.2f} / {percentile(after, .99):7.2f} {percentile(after, .5) / percentile(before, .5):11.2f}x  {size}")
    finally:
        for server in servers.values():
            server.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

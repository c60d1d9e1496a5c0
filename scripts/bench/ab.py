"""Two builds of Spool side by side: each serves its own copy of the same database, and the
requests alternate between the two (before, after, before, after, …), so a slow minute of the
machine falls on both alike. Both servers first settle (their start-up work done). Prints p50 and p99 per path for each, and the reply sizes (which
must be equal when the change is meant to keep the replies as they were).

    swift build -c release --product spool      # the "after" build
    .venv/bin/python scripts/bench/ab.py --before OLD/.build/release/spool --after .build/release/spool \
        --db /tmp/spool-scale-data/large.db [--rounds 60] "/api/tracks?limit=100" "/api/trash?limit=100"

The database is copied twice (the servers write to it: sessions, migrations), into a temporary
folder removed at the end. Requests go over one keep-alive connection per server, after five
warm-up calls per path; latency is measured at the client (http.client on loopback).
"""
from __future__ import annotations

import argparse
import http.client
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


class Server:
    def __init__(self, binary: str, db: Path, work: Path):
        work.mkdir(parents=True)
        shutil.copy(db, work / "tracks.db")
        env = {**os.environ, "DB_PATH": str(work / "tracks.db"), "LIBRARY_DIR": str(work / "library"), "PORT": "0",
               "HOST": "127.0.0.1", "LOG_LEVEL": "warning", "WEB_DIR": str(REPO / "web"), "YTDLP_PATH": "/bin/false",
               "YTDLP_UPDATE": "off"}
        self.process = subprocess.Popen([binary, "serve"], env=env, stdout=subprocess.PIPE,
                                        stderr=open(work / "stderr.log", "wb"))
        line = ""
        while "listening on" not in line:
            line = self.process.stdout.readline().decode()
            if not line and self.process.poll() is not None:
                raise RuntimeError(f"{binary} exited: {(work / 'stderr.log').read_text(errors='replace')[-2000:]}")
        self.connection = http.client.HTTPConnection("127.0.0.1", int(line.strip().rsplit(":", 1)[1].split("/")[0]), timeout=120)

    def get(self, path: str) -> tuple[float, int]:
        began = time.perf_counter()
        self.connection.request("GET", path)
        response = self.connection.getresponse()
        body = response.read()
        if response.status != 200:
            raise RuntimeError(f"{path}: {response.status} {body[:200]!r}")
        return (time.perf_counter() - began) * 1000, len(body)

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def settle(self, limit: float = 180) -> None:
        """Waits until the server is idle (under 5 % of a core over 3 s). A fresh server on a
        seeded library first writes its playlist files and fails the queue's pending jobs
        (yt-dlp is /bin/false): a core for up to a minute, which made the first paths' figures
        two to three times their settled ones."""
        deadline = time.time() + limit
        while time.time() < deadline:
            before = self.cpu_seconds()
            time.sleep(3)
            if self.cpu_seconds() - before < 0.15:
                return

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=30)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", required=True)
    parser.add_argument("--after", required=True)
    parser.add_argument("--db", required=True, type=Path)
    parser.add_argument("--rounds", type=int, default=60)
    parser.add_argument("paths", nargs="+")
    arguments = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="spool-ab-"))
    servers: dict[str, Server] = {}
    try:
        for name in ("before", "after"):
            servers[name] = Server(getattr(arguments, name), arguments.db, work / name)
        for server in servers.values():
            server.settle()
        print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())} ({os.cpu_count()} cores)")
        print(f"{'path':64} {'before p50 / p99 ms':>20} {'after p50 / p99 ms':>20} {'after/before':>12}  bytes")
        for path in arguments.paths:
            for server in servers.values():
                for _ in range(5):
                    server.get(path)
            times: dict[str, list[float]] = {name: [] for name in servers}
            sizes: dict[str, int] = {}
            for _ in range(arguments.rounds):
                for name, server in servers.items():
                    elapsed, sizes[name] = server.get(path)
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

"""Issue 19's benchmark: every endpoint the web app's pages call, p50 and p99, at a small
library (1,000 tracks) and a large one (100,000 tracks, 300,000 jobs, 1,000,000 play events,
500 sources, 10,000 tombstones) in the same run, on release builds; the server's memory at the
large size; what JSON encoding costs per request with the list replies' own writer and with
Foundation's JSONEncoder (JSON_WRITER=0) on the same server build; the longest writer hold of
each kind of housekeeping at the large size; and the Library page at the large size in
headless Chromium (time to the first rows, DOM nodes).

    swift build -c release --product spool && swift build -c release --product spool-bench
    .venv/bin/python scripts/bench/scale.py [--rounds 50] [--data DIR] [--skip-browser]

The seeded databases are cached in --data (default /tmp/spool-scale-data) and copied before
each phase that writes, so a second run skips the seeding (~1 min for the large one). The
small and the large server run side by side, each first left to settle (its start-up work
done), and each endpoint's requests alternate between them, so the machine's load falls on
both sizes alike. Each server's requests go one after another over one keep-alive connection,
as a page's requests do; latency is measured at the client (http.client on loopback).
"""
from __future__ import annotations

import argparse
import base64
import http.client
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def token(*parts) -> str:
    """A PageCursor's wire form: base64url of the JSON array [id, key?]."""
    text = json.dumps(list(parts), separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


# The replies whose encoding is compared, JSONWritable against JSONEncoder (JSON_WRITER=0).
HOT = ["/api/jobs?limit=100", "/api/tracks?limit=100", "/api/sources?limit=500"]


class Server:
    """`spool serve` on a database file, on a free port; stopped by its own pid."""

    def __init__(self, binary: str, db: Path, **settings):
        self.work = Path(tempfile.mkdtemp(prefix="spool-scale-"))
        env = {**os.environ, "DB_PATH": str(db), "LIBRARY_DIR": str(self.work / "library"), "PORT": "0",
               "LOG_LEVEL": "warning", "WEB_DIR": str(REPO / "web"), "YTDLP_PATH": "/bin/false",
               "YTDLP_UPDATE": "off", **{k: str(v) for k, v in settings.items()}}
        self.stderr = open(self.work / "stderr.log", "wb")
        self.process = subprocess.Popen([binary, "serve"], env=env, stdout=subprocess.PIPE, stderr=self.stderr)
        # The first start prints the owner's setup link before the address (accounts, v7).
        line = ""
        while "listening on" not in line:
            line = self.process.stdout.readline().decode()
            if not line and self.process.poll() is not None:
                log = (self.work / "stderr.log").read_text(errors="replace")[-2000:]
                raise RuntimeError(f"spool serve exited with {self.process.returncode}: {log}")
        self.port = int(line.strip().rsplit(":", 1)[1].split("/")[0])
        self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        for _ in range(200):
            try:
                if self.get("/api/health")[0] == 200:
                    break
            except OSError:
                time.sleep(0.1)

    def get(self, path: str, method: str = "GET", body: bytes | None = None):
        headers = {"Content-Type": "application/json"} if body else {}
        self.connection.request(method, path, body=body, headers=headers)
        response = self.connection.getresponse()
        return response.status, response.read()

    def json(self, path: str, method: str = "GET", body: dict | None = None):
        status, data = self.get(path, method, json.dumps(body).encode() if body is not None else None)
        if status >= 400:
            raise RuntimeError(f"{method} {path}: {status} {data[:200]!r}")
        return json.loads(data)

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def settle(self, limit: float = 180) -> None:
        """Waits until the server is idle (under 5 % of a core over 3 s). A fresh server on a
        seeded library first writes its playlist files and fails the queue's pending jobs
        (yt-dlp is /bin/false): up to a minute of a core at the large size, a few seconds at
        the small one. Measured during it, the first endpoints took two to three times their
        settled time, and only at the large size."""
        deadline = time.time() + limit
        while time.time() < deadline:
            before = self.cpu_seconds()
            time.sleep(3)
            if self.cpu_seconds() - before < 0.15:
                return

    def memory(self) -> dict[str, int]:
        values = {}
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            name, _, rest = line.partition(":")
            if name in ("VmRSS", "VmHWM"):
                values[name] = int(rest.split()[0]) * 1024
        return values

    def stop(self):
        self.connection.close()
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.stderr.close()
        shutil.rmtree(self.work, ignore_errors=True)


def seed(bench: str, data: Path, name: str, flags: list[str]) -> Path:
    path = data / f"{name}.db"
    if not path.exists():
        print(f"seeding {name}: spool-bench seed {' '.join(flags)}", flush=True)
        partial = data / f"{name}.partial.db"
        for leftover in data.glob(f"{name}.partial.db*"):
            leftover.unlink()
        started = time.perf_counter()
        subprocess.run([bench, "seed", "--db", str(partial), *flags], check=True, stdout=subprocess.DEVNULL)
        partial.rename(path)
        print(f"  {time.perf_counter() - started:.0f} s", flush=True)
    return path


def copy(db: Path, work: Path) -> Path:
    """A fresh copy for one phase (its own name: a phase's server may leave a WAL behind)."""
    copies = len(list(work.glob(f"*-{db.name}")))
    target = work / f"{copies}-{db.name}"
    shutil.copyfile(db, target)
    return target


def endpoints(db: Path) -> list[tuple[str, str]]:
    """(page, path) for every request the pages make, with ids and deep cursors of this database."""
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as c:
        big = c.execute("SELECT source_id FROM tracks WHERE source_id IS NOT NULL GROUP BY source_id ORDER BY count(*) DESC LIMIT 1").fetchone()[0]
        live = c.execute("SELECT count(*) FROM tracks WHERE deleted_at IS NULL").fetchone()[0]
        deep = int(live * 0.9)
        newest = c.execute("SELECT id FROM tracks WHERE deleted_at IS NULL ORDER BY id DESC LIMIT 1 OFFSET ?", (deep,)).fetchone()[0]
        title = c.execute("SELECT id, title FROM tracks WHERE deleted_at IS NULL ORDER BY title COLLATE NOCASE, id LIMIT 1 OFFSET ?", (deep,)).fetchone()
        # Plays are each user's (the seed's are the owner's, user 1): the list shows their played
        # tracks first, then the others newest first.
        plays = c.execute("""
            SELECT t.id, coalesce(ut.play_count, 0) FROM tracks t
            LEFT JOIN user_tracks ut ON ut.track_id = t.id AND ut.user_id = 1
            WHERE t.deleted_at IS NULL AND ut.hidden_at IS NULL
            ORDER BY coalesce(ut.play_count, 0) DESC, t.id DESC LIMIT 1 OFFSET ?""", (deep,)).fetchone()
        jobs = c.execute("SELECT count(*) FROM jobs").fetchone()[0]
        deep_job = c.execute("SELECT id FROM jobs ORDER BY id DESC LIMIT 1 OFFSET ?", (int(jobs * 0.9),)).fetchone()[0]
        failed_job = c.execute("SELECT id FROM jobs WHERE status = 'failed' ORDER BY id DESC LIMIT 1").fetchone()[0]
        track = c.execute("SELECT id FROM tracks WHERE deleted_at IS NULL ORDER BY id DESC LIMIT 1").fetchone()[0]
        sources = c.execute("SELECT count(*) FROM sources").fetchone()[0]
        deep_source = c.execute("SELECT id FROM sources ORDER BY id DESC LIMIT 1 OFFSET ?", (int(sources * 0.9),)).fetchone()[0]
    return [
        ("overview", "/api/health"),
        ("overview", "/api/history?limit=10"),
        ("every page", "/api/meta"),
        ("library", "/api/tracks?limit=100"),
        ("library", "/api/tracks?limit=100&sort=oldest"),
        ("library", "/api/tracks?limit=100&sort=title"),
        ("library", "/api/tracks?limit=100&sort=plays"),
        ("library", f"/api/tracks?limit=100&before={token(newest)}"),
        ("library", f"/api/tracks?limit=100&sort=title&before={token(title[0], title[1])}"),
        ("library", f"/api/tracks?limit=100&sort=plays&before={token(plays[0], float(plays[1]))}"),
        ("library", "/api/tracks?limit=100&rating=1"),
        ("library", "/api/tracks?limit=100&rating=-1"),
        ("library", f"/api/tracks?limit=100&source={big}"),
        ("library", f"/api/tracks?limit=100&source={big}&sort=title"),
        # A search as the user types: one letter matches a fifth of the tracks (a full page at
        # both sizes; counted up to 1,000), a word a few.
        ("library", "/api/tracks?limit=100&q=a"),
        ("library", "/api/tracks?limit=100&q=a&sort=title"),
        ("library", "/api/tracks?limit=100&q=a&sort=plays"),
        ("library", "/api/tracks?limit=100&q=love"),
        # A search within the Library's source menu or its rating menu (the biggest source; the
        # owner's likes), in the orders the page offers.
        ("library", f"/api/tracks?limit=100&q=a&source={big}"),
        ("library", f"/api/tracks?limit=100&q=a&source={big}&sort=title"),
        ("library", f"/api/tracks?limit=100&q=a&source={big}&sort=plays"),
        ("library", "/api/tracks?limit=100&q=a&rating=1"),
        ("library", "/api/tracks?limit=100&q=a&rating=1&sort=title"),
        ("library", "/api/tracks?limit=100&q=a&rating=1&sort=plays"),
        # Within both, and a letter that matches nearly every track (eleventh round).
        ("library", f"/api/tracks?limit=100&q=a&source={big}&rating=1"),
        ("library", f"/api/tracks?limit=100&q=s&source={big}&rating=1&sort=title"),
        ("library", "/api/tracks?limit=100&q=s&rating=1&sort=plays"),
        ("library", f"/api/tracks?limit=100&q=s&source={big}&sort=plays"),
        ("library", "/api/trash?limit=100"),
        ("library", "/api/history?limit=100"),
        # The Library and Jobs source menus read every source's name the first time they are used.
        ("menus", "/api/sources?limit=500&view=names"),
        ("player", "/api/playlists/likes?limit=100"),
        ("player", f"/api/tracks/{track}"),
        ("jobs", "/api/jobs?limit=100"),
        ("jobs", "/api/jobs?limit=100&status=running"),
        ("jobs", "/api/jobs?limit=100&status=failed,timeout,dead_letter"),
        # The waiting line, 100 at a time in the order workers claim them.
        ("jobs", "/api/jobs?limit=100&status=pending,retrying&order=due"),
        ("jobs", "/api/jobs?limit=100&status=completed"),
        ("jobs", f"/api/jobs?limit=100&before={token(deep_job)}"),
        ("jobs", f"/api/jobs?limit=100&source={big}"),
        ("jobs", f"/api/jobs/{failed_job}"),
        # The Sources page reads 50 at a time as the user scrolls.
        ("sources", "/api/sources?limit=50"),
        ("sources", f"/api/sources?limit=50&before={token(deep_source)}"),
        ("sources", "/api/sources?limit=100"),
        ("source", f"/api/sources/{big}"),
        ("source", f"/api/sources/{big}/entries?limit=100"),
        ("source", f"/api/sources/{big}/entries?limit=100&skipped=true"),
        ("settings", "/api/profiles"),
        ("monitoring", "/metrics"),
    ]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round((len(ordered) - 1) * p)))]


def measure(servers: dict[str, Server], paths: dict[str, list[tuple[str, str]]], rounds: int
            ) -> dict[str, dict[str, tuple[float, float, int, int | None]]]:
    """size → path → (p50 ms, p99 ms, bytes, rows). The sizes' servers run side by side and
    each endpoint's requests alternate between them (its path at each size: other ids and
    cursors), so a slow minute of the shared machine falls on both sizes alike; 3 warm-up calls
    each, then `rounds` timed."""
    results: dict[str, dict] = {name: {} for name in servers}
    names = list(servers)
    for index in range(len(paths[names[0]])):
        samples: dict[str, list[float]] = {name: [] for name in names}
        bodies: dict[str, bytes] = {}
        for name in names:
            path = paths[name][index][1]
            for _ in range(3):
                status, bodies[name] = servers[name].get(path)
                if status != 200:
                    raise RuntimeError(f"GET {path}: {status} {bodies[name][:200]!r}")
        for _ in range(rounds):
            for name in names:
                started = time.perf_counter()
                servers[name].get(paths[name][index][1])
                samples[name].append((time.perf_counter() - started) * 1000)
        for name in names:
            body = bodies[name]
            results[name][paths[name][index][1]] = (percentile(samples[name], 0.5), percentile(samples[name], 0.99), len(body), rows(body))
    return results


def rows(body: bytes) -> int | None:
    """How many items a list reply holds (its one list), None for a reply that is no list: the
    small library holds fewer than a page of some lists (12 dislikes, 17 in the trash), so the
    comparison that says whether a cost grows with the data is per row."""
    try:
        reply = json.loads(body)
    except ValueError:
        return None
    lists = [value for value in reply.values() if isinstance(value, list)] if isinstance(reply, dict) else []
    return len(lists[0]) if len(lists) == 1 else None


def encoding_cost(server: Server, paths: list[str], requests: int) -> dict[str, tuple[float, float]]:
    """path → (server CPU ms per request, client p50 ms) over `requests` calls."""
    costs = {}
    for path in paths:
        for _ in range(5):
            server.get(path)
        before = server.cpu_seconds()
        samples = []
        for _ in range(requests):
            started = time.perf_counter()
            server.get(path)
            samples.append((time.perf_counter() - started) * 1000)
        costs[path] = ((server.cpu_seconds() - before) * 1000 / requests, percentile(samples, 0.5))
    return costs


def housekeeping(binary: str, db: Path, work: Path) -> dict:
    """Runs every kind of housekeeping on a copy of the large database and reads the longest
    writer hold of each from /api/health."""
    server = Server(binary, copy(db, work), HOUSEKEEPING_INTERVAL_SECONDS=3, RETENTION_INTERVAL_SECONDS=3,
                    TRASH_PURGE_INTERVAL_SECONDS=3, TRASH_RETENTION_DAYS=0, JOB_RETENTION_DAYS=30)
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as c:
            big = c.execute("SELECT source_id FROM tracks WHERE source_id IS NOT NULL GROUP BY source_id ORDER BY count(*) DESC LIMIT 1").fetchone()[0]
        server.json(f"/api/sources/{big}", "PATCH", {"retention": {"keep_newest": 100}})
        started = time.perf_counter()
        cleared = server.json("/api/jobs?status=cancelled,timeout", "DELETE")["deleted"]
        purged = server.json("/api/trash", "DELETE")["purged"]
        # Make a trash for the sweep to purge too.
        tracks = server.json("/api/tracks?limit=300")["tracks"]
        server.json("/api/tracks/bulk", "POST", {"action": "delete", "ids": [t["id"] for t in tracks]})
        holds = {}
        deadline = time.time() + 600
        while time.time() < deadline:
            health = server.json("/api/health")
            holds = health["housekeeping"]["longest_writer_hold_ms"]
            # `checkpoint` (the writer's own WAL copies) stays null when the writer never copied.
            if all(value is not None for key, value in holds.items() if key != "checkpoint") and health["housekeeping"].get("last_run_at"):
                break
            time.sleep(2)
        return {"holds": holds, "cleared": cleared, "purged": purged, "seconds": time.perf_counter() - started,
                "pruned": health["housekeeping"].get("last_pruned_jobs"),
                "trash_left": server.json("/api/trash?limit=1")["total"]}
    finally:
        server.stop()


def library_page(binary: str, db: Path) -> dict:
    """The Library page at this size in headless Chromium: time from navigation to the first
    rows, DOM nodes and rows in the DOM then, and after scrolling through 3,000 rows."""
    # This folder holds a `websocket.py` that would shadow the package Selenium imports.
    here = Path(__file__).resolve().parent
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != here]
    sys.path[:0] = [str(REPO / "Tests" / "e2e"), str(REPO / "Tests" / "Fixtures")]  # as conftest.py sets them
    from browser import Browser  # noqa: E402 (the e2e helper: Chromium, chromedriver)

    server = Server(binary, db)
    browser = Browser()
    try:
        base = f"http://127.0.0.1:{server.port}"
        browser.open(base, "/library", ready_testid="main")  # warm: scripts cached, as for a returning user
        results = []
        for _ in range(5):
            started = time.perf_counter()
            browser.driver.get(base + "/library")
            browser.wait(lambda: browser.js("return document.querySelectorAll('#track-list li.track').length") > 0,
                         timeout=60, message="the first rows")
            results.append((time.perf_counter() - started) * 1000)
        first = browser.js("return {nodes: document.getElementsByTagName('*').length, "
                           "rows: document.querySelectorAll('#track-list li.track').length}")
        # Scroll down the list, page after page, as a user does.
        for _ in range(60):
            browser.js("(document.querySelector('main') || window).scrollBy(0, 2400)")
            time.sleep(0.1)
        browser.wait(lambda: browser.js("return document.querySelectorAll('#track-list li.track').length") > 0, timeout=30)
        time.sleep(1)
        after = browser.js("return {nodes: document.getElementsByTagName('*').length, "
                           "rows: document.querySelectorAll('#track-list li.track').length, "
                           "loaded: Number(document.querySelector('#track-list')?.dataset.loaded || 0)}")
        return {"first_rows_ms": sorted(results), "first": first, "after_scroll": after}
    finally:
        browser.driver.quit()
        server.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--spool", default=str(REPO / ".build/release/spool"))
    parser.add_argument("--bench", default=str(REPO / ".build/release/spool-bench"))
    parser.add_argument("--data", default="/tmp/spool-scale-data", help="where the seeded databases are kept between runs")
    parser.add_argument("--rounds", type=int, default=50)
    parser.add_argument("--encoding-requests", type=int, default=300)
    parser.add_argument("--skip-browser", action="store_true")
    parser.add_argument("--skip-housekeeping", action="store_true")
    args = parser.parse_args()
    data = Path(args.data)
    data.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="spool-scale-run-"))
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())} ({os.cpu_count()} cores)", flush=True)
    small = seed(args.bench, data, "small", ["--small"])
    large = seed(args.bench, data, "large", [])

    memory, encoding = None, {}
    try:
        servers: dict[str, Server] = {}
        try:
            for name, db in (("small", small), ("large", large)):
                servers[name] = Server(args.spool, copy(db, work))
            for server in servers.values():
                server.settle()
            results = measure(servers, {"small": endpoints(small), "large": endpoints(large)}, args.rounds)
            encoding["writer"] = encoding_cost(servers["large"], HOT, args.encoding_requests)
            memory = servers["large"].memory()
        finally:
            for server in servers.values():
                server.stop()
        server = Server(args.spool, copy(large, work), JSON_WRITER=0)
        try:
            encoding["JSONEncoder"] = encoding_cost(server, HOT, args.encoding_requests)
        finally:
            server.stop()
        held = None if args.skip_housekeeping else housekeeping(args.spool, large, work)
        page = None if args.skip_browser else library_page(args.spool, copy(large, work))
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print()
    print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"{'page':<11} {'endpoint':<62} {'small p50/p99 ms':>17} {'large p50/p99 ms':>17} {'large/small':>11} "
          f"{'rows s/l':>9} {'per row':>7} {'bytes (large)':>13}")
    for page_name, path in endpoints(large):
        # The same endpoint at the small size has other ids and cursors: matched by position.
        index = [p for _, p in endpoints(large)].index(path)
        small_path = endpoints(small)[index][1]
        s50, s99, _, srows = results["small"][small_path]
        l50, l99, size, lrows = results["large"][path]
        shown = path if len(path) <= 62 else path[:59] + "..."
        counted = f"{srows}/{lrows}" if srows is not None and lrows is not None else "-"
        # Per row only where the small reply is shorter: otherwise the plain ratio says it.
        per_row = f"{(l50 / lrows) / (s50 / srows):6.1f}x" if srows and lrows and srows < lrows else "      -"
        print(f"{page_name:<11} {shown:<62} {s50:7.2f} /{s99:7.2f} {l50:7.2f} /{l99:7.2f} {l50 / s50:10.1f}x "
              f"{counted:>9} {per_row:>7} {size:13,}")
    print()
    print(f"server memory at the large size: RSS {memory['VmRSS'] / 2**20:.0f} MiB, peak {memory['VmHWM'] / 2**20:.0f} MiB")
    print()
    print("JSON encoding, large size, server CPU per request (client p50):")
    for path in HOT:
        w, f = encoding["writer"][path], encoding["JSONEncoder"][path]
        print(f"  {path:<25} writer {w[0]:6.2f} ms ({w[1]:.2f})   JSONEncoder {f[0]:6.2f} ms ({f[1]:.2f})   {f[0] / w[0]:.1f}x")
    if held:
        print()
        print(f"housekeeping at the large size (cleared {held['cleared']} jobs, purged {held['purged']} + swept the trash to "
              f"{held['trash_left']}, pruned {held['pruned']} jobs in the last run), longest writer hold (ms): "
              + ", ".join(f"{k} {v}" for k, v in sorted(held["holds"].items())))
    if page:
        print()
        times = page["first_rows_ms"]
        print(f"Library page, large size, headless Chromium: first rows {times[len(times) // 2]:.0f} ms (median of {len(times)}: "
              f"{', '.join(f'{t:.0f}' for t in times)}); DOM {page['first']['nodes']} nodes / {page['first']['rows']} rows; "
              f"after scrolling: {page['after_scroll']['nodes']} nodes / {page['after_scroll']['rows']} rows in the DOM, "
              f"{page['after_scroll']['loaded']} loaded")


if __name__ == "__main__":
    main()

"""Issue 11's benchmarks, each beside a reference measured in the same run:

  big      a 20,000-entry channel: POST → first download running and POST → every job queued,
           beside the bare `yt-dlp --flat-playlist --lazy-playlist -j` listing of the same feed
           (its first line and its end); Spool's peak RSS (VmHWM) during the sync.
  mp3      200 fixture entries, mp3, WORKERS=3: POST → all done, beside the same 200 downloads
           run by plain `yt-dlp` processes with Spool's download arguments, 3 at a time.

    .venv/bin/python scripts/bench/channels.py --spool .build/release/spool [big] [mp3]

The fixture site (Tests/Fixtures/fixture_site.py) serves the feed and the media on 127.0.0.1;
the real yt-dlp from .venv does the work. Results go into docs/benchmarks.md.
"""
import argparse
import concurrent.futures
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIXTURE_SITE = os.path.join(ROOT, "Tests", "Fixtures", "fixture_site.py")
YT_DLP = os.path.join(ROOT, ".venv", "bin", "yt-dlp")
sys.path.insert(0, os.path.join(ROOT, "Tests", "ytdlp_driver"))
from driver_client import spool_download_argv, ytdlp_environment  # noqa: E402


class Site:
    def __init__(self, count, directory, bulk):
        argv = [sys.executable, FIXTURE_SITE, "--port", "0", "--dir", directory, "--count", str(count),
                "--flaky-failures", "0"]
        self.process = subprocess.Popen(argv + (["--bulk"] if bulk else []), stdout=subprocess.PIPE, text=True)
        self.info = json.loads(self.process.stdout.readline())
        self.feed_url = self.info["feed_url"]

    def close(self):
        self.process.terminate()
        self.process.wait()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Spool:
    def __init__(self, binary, work, env):
        self.port = free_port()
        self.env = {**os.environ, "DB_PATH": f"{work}/data/tracks.db", "LIBRARY_DIR": f"{work}/data/library",
                    "PORT": str(self.port), "LOG_LEVEL": "warning", "YTDLP_PATH": YT_DLP, "YTDLP_UPDATE": "off", **env}
        self.log = open(f"{work}/spool.log", "w")
        self.process = subprocess.Popen([binary, "serve"], env=self.env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                self.get("/api/health")
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("spool did not start")

    def request(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", data=data, method=method,
                                         headers={"Content-Type": "application/json"} if data else {})
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())

    def get(self, path):
        return self.request("GET", path)

    def peak_rss_mib(self):
        with open(f"/proc/{self.process.pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
        return float("nan")

    def close(self):
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=60)
        self.log.close()


def bare_listing(feed_url):
    """(seconds to the first entry, seconds to the end, entries) of yt-dlp listing the feed alone."""
    started = time.perf_counter()
    process = subprocess.Popen([YT_DLP, "--flat-playlist", "--lazy-playlist", "-j", "--no-colors", feed_url],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=ytdlp_environment(), text=True)
    first, entries = None, 0
    for _ in process.stdout:
        entries += 1
        if first is None:
            first = time.perf_counter() - started
    process.wait()
    return first, time.perf_counter() - started, entries


def big(arguments):
    work = tempfile.mkdtemp(prefix="spool-bench-big-")
    site = Site(arguments.entries, f"{work}/site", bulk=True)
    try:
        first, listed, entries = bare_listing(site.feed_url)
        print(f"bare yt-dlp listing of {entries:,} entries: first entry after {first:.2f} s, all after {listed:.2f} s")
        spool = Spool(arguments.spool, work, {"WORKERS": "3"})
        try:
            started = time.perf_counter()
            source = spool.request("POST", "/api/sources", {"url": site.feed_url})
            first_download = queued = None
            while queued is None and time.perf_counter() - started < 3600:
                if first_download is None and spool.get("/api/jobs?kind=download&status=running&limit=1")["jobs"]:
                    first_download = time.perf_counter() - started
                sync = spool.get(f"/api/jobs?kind=source_sync&source={source['id']}&limit=1")["jobs"]
                if sync and sync[0]["status"] == "completed":
                    queued = time.perf_counter() - started
                    time.sleep(1.5)  # source counts are published at most every second
                    counts = spool.get(f"/api/sources/{source['id']}")["counts"]
                    print(f"spool: sync completed; {counts['videos']:,} entries, {counts['queued']:,} queued or running")
                time.sleep(0.05)
            peak = spool.peak_rss_mib()
        finally:
            spool.close()
        print(f"spool: first download running after {first_download:.2f} s "
              f"({first_download - first:+.2f} s after the bare listing's first entry)")
        print(f"spool: every job queued after {queued:.2f} s = {queued / listed:.2f}x the bare listing")
        print(f"spool: peak RSS during the sync {peak:.0f} MiB")
    finally:
        site.close()
        shutil.rmtree(work, ignore_errors=True)


def mp3(arguments):
    work = tempfile.mkdtemp(prefix="spool-bench-mp3-")
    site = Site(arguments.downloads, f"{work}/site", bulk=False)
    try:
        ffmpeg = shutil.which("ffmpeg")
        media = [line for line in subprocess.run(
            [YT_DLP, "--flat-playlist", "-j", site.feed_url], capture_output=True, text=True, check=True).stdout.splitlines()]
        urls = [u for u in (json.loads(line)["url"] for line in media) if "/media/" in u and "missing" not in u]
        # Reference: plain yt-dlp processes with Spool's arguments, 3 at a time.
        def one(index_url):
            index, url = index_url
            folder = f"{work}/reference/{index}"
            os.makedirs(folder)
            argv = [YT_DLP, *spool_download_argv(url, folder, "mp3", ffmpeg, ["--no-quiet"])]
            return subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ytdlp_environment()).returncode
        started = time.perf_counter()
        with concurrent.futures.ThreadPoolExecutor(3) as pool:
            statuses = list(pool.map(one, enumerate(urls)))
        reference = time.perf_counter() - started
        print(f"reference: {len(urls)} plain yt-dlp processes, 3 at a time: {reference:.1f} s "
              f"({statuses.count(0)} succeeded)")

        for mode, env in (("drivers", {}), ("a process per download", {"YTDLP_DRIVER_JOBS": "0"})):
            if mode != "drivers" and not arguments.with_processes:
                continue
            folder = f"{work}/spool-{len(env)}"
            os.makedirs(folder)
            spool = Spool(arguments.spool, folder, {"WORKERS": "3", "AUDIO_FORMAT": "mp3", "RETRY_BASE_SECONDS": "1", **env})
            try:
                started = time.perf_counter()
                source = spool.request("POST", "/api/sources", {"url": site.feed_url})
                while time.perf_counter() - started < 7200:
                    counts = spool.get(f"/api/sources/{source['id']}")["counts"]
                    if counts["videos"] >= len(urls) and counts["queued"] == 0 and counts["downloaded"] + counts["failed"] >= len(urls):
                        break
                    time.sleep(0.2)
                wall = time.perf_counter() - started
            finally:
                spool.close()
            overhead = (wall - reference) * 3 / len(urls)
            print(f"spool ({mode}): all {counts['downloaded']} done after {wall:.1f} s = {wall / reference:.2f}x the reference; "
                  f"per job {overhead * 1000:+.0f} ms beside plain yt-dlp")
    finally:
        site.close()
        shutil.rmtree(work, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--spool", default=os.path.join(ROOT, ".build", "release", "spool"))
    parser.add_argument("--entries", type=int, default=20_000)
    parser.add_argument("--downloads", type=int, default=200)
    parser.add_argument("--with-processes", action="store_true", help="also run Spool with YTDLP_DRIVER_JOBS=0")
    parser.add_argument("parts", nargs="*", default=["big", "mp3"], choices=["big", "mp3"])
    arguments = parser.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    for part in arguments.parts:
        {"big": big, "mp3": mp3}[part](arguments)


if __name__ == "__main__":
    main()

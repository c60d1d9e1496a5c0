#!/usr/bin/env python3
"""Tiny podcast-like site on 127.0.0.1 for running the real yt-dlp in tests.

Stdlib only. As a module:

    with FixtureSite(tmpdir, count=3) as site:
        site.feed_url, site.stats(), site.add(1)

As a program (e.g. from Swift via Process):

    python3 fixture_site.py --port 0 --dir DIR --count 3
    -> prints one JSON line {"port": ..., "feed_url": ..., ...} then serves
       until SIGTERM/SIGINT, or until its parent process dies.

Routes
    GET  /feed.xml[?rate=B&status=S]  RSS 2.0; rate/status are copied onto
                                      every enclosure URL
    GET  /media/<id>.m4a[?rate=B/s&status=S]   Range-capable media
    GET  /thumb/<id>.jpg              per-entry thumbnail (itunes:image)
    GET  /watch/<id>                  tiny HTML page for the entry
    GET  /admin/stats                 request log and counters (JSON)
    POST /admin/add?count=N           append N new (newest) entries
    POST /admin/reset                 clear counters, re-arm the flaky entry
    POST /admin/fail?id=ID&count=K[&status=S&skip=N]
                                      media of ID: let N requests pass, then
                                      answer S (default 500) K times. skip=1
                                      fails yt-dlp's download GET, not its probe

Big channels: with bulk=True (--bulk) every good entry shares one media file and one
thumbnail, made once, so a 20,000-entry channel starts in seconds.

Special entries (always present, so a listing has count + 2 items):
    "missing"  its media answers 404
    "flaky"    its media answers --flaky-status for the first
               --flaky-failures requests, then serves the file
"""
import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
import urllib.parse
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from xml.sax.saxutils import escape, quoteattr

BASE_TIME = 1704067200  # 2024-01-01T00:00:00Z, keeps pubDates deterministic
DURATION = 2  # seconds of audio per entry; small files keep tests fast
# Titles that exercise safe-name handling in the library layout.
SPECIAL_TITLES = [
    "AC/DC: Back/Slash Episode",
    "Ünïcødé — 日本語のタイトル 🎵 ça va?",
    "A very long title " + "that keeps going " * 16 + "end",
]


class Entry:
    def __init__(self, id, index, title, has_file=True, shared=False):
        self.id, self.index, self.title, self.has_file = id, index, title, has_file
        self.shared = shared  # bulk entries serve the shared files

    @property
    def media_name(self):
        return f"{self.id}.m4a"

    @property
    def file_stem(self):
        return "shared" if self.shared else self.id


def _ffmpeg(*args):
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", *args], check=True)


# ffmpeg's output depends only on its arguments, so each tone and thumbnail is made once per
# machine and copied from there (a copy, not a link: some tests damage their site's files).
# The suite builds about a hundred sites; making their files took some 100 s of every run.
CACHE = os.environ.get("SPOOL_FIXTURE_CACHE") or os.path.join(tempfile.gettempdir(), f"spool-fixture-cache-{os.getuid()}")


def made_once(target, suffix, *args):
    """Writes ffmpeg's output for `args` to `target`, from the cache when it was made before."""
    key = hashlib.sha256(json.dumps([DURATION, *args]).encode()).hexdigest()[:24]
    cached = os.path.join(CACHE, key + suffix)
    if not os.path.exists(cached):
        os.makedirs(CACHE, exist_ok=True)
        tmp = f"{cached}.{os.getpid()}.{threading.get_ident()}.tmp{suffix}"
        _ffmpeg(*args, tmp)
        os.replace(tmp, cached)
    tmp = target + ".tmp" + suffix
    shutil.copyfile(cached, tmp)
    os.replace(tmp, target)


def generate_entry_files(directory, entry):
    """Create the entry's tone and thumbnail once; reruns reuse them."""
    media = os.path.join(directory, entry.file_stem + ".m4a")
    if not os.path.exists(media):
        freq = 220 + 55 * entry.index  # distinct tone per entry
        made_once(media, ".m4a", "-f", "lavfi", "-i", f"sine=frequency={freq}:duration={DURATION}",
                   "-c:a", "aac", "-b:a", "32k", "-movflags", "+faststart")
    thumb = os.path.join(directory, f"{entry.file_stem}.jpg")
    if not os.path.exists(thumb):
        made_once(thumb, ".jpg", "-f", "lavfi", "-i",
                   f"color=c=0x{(entry.index * 2654435761) & 0xFFFFFF:06x}:s=320x180",  # 16:9 like YouTube thumbnails
                   "-frames:v", "1")


class FixtureSite:
    def __init__(self, directory, count=3, flaky_failures=2, flaky_status=429,
                 host="127.0.0.1", port=0, title="Spool Fixture Channel", specials_first=False, bulk=False, prefix=""):
        self.dir = os.path.abspath(directory)
        self.prefix = prefix  # distinct video ids for a second site in one test
        self.bulk = bulk
        os.makedirs(self.dir, exist_ok=True)
        self.title = title
        self.flaky_failures, self.flaky_status = flaky_failures, flaky_status
        self.lock = threading.Lock()
        self.entries = []
        self._index = None
        self._sizes = {}
        self.reported_durations = {}  # id -> seconds the feed claims (itunes:duration)
        self.log = []  # one dict per request, in arrival order
        self._next_index = 1
        self._add_good(count)
        self.entries.append(Entry(prefix + "missing", 0, "Missing episode (404)", has_file=False))
        flaky = Entry(prefix + "flaky", -1, "Flaky episode (fails first)")
        generate_entry_files(self.dir, flaky)
        self.entries.append(flaky)
        if specials_first:  # newest in the feed, so a sync queues (and fails) them first
            self.entries[-2].index, flaky.index = count + 2, count + 1
            self._next_index = count + 3
        self.faults = {}  # id -> [requests to let pass, failures left, status]
        self.reset()
        self.server = ThreadingHTTPServer((host, port), _Handler)
        self.server.daemon_threads = True
        self.server.site = self
        self.port = self.server.server_address[1]
        self.base_url = f"http://{host}:{self.port}"
        self._thread = None

    # --- public helpers -------------------------------------------------
    @property
    def feed_url(self):
        return self.url("/feed.xml")

    def url(self, path):
        return self.base_url + path

    def media_url(self, entry_id, **query):
        q = ("?" + urllib.parse.urlencode(query)) if query else ""
        return self.url(f"/media/{entry_id}.m4a{q}")

    def info(self):
        return {
            "port": self.port, "base_url": self.base_url, "feed_url": self.feed_url,
            "dir": self.dir, "stats_url": self.url("/admin/stats"),
            "add_url": self.url("/admin/add"), "reset_url": self.url("/admin/reset"),
            "flaky_failures": self.flaky_failures, "flaky_status": self.flaky_status,
            "entries": [{"id": e.id, "title": e.title, "media_url": self.media_url(e.id)}
                        for e in self.entries],
        }

    def add(self, count=1):
        """Add entries at runtime (newest pubDate) and return their ids."""
        return [e.id for e in self._add_good(count)]

    def stats(self):
        with self.lock:
            counts = {}
            for r in self.log:
                counts[r["path"]] = counts.get(r["path"], 0) + 1
            return {"requests": counts, "log": list(self.log),
                    "faults": {k: v[:] for k, v in self.faults.items()}}

    def reset(self):
        with self.lock:
            self.log.clear()
            self.faults = {self.prefix + "flaky": [0, self.flaky_failures, self.flaky_status]}

    def fail(self, entry_id, count, status=500, skip=0):
        with self.lock:
            self.faults[entry_id] = [skip, count, status]

    def _take_fault(self, entry_id):
        """Status to fail this request with, or None to serve it."""
        with self.lock:
            fault = self.faults.get(entry_id)
            if not fault or fault[1] <= 0:
                return None
            if fault[0] > 0:
                fault[0] -= 1
                return None
            fault[1] -= 1
            return fault[2]

    def start(self):
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # --- internals ------------------------------------------------------
    def _add_good(self, count):
        with self.lock:  # POST /admin/add may run on several handler threads
            first = self._next_index
            self._next_index += count
        new = []
        for i in range(first, first + count):
            title = SPECIAL_TITLES[i - 1] if i <= len(SPECIAL_TITLES) else f"Episode {i}"
            new.append(Entry(f"{self.prefix}ep-{i:03d}", i, title, shared=self.bulk))
            if not self.bulk or i == first:
                generate_entry_files(self.dir, new[-1])
        with self.lock:
            self.entries[0:0] = new  # keep good entries first, specials last
        return new

    def find(self, entry_id):
        with self.lock:
            if self._index is None or len(self._index) != len(self.entries):
                self._index = {e.id: e for e in self.entries}
            return self._index.get(entry_id)

    def media_path(self, entry):
        return os.path.join(self.dir, entry.file_stem + ".m4a")

    def media_size(self, entry):
        path = self.media_path(entry)
        if path not in self._sizes:
            self._sizes[path] = os.path.getsize(path)
        return self._sizes[path]

    def feed_xml(self, media_query):
        items = []
        with self.lock:
            entries = list(self.entries)
        # Newest first, like real channel feeds.
        for e in sorted(entries, key=lambda e: -e.index):
            size = self.media_size(e) if e.has_file else 1234
            media = self.url(f"/media/{e.media_name}") + (f"?{media_query}" if media_query else "")
            items.append(f"""  <item>
    <title>{escape(e.title)}</title>
    <guid isPermaLink="false">{escape(e.id)}</guid>
    <link>{escape(self.url('/watch/' + e.id))}</link>
    <description>{escape('Description of ' + e.title)}</description>
    <pubDate>{formatdate(BASE_TIME + 86400 * e.index, usegmt=True)}</pubDate>
    <enclosure url={quoteattr(media)} type="audio/mp4" length="{size}"/>
    <itunes:duration>{self.reported_durations.get(e.id, DURATION)}</itunes:duration>
    <itunes:image href={quoteattr(self.url(f'/thumb/{e.id}.jpg'))}/>
  </item>""")
        return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd">
 <channel>
  <title>{escape(self.title)}</title>
  <link>{escape(self.base_url + '/')}</link>
  <description>Fixture channel for Spool tests</description>
  <itunes:author>Spool Fixtures</itunes:author>
{chr(10).join(items)}
 </channel>
</rss>
""".encode()


class _Handler(BaseHTTPRequestHandler):
    server_version = "SpoolFixture/1"

    def log_message(self, *args):  # keep test output clean
        pass

    def do_HEAD(self):
        self._dispatch(head=True)

    def do_GET(self):
        self._dispatch(head=False)

    def do_POST(self):
        self._dispatch(head=False)

    def _dispatch(self, head):
        site = self.server.site
        parsed = urllib.parse.urlsplit(self.path)
        path, query = parsed.path, urllib.parse.parse_qs(parsed.query)
        record = {"method": self.command, "path": path, "query": parsed.query,
                  "range": self.headers.get("Range"), "status": None, "t": time.time()}
        with site.lock:
            site.log.append(record)
        try:
            status = self._route(site, path, query, parsed.query, head)
        except (BrokenPipeError, ConnectionResetError):
            status = "client-closed"  # yt-dlp's extractor probe closes early
        record["status"] = status

    def _route(self, site, path, query, raw_query, head):
        if self.command == "POST" and path == "/admin/add":
            ids = site.add(int(query.get("count", ["1"])[0]))
            return self._send(200, json.dumps({"added": ids}).encode(), "application/json")
        if self.command == "POST" and path == "/admin/fail":
            q = {k: v[0] for k, v in query.items()}
            site.fail(q["id"], int(q.get("count", 1)), int(q.get("status", 500)), int(q.get("skip", 0)))
            return self._send(200, b"{}", "application/json")
        if self.command == "POST" and path == "/admin/reset":
            site.reset()
            return self._send(200, b"{}", "application/json")
        if path == "/admin/stats":
            return self._send(200, json.dumps(site.stats()).encode(), "application/json")
        if path == "/feed.xml":
            return self._send(200, site.feed_xml(raw_query), "application/rss+xml; charset=utf-8", head)
        m = re.fullmatch(r"/(media|thumb|watch)/([\w.-]+?)(\.m4a|\.jpg)?", path)
        entry = site.find(m.group(2)) if m else None
        if entry is None:
            return self._send(404, b"not found", "text/plain", head)
        if m.group(1) == "watch":
            page = f"<!doctype html><title>{escape(entry.title)}</title><h1>{escape(entry.title)}</h1>"
            return self._send(200, page.encode(), "text/html; charset=utf-8", head)
        if m.group(1) == "thumb":
            thumb = os.path.join(site.dir, f"{entry.file_stem}.jpg")
            if not os.path.exists(thumb):
                return self._send(404, b"not found", "text/plain", head)
            with open(thumb, "rb") as f:
                return self._send(200, f.read(), "image/jpeg", head)
        if "status" in query:
            return self._send(int(query["status"][0]), b"forced status", "text/plain", head)
        if not entry.has_file:
            return self._send(404, b"not found", "text/plain", head)
        fault = site._take_fault(entry.id)
        if fault:
            extra = {"Retry-After": "1"} if fault == 429 else {}
            return self._send(fault, b"try later", "text/plain", head, extra)
        with open(site.media_path(entry), "rb") as f:
            data = f.read()
        rate = int(query["rate"][0]) if "rate" in query else 0
        return self._send_media(data, head, rate)

    def _send_media(self, data, head, rate):
        total, start, end = len(data), 0, len(data) - 1
        rng = re.fullmatch(r"bytes=(\d*)-(\d*)", self.headers.get("Range", "").strip())
        status, headers = 200, {"Accept-Ranges": "bytes"}
        if rng and (rng.group(1) or rng.group(2)):
            if rng.group(1):
                start = int(rng.group(1))
                end = min(int(rng.group(2)), total - 1) if rng.group(2) else total - 1
            else:  # suffix range: last N bytes
                start = max(0, total - int(rng.group(2)))
            if start >= total or start > end:
                return self._send(416, b"", "text/plain", head, {"Content-Range": f"bytes */{total}"})
            status = 206
            headers["Content-Range"] = f"bytes {start}-{end}/{total}"
        body = data[start:end + 1]
        self.send_response(status)
        self.send_header("Content-Type", "audio/mp4")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Last-Modified", formatdate(BASE_TIME, usegmt=True))
        for k, v in headers.items():
            self.send_header(k, v)
        self.end_headers()
        if head:
            return status
        chunk = max(1, rate // 10) if rate else 64 * 1024
        for i in range(0, len(body), chunk):
            self.wfile.write(body[i:i + chunk])
            if rate:
                self.wfile.flush()
                time.sleep(chunk / rate)
        return status

    def _send(self, status, body, ctype, head=False, extra=None):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if not head:
            self.wfile.write(body)
        return status


def _exit_with_parent():
    # Die with the test process that started us, even if it crashed.
    parent = os.getppid()
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(0)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--count", type=int, default=3)
    ap.add_argument("--flaky-failures", type=int, default=2)
    ap.add_argument("--flaky-status", type=int, default=429)
    ap.add_argument("--bulk", action="store_true", help="every entry shares one media file (big channels)")
    args = ap.parse_args(argv)
    site = FixtureSite(args.dir, args.count, args.flaky_failures, args.flaky_status, port=args.port, bulk=args.bulk)
    threading.Thread(target=_exit_with_parent, daemon=True).start()
    print(json.dumps(site.info()), flush=True)
    try:
        site.server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()

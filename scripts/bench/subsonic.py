"""Issue 18's benchmark: OpenSubsonic calls on a library of the scale issue's size (100,000 tracks
in 500 sources), each beside the call of Spool's own JSON API that reads the same thing, in the
same run against the same server:

  getAlbumList2 (newest, 50 albums)          beside  GET /api/sources?limit=50
  getAlbumList2 (recent, frequent, highest, byYear, alphabeticalByName from the first album and
                from the 401st; 50 albums)
                                              beside  getArtists (every artist the user can see:
                                                      one seek per source since issue 19's eighth
                                                      round; before, every album's totals, the
                                                      pass over every track these orders made
                                                      before its third round)
  search3 (one word, 50 songs)                beside  GET /api/tracks?q=<word>&limit=50
  getRandomSongs (50)                         beside  GET /api/tracks?limit=50
  stream, the file as stored: first byte      beside  GET /media/{id}: first byte
  stream?format=mp3&maxBitRate=128: first byte (an ffmpeg child starts; no JSON equivalent)

Each figure is the median and the 95th percentile of `--requests` calls over one keep-alive
connection, after five warm-up calls. The library is written straight into SQLite after
`spool db migrate` (the titles' words drawn from a 2,000-word vocabulary, so a word matches
about 1 % of the tracks); 100 tracks have a real 30-second AAC file, the one the stream calls
read. The benchmark's user has listened: a third of the tracks played (1–20 times, within the
last year), 2 % starred 1–5, 5 % of the albums rated, 0.5 % of the tracks hidden.

    .venv/bin/python scripts/bench/subsonic.py --spool .build/release/spool [--tracks 100000] [--keep DIR]

With `--keep DIR`, the database stays for `ab.py`: two builds side by side on copies of it,
e.g. `getAlbumList2` with a token made from `DIR/password` (user `bench`, any salt).

Results go into docs/benchmarks.md.
"""
import argparse
import hashlib
import http.client
import json
import os
import random
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import tempfile
import time
import urllib.parse

CHEAP_HASHES = {"PASSWORD_HASH_MEMORY_KIB": "8192", "PASSWORD_HASH_ITERATIONS": "1"}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def add_listening(env, user_name, tracks, sources):
    """The user's plays, stars, album ratings and hidden tracks, by plain SQL (the counters'
    triggers keep their sums as the server's own writes would)."""
    rng = random.Random(19)
    now = time.time()
    db = sqlite3.connect(env["DB_PATH"])
    with db:
        user = db.execute("SELECT id FROM users WHERE name = ?", (user_name,)).fetchone()[0]
        rows = []
        for track in range(1, tracks + 1):
            played = rng.random() < 0.33
            stars = rng.randint(1, 5) if rng.random() < 0.02 else None
            hidden = now - 86400 if rng.random() < 0.005 else None
            if played or stars or hidden:
                rows.append((user, track, rng.randint(1, 20) if played else 0,
                             now - rng.uniform(0, 86400 * 365) if played else None, stars, hidden))
        db.executemany("INSERT INTO user_tracks (user_id, track_id, play_count, last_played_at, stars, hidden_at)"
                       " VALUES (?, ?, ?, ?, ?, ?)", rows)
        db.executemany("INSERT INTO user_annotations (user_id, item, rating) VALUES (?, ?, ?)",
                       [(user, f"album:{s}", rng.randint(1, 5)) for s in rng.sample(range(1, sources + 1), sources // 20)])
    db.close()


def build_library(work, binary, tracks, sources, env):
    """The schema by `spool db migrate`, then sources and tracks by plain SQL."""
    subprocess.run([binary, "db", "migrate"], env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    library = os.path.join(work, "library")
    os.makedirs(os.path.join(library, "Bench"), exist_ok=True)
    tone = os.path.join(library, "Bench", "tone.m4a")
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", "sine=frequency=440:duration=30",
                    "-c:a", "aac", "-b:a", "128k", "-movflags", "+faststart", tone], check=True)
    size = os.path.getsize(tone)
    rng = random.Random(18)
    vocabulary = [f"w{n:04d}" for n in range(2000)]
    now = time.time()
    db = sqlite3.connect(env["DB_PATH"])
    with db:
        db.executemany("INSERT INTO sources (url, title, added_at) VALUES (?, ?, ?)",
                       [(f"https://bench.test/c/{s}", f"Channel {s:03d} {rng.choice(vocabulary)}", now - 86400 * 400)
                        for s in range(1, sources + 1)])
        rows = []
        for i in range(1, tracks + 1):
            path = f"Bench/{i}.m4a"
            if i <= 100:
                os.link(tone, os.path.join(library, path))
            title = " ".join(rng.choice(vocabulary) for _ in range(4))
            created = now - 86400 * 365 + i * 300
            rows.append((f"v{i:07d}", 1 + i % sources, title, 30.0, path, size, "audio/mp4", created, created - 3600))
        db.executemany("INSERT INTO tracks (video_id, source_id, title, duration, file_path, size, mime_type, created_at,"
                       " uploaded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    db.close()
    return library


class Server:
    def __init__(self, binary, work, env):
        self.port = free_port()
        self.log = open(os.path.join(work, "spool.log"), "w")
        self.process = subprocess.Popen([binary, "serve"], env={**env, "PORT": str(self.port)},
                                        stdout=self.log, stderr=subprocess.STDOUT)
        self.connection = None
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                self.connect()
                self.call("GET", "/api/health")
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("spool did not start; see spool.log")

    def connect(self):
        self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)

    def call(self, method, path, body=None, headers=None, first_byte_only=False):
        """(seconds, status, body) of one request on the keep-alive connection; with
        `first_byte_only`, the time to the first body byte, and the connection is replaced."""
        headers = dict(headers or {})
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        started = time.perf_counter()
        try:
            self.connection.request(method, path, body=data, headers=headers)
            response = self.connection.getresponse()
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            # The server closed the idle keep-alive connection: once more on a new one.
            self.connect()
            started = time.perf_counter()
            self.connection.request(method, path, body=data, headers=headers)
            response = self.connection.getresponse()
        if first_byte_only:
            first = response.read(1)
            elapsed = time.perf_counter() - started
            self.connection.close()
            self.connect()
            return elapsed, response.status, first
        payload = response.read()
        return time.perf_counter() - started, response.status, payload

    def close(self):
        if self.connection:
            self.connection.close()
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=60)
        self.log.close()


def measure(server, label, path, headers, count, first_byte_only=False):
    for _ in range(5):
        server.call("GET", path(), headers=headers, first_byte_only=first_byte_only)
    times = []
    for _ in range(count):
        elapsed, status, body = server.call("GET", path(), headers=headers, first_byte_only=first_byte_only)
        if status >= 300 or (not first_byte_only and b'"status":"failed"' in body):
            raise RuntimeError(f"{label}: {status} {body[:300]!r}")
        times.append(elapsed * 1000)
    times.sort()
    median = statistics.median(times)
    p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
    return f"{median:8.1f} ms  p95 {p95:8.1f} ms"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--spool", required=True)
    parser.add_argument("--tracks", type=int, default=100_000)
    parser.add_argument("--sources", type=int, default=500)
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--keep", help="copy the benchmark's database here at the end, with the user's Subsonic "
                        "password beside it (`password`), for `ab.py` and two builds side by side")
    arguments = parser.parse_args()
    binary = os.path.abspath(arguments.spool)
    work = tempfile.mkdtemp(prefix="spool-bench-subsonic-")
    env = {**os.environ, "DB_PATH": os.path.join(work, "tracks.db"), "LIBRARY_DIR": os.path.join(work, "library"),
           "HOST": "127.0.0.1", "LOG_LEVEL": "warning", "YTDLP_UPDATE": "off", "PLAYLIST_FILES": "0",
           "BACKUP_INTERVAL_HOURS": "0", **CHEAP_HASHES}
    try:
        started = time.perf_counter()
        build_library(work, binary, arguments.tracks, arguments.sources, env)
        print(f"library: {arguments.tracks:,} tracks in {arguments.sources} sources, written in "
              f"{time.perf_counter() - started:.1f} s")
        subprocess.run([binary, "user", "add", "bench", "--role", "admin", "--password-stdin"], env=env, check=True,
                       input="bench password\n", text=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        add_listening(env, "bench", arguments.tracks, arguments.sources)
        server = Server(binary, work, env)
        try:
            # Signed in for the session cookie, which makes a full API key for the JSON calls.
            server.connection.request("POST", "/api/login", body=json.dumps({"name": "bench", "password": "bench password"}),
                                      headers={"Content-Type": "application/json"})
            response = server.connection.getresponse()
            response.read()
            cookie = response.getheader("Set-Cookie").split(";")[0]
            _, status, body = server.call("POST", "/api/me/keys", {"label": "bench"}, headers={"Cookie": cookie})
            key = json.loads(body)["key"]
            bearer = {"Authorization": f"Bearer {key}"}
            _, status, body = server.call("POST", "/api/me/subsonic-password", headers=bearer)
            password = json.loads(body)["password"]

            def rest(method, **params):
                salt = os.urandom(6).hex()
                token = hashlib.md5((password + salt).encode()).hexdigest()
                query = {"u": "bench", "t": token, "s": salt, "v": "1.16.1", "c": "bench", "f": "json", **params}
                return f"/rest/{method}?{urllib.parse.urlencode(query)}"

            rng = random.Random(7)
            word = lambda: f"w{rng.randrange(2000):04d}"  # noqa: E731
            streamed = lambda: rng.randint(1, 100)  # noqa: E731
            n = arguments.requests
            rows = [
                ("getAlbumList2 newest, 50", lambda: rest("getAlbumList2", type="newest", size=50), {},
                 "GET /api/sources?limit=50", lambda: "/api/sources?limit=50", False),
                *[(f"getAlbumList2 {name}, 50", (lambda p=params: rest("getAlbumList2", size=50, **p)), {},
                   "getArtists (every artist)", (lambda: rest("getArtists")), False)
                  for name, params in [("recent", {"type": "recent"}), ("frequent", {"type": "frequent"}),
                                       ("highest", {"type": "highest"}),
                                       ("byYear", {"type": "byYear", "fromYear": 2000, "toYear": 2100}),
                                       ("byName", {"type": "alphabeticalByName"}),
                                       ("byName @400", {"type": "alphabeticalByName", "offset": 400})]],
                ("search3 one word, 50 songs", lambda: rest("search3", query=word(), songCount=50, albumCount=0, artistCount=0), {},
                 "GET /api/tracks?q=<word>&limit=50", lambda: f"/api/tracks?q={word()}&limit=50", False),
                ("getRandomSongs 50", lambda: rest("getRandomSongs", size=50), {},
                 "GET /api/tracks?limit=50", lambda: "/api/tracks?limit=50", False),
                ("stream (file), first byte", lambda: rest("stream", id=f"tr-{streamed()}"), {},
                 "GET /media/{id}, first byte", lambda: f"/media/{streamed()}", True),
            ]
            print(f"{'OpenSubsonic':34} {'median':>11}  {'':>14}   {'Spool JSON API (same run)':34} {'median':>11}")
            for label, path, _, reference_label, reference_path, first_byte in rows:
                ours = measure(server, label, path, {}, n, first_byte)
                # The JSON API with the bearer key; a Subsonic reference with its own token.
                theirs = measure(server, reference_label, reference_path, bearer if reference_label.startswith("GET") else {},
                                 n, first_byte)
                print(f"{label:34} {ours}   {reference_label:34} {theirs}")
            converted = measure(server, "stream mp3", lambda: rest("stream", id=f"tr-{streamed()}", format="mp3", maxBitRate=128),
                                {}, min(n, 20), True)
            print(f"{'stream mp3 128k (ffmpeg), first byte':34} {converted}   (no JSON API equivalent)")
        except Exception:
            with open(os.path.join(work, "spool.log")) as log:
                print("".join(log.readlines()[-30:]))
            raise
        finally:
            server.close()
        if arguments.keep:
            os.makedirs(arguments.keep, exist_ok=True)
            for name in ("tracks.db", "spool.key"):  # the key seals the Subsonic password
                shutil.copyfile(os.path.join(work, name), os.path.join(arguments.keep, name))
            with open(os.path.join(arguments.keep, "password"), "w") as f:
                f.write(password)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

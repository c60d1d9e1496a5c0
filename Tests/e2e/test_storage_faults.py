"""Issue 12, what a misbehaving yt-dlp, a full or read-only disk, a file pulled away or a
database replaced under the server must not do: grow memory without bound, climb out of the
library, leave files without rows, acknowledge writes that are lost, or say "database is
locked" to a user."""
import os
import random
import shutil
import sqlite3
import subprocess
import threading
import time
from pathlib import Path

import pytest

from browser import db_query, seed_liked_tracks
from conftest import FIXTURES, REPO
from fixture_site import FixtureSite
from test_big_channels import PeakRSS

YTDLP = str(REPO / ".venv" / "bin" / "yt-dlp")
FAKE = str(FIXTURES / "fake_ytdlp.py")
FAST = {"YTDLP_PATH": YTDLP, "RETRY_BASE_SECONDS": "0.2", "RETRY_MAX_SECONDS": "1", "WORKERS": "2"}


@pytest.fixture
def site(tmp_path):
    with FixtureSite(tmp_path / "site", count=2, flaky_failures=0) as site:
        yield site


class Mount:
    """A tmpfs the test owns (root only): a disk that fills up, or is made read-only."""

    def __init__(self, path: Path, size: str):
        self.path = path
        path.mkdir(parents=True, exist_ok=True)
        result = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], capture_output=True)
        if result.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here: {result.stderr.decode().strip()}")

    def read_only(self):
        subprocess.run(["mount", "-o", "remount,ro", str(self.path)], check=True)

    def writable(self):
        subprocess.run(["mount", "-o", "remount,rw", str(self.path)], check=True)

    def close(self):
        subprocess.run(["umount", "-l", str(self.path)], capture_output=True)


def settled_downloads(server, expected, timeout=90):
    def done():
        jobs = server.get("/api/jobs?limit=500&kind=download").json()["jobs"]
        terminal = {"completed", "failed", "cancelled", "timeout", "dead_letter"}
        return len(jobs) >= expected and all(j["status"] in terminal for j in jobs) and jobs
    return server.wait_for(done, timeout=timeout, interval=0.3, message="downloads to settle")


def library_files(server) -> set[str]:
    """The tracks' files: not downloads in progress, the trash or the playlist files."""
    root = Path(server.library)
    return {str(p.relative_to(root)) for p in root.rglob("*")
            if p.is_file() and not str(p.relative_to(root)).startswith((".partial", ".trash"))
            and p.parent != root / "Playlists"}  # playlist files and their temporary files


# 600,000 lines kept would be about 300 MB (the bug kept ~500 bytes a line): far above the 80 MB
# bound. The long mode floods with the 3 million.
FLOOD_LINES = "3000000" if os.environ.get("SPOOL_LONG") == "1" else "600000"


@pytest.mark.long  # about 10 s; BoundedOutputTests flood the runner and a driver session in the default run
def test_a_stdout_flood_does_not_grow_memory(spool_factory, site):
    server = spool_factory(env={**FAST, "YTDLP_PATH": FAKE, "FAKE_YTDLP_REAL": YTDLP, "FAKE_YTDLP_MODE": "flood",
                                "FAKE_YTDLP_LINES": FLOOD_LINES, "MAX_ATTEMPTS": "1"})
    sampler = PeakRSS(server.process.pid)
    sampler.start()
    baseline = None
    server.post("/api/channels", {"url": site.feed_url})
    jobs = settled_downloads(server, 4, timeout=300)
    sampler.running = False
    sampler.join()
    assert all(j["status"] in {"dead_letter", "failed"} for j in jobs), [j["status"] for j in jobs]
    # 4 downloads × 3,000,000 lines × 70 bytes went through the server; it kept the tails only.
    assert sampler.peak < 80 * 1024, f"RSS peaked at {sampler.peak // 1024} MB"


def test_a_reported_path_outside_the_download_folder_is_refused(spool_factory, site, tmp_path):
    server = spool_factory(env={**FAST, "YTDLP_PATH": FAKE, "FAKE_YTDLP_REAL": YTDLP, "FAKE_YTDLP_MODE": "climb"})
    victim = Path(server.library) / "victim.txt"  # where <partial>/../../../victim.txt points
    victim.parent.mkdir(parents=True, exist_ok=True)
    victim.write_text("not a download")
    server.post("/api/channels", {"url": site.feed_url})
    jobs = settled_downloads(server, 4)
    assert all(j["status"] == "failed" and "refused" in j["last_error"] for j in jobs), [(j["status"], j["last_error"]) for j in jobs]
    assert victim.read_text() == "not a download"
    assert server.get("/api/tracks").json()["tracks"] == []


def test_a_link_in_the_library_that_points_outside_is_not_served(spool_factory, tmp_path):
    server = spool_factory(start=False)
    tracks = seed_liked_tracks(server, count=1, seconds=1)
    secret = tmp_path / "secret.txt"
    secret.write_text("private")
    media = Path(server.library) / tracks[0]["file_path"]
    media.unlink()
    media.symlink_to(secret)
    server.start()
    r = server.get(f"/media/{tracks[0]['id']}")
    assert r.status == 404 and b"private" not in r.body


@pytest.mark.long  # about 12 s of random cancels; the one decision (commitToFinish) is unit-tested in SpoolJobsTests
def test_cancels_around_the_end_of_a_download_never_leave_files_without_rows(spool_factory, tmp_path):
    """Twelve downloads, each cancelled at a random moment around its end: every one either
    completes with its track and file, or is cancelled with no file left behind."""
    with FixtureSite(tmp_path / "site", count=12, flaky_failures=0) as site:
        server = spool_factory(env={**FAST, "WORKERS": "3"})
        server.post("/api/channels", {"url": site.feed_url})
        rng = random.Random(7)
        cancelled = set()

        def canceller():
            deadline = time.time() + 120
            while time.time() < deadline and len(cancelled) < 14:
                for job in server.get("/api/jobs?kind=download&status=running").json()["jobs"]:
                    if job["id"] not in cancelled:
                        time.sleep(rng.uniform(0.0, 1.2))
                        server.post(f"/api/jobs/{job['id']}/cancel")
                        cancelled.add(job["id"])
                time.sleep(0.02)

        thread = threading.Thread(target=canceller, daemon=True)
        thread.start()
        jobs = settled_downloads(server, 14, timeout=180)
        thread.join(timeout=5)
    statuses = {j["status"] for j in jobs}
    assert "cancelled" in statuses, statuses
    tracks = server.get("/api/tracks?limit=500").json()["tracks"]
    rows = {row[0] for row in db_query(server, "SELECT file_path FROM tracks")}
    orphans = {p for p in library_files(server) if not any(p.startswith(r.rsplit(".", 1)[0]) for r in rows)}
    # What each job of an orphan's video went through, so that a rare race can be told apart.
    story = [(j["id"], j["video_id"], j["status"], j.get("last_error"),
              [e.get("message") for e in server.get(f"/api/jobs/{j['id']}").json().get("events", [])])
             for j in jobs if any(f"[{j['video_id']}]" in p for p in orphans)]
    assert orphans == set(), f"files in the library without a track row; rows {sorted(rows)}; jobs {story}"
    completed = {j["video_id"] for j in jobs if j["status"] == "completed"}
    assert {t["video_id"] for t in tracks} == completed
    for t in tracks:
        assert (Path(server.library) / db_query(server, "SELECT file_path FROM tracks WHERE id = ?", (t["id"],))[0][0]).exists()
    assert not any(Path(server.library, ".partial").iterdir()) if Path(server.library, ".partial").exists() else True


def test_deleting_with_a_read_only_library_says_so_and_changes_nothing(spool_factory, tmp_path):
    mount = Mount(tmp_path / "library", "16m")
    try:
        server = spool_factory(start=False, env={"LIBRARY_DIR": str(mount.path)})
        server.library = mount.path
        tracks = seed_liked_tracks(server, count=2, seconds=1)
        server.start()
        mount.read_only()
        r = server.delete(f"/api/tracks/{tracks[0]['id']}")
        assert r.status == 503 and "read-only" in r.json()["error"]["message"], r.text
        assert r.headers.get("Retry-After")
        assert server.get(f"/api/tracks/{tracks[0]['id']}").json()["deleted_at"] is None
        assert (mount.path / tracks[0]["file_path"]).exists()
        assert db_query(server, "SELECT count(*) FROM tombstones")[0][0] == 0
        mount.writable()
        assert server.delete(f"/api/tracks/{tracks[0]['id']}").status == 200
        assert not (mount.path / tracks[0]["file_path"]).exists()
        server.stop()
    finally:
        mount.close()


def test_a_database_file_replaced_under_the_server_refuses_writes_and_says_why(spool_factory):
    server = spool_factory(start=False)
    tracks = seed_liked_tracks(server, count=1, seconds=1)
    server.start()
    assert server.put(f"/api/tracks/{tracks[0]['id']}/rating", {"value": 1}).status == 200
    # Another program swaps the file (a restore copied over it, say).
    copy = server.db_path.with_suffix(".copy")
    shutil.copy(server.db_path, copy)
    os.replace(copy, server.db_path)
    r = server.put(f"/api/tracks/{tracks[0]['id']}/rating", {"value": -1})
    assert r.status == 503 and r.json()["error"]["code"] == "database_unavailable", r.text
    assert "replaced" in r.json()["error"]["message"] and r.headers.get("Retry-After")
    health = server.get("/api/health").json()
    assert health["status"] == "error" and "replaced" in health["database"]["problem"]
    assert "replaced" in server.log()


def test_a_full_disk_is_507_and_a_lock_held_by_another_program_is_503(spool_factory, tmp_path):
    mount = Mount(tmp_path / "db", "3m")
    try:
        server = spool_factory(start=False, env={"DB_PATH": str(mount.path / "tracks.db"), "DB_BUSY_TIMEOUT_MS": "300"})
        server.db_path = mount.path / "tracks.db"
        tracks = seed_liked_tracks(server, count=1, seconds=1)
        server.start()
        track = tracks[0]["id"]

        # Another program holds the write lock past the busy timeout.
        other = sqlite3.connect(server.db_path, timeout=1, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        r = server.put(f"/api/tracks/{track}/rating", {"value": 1})
        other.execute("ROLLBACK")
        other.close()
        assert r.status == 503 and r.json()["error"]["code"] == "database_busy", r.text
        assert "locked" not in r.text.lower() and r.headers.get("Retry-After")

        # Fill the disk: telemetry until the database cannot grow.
        ballast = mount.path / "ballast"
        with open(ballast, "wb") as f:
            try:
                while True:
                    f.write(b"\0" * 65536)
            except OSError:
                pass
        statuses = set()
        for _ in range(200):
            events = [{"type": "seek", "track_id": track, "session": "s" * 100, "position": float(i)} for i in range(500)]
            r = server.post("/api/events", {"events": events})
            statuses.add(r.status)
            if r.status == 507:
                break
        assert 507 in statuses, statuses
        assert r.json()["error"]["code"] == "disk_full" and "locked" not in r.text.lower(), r.text
        ballast.unlink()
        assert server.put(f"/api/tracks/{track}/rating", {"value": 1}).status == 200, "writes work again once there is room"
        refused = server.get("/api/health").json()["database"]["refused_requests"]
        assert refused["disk_full"] >= 1 and refused["database_busy"] >= 1
        server.stop()
    finally:
        mount.close()

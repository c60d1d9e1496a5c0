"""Adopting an existing library (issue 15, item 5): a folder made by the real yt-dlp against the
fixture site, plus a renamed file with only tags, a corrupt file and a text file; imported in
place through the API and with --move through the command line (in process, and through a
running server), with kills at each step of the move."""
import asyncio
import hashlib
import json
import os
import pty
import select
import shutil
import subprocess
import time
from pathlib import Path

import pytest
import websockets

from conftest import REPO, spool_binary
from browser import db_query
from fixture_site import FixtureSite

YTDLP = str(REPO / ".venv" / "bin" / "yt-dlp")
FAST = {"YTDLP_PATH": YTDLP, "RETRY_BASE_SECONDS": "0.2", "RETRY_MAX_SECONDS": "1", "WORKERS": "2"}
TERMINAL = {"completed", "failed", "cancelled", "timeout", "dead_letter"}
TOKEN = "import-test-token-0123456789"


@pytest.fixture
def site(tmp_path):
    # flaky_failures=0: the one entry left to download after the import completes at once.
    with FixtureSite(tmp_path / "site", count=5, flaky_failures=0) as site:
        yield site


def ytdlp(site, *arguments):
    subprocess.run([YTDLP, "--no-progress", "--quiet", "--no-warnings", *arguments, site.feed_url],
                   check=True, timeout=120, capture_output=True)


def make_old_library(site, folder: Path) -> dict[str, str]:
    """The folder another tool left: returns {file name relative to folder: sha256}.

    - ep-005, ep-004: yt-dlp's default name `Title [id].ext` with .info.json and thumbnail, and a
      --download-archive file;
    - ep-003: named `<upload date> <id>.m4a`, no sidecar: only the archive names it;
    - ep-002: converted to mp3 with SPOOL_VIDEO_ID and SPOOL_SOURCE_URL tags, renamed to
      nested/mystery-track.dat (an extension that says nothing);
    - a corrupt m4a (its first 600 bytes) and a text file.
    ep-001, "missing" and "flaky" are not in the folder.
    """
    folder.mkdir(parents=True, exist_ok=True)
    archive = str(folder / "archive.txt")
    ytdlp(site, "--write-info-json", "--write-thumbnail", "--download-archive", archive,
          "-o", str(folder / "%(title)s [%(id)s].%(ext)s"), "--playlist-items", "1:2")
    ytdlp(site, "--download-archive", archive, "-o", str(folder / "%(upload_date)s %(id)s.%(ext)s"), "--playlist-items", "3")
    scratch = folder.parent / "scratch"
    ytdlp(site, "-o", str(scratch / "ep2.%(ext)s"), "--playlist-items", "4")
    (folder / "nested").mkdir()
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-i", str(scratch / "ep2.m4a"), "-c:a", "libmp3lame", "-b:a", "64k",
                    "-metadata", "title=Renamed episode", "-metadata", "SPOOL_VIDEO_ID=ep-002",
                    "-metadata", f"SPOOL_SOURCE_URL={site.feed_url}", "-f", "mp3", str(folder / "nested" / "mystery-track.dat")],
                   check=True)
    shutil.rmtree(scratch)
    good = folder / "Episode 5 [ep-005].m4a"
    (folder / "Broken episode [ep-001].m4a").write_bytes(good.read_bytes()[:600])
    (folder / "notes.txt").write_text("My old downloads, kept for Spool.\n")
    assert set(archive_ids(folder / "archive.txt")) == {"ep-005", "ep-004", "ep-003"}
    site.reset()  # from here on, the site's log shows only what Spool fetches
    return checksums(folder)


def archive_ids(path: Path):
    return [line.split()[1] for line in path.read_text().splitlines() if line.strip()]


def checksums(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def start_import(server, path, move=False):
    r = server.post("/api/library/import", {"path": str(path), "move": move})
    assert r.status == 202, r.text
    job = r.json()
    assert job["kind"] == "library_import" and job["status"] in {"pending", "running"}
    return job["id"]


def wait_job(server, job_id, timeout=90):
    return server.wait_for(lambda: (lambda j: j if j["status"] in TERMINAL else None)(server.get(f"/api/jobs/{job_id}").json()),
                           timeout=timeout, interval=0.2, message=f"job {job_id} to end")


def tracks_by_video(server):
    rows = db_query(server, "SELECT video_id, source_id, file_path, mime_type, thumbnail_path, info_path, duration FROM tracks")
    return {r[0]: dict(zip(["video_id", "source_id", "file_path", "mime_type", "thumbnail_path", "info_path", "duration"], r))
            for r in rows}


def media_requests(site):
    return sorted(path for path in site.stats()["requests"] if path.startswith("/media/"))


def test_import_in_place_then_again_then_a_sync_downloads_only_what_is_missing(spool_factory, site):
    server = spool_factory(env=FAST, start=False)
    folder = server.library / "old downloads"
    before = make_old_library(site, folder)
    server.start()

    async def watch_progress(job_holder, seen):
        async with websockets.connect(f"ws://127.0.0.1:{server.port}/ws") as ws:
            job_holder.append(start_import(server, folder))
            deadline = time.time() + 90
            while time.time() < deadline:
                message = json.loads(await asyncio.wait_for(ws.recv(), timeout=deadline - time.time()))
                seen.append(message)
                data = message["data"]
                if message["type"] == "job.status" and data["id"] == job_holder[0] and data["status"] in TERMINAL:
                    return

    holder, seen = [], []
    asyncio.run(watch_progress(holder, seen))
    job_id = holder[0]
    progress = [m["data"]["progress"]["percent"] for m in seen if m["type"] == "job.progress" and m["data"]["id"] == job_id]
    # The live feed shows the import's progress (the newest value may be superseded by the end).
    assert len(progress) >= 2 and progress == sorted(progress) and 0 < progress[-1] <= 100, progress

    job = wait_job(server, job_id)
    assert job["status"] == "completed", job
    report = job["report"]
    assert report["folder"] == str(folder) and report["move"] is False
    assert report["files_found"] == report["files_examined"] == len(before)
    assert (report["adopted"], report["already_known"], report["adopted_without_source"]) == (4, 0, 0)
    unreadable = {p["path"]: p for p in report["unreadable"]}
    assert set(unreadable) == {"Broken episode [ep-001].m4a", "notes.txt"} and report["unreadable_count"] == 2
    assert unreadable["Broken episode [ep-001].m4a"]["kind"] in {"not_media", "damaged"}
    assert "moov" in unreadable["Broken episode [ep-001].m4a"]["reason"] or "Invalid data" in unreadable["Broken episode [ep-001].m4a"]["reason"]
    assert unreadable["notes.txt"] == {"path": "notes.txt", "kind": "not_media", "reason": "a text file, not audio or video"}
    assert report["skipped"] == [] and report["finished_at"]
    (created,) = report["sources_created"]
    assert created["url"] == site.feed_url and created["title"] == "Spool Fixture Channel"
    assert any("Adopted 4 of" in (e["message"] or "") for e in job["events"])  # the completion says it too

    # The right tracks under the right source, pointing at the files where they are.
    tracks = tracks_by_video(server)
    assert set(tracks) == {"ep-005", "ep-004", "ep-003", "ep-002"}
    assert {t["source_id"] for t in tracks.values()} == {created["id"]}
    assert tracks["ep-005"]["file_path"] == "old downloads/Episode 5 [ep-005].m4a"
    assert tracks["ep-005"]["info_path"] == "old downloads/Episode 5 [ep-005].info.json"
    assert tracks["ep-005"]["thumbnail_path"].startswith("old downloads/Episode 5 [ep-005].")
    assert tracks["ep-003"]["file_path"] == "old downloads/20240104 ep-003.m4a" and tracks["ep-003"]["info_path"] is None
    assert tracks["ep-002"]["file_path"] == "old downloads/nested/mystery-track.dat"
    assert tracks["ep-002"]["mime_type"] == "audio/mpeg"  # from the content, not the name
    assert all(abs(t["duration"] - 2) < 0.2 for t in tracks.values())
    api_track = next(t for t in server.get("/api/tracks").json()["tracks"] if t["video_id"] == "ep-002")
    media = server.get(f"/media/{api_track['id']}")
    assert media.status == 200 and media.headers["Content-Type"] == "audio/mpeg" and media.body[:3] == b"ID3"
    # In place: no file was moved or changed, none added.
    assert checksums(folder) == before
    # The source was added paused: nothing was listed or downloaded behind the user's back.
    source = server.get(f"/api/sources/{created['id']}").json()
    assert source["paused"] is True
    assert server.get("/api/jobs?kind=source_sync").json()["jobs"] == []
    assert server.get("/api/jobs?kind=download").json()["jobs"] == []
    entries = db_query(server, "SELECT video_id, skip_reason FROM source_entries WHERE source_id = ?", (created["id"],))
    assert sorted(entries) == [("ep-002", None), ("ep-003", None), ("ep-004", None), ("ep-005", None)]

    # A second run adds nothing.
    again = wait_job(server, start_import(server, folder))
    assert again["status"] == "completed"
    second = again["report"]
    assert (second["adopted"], second["already_known"], second["unreadable_count"]) == (0, 4, 2)
    assert second["sources_created"] == []
    assert db_query(server, "SELECT count(*) FROM tracks") == [(4,)]
    assert db_query(server, "SELECT count(*) FROM sources") == [(1,)]
    assert checksums(folder) == before

    # Resumed, the source syncs and downloads exactly what the folder lacked.
    assert server.request("PATCH", f"/api/sources/{created['id']}", {"paused": False}).status == 200
    assert server.post(f"/api/sources/{created['id']}/sync").status == 202

    def settled():
        downloads = server.get("/api/jobs?kind=download&limit=500").json()["jobs"]
        return len(downloads) >= 3 and all(d["status"] in TERMINAL for d in downloads) and downloads

    downloads = server.wait_for(settled, timeout=90, interval=0.3, message="downloads of the missing entries")
    assert sorted(d["video_id"] for d in downloads) == ["ep-001", "flaky", "missing"]
    assert {d["video_id"]: d["status"] for d in downloads}["ep-001"] == "completed"
    fetched = media_requests(site)
    assert fetched and all(p in {"/media/ep-001.m4a", "/media/flaky.m4a", "/media/missing.m4a"} for p in fetched), fetched
    assert set(tracks_by_video(server)) == {"ep-005", "ep-004", "ep-003", "ep-002", "ep-001", "flaky"}


@pytest.mark.parametrize("body, words", [
    ({"path": "relative/folder"}, "absolute"),
    ({"path": "/no/such/folder"}, "does not exist"),
    ({"path": ""}, "required"),
    ({"move": True}, "path"),
])
def test_bad_paths_are_refused_and_nothing_is_queued(spool_factory, body, words):
    server = spool_factory(env=FAST)
    r = server.post("/api/library/import", body)
    assert r.status == 400, r.text
    error = r.json()["error"]
    assert "path" in error["message"] and words in error["message"], error
    assert server.get("/api/jobs").json()["jobs"] == []


def test_library_internals_files_and_outside_folders_are_refused_in_place(spool_factory, tmp_path):
    server = spool_factory(env=FAST)
    (server.library / ".partial" / "7").mkdir(parents=True)
    (server.library / ".trash").mkdir(exist_ok=True)
    (server.library / "a file.m4a").write_bytes(b"x")
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    for path, words in [(server.library / ".partial", ".partial folder"), (server.library / ".partial" / "7", ".partial folder"),
                        (server.library / ".trash", ".trash folder"), (server.library / "a file.m4a", "is a file"),
                        (outside, "outside the library")]:
        for move in ([False, True] if "outside" not in words else [False]):
            r = server.post("/api/library/import", {"path": str(path), "move": move})
            assert r.status == 400 and r.json()["error"]["code"] == "invalid_field", r.text
            assert words in r.json()["error"]["message"], r.text
    message = server.post("/api/library/import", {"path": str(outside)}).json()["error"]["message"]
    assert "--move" in message and "LIBRARY_DIR" in message  # says what to do instead
    assert server.post("/api/library/import", {"path": str(tmp_path), "move": True}).status == 400  # above the library
    assert server.get("/api/jobs").json()["jobs"] == []


def run_cli(server, folder, *flags, env=None, timeout=120):
    environment = {**server.env, **(env or {})}
    return subprocess.run([spool_binary(), "library", "import", str(folder), *flags], cwd=server.tmp, env=environment,
                          capture_output=True, text=True, timeout=timeout)


def library_files(server):
    """The tracks' files: not Spool's hidden folders or the playlist files it writes."""
    return {str(p.relative_to(server.library)) for p in server.library.rglob("*")
            if p.is_file() and not p.relative_to(server.library).parts[0].startswith(".")
            and p.parent != server.library / "Playlists"}  # playlist files and their temporary files


def assert_rows_and_files_agree(server):
    """Every row's files exist; every file in the library belongs to a row."""
    rows = db_query(server, "SELECT file_path, info_path, thumbnail_path FROM tracks")
    claimed = set()
    for row in rows:
        for relative in filter(None, row):
            assert (server.library / relative).is_file(), relative
            claimed.add(relative)
    assert library_files(server) == claimed


def assert_moved(server, folder, before):
    """The four adopted videos live in the library with the bytes they had; the folder keeps
    only what was not adopted."""
    tracks = tracks_by_video(server)
    assert set(tracks) == {"ep-005", "ep-004", "ep-003", "ep-002"}
    moved = {"Episode 5 [ep-005].m4a": "ep-005", "Episode 4 [ep-004].m4a": "ep-004", "20240104 ep-003.m4a": "ep-003",
             "nested/mystery-track.dat": "ep-002"}
    for name, video in moved.items():
        path = server.library / tracks[video]["file_path"]
        assert hashlib.sha256(path.read_bytes()).hexdigest() == before[name]
        assert not (folder / name).exists()
    assert tracks["ep-005"]["file_path"] == "Spool Fixture Channel/Episode 5 [ep-005].m4a"
    assert tracks["ep-002"]["file_path"] == "Spool Fixture Channel/Renamed episode [ep-002].mp3"
    assert tracks["ep-005"]["info_path"] == "Spool Fixture Channel/Episode 5 [ep-005].info.json"
    left = {name for name in checksums(folder) if not (name.startswith("Spool Fixture Channel [") and name.endswith(".info.json"))}
    assert left == {"archive.txt", "Broken episode [ep-001].m4a", "notes.txt"}  # and the playlist's own info
    assert not (folder / "nested").exists()  # emptied by the move
    assert_rows_and_files_agree(server)


def test_cli_moves_in_process_when_no_server_runs(spool_factory, site, tmp_path):
    server = spool_factory(env=FAST, start=False)
    folder = tmp_path / "old downloads"
    before = make_old_library(site, folder)
    result = run_cli(server, folder, "--move")
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "importing in this process" in out and "Examined" in out  # plain lines: stdout is not a terminal
    assert "4 adopted" in out and "Sources created, paused" in out and site.feed_url in out
    assert "notes.txt: not_media: a text file" in out and "Broken episode [ep-001].m4a" in out
    assert "\x1b[" not in out
    server.start()  # the server sees what the command did
    assert_moved(server, folder, before)
    (job,) = server.get("/api/jobs?kind=library_import").json()["jobs"]
    assert job["status"] == "completed" and server.get(f"/api/jobs/{job['id']}").json()["report"]["adopted"] == 4
    # Again: nothing to adopt, nothing moved.
    server.stop()
    again = run_cli(server, folder, "--move")
    assert again.returncode == 0 and "0 adopted" in again.stdout, again.stdout + again.stderr


def test_cli_sends_the_import_to_a_running_server(spool_factory, site):
    server = spool_factory(env={**FAST, "AUTH_TOKEN": TOKEN}, start=False)
    folder = server.library / "old"
    before = make_old_library(site, folder)
    server.start()
    headers = {"Authorization": f"Bearer {TOKEN}"}
    result = run_cli(server, folder)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "the import runs there" in result.stdout and "Queued as job" in result.stdout and "4 adopted" in result.stdout
    (job,) = server.get("/api/jobs?kind=library_import", headers=headers).json()["jobs"]
    assert job["status"] == "completed"
    assert len(server.get("/api/tracks", headers=headers).json()["tracks"]) == 4
    assert checksums(folder) == before
    # A wrong token is refused with what to do, and nothing is queued.
    wrong = run_cli(server, folder, env={"AUTH_TOKEN": "another-token-0123456789"})
    assert wrong.returncode == 2 and "AUTH_TOKEN" in wrong.stderr
    # Refusals come back from the server with the field.
    outside = run_cli(server, server.tmp / "site")
    assert outside.returncode == 2 and "outside the library" in outside.stderr
    assert len(server.get("/api/jobs?kind=library_import", headers=headers).json()["jobs"]) == 1


@pytest.mark.long  # about 20 s; the plain-lines output is tested in the default run
def test_cli_draws_a_progress_bar_on_a_terminal(spool_factory, site):
    server = spool_factory(env=FAST, start=False)
    folder = server.library / "old"
    make_old_library(site, folder)
    # Enough files that the bar is drawn more than once: copies of one tagged file, each its own video.
    source = folder / "nested" / "mystery-track.dat"
    for index in range(12):
        subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-i", str(source), "-c", "copy", "-metadata",
                        f"SPOOL_VIDEO_ID=copy-{index:02d}", "-f", "mp3", str(folder / f"copy {index:02d}.mp3")], check=True)
    found = len(checksums(folder))
    leader, follower = pty.openpty()
    process = subprocess.Popen([spool_binary(), "library", "import", str(folder)], cwd=server.tmp, env=server.env,
                               stdin=follower, stdout=follower, stderr=follower)
    os.close(follower)
    output = b""
    while True:
        ready, _, _ = select.select([leader], [], [], 120)
        if not ready:
            break
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        output += chunk
    assert process.wait(timeout=30) == 0, output.decode(errors="replace")
    text = output.decode(errors="replace")
    assert "\r\x1b[2K[" in text and "files/s" in text and f"/{found} files" in text and "adopted" in text, text
    assert "16 adopted" in text


def crash_env(point):
    return {"SPOOL_CRASH_AFTER": point}


@pytest.mark.parametrize("point", ["import_place", "import_rows"])
def test_move_killed_at_each_step_finishes_after_a_restart_with_nothing_lost(spool_factory, site, tmp_path, point):
    server = spool_factory(env=FAST, start=False)
    folder = tmp_path / "old downloads"
    before = make_old_library(site, folder)
    crashed = run_cli(server, folder, "--move", env=crash_env(point))
    assert crashed.returncode == 137, crashed.stdout + crashed.stderr
    # Right after the kill: no row points at a missing file, and every original is still there.
    rows = db_query(server, "SELECT file_path FROM tracks")
    assert len(rows) == (0 if point == "import_place" else 4)
    assert all((server.library / row[0]).is_file() for row in rows)
    assert checksums(folder) == before
    server.start()
    # The restart found the import's job running with no worker: it runs again and finishes.
    (job,) = server.get("/api/jobs?kind=library_import").json()["jobs"]
    job = wait_job(server, job["id"])
    assert job["status"] == "completed", job
    assert job["attempts"] == 2
    assert job["report"]["adopted"] == 4 and job["report"]["already_known"] == 0
    assert len(job["report"]["sources_created"]) == 1
    assert_moved(server, folder, before)
    assert not (server.library / ".partial" / f"import-{job['id']}").exists()


@pytest.mark.long  # about 35 s; the crash points at each step are tested in the default run
def test_move_survives_a_real_kill_in_the_middle(spool_factory, site, tmp_path):
    server = spool_factory(env=FAST, start=False)
    folder = tmp_path / "old downloads"
    make_old_library(site, folder)
    source = folder / "nested" / "mystery-track.dat"
    for index in range(40):
        subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-i", str(source), "-c", "copy", "-metadata",
                        f"SPOOL_VIDEO_ID=copy-{index:02d}", "-f", "mp3", str(folder / f"copy {index:02d}.mp3")], check=True)
    before = checksums(folder)
    server.start()
    job_id = start_import(server, folder, move=True)
    server.wait_for(lambda: (server.get(f"/api/jobs/{job_id}").json().get("report") or {}).get("files_examined", 0) >= 8,
                    timeout=60, interval=0.05, message="the import to be under way")
    server.kill()
    server.start()
    job = wait_job(server, job_id, timeout=120)
    assert job["status"] == "completed", job
    assert job["report"]["adopted"] == 44
    assert_rows_and_files_agree(server)
    tracks = tracks_by_video(server)
    for index in range(40):
        path = server.library / tracks[f"copy-{index:02d}"]["file_path"]
        assert hashlib.sha256(path.read_bytes()).hexdigest() == before[f"copy {index:02d}.mp3"]
        assert not (folder / f"copy {index:02d}.mp3").exists()

"""Channels and downloads with the real yt-dlp against a local fixture site (an RSS feed of
ffmpeg-made audio); a stand-in program only to inject faults."""
import os
import time
from pathlib import Path

import pytest

from conftest import FIXTURES, REPO
from browser import db_query
from fixture_site import FixtureSite

YTDLP = str(REPO / ".venv" / "bin" / "yt-dlp")
FAKE = str(FIXTURES / "fake_ytdlp.py")
FAST = {"YTDLP_PATH": YTDLP, "RETRY_BASE_SECONDS": "0.2", "RETRY_MAX_SECONDS": "1",
        "RATE_LIMIT_COOLDOWN_SECONDS": "0.5", "WORKERS": "2"}
TERMINAL = {"completed", "failed", "cancelled", "timeout", "dead_letter"}


@pytest.fixture
def site(tmp_path):
    with FixtureSite(tmp_path / "site", count=3, flaky_failures=2, flaky_status=429) as site:
        yield site


def jobs(server, **query):
    q = "&".join(f"{k}={v}" for k, v in query.items())
    return server.get(f"/api/jobs?limit=500&{q}").json()["jobs"]


def wait_settled(server, expected, timeout=60):
    def settled():
        downloads = jobs(server, kind="download")
        return len(downloads) >= expected and all(j["status"] in TERMINAL for j in downloads) and downloads
    return server.wait_for(settled, timeout=timeout, interval=0.3, message="downloads to settle")


def add_channel(server, url):
    r = server.post("/api/channels", {"url": url})
    assert r.status == 202, r.text
    return r.json()


def test_channel_is_mirrored_into_the_library(spool_factory, site):
    server = spool_factory(env=FAST)
    channel = add_channel(server, site.feed_url)
    assert channel["state"] == "syncing"
    again = server.post("/api/channels", {"url": site.feed_url})
    assert again.status == 200 and again.json()["id"] == channel["id"]  # a double click

    downloads = {j["video_id"]: j for j in wait_settled(server, 5)}
    assert {v: j["status"] for v, j in downloads.items()} == {
        "ep-001": "completed", "ep-002": "completed", "ep-003": "completed", "flaky": "completed", "missing": "failed"}
    assert downloads["flaky"]["attempts"] == 3  # two 429s, then success
    assert downloads["missing"]["error_class"] == "permanent" and "404" in downloads["missing"]["error_detail"]
    assert "cannot be downloaded" in downloads["missing"]["last_error"]  # plain language; the raw line is the detail

    tracks = {t["video_id"]: t for t in server.get("/api/tracks").json()["tracks"]}
    assert set(tracks) == {"ep-001", "ep-002", "ep-003", "flaky"}
    ac_dc = tracks["ep-001"]
    assert ac_dc["title"] == "AC/DC: Back/Slash Episode"
    assert ac_dc["mime_type"] == "audio/mp4" and ac_dc["duration"] == 2 and ac_dc["size"] > 5000
    rows = dict(db_query(server, "SELECT video_id, file_path FROM tracks"))
    assert rows["ep-001"] == "Spool Fixture Channel/AC-DC: Back-Slash Episode [ep-001].m4a"
    for video, relative in rows.items():
        path = server.library / relative
        assert path.is_file() and path.stat().st_size == tracks[video]["size"]
        assert "/" not in Path(relative).name and len(Path(relative).name.encode()) < 200
    media = server.get(f"/media/{ac_dc['id']}")
    assert media.status == 200 and media.body[4:8] == b"ftyp"
    assert not any((server.library / ".partial").iterdir())

    listed = server.get(f"/api/channels/{channel['id']}").json()
    assert listed["title"] == "Spool Fixture Channel" and listed["state"] == "idle"
    assert listed["counts"] == {"videos": 5, "downloaded": 4, "queued": 0, "failed": 1, "skipped": 0}
    health = server.get("/api/health").json()
    assert health["ytdlp"]["version"] and health["rate_limit"]["trips"] >= 1


def test_resync_queues_only_new_videos_and_never_a_deleted_one(spool_factory, site):
    server = spool_factory(env=FAST)
    channel = add_channel(server, site.feed_url)
    wait_settled(server, 5)
    deleted = next(t for t in server.get("/api/tracks").json()["tracks"] if t["video_id"] == "ep-002")
    assert server.delete(f"/api/tracks/{deleted['id']}").status == 200
    site.add(1)
    before = {j["id"] for j in jobs(server, kind="download")}
    r = server.post(f"/api/channels/{channel['id']}/sync")
    assert r.status == 202
    server.wait_for(lambda: len(jobs(server, kind="source_sync")) == 2
                    and all(j["status"] == "completed" for j in jobs(server, kind="source_sync")), message="second sync")
    new = [j for j in wait_settled(server, 6) if j["id"] not in before]
    assert [j["video_id"] for j in new] == ["ep-004"]
    assert new[0]["status"] == "completed"


@pytest.mark.parametrize("url", [
    "-o/etc/passwd", "file:///etc/passwd", "", "   ", "http://", "not a url at all", "ftp://example.com/x",
    "http://example.com/" + "a" * 10_000, "javascript:alert(1)",
])
def test_bad_urls_are_refused_and_nothing_runs(spool_factory, url):
    server = spool_factory(env=FAST)
    r = server.post("/api/channels", {"url": url})
    assert r.status == 400 and r.json()["error"]["code"] == "invalid_field" and "'url'" in r.json()["error"]["message"], r.text
    assert server.get("/api/channels").json()["channels"] == []
    assert server.get("/api/jobs").json()["jobs"] == []


def fault_server(spool_factory, mode, **env):
    return spool_factory(env={**FAST, "YTDLP_PATH": FAKE, "FAKE_YTDLP_REAL": YTDLP, "FAKE_YTDLP_MODE": mode,
                              "MAX_ATTEMPTS": "2", **env})


def first_download(server, status, timeout=30):
    return server.wait_for(lambda: next((j for j in jobs(server, kind="download") if j["status"] == status), None),
                           timeout=timeout, message=f"a download {status}")


def test_hang_hits_the_time_limit(spool_factory, site):
    server = fault_server(spool_factory, "hang", DOWNLOAD_TIME_LIMIT_SECONDS="2", WORKERS="1")
    add_channel(server, site.feed_url)
    job = first_download(server, "timeout")
    assert server.get(f"/api/jobs/{job['id']}").json()["events"][-1]["message"] == "Stopped at its time limit"


def test_silence_trips_the_stall_watchdog(spool_factory, site):
    server = fault_server(spool_factory, "silence", DOWNLOAD_STALL_SECONDS="1", WORKERS="1")
    add_channel(server, site.feed_url)
    job = first_download(server, "timeout")
    assert "no progress" in server.get(f"/api/jobs/{job['id']}").json()["events"][-1]["message"]


@pytest.mark.parametrize("mode", ["crash", "garbage"])
def test_crash_and_garbage_are_transient_and_handled(spool_factory, site, mode):
    server = fault_server(spool_factory, mode, WORKERS="1")
    add_channel(server, site.feed_url)
    job = first_download(server, "dead_letter")
    detail = server.get(f"/api/jobs/{job['id']}").json()
    assert detail["attempts"] == 2 and detail["error_class"] == "transient"
    assert server.get("/api/health").json()["status"] == "ok"


def alive(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "State:\tZ" not in status  # a zombie re-parented to an init that never reaps is dead


def descendants(pid: int) -> list[int]:
    """Every process below `pid`, from /proc's parent links."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, frontier = [], [pid]
    while frontier:
        children = [child for child, parent in parents.items() if parent in frontier]
        found += children
        frontier = children
    return found


def test_cancel_kills_the_whole_process_group_and_leaves_no_partial_files(spool_factory, site):
    server = fault_server(spool_factory, "child", WORKERS="1")
    add_channel(server, site.feed_url)
    job = first_download(server, "running")
    # Cancel once the fake yt-dlp has its own child (it prints the pid first): "running" comes
    # before the fake's Python has started, which took over 0.5 s on a loaded machine.
    def sleeper_started():
        for pid in descendants(server.process.pid):
            try:
                if Path(f"/proc/{pid}/cmdline").read_bytes().startswith(b"sleep\0"):
                    return True
            except OSError:
                pass
        return False
    server.wait_for(sleeper_started, timeout=20, message="the fake yt-dlp's child")
    time.sleep(0.2)  # its "child pid" line, printed after the spawn, reaches Spool's reader
    started = time.time()
    assert server.post(f"/api/jobs/{job['id']}/cancel").status == 200
    server.wait_for(lambda: server.get(f"/api/jobs/{job['id']}").json()["status"] == "cancelled", timeout=5)
    assert time.time() - started < 2.5
    tail = server.get(f"/api/jobs/{job['id']}").json()["log_tail"] or ""
    pids = [int(line.split()[-1]) for line in tail.splitlines() if line.startswith("child pid")]
    assert pids, tail
    assert not any(alive(pid) for pid in pids)
    assert not (server.library / ".partial" / str(job["id"])).exists()


def test_slow_download_shows_progress(spool_factory, site):
    server = fault_server(spool_factory, "slow", WORKERS="1")
    add_channel(server, site.feed_url)
    job = first_download(server, "running")
    progress = server.wait_for(lambda: (server.get(f"/api/jobs/{job['id']}").json().get("progress") or {}).get("percent"),
                               timeout=10, message="progress")
    assert 0 < progress < 100
    server.post(f"/api/jobs/{job['id']}/cancel")


def test_startup_removes_unfinished_downloads_of_a_killed_process(spool_factory):
    # What a SIGKILL mid-download leaves: .partial/<job>/ with a half file and yt-dlp's .part.
    server = spool_factory(start=False)
    for job, names in {"17": ["ep.m4a.part", "ep.info.json"], "18": ["ep.webm"]}.items():
        folder = server.library / ".partial" / job
        folder.mkdir(parents=True)
        for name in names:
            (folder / name).write_bytes(b"x" * 1000)
    keep = server.library / "Channel" / "Finished [a1].m4a"
    keep.parent.mkdir(parents=True)
    keep.write_bytes(b"done")
    server.start()
    assert list((server.library / ".partial").iterdir()) == []
    assert keep.read_bytes() == b"done"  # finished files are never touched
    assert "Removed unfinished downloads" in server.log()

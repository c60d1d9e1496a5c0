"""Issue 11: a channel of 20,000 entries (5,000 outside the long mode) listed by the real yt-dlp streams into the queue in
bounded memory; a re-sync reads only the head of the listing. Downloads are played by the
stand-in (hanging), since what is under test is the listing and the queue, not 20,000 downloads."""
import os
import threading
import time

import pytest

from browser import db_query
from conftest import FIXTURES, REPO
from fixture_site import FixtureSite

YTDLP = str(REPO / ".venv" / "bin" / "yt-dlp")
FAKE = str(FIXTURES / "fake_ytdlp.py")
# The 20,000 in the long mode (about 70 s); 5,000 by default, five times the listing that
# broke the old line reader, in a quarter of the time.
ENTRIES = 20_000 if os.environ.get("SPOOL_LONG") == "1" else 5_000


def rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


class PeakRSS(threading.Thread):
    """Samples the server's resident memory until stopped."""

    def __init__(self, pid):
        super().__init__(daemon=True)
        self.pid, self.peak, self.running = pid, 0, True

    def run(self):
        while self.running:
            try:
                self.peak = max(self.peak, rss_kib(self.pid))
            except OSError:
                return
            time.sleep(0.2)


@pytest.fixture
def big_site(tmp_path):
    with FixtureSite(tmp_path / "site", count=ENTRIES, bulk=True) as site:
        yield site


def test_a_big_channel_streams_into_the_queue_and_a_resync_reads_only_the_head(spool_factory, big_site):
    server = spool_factory(env={
        "YTDLP_PATH": FAKE, "FAKE_YTDLP_REAL": YTDLP, "FAKE_YTDLP_MODE": "hang",
        "WORKERS": "2", "LISTING_STALL_SECONDS": "600", "DOWNLOAD_TIME_LIMIT_SECONDS": "2"})
    sampler = PeakRSS(server.process.pid)
    sampler.start()
    started = time.time()
    channel = server.post("/api/channels", {"url": big_site.feed_url}).json()

    # The first download starts while the listing still runs.
    def first_download_during_listing():
        jobs = server.get("/api/jobs?limit=500&kind=download&status=running").json()["jobs"]
        sync = server.get("/api/jobs?kind=source_sync").json()["jobs"][0]
        return jobs and sync["status"] == "running" and (time.time() - started)
    first = server.wait_for(first_download_during_listing, timeout=300, interval=0.2, message="a download during the listing")

    sync = server.wait_for(
        lambda: (job := server.get("/api/jobs?kind=source_sync").json()["jobs"][0])["status"] == "completed" and job,
        timeout=600, interval=0.5, message="the sync to complete")
    queued = time.time() - started
    sampler.running = False
    sampler.join()

    counts = server.get("/api/jobs?limit=1").json()["counts"]
    downloads = sum(counts.values()) - 1  # every job but the sync
    assert downloads == ENTRIES + 2, counts  # every entry, the 404 and the flaky one included
    [(ids,)] = db_query(server, "SELECT count(DISTINCT video_id) FROM jobs WHERE kind = 'download'")
    assert ids == ENTRIES + 2, "each video exactly one download job"
    assert sampler.peak < 100 * 1024, f"server RSS peaked at {sampler.peak // 1024} MB during the sync"
    summary = server.get(f"/api/channels/{channel['id']}").json()
    assert summary["state"] == "idle" and summary["title"] == big_site.title
    assert summary["last_sync"]["read"] == ENTRIES + 2 and summary["last_sync"]["new"] == ENTRIES + 2
    assert summary["last_sync"]["full"] is True
    print(f"\n{ENTRIES:,} entries: first download after {first:.1f} s, all queued after {queued:.1f} s, peak RSS {sampler.peak // 1024} MB")

    # Three new videos at the head of the listing: a re-sync reads the head only.
    big_site.add(3)
    assert server.post(f"/api/channels/{channel['id']}/sync").status == 202
    server.wait_for(
        lambda: (jobs := server.get("/api/jobs?kind=source_sync&status=completed").json()["jobs"]) and len(jobs) == 2,
        timeout=300, interval=0.3, message="the re-sync to complete")
    summary = server.get(f"/api/channels/{channel['id']}").json()["last_sync"]
    assert summary["stopped_early"] is True and summary["full"] is False, summary
    assert summary["new"] == 3 and summary["read"] == 53, summary  # 3 new + 50 known in a row
    after = server.get("/api/jobs?limit=1").json()["counts"]
    assert sum(after.values()) - 2 == ENTRIES + 5

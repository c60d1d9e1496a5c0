"""The jobs dashboard and the channel cards during a real sync: the real `spool serve`, the real
yt-dlp, and the fixture site's feed of 40 episodes (plus its 404 and flaky entries).

- the channel card follows the sync live ("Downloading N of 42"), without a reload;
- on /jobs the running downloads are above the fold (desktop and phone), not under the waiting;
- every count on the page equals `GET /api/jobs` after the sync, after a bulk retry, after cancels;
- adding a channel that exists, or one that cannot be listed, says so.

One server and one browser for the module.
"""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from browser import (  # noqa: F401  (fixtures are used by name)
    DESKTOP, PHONE, WIDE, Browser, db_query, make_tone, module_browser, module_server, nav, shot_on_failure)
from fixture_site import FixtureSite

REPO = Path(__file__).resolve().parents[2]
EPISODES = 40
STATUSES = ["pending", "running", "completed", "failed", "cancelled", "timeout", "retrying", "dead_letter", "zombie"]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    directory = tmp_path_factory.mktemp("site")
    prefill(directory, [f"ep-{i:03d}" for i in range(1, EPISODES + 1)] + ["flaky"])
    with FixtureSite(directory, count=EPISODES, flaky_failures=2, flaky_status=429) as s:
        yield s


def prefill(directory: Path, ids: list[str]) -> None:
    """One real tone and thumbnail, copied for every entry: the site reuses files it finds, and 82
    ffmpeg runs would take longer than the sync they feed."""
    make_tone(directory / "tone.m4a", 2, 440)
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", "color=c=0x5151cc:s=64x64",
                    "-frames:v", "1", str(directory / "thumb.jpg")], check=True)
    for entry in ids:
        shutil.copyfile(directory / "tone.m4a", directory / f"{entry}.m4a")
        shutil.copyfile(directory / "thumb.jpg", directory / f"{entry}.jpg")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    yield from module_server(tmp_path_factory, "jobs", env={
        # No conversion (AUDIO_FORMAT=none): the dashboard is under test, not ffmpeg; it saves a
        # third of the sync's time.
        "WORKERS": "3", "AUDIO_FORMAT": "none", "RETRY_BASE_SECONDS": "1", "RETRY_MAX_SECONDS": "2", "RATE_LIMIT_COOLDOWN_SECONDS": "2",
        "SPOOL_TEST_JOBS": "1", "YTDLP_PATH": str(REPO / ".venv" / "bin" / "yt-dlp")})


@pytest.fixture(scope="module")
def shared(request):
    yield from module_browser(request, size=WIDE)


@pytest.fixture
def b(shared, shot_on_failure):
    shot_on_failure(shared)
    shared.set_size(*WIDE)
    return shared


def server_counts(server) -> dict[str, int]:
    return server.get("/api/jobs?limit=1").json()["counts"]


def page_counts(b: Browser) -> dict[str, int]:
    """The chips' numbers, as the user reads them."""
    found = {}
    for s in STATUSES + ["all"]:
        text = b.js("return document.querySelector(arguments[0])?.textContent", f'[data-testid="status-count-{s}"]')
        found[s] = int(re.sub(r"\D", "", text)) if text else None
    return found


def assert_counts_equal(b: Browser, server, when: str) -> None:
    """The page's counts equal the server's. The page refetches after each change (debounced
    0.4 s), so it is given a moment; it must then match exactly, the total included."""
    expected = server_counts(server)
    expected_all = sum(expected.values())

    def same():
        got = page_counts(b)
        return got if all(got[s] == expected[s] for s in STATUSES) and got["all"] == expected_all else None
    try:
        b.wait(same, 5, f"the page's counts to equal the server's {when}")
    except AssertionError:
        raise AssertionError(f"{when}: page {page_counts(b)} ≠ server {expected} (all {expected_all})") from None
    summary = b.attr("jobs-summary", "data-total")
    assert summary == str(expected_all), f"{when}: the summary counts {summary}, the server {expected_all}"


def drained(server) -> dict | None:
    counts = server_counts(server)
    return counts if not any(counts[s] for s in ("pending", "running", "retrying")) else None


def in_view(b: Browser, testid_prefix: str) -> list[str]:
    """data-testids of rows fully inside the page's visible area, with the page not scrolled."""
    return b.js("""const main = document.getElementById('main');
        const box = main.getBoundingClientRect();
        return [...document.querySelectorAll(`[data-testid^="${arguments[0]}"]`)]
          .filter(e => { const r = e.getBoundingClientRect(); return r.height > 0 && r.top >= box.top && r.bottom <= box.bottom; })
          .map(e => e.dataset.testid);""", testid_prefix)


def test_a_sync_of_40_on_the_dashboard_and_the_channel_card(server, site, b):
    b.open(server.base_url, "/channels", "add-channel-url")
    b.wait(lambda: b.attr("live-status", "data-state") == "open", 10, "live connection")
    b.js("window.__sameDocument = true")
    b.find("add-channel-url").send_keys(site.feed_url)
    b.find("add-channel-submit").click()
    channel_id = int(b.wait(lambda: b.js("return document.querySelector('[data-testid^=\"channel-row-\"]')?.dataset.channelId"), 10, "the card"))
    assert "listing its videos" in b.text("add-channel-result")

    # ---- the card follows the downloads live ----
    def downloaded():
        text = b.js("return document.querySelector(arguments[0])?.textContent", f'[data-testid="channel-downloaded-{channel_id}"] .stat-value')
        return int(text.replace(",", "")) if text else 0
    activity = b.wait(lambda: re.match(r"Downloading (\d+) of (\d+)", b.text(f"channel-activity-{channel_id}") or ""), 90,
                      "the card to say 'Downloading N of M'")
    assert int(activity.group(2)) == EPISODES + 2, activity.group(0)
    seen = {downloaded()}
    b.wait(lambda: seen.add(downloaded()) or len(seen) >= 3, 90, "the downloaded count to grow live (twice)")
    assert re.match(r"Downloading \d+ of 42", b.text(f"channel-activity-{channel_id}") or "") or "Up to date" in (b.text(f"channel-activity-{channel_id}") or "")
    # The result line next to the form reports the first listing.
    b.wait(lambda: "videos found" in (b.text("add-channel-result") or ""), 30, "the first listing reported")
    b.screenshot("channels-syncing-desktop")

    # ---- /jobs during the sync: the running downloads come first, above the fold ----
    nav(b, "nav-jobs", "/jobs")
    b.wait(lambda: any(t.startswith("job-row-") for t in in_view(b, "job-row-")) and b.js(
        "return document.querySelectorAll('[data-testid=jobs-running-list] [data-status=running]').length") > 0, 60, "running rows")
    running = b.js("return [...document.querySelectorAll('[data-testid=jobs-running-list] [data-status=running]')].map(e => e.dataset.testid)")
    visible = in_view(b, "job-row-")
    assert b.js("return document.getElementById('main').scrollTop") == 0
    assert set(running) & set(visible), f"no running row above the fold at {WIDE}: running {running}, visible {visible}"
    waiting_rows = b.js("return document.querySelectorAll('[data-testid=jobs-waiting-list] [data-testid^=job-row-]').length")
    assert waiting_rows <= 10, f"{waiting_rows} waiting rows shown: the rest belongs behind 'Show all'"
    b.screenshot("jobs-sync-desktop")
    b.set_size(*PHONE)
    def running_visible_on_phone():
        running = b.js("return [...document.querySelectorAll('[data-testid=jobs-running-list] [data-status=running]')].map(e => e.dataset.testid)")
        return set(running) & set(in_view(b, "job-row-"))
    b.wait(running_visible_on_phone, 20, f"a running row above the fold at {PHONE}")
    assert b.horizontal_overflow() is None, b.horizontal_overflow()
    b.screenshot("jobs-sync-phone")
    b.set_size(*WIDE)

    # ---- after the sync: every count equals the server's ----
    counts = server.wait_for(lambda: drained(server), 240, interval=1, message="the sync's downloads to finish")
    assert counts["failed"] + counts["dead_letter"] >= 1, counts  # the 404 entry
    assert_counts_equal(b, server, "after the sync")
    # The 404 reads in the server's plain words with the class's remedy, the raw line under Details.
    missing = next(j for j in server.get("/api/jobs?status=failed").json()["jobs"] if j["video_id"] == "missing")
    remedy = server.get("/api/meta").json()["error_classes"][missing["error_class"]]["remedy"]
    b.find(f"job-error-{missing['id']}")
    problem = b.js("return document.querySelector(arguments[0]).textContent", f'[data-testid="job-error-{missing["id"]}"]')
    assert missing["last_error"] in problem and remedy in problem, problem
    assert "HTTP Error 404" in b.js("return document.querySelector(arguments[0]).textContent", f'[data-testid="job-error-{missing["id"]}-details"]')

    # ---- bulk retry ----
    requeues = lambda: db_query(server, "SELECT count(*) FROM job_events WHERE job_id = ? AND from_status = 'failed'"
                                        " AND to_status = 'pending'", (missing["id"],))[0][0]
    before = requeues()
    b.find("bulk-retry-failed").click()
    server.wait_for(lambda: requeues() > before, 10, message="the bulk retry to requeue the 404 job")
    server.wait_for(lambda: drained(server), 60, interval=0.5, message="the retried job to fail again")
    assert_counts_equal(b, server, "after a bulk retry")

    # ---- cancels: four long test jobs, three run (WORKERS=3), one waits; cancel all four ----
    ids = server.post("/api/test/jobs", {"jobs": [{"seconds": 60}] * 4}).json()["ids"]
    for i in ids:
        b.click(f"job-cancel-{i}")
        server.wait_for(lambda: server.get(f"/api/jobs/{i}").json()["status"] == "cancelled", 15, message=f"job {i} cancelled")
    server.wait_for(lambda: drained(server), 15, message="nothing running")
    assert_counts_equal(b, server, "after four cancels")
    assert b.js("return window.__sameDocument === true"), "the page reloaded"
    assert b.severe() == [], b.severe()

    # ---- filter by channel: only this channel's jobs, with its own counts from the server ----
    b.open(server.base_url, f"/jobs?channel={channel_id}&status=completed", "job-flat-list")
    b.wait(lambda: b.query("jobs-channel-counts") and "downloaded" in b.text("jobs-channel-counts"), 10, "the channel's counts")
    shown = b.js("return [...document.querySelectorAll('[data-testid=job-flat-list] [data-testid^=job-row-]')].map(e => +e.dataset.jobId)")
    assert shown, "no completed jobs of the channel listed"
    channel_jobs = {j["id"] for j in server.get("/api/jobs?status=completed&limit=500").json()["jobs"] if j["channel_id"] == channel_id}
    assert set(shown) <= channel_jobs, "a job of another channel (or none) is listed"


def test_adding_a_channel_says_what_happened(server, site, b):
    b.open(server.base_url, "/channels", "add-channel-url")
    b.wait(lambda: b.attr("live-status", "data-state") == "open", 10, "live connection")
    # The same URL again: the server answers 200 with the existing channel, and the page says so.
    if not any(c["url"] == site.feed_url for c in server.get("/api/channels").json()["channels"]):
        assert server.post("/api/channels", {"url": site.feed_url}).status == 202
    before = len(server.get("/api/channels").json()["channels"])
    b.find("add-channel-url").send_keys(site.feed_url)
    b.find("add-channel-submit").click()
    b.wait(lambda: "already in your library" in (b.text("add-channel-result") or ""), 10, "'already in your library'")
    assert len(server.get("/api/channels").json()["channels"]) == before
    # A URL that cannot be listed: said in plain words once the listing fails.
    b.find("add-channel-url").send_keys(site.url("/nothing-here.xml"))
    b.find("add-channel-submit").click()
    b.wait(lambda: "could not be listed" in (b.text("add-channel-result") or ""), 60, "'could not be listed'")
    broken = next(c for c in server.get("/api/channels").json()["channels"] if c["url"].endswith("/nothing-here.xml"))
    assert broken["last_error"] and broken["last_error"] in b.text("add-channel-result"), b.text("add-channel-result")
    assert b.js("return document.querySelector('[data-testid=add-channel-result]').dataset.kind") == "error"
    b.screenshot("channels-add-error-desktop")

"""The jobs dashboard and the source cards during a real sync: the real `spool serve`, the real
yt-dlp, and the fixture site's feed of 40 episodes (plus its 404 and flaky entries).

- the source card follows the sync live ("Downloading N of 42"), without a reload;
- on /jobs the running downloads are above the fold (desktop and phone), not under the waiting;
- every count on the page equals `GET /api/jobs` after the sync, after a bulk retry, after cancels,
  for one source (`?source=`), and after "Clear finished";
- adding a source that exists, or one that cannot be listed, says so before anything is added.

One server and one browser for the module.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from browser import (  # noqa: F401  (fixtures are used by name)
    DESKTOP, PHONE, WIDE, Browser, add_source, db_query, module_browser, module_server, nav, prefill_site, shot_on_failure)
from fixture_site import FixtureSite

REPO = Path(__file__).resolve().parents[2]
EPISODES = 40
STATUSES = ["pending", "running", "completed", "failed", "cancelled", "timeout", "retrying", "dead_letter", "zombie"]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    directory = tmp_path_factory.mktemp("site")
    prefill_site(directory, EPISODES)
    with FixtureSite(directory, count=EPISODES, flaky_failures=2, flaky_status=429) as s:
        yield s


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


def server_counts(server, source: int | None = None) -> dict[str, int]:
    return server.get("/api/jobs?limit=1" + (f"&source={source}" if source else "")).json()["counts"]


def page_counts(b: Browser) -> dict[str, int]:
    """The chips' numbers, as the user reads them."""
    found = {}
    for s in STATUSES + ["all"]:
        text = b.js("return document.querySelector(arguments[0])?.textContent", f'[data-testid="status-count-{s}"]')
        found[s] = int(re.sub(r"\D", "", text)) if text else None
    return found


def assert_counts_equal(b: Browser, server, when: str, source: int | None = None) -> None:
    """The page's counts equal the server's (of one source with `source`). The page refetches
    after each change (debounced 0.4 s), so it is given a moment; it must then match exactly,
    the total included."""
    expected = server_counts(server, source)
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


@pytest.mark.long  # about 50 s; test_browser_sources watches a sync live in the default run
def test_a_sync_of_40_on_the_dashboard_and_the_source_card(server, site, b):
    # An old bookmark still works: /channels leads to /sources.
    b.open(server.base_url, "/channels", "add-source-url")
    assert b.js("return location.pathname") == "/sources"
    b.wait(lambda: b.attr("live-status", "data-state") == "open", 10, "live connection")
    b.js("window.__sameDocument = true")
    source_id = add_source(b, site.feed_url)
    b.find(f"source-row-{source_id}")
    assert "listing its videos" in b.text("add-source-result")

    # ---- the card follows the downloads live ----
    def downloaded():
        text = b.js("return document.querySelector(arguments[0])?.textContent", f'[data-testid="source-downloaded-{source_id}"] .stat-value')
        return int(text.replace(",", "")) if text else 0
    activity = b.wait(lambda: re.match(r"Downloading (\d+) of (\d+)", b.text(f"source-activity-{source_id}") or ""), 90,
                      "the card to say 'Downloading N of M'")
    assert int(activity.group(2)) == EPISODES + 2, activity.group(0)
    seen = {downloaded()}
    b.wait(lambda: seen.add(downloaded()) or len(seen) >= 3, 90, "the downloaded count to grow live (twice)")
    assert re.match(r"Downloading \d+ of 42", b.text(f"source-activity-{source_id}") or "") or "Up to date" in (b.text(f"source-activity-{source_id}") or "")
    # The result line next to the form reports the first listing.
    b.wait(lambda: "queued for download" in (b.text("add-source-result") or ""), 30, "the first listing reported")
    b.screenshot("sources-syncing-desktop")

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

    # ---- filter by source (an old ?channel= link): its jobs only, with its own counts ----
    b.open(server.base_url, f"/jobs?channel={source_id}&status=completed", "job-flat-list")
    assert b.js("return location.search") == f"?source={source_id}&status=completed" or \
        b.js("return location.search") == f"?status=completed&source={source_id}", b.js("return location.search")
    b.wait(lambda: b.query("jobs-source-counts") and "downloaded" in b.text("jobs-source-counts"), 10, "the source's counts")
    source_jobs = {j["id"] for j in server.get(f"/api/jobs?status=completed&limit=500&source={source_id}").json()["jobs"]}
    # The list is windowed (issue 19): it holds the first page, and the rows near the viewport
    # are in the DOM.
    b.wait(lambda: b.js("return Number(document.querySelector('[data-testid=job-flat-list]').dataset.loaded || 0)")
           == min(100, len(source_jobs)) and b.find_all('[data-testid=job-flat-list] [data-testid^=job-row-]'), 10,
           "the source's completed jobs")
    shown = b.js("return [...document.querySelectorAll('[data-testid=job-flat-list] [data-testid^=job-row-]')].map(e => +e.dataset.jobId)")
    assert set(shown) <= source_jobs, "a job of another source is listed"
    assert_counts_equal(b, server, "filtered by the source", source=source_id)
    assert server_counts(server, source_id) != server_counts(server), "the test jobs belong to no source: the counts must differ"

    # "Retry all failed" on one source's page retries that source's failed jobs, not another's.
    other = server.post("/api/test/jobs", {"jobs": [{"seconds": 0.1, "outcome": "permanent"}]}).json()["ids"][0]
    server.wait_for(lambda: server.get(f"/api/jobs/{other}").json()["status"] == "failed", 15, message="a failed job of no source")
    b.open(server.base_url, f"/jobs?source={source_id}", "bulk-retry-failed")
    b.wait(lambda: b.js("return !document.querySelector('[data-testid=bulk-retry-failed]').disabled"), 10, "the bulk retry")
    before = requeues()
    b.click("bulk-retry-failed")
    server.wait_for(lambda: requeues() > before, 10, message="the source's failed job requeued")
    assert server.get(f"/api/jobs/{other}").json()["status"] == "failed", "another source's failed job was retried"
    server.wait_for(lambda: drained(server), 60, interval=0.5, message="the retried job to fail again")

    # ---- "Clear finished": gone on the server and on the page, counts from the reply ----
    b.open(server.base_url, "/jobs", "jobs-finished")
    b.wait(lambda: b.attr("live-status", "data-state") == "open", 10, "live connection")
    b.js("document.querySelector('[data-testid=jobs-finished]').open = true")
    b.wait(lambda: len(b.find_all('[data-testid=jobs-finished-list] [data-testid^=job-row-]')) > 0, 10, "finished rows")
    b.click("jobs-clear-finished")
    b.wait(lambda: len(b.find_all('[data-testid=jobs-finished-list] [data-testid^=job-row-]')) == 0, 10, "the finished rows gone")
    after = server_counts(server)
    assert after["completed"] == 0 and after["cancelled"] == 0, after
    assert_counts_equal(b, server, "after Clear finished")
    assert server.get(f"/api/tracks?source={source_id}&limit=1").json()["total"] >= EPISODES, "clearing jobs took tracks with it"


@pytest.mark.long  # about 11 s; test_browser_sources adds a source with its preview in the default run
def test_adding_a_source_says_what_happened_before_adding(server, site, b):
    b.open(server.base_url, "/sources", "add-source-url")
    b.wait(lambda: b.attr("live-status", "data-state") == "open", 10, "live connection")
    # The same URL again: the preview says it is there already, with a link to it, and offers no Add.
    existing = next((s for s in server.get("/api/sources").json()["sources"] if s["url"] == site.feed_url), None)
    if existing is None:
        assert server.post("/api/sources", {"url": site.feed_url}).status == 202
        existing = next(s for s in server.get("/api/sources").json()["sources"] if s["url"] == site.feed_url)
    before = len(server.get("/api/sources").json()["sources"])
    b.find("add-source-url").send_keys(site.feed_url)
    b.click("add-source-check")
    b.wait(lambda: "already in your library" in (b.text("add-source-existing") or ""), 30, "'already in your library'")
    link = b.js("return document.querySelector('[data-testid=add-source-existing] a').getAttribute('href')")
    assert link == f"/sources/{existing['id']}", link
    assert b.query("add-source-submit") is None, "an Add button for a source that exists"
    # A URL that cannot be listed: the server's sentence next to the URL, and nothing added.
    b.find("add-source-url").clear()
    b.find("add-source-url").send_keys(site.url("/nothing-here.xml"))
    b.click("add-source-check")
    error = b.wait(lambda: b.text("add-source-url-error"), 60, "the URL's error")
    reply = server.post("/api/sources/preview", {"url": site.url("/nothing-here.xml")})
    assert reply.status == 400
    sentence = reply.json()["error"]["message"].split("': ", 1)[1].split(" (", 1)[0]
    assert sentence[1:] in error, (sentence, error)
    assert b.attr("add-source-url", "aria-invalid") == "true"
    assert b.query("add-source-submit") is None
    assert len(server.get("/api/sources").json()["sources"]) == before, "a source was added"
    b.screenshot("sources-add-error-desktop")

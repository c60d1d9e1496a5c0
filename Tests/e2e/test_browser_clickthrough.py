"""The original bug report, clicked through in a real browser against the real `spool serve`
and the real yt-dlp: add a source on /sources, watch its downloads live on /jobs, listen on
/likes_player/0, and *while the downloads run* delete the playing track, undo it, press Retry on
failed jobs (double clicks), seek and change the volume rapidly. The Python app this replaces
answered that with `database is locked`; here nothing may fail, and the database afterwards must
show everything the user did.
"""
from __future__ import annotations

import re
import subprocess
import time

import pytest

from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.keys import Keys

from browser import (  # noqa: F401  (fixtures are used by name)
    DESKTOP, PHONE, Browser, add_source, browser, browser_factory, db_query, seed_liked_tracks)
from conftest import spool_binary
from fixture_site import FixtureSite

DOWNLOADS = 8          # ep-001 … ep-008, plus "missing" (404) and "flaky" (429 twice, then fine)
RATE = 700             # bytes/s per media request: a ~9.3 KB tone takes ~13 s, so downloads keep running
WORKERS = 2

# Short retry and rate-limit timings, so the test does not wait out production back-offs.
# Names are matched against `spool serve --help`; the ones this build does not know are reported.
FAST_SETTINGS = {
    "WORKERS": str(WORKERS),
    "RETRY_BASE_SECONDS": "1",
    "RETRY_MAX_SECONDS": "2",
    "RATE_LIMIT_COOLDOWN_SECONDS": "2",
    "YTDLP_PATH": None,  # filled in below: the project's .venv yt-dlp
}


def known_settings() -> set[str]:
    out = subprocess.run([spool_binary(), "serve", "--help"], capture_output=True, text=True, timeout=30)
    return set(re.findall(r"\b([A-Z][A-Z0-9_]{2,})\b", out.stdout + out.stderr))


def server_env() -> tuple[dict[str, str], list[str]]:
    from conftest import REPO
    known = known_settings()
    wanted = dict(FAST_SETTINGS, YTDLP_PATH=str(REPO / ".venv" / "bin" / "yt-dlp"))
    env = {k: v for k, v in wanted.items() if k in known}
    return env, sorted(set(wanted) - set(env))


def jobs_by_video(server) -> dict[str, dict]:
    r = server.get("/api/jobs?limit=500")
    assert r.status == 200, f"GET /api/jobs → {r.status} {r.text[:300]}"
    found = {}
    for job in r.json()["jobs"]:
        if job.get("kind") == "download" and job.get("video_id"):
            found.setdefault(job["video_id"], job)  # newest first: keep the newest per video
    return found


def running_count(server) -> int:
    return server.get("/api/health").json()["jobs"]["counts"].get("running", 0)


def media(b: Browser) -> dict:
    return b.js("""const m = document.querySelector('[data-testid=player-audio]');
        return m ? {paused: m.paused, time: m.currentTime, volume: m.volume, src: m.currentSrc,
                    ready: m.readyState, error: m.error && m.error.code} : null;""")


def brake_banner_settled(b: Browser, seconds: float = 1.0, timeout: float = 60) -> None:
    """Waits until the download brake's banner has been hidden for `seconds`. It sits above the
    page, so it shifts every row by its height when it comes or goes (a pause after the flaky
    site's 429s, then a resume): a double click aimed at a Retry button as the banner left
    or re-rendered the rows (`ratelimit.*` events) missed, and the job was never requeued
    (twice in nine runs on 2026-12-07; one failed run's server log had "Downloads resumed" in
    the second of the click)."""
    deadline = time.time() + timeout
    since = None
    while time.time() < deadline:
        if b.js("return document.querySelector('[data-testid=ratelimit-banner]').hidden"):
            since = since or time.time()
            if time.time() - since >= seconds:
                return
        else:
            since = None
        time.sleep(0.1)
    raise AssertionError("the download brake's banner kept coming back")


def switch(b: Browser, handle: str) -> None:
    b.read_console()  # keep the console entries of the tab being left
    b.driver.switch_to.window(handle)


@pytest.mark.long  # about 90 s; the same storm without the browser is test_jobs.py::test_many_jobs_and_concurrent_user_actions and test_library.py::test_concurrent_telemetry_deletes_and_ratings_lose_nothing
def test_original_click_through_while_downloads_run(spool_factory, browser_factory, tmp_path):
    env, unknown = server_env()
    print(f"settings not known to this build (left at their defaults): {unknown}")
    with FixtureSite(tmp_path / "site", count=DOWNLOADS, flaky_failures=2, flaky_status=429, specials_first=True) as site:
        server = spool_factory(env=env, start=False)
        liked = seed_liked_tracks(server, count=3, seconds=60)
        server.start()
        feed = f"{site.feed_url}?rate={RATE}"

        b = browser_factory(size=DESKTOP)
        dashboard = b.driver.current_window_handle

        # ---- 1. Add the source on /sources by typing its URL (Preview, then Add) ----
        b.open(server.base_url, "/sources")
        b.install_notice_recorder()
        b.wait(lambda: b.attr("live-status", "data-state") == "open", 10, "live connection")
        b.find("add-source-url").click()
        source_id = add_source(b, feed)
        b.find(f"source-row-{source_id}")
        assert b.text(f"source-state-{source_id}").lower() in ("syncing", "idle"), b.text(f"source-state-{source_id}")
        assert b.text("add-source-url-error") == ""
        b.screenshot("clickthrough-1-source-added")

        # ---- 2. /jobs: the sync's downloads appear and progress live, without a reload ----
        b.find("nav-jobs").click()
        b.wait(lambda: b.js("return location.pathname") == "/jobs", 5, "routed to /jobs")
        b.js("window.__sameDocument = true")  # gone if anything reloads the page
        b.find("job-list")
        b.wait(lambda: len(b.find_all('[data-testid^="job-row-"]')) >= DOWNLOADS, 60,
               f"{DOWNLOADS}+ job rows appear live")
        loaded_fetches = b.js("""return performance.getEntriesByType('resource')
            .filter(e => /\\/api\\/jobs\\?/.test(e.name) && !/limit=1(&|$)/.test(e.name)).length""")
        # A running download of a good episode (the 404 and the 429 entries run first and fail).
        def running_episode():
            job = next((j for v, j in jobs_by_video(server).items() if v.startswith("ep-") and j["status"] == "running"), None)
            shown = job and b.js("return document.querySelector('[data-testid=\"job-row-%d\"]')?.dataset.status" % job["id"])
            return job["id"] if shown == "running" else None
        running_id = b.wait(running_episode, 60, "a running download")
        seen = set()

        def progress_moves():
            text = b.text(f"job-progress-text-{running_id}")
            if text:
                seen.add(text)
            return len(seen) >= 2
        b.wait(progress_moves, 30, f"job {running_id}'s progress to change live")
        b.wait(lambda: b.js("return document.querySelector('[data-testid=\"job-row-%s\"]')?.dataset.status" % running_id)
               == "completed", 60, f"job {running_id} to show completed live")
        b.screenshot("clickthrough-2-jobs-live")
        assert b.js("return window.__sameDocument === true"), "the jobs page reloaded"
        # Live means pushed over /ws: after the page loaded its sections, no list was fetched
        # again (count refreshes are limit=1).
        list_fetches = b.js("""return performance.getEntriesByType('resource')
            .filter(e => /\\/api\\/jobs\\?/.test(e.name) && !/limit=1(&|$)/.test(e.name)).length""")
        assert list_fetches == loaded_fetches, f"/api/jobs was fetched {list_fetches - loaded_fetches} more times: the dashboard polls"

        # ---- 3. The player in a second tab ----
        b.read_console()
        b.driver.switch_to.new_window("tab")
        player = b.driver.current_window_handle
        b.open(server.base_url, "/likes_player/0")
        b.install_notice_recorder()
        b.wait(lambda: (media(b) or {}).get("ready", 0) >= 1, 15, "the first liked track loads")
        b.wait(lambda: not media(b)["paused"], 10, "playback starts")
        first = liked[0]
        assert b.text("player-title") == first["title"]

        # ---- 4. While downloads run: delete the playing track, then Undo ----
        assert running_count(server) >= 1, "downloads finished before the user acted: slow them down (RATE)"
        b.find("player-delete").click()
        b.wait(lambda: b.text("player-title") == liked[1]["title"], 10, "the next track plays after the delete")
        b.wait(lambda: not media(b)["paused"], 10, "the next track is playing")
        trashed = server.get(f"/api/tracks/{first['id']}").json()
        assert trashed["deleted_at"] is not None, trashed
        b.find("notice-undo").click()
        b.wait(lambda: b.text("player-position") == "Track 2 of 3", 10, "the undone track is back in the queue")

        # ---- 5. Seek and change the volume rapidly (keys, and scrubbing as the native controls do) ----
        actions = ActionChains(b.driver)
        for _ in range(6):
            actions.send_keys(Keys.ARROW_RIGHT).send_keys(Keys.ARROW_DOWN)
        for _ in range(3):
            actions.send_keys(Keys.ARROW_LEFT).send_keys(Keys.ARROW_UP)
        actions.perform()
        b.js("""const m = document.querySelector('[data-testid=player-audio]');
                for (let i = 0; i < 30; i++) { m.currentTime = (i * 1.7) % 50; m.volume = ((i * 37) % 100) / 100; }""")
        scrub_until = time.time() + 2
        while time.time() < scrub_until:
            b.js("""const m = document.querySelector('[data-testid=player-audio]');
                    m.currentTime = Math.random() * 50; m.volume = 0.3 + Math.random() * 0.7;""")
            time.sleep(0.05)
        b.wait(lambda: not media(b)["paused"], 10, "still playing after the seeks")
        b.screenshot("clickthrough-3-player")

        # ---- 6. On /jobs: Retry the failed jobs, with double clicks, while downloads run ----
        switch(b, dashboard)
        failed = server.wait_for(lambda: (jobs_by_video(server).get("missing") or {}).get("status") in ("failed", "dead_letter")
                                 and jobs_by_video(server)["missing"], 60, message="the 404 entry's job to fail")
        missing_id = failed["id"]
        bursts = 0
        requeued = lambda: db_query(server, "SELECT count(*) FROM job_events WHERE job_id = ? AND to_status = 'pending'",
                                    (missing_id,))[0][0]
        for _ in range(3):
            brake_banner_settled(b)
            retry = b.wait(lambda: b.query(f"job-retry-{missing_id}"), 60, f"a Retry button on job {missing_id}")
            if bursts == 0:
                assert running_count(server) >= 1, "downloads finished before the retries: slow them down"
            before = requeued()
            b.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", retry)
            ActionChains(b.driver).double_click(retry).perform()
            bursts += 1
            # The retried job is queued again, then fails again (it is a 404): with a worker free
            # that takes 70 ms, so the page may never show it pending. The click requeued it, and
            # the row follows the server to the job's new end.
            try:
                server.wait_for(lambda: requeued() > before, 10, message="the retried job back in the queue")
            except AssertionError as error:
                # Twice in nine runs (2026-12-07) a burst requeued nothing (the brake's banner,
                # `brake_banner_settled`): say what the page and the server showed.
                job = server.get(f"/api/jobs/{missing_id}").json()
                raise AssertionError(f"{error}; burst {bursts}: the job is {job['status']} (updated {job['updated_at']}), "
                                     f"its Retry button {'is there' if b.query(f'job-retry-{missing_id}') else 'is gone'}, "
                                     f"the last notices: {b.recorded_notices()[-5:]}") from error
            server.wait_for(lambda: server.get(f"/api/jobs/{missing_id}").json()["status"] in ("failed", "dead_letter"),
                            120, message="the retried 404 to fail again")
            b.wait(lambda: b.js("return document.querySelector('[data-testid=\"job-row-%d\"]')?.dataset.updated" % missing_id)
                   == server.get(f"/api/jobs/{missing_id}").json()["updated_at"], 10, "the row showing the job's new end")
        # Every other failed download (the flaky one, if it ended up failed) gets a Retry too.
        for job in jobs_by_video(server).values():
            if job["status"] in ("failed", "dead_letter") and job["id"] != missing_id:
                button = b.query(f"job-retry-{job['id']}")
                if button:
                    ActionChains(b.driver).double_click(button).perform()
        b.screenshot("clickthrough-4-retried")

        # ---- 7. Back to the player: it kept playing; one more delete + undo after the storm ----
        switch(b, player)
        b.wait(lambda: not media(b)["paused"], 10, "the player still plays")

        # ---- 8. Let the queue drain, then check what the database says ----
        def drained():
            jobs = jobs_by_video(server)
            done = [v for v, j in jobs.items() if j["status"] == "completed"]
            busy = [v for v, j in jobs.items() if j["status"] in ("pending", "running", "retrying")]
            return len(jobs) >= DOWNLOADS + 2 and not busy and len(done) >= DOWNLOADS + 1 and jobs
        jobs = server.wait_for(drained, 180, interval=1, message="the queue to drain (all but `missing` completed)")
        assert jobs["flaky"]["status"] == "completed", jobs["flaky"]
        assert jobs["missing"]["status"] in ("failed", "dead_letter"), jobs["missing"]

        # Each double-click burst retried once (never twice), and each retry requeued the job.
        requeues = db_query(server, "SELECT count(*) FROM job_events WHERE job_id = ? AND from_status IN"
                                    " ('failed', 'dead_letter') AND to_status IN ('pending', 'retrying')", (missing_id,))[0][0]
        assert requeues == bursts, f"{bursts} Retry double-clicks requeued job {missing_id} {requeues} times"

        # The deleted-then-restored track: live again, its file back in the library.
        row = db_query(server, "SELECT deleted_at, trash_path, file_path FROM tracks WHERE id = ?", (first["id"],))[0]
        assert row[0] is None and row[1] is None, f"track {first['id']} not restored: {row}"
        assert (server.library / row[2]).is_file(), f"the restored file {row[2]} is missing"
        likes = [t["id"] for t in server.get("/api/playlists/likes").json()["tracks"]]
        assert first["id"] in likes, likes

        # Playback telemetry reached the database (batches every 3 s, a beacon when hidden).
        switch(b, dashboard)  # hides the player tab → sendBeacon flush
        def events():
            return dict(db_query(server, "SELECT type, count(*) FROM play_events GROUP BY type"))
        counts = server.wait_for(lambda: (lambda c: c if c.get("play") and c.get("seek") and c.get("volume") else None)(events()),
                                 15, message="play, seek and volume events in play_events")
        print(f"play_events by type: {counts}")
        # Rapid seeks coalesce into few events: far fewer rows than the ~70 seeks made.
        assert counts["seek"] < 40, counts

        # No error notice in either tab, no console errors, not one "database is locked".
        for handle in (dashboard, player):
            switch(b, handle)
            errors = b.recorded_notices("error")
            assert errors == [], f"error notices shown: {errors}"
        assert b.severe() == [], b.severe()
        log = server.log()
        assert "database is locked" not in log.lower()
        assert "SQLITE_BUSY" not in log
        switch(b, dashboard)
        b.screenshot("clickthrough-5-done")

        # With real data (a 293-character title, long URLs) nothing scrolls sideways on a phone.
        b.set_size(*PHONE)
        for path, ready in (("/jobs", "job-list"), ("/sources", f"source-row-{source_id}"), (f"/sources/{source_id}", "source-tracks"),
                            ("/library", "track-list"), ("/", "overview-sources")):
            b.open(server.base_url, path)
            b.find(ready)
            time.sleep(1)
            assert b.horizontal_overflow() is None, f"{path} scrolls sideways at {PHONE[0]} px: {b.horizontal_overflow()}"
            b.screenshot(f"clickthrough-phone{path.replace('/', '-').rstrip('-')}")
        assert b.severe() == [], b.severe()

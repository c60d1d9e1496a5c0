"""The web app in headless Chromium against the real `spool serve`: the likes player used with
the keyboard only, and Retry on the jobs dashboard.

Every page at phone and desktop widths (with axe-core) is in test_browser_pages.py; the player
across pages and its queue in test_browser_player.py; the long click-through of the original
bug report (downloads running while the user deletes, undoes, retries, seeks) in
test_browser_clickthrough.py.
"""
from __future__ import annotations

import time

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.keys import Keys

from browser import (  # noqa: F401  (fixtures are used by name)
    DESKTOP, PHONE, Browser, browser, browser_factory, db_query, media_state, seed_liked_tracks)

# ---- keyboard-only use of the player ----

def focused(b: Browser) -> dict:
    """The focused element and whether its focus is visible (a ring: outline or box-shadow)."""
    return b.js("""
        const el = document.activeElement;
        if (!el || el === document.body) return {testid: null, tag: 'body', visible: false};
        const cs = getComputedStyle(el);
        const outline = cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) > 0;
        const shadow = cs.boxShadow && cs.boxShadow !== 'none';
        return {testid: el.dataset.testid || null, tag: el.tagName.toLowerCase(),
                label: el.getAttribute('aria-label') || el.textContent.trim().slice(0, 40),
                focusVisible: el.matches(':focus-visible'), visible: el.matches(':focus-visible') && (outline || shadow)};""")


def press(b: Browser, *keys) -> None:
    """Key presses sent to whatever has focus, as a user would type them."""
    ActionChains(b.driver).send_keys(*keys).perform()


def shift_tab(b: Browser) -> None:
    ActionChains(b.driver).key_down(Keys.SHIFT).send_keys(Keys.TAB).key_up(Keys.SHIFT).perform()


def track_json(server, track_id: int) -> dict:
    r = server.get(f"/api/tracks/{track_id}")
    assert r.status == 200, f"GET /api/tracks/{track_id} → {r.status} {r.text}"
    return r.json()


def test_player_keyboard_only(spool_factory, browser):
    server = spool_factory(start=False)
    tracks = seed_liked_tracks(server, count=3, seconds=60)
    server.start()
    b = browser
    b.open(server.base_url, "/likes_player/0")
    b.install_notice_recorder()
    b.wait(lambda: (media_state(b) or {}).get("ready", 0) >= 1, 15, "media metadata")
    assert b.text("player-title") == tracks[0]["title"]
    assert b.text("player-position") == "Track 1 of 3"
    # Autoplay is allowed in this browser, so the track starts by itself.
    b.wait(lambda: not media_state(b)["paused"], 10, "autoplay")

    # Space (nothing focused) pauses and plays.
    assert b.js("return document.activeElement === document.body || document.activeElement.id === 'main'")
    press(b, Keys.SPACE)
    b.wait(lambda: media_state(b)["paused"], 5, "Space pauses")
    press(b, Keys.SPACE)
    b.wait(lambda: not media_state(b)["paused"], 5, "Space plays again")
    press(b, Keys.SPACE)
    b.wait(lambda: media_state(b)["paused"], 5, "Space pauses again")

    # Arrows seek by 5 s and change the volume by 10 %.
    t0 = media_state(b)["time"]
    press(b, Keys.ARROW_RIGHT, Keys.ARROW_RIGHT)
    b.wait(lambda: abs(media_state(b)["time"] - (t0 + 10)) < 0.5, 5, f"→→ seeks to {t0 + 10:.1f}")
    press(b, Keys.ARROW_LEFT)
    b.wait(lambda: abs(media_state(b)["time"] - (t0 + 5)) < 0.5, 5, f"← seeks back to {t0 + 5:.1f}")
    v0 = media_state(b)["volume"]
    press(b, Keys.ARROW_DOWN, Keys.ARROW_DOWN)
    b.wait(lambda: abs(media_state(b)["volume"] - max(0, v0 - 0.2)) < 0.011, 5, "↓↓ lowers the volume")
    press(b, Keys.ARROW_UP)
    b.wait(lambda: abs(media_state(b)["volume"] - max(0, v0 - 0.1)) < 0.011, 5, "↑ raises it")

    # Tab walks through the page; every stop shows a focus ring, and the controls are reachable.
    wanted = {"player-play", "player-prev", "player-next", "player-shuffle", "player-repeat",
              "player-like", "player-dislike", "player-delete"}
    reached, invisible = set(), []
    for _ in range(60):
        press(b, Keys.TAB)
        f = focused(b)
        if f["tag"] == "body":
            break
        # One set of controls: the media element itself is never a stop (no native controls).
        assert f["tag"] not in ("audio", "video"), "the native media controls are in the Tab order"
        if not f["visible"]:
            invisible.append(f)
        if f["testid"] in wanted:
            reached.add(f["testid"])
        if reached == wanted:
            break
    assert reached == wanted, f"Tab did not reach {wanted - reached}"
    assert invisible == [], f"focused without a visible focus ring: {invisible}"

    # Space on the focused Play button plays (the button activates, no double toggle).
    while focused(b)["testid"] != "player-play":
        shift_tab(b)  # back to Play
    press(b, Keys.SPACE)
    b.wait(lambda: not media_state(b)["paused"], 5, "Space on the Play button plays")
    time.sleep(0.3)
    assert not media_state(b)["paused"], "Space on the Play button toggled twice"
    press(b, Keys.ENTER)
    b.wait(lambda: media_state(b)["paused"], 5, "Enter on the Play button pauses")
    press(b, Keys.SPACE)
    b.wait(lambda: not media_state(b)["paused"], 5, "playing again")

    # D dislikes, L likes: they set the rating, so L on a liked track changes nothing (it once
    # un-liked it and moved it to the end of the Likes).
    first = tracks[0]["id"]
    b.install_notice_recorder()
    press(b, "l")
    b.wait(lambda: any("Already liked" in n["text"] for n in b.recorded_notices()), 5, "'Already liked'")
    assert track_json(server, first)["rating"] == 1, "L un-liked a liked track"
    press(b, "d")
    server.wait_for(lambda: track_json(server, first)["rating"] == -1, 5, message="D dislikes")
    b.wait(lambda: b.attr("player-dislike", "aria-pressed") == "true" and b.attr("player-like", "aria-pressed") == "false", 5, "dislike shown")
    press(b, "l")
    server.wait_for(lambda: track_json(server, first)["rating"] == 1, 5, message="L likes again")
    b.wait(lambda: b.attr("player-like", "aria-pressed") == "true", 5, "like button pressed")
    assert b.text("player-position") == "Track 1 of 3", "rating moved the track"

    # Delete moves the playing track to the trash and the next one plays.
    path = server.library / tracks[0]["file_path"]
    assert path.exists()
    press(b, Keys.DELETE)
    server.wait_for(lambda: track_json(server, first)["deleted_at"] is not None, 5, message="Delete trashes the track")
    # The server marks the row first and moves the file right after (crash-safe order).
    server.wait_for(lambda: not path.exists(), 5, message="the deleted track's file to leave the library")
    b.wait(lambda: b.text("player-title") == tracks[1]["title"], 5, "the next track plays")
    b.wait(lambda: not media_state(b)["paused"] and media_state(b)["src"].endswith(f"/media/{tracks[1]['id']}"),
           10, "the next track's media playing")
    assert b.text("player-position") == "Track 1 of 2"
    undo = b.find("notice-undo", timeout=3)

    # Undo, keyboard only: the notice sits right above the player bar, a few Shift+Tabs away.
    while focused(b)["testid"] != "player-play":
        shift_tab(b)
    for _ in range(10):
        shift_tab(b)
        if focused(b)["testid"] == "notice-undo":
            break
    f = focused(b)
    assert f["testid"] == "notice-undo" and f["visible"], f"Undo not reachable with Shift+Tab: {f}"
    press(b, Keys.ENTER)
    server.wait_for(lambda: track_json(server, first)["deleted_at"] is None, 5, message="Undo restores the track")
    server.wait_for(lambda: path.exists(), 5, message="the restored track's file back in the library")
    b.wait(lambda: b.text("player-position") == "Track 2 of 3", 5, "the restored track back in the queue")
    assert b.text("player-title") == tracks[1]["title"], "Undo interrupted the playing track"
    assert undo is not None

    # The shortcut Z undoes too.
    press(b, Keys.DELETE)
    second = tracks[1]["id"]
    server.wait_for(lambda: track_json(server, second)["deleted_at"] is not None, 5, message="Delete of track 2")
    b.wait(lambda: b.text("player-title") == tracks[2]["title"], 5, "track 3 plays")
    b.find("notice-undo", timeout=3)
    b.js("document.activeElement.blur()")
    press(b, "z")
    server.wait_for(lambda: track_json(server, second)["deleted_at"] is None, 5, message="Z restores track 2")
    b.wait(lambda: b.text("player-position") == "Track 3 of 3", 5, "track 2 back in the queue")

    # Typing in a text field is not a shortcut (the nav has none; use the browser's own field):
    # covered by the library page; here the shortcuts must not fire inside the queue buttons either.
    errors = b.recorded_notices("error")
    assert errors == [], f"error notices: {errors}"
    assert b.severe() == [], b.severe()
    b.screenshot("player-keyboard-desktop")

    # What the keyboard did was recorded as play events (flushed every 3 s).
    server.wait_for(lambda: db_query(server, "SELECT count(*) FROM play_events WHERE type IN ('seek','volume','pause','play')")[0][0] >= 4,
                    10, message="play events recorded")


# ---- the jobs dashboard's Retry against the real queue (test.sleep jobs) ----

def test_jobs_retry_double_clicks_requeue_once(spool_factory, browser):
    """Double clicks on Retry send one request: each failed job goes back to the queue exactly once,
    the row shows it at once, and no error is shown."""
    server = spool_factory(env={"SPOOL_TEST_JOBS": "1", "WORKERS": "2"})
    # Each run takes 3 s: a retried job must not fail again (and come back into the failed list,
    # re-rendering it) while the next row's Retry is being double-clicked, as 0.1 s runs did.
    r = server.post("/api/test/jobs", {"jobs": [{"seconds": 3, "outcome": "permanent"}] * 3})
    assert r.status == 202, r.text
    ids = r.json()["ids"]
    server.wait_for(lambda: all(server.get(f"/api/jobs/{i}").json()["status"] == "failed" for i in ids),
                    30, message="the test jobs to fail")
    b = browser
    b.open(server.base_url, "/jobs?status=failed")
    b.install_notice_recorder()
    b.wait(lambda: b.text("status-count-failed") == "3", 10, "3 failed in the chip")
    for i in ids:
        button = b.find(f"job-retry-{i}")
        ActionChains(b.driver).double_click(button).perform()
        # It leaves the "failed" filter at once (from the POST reply), live events or not.
        b.wait(lambda: b.query(f"job-row-{i}") is None, 5, f"job {i} leaves the failed list")
    for i in ids:
        n = db_query(server, "SELECT count(*) FROM job_events WHERE job_id = ? AND from_status = 'failed'"
                             " AND to_status = 'pending'", (i,))[0][0]
        assert n == 1, f"a double click on Retry requeued job {i} {n} times"
    assert b.recorded_notices("error") == [], b.recorded_notices("error")
    # One request per double click, so one notice per job.
    assert [n["text"] for n in b.recorded_notices("success")].count("“Test job”: queued again.") == len(ids)
    b.wait(lambda: b.attr("live-status", "data-state") == "open", 10, "live connection open")
    assert b.severe() == [], b.severe()

"""The one player of the web app, in headless Chromium against the real `spool serve`: music keeps
playing while the user moves between pages, any list plays as a queue, the queue can be edited,
likes are visible at a glance, undo notices go away when their action no longer applies, and the
phone layout fits a music app (eight tracks a screen, 44 px targets).

One server (twelve seeded liked tone tracks, one disliked, one neutral) and one browser for the
module: each test starts from a fresh page load.
"""
from __future__ import annotations

import time

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.keys import Keys

from browser import (  # noqa: F401  (fixtures are used by name)
    DESKTOP, PHONE, Browser, media_state, module_browser, module_server, nav, shot_on_failure)

LIKED = 12


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    yield from module_server(tmp_path_factory, "player", seed_likes=LIKED, seconds=60)


@pytest.fixture(scope="module")
def shared(request):
    yield from module_browser(request)


@pytest.fixture
def b(shared, shot_on_failure, server):
    shared.set_size(*DESKTOP)
    shared.set_color_scheme(None)
    shared.driver.get(server.base_url + "/")  # a fresh page: the player starts empty
    shared.clear_console()
    shot_on_failure(shared)
    return shared


def likes_order(server) -> list[int]:
    """The Likes in the server's play order (liked time: re-liking a track moves it to the end)."""
    return [t["id"] for t in server.get("/api/playlists/likes").json()["tracks"]]


def library_ids(b: Browser) -> list[int]:
    return [int(x) for x in b.js("return [...document.querySelectorAll('[data-testid^=\"track-row-\"]')].map(r => r.dataset.trackId)")]


def playing_id(b: Browser) -> int | None:
    m = media_state(b)
    if not m or not m["src"]:
        return None
    return int(m["src"].rsplit("/", 1)[1])


def wait_playing(b: Browser, track_id: int, timeout: float = 15) -> dict:
    try:
        return b.wait(lambda: (lambda m: m if m and not m["paused"] and m["src"].endswith(f"/media/{track_id}") and m["time"] > 0 else None)(media_state(b)),
                      timeout, f"track {track_id} playing")
    except AssertionError as e:
        raise AssertionError(f"{e}; media: {media_state(b)}; bar: {b.text('player-title')!r}") from None


def test_playback_continues_across_pages(server, b):
    b.open(server.base_url, "/library", "track-list")
    b.js("window.__sameDocument = true")  # gone if anything reloads the page
    ids = b.wait(lambda: library_ids(b), 10, "library rows")
    b.find(f"track-play-{ids[6]}").click()
    m = wait_playing(b, ids[6])
    last = m["time"]
    title = b.text("player-title")
    assert title
    for testid, path in (("nav-jobs", "/jobs"), ("nav-library", "/library"), ("nav-sources", "/sources"),
                         ("nav-overview", "/"), ("nav-health", "/health")):
        nav(b, testid, path)
        time.sleep(1.2)
        m = media_state(b)
        assert m is not None, f"the media element is gone on {path}"
        assert m["src"].endswith(f"/media/{ids[6]}"), f"another track plays on {path}: {m['src']}"
        assert not m["paused"], f"playback stopped on {path}"
        assert m["time"] > last, f"currentTime did not grow on {path}: {m['time']} ≤ {last}"
        last = m["time"]
        # The bar still names the track and is the only set of controls (no native audio bar).
        assert b.text("player-title") == title, f"the bar lost the track on {path}"
        assert b.js("return document.querySelectorAll('audio[controls], video[controls]').length") == 0
        assert len(b.find_all('[data-testid="player-play"]')) == 1
    assert b.js("return window.__sameDocument === true"), "a page change reloaded the document"
    assert b.severe() == [], b.severe()


def test_library_plays_as_a_queue(server, b):
    b.open(server.base_url, "/library", "track-list")
    ids = b.wait(lambda: library_ids(b), 10, "library rows")
    b.find(f"track-play-{ids[0]}").click()
    wait_playing(b, ids[0])
    b.find("player-next").click()
    wait_playing(b, ids[1])
    b.find("player-next").click()
    wait_playing(b, ids[2])
    # Less than 3 s in, Previous goes back a track (more than 3 s in it restarts the track: on a
    # slow machine the test makes sure it is near the start).
    b.js("document.querySelector('[data-testid=player-audio]').currentTime = 0.2")
    b.find("player-prev").click()
    wait_playing(b, ids[1])
    # The queue page lists the library in its order, the current one marked.
    nav(b, "player-queue-toggle", "/player")
    queued = [int(x) for x in b.js("return [...document.querySelectorAll('[data-testid^=\"player-queue-item-\"]')].map(e => e.dataset.testid.split('-').pop())")]
    assert queued == ids, f"the queue is not the library list: {queued} vs {ids}"
    assert b.attr(f"player-queue-item-{ids[1]}", "aria-current") == "true"
    assert "Library" in b.text("queue-source")

    # A search result plays as its own queue.
    b.open(server.base_url, "/library?q=tone+1", "track-list")
    found = b.wait(lambda: library_ids(b), 10, "search results")
    titles = b.js("return [...document.querySelectorAll('.track-title')].map(e => e.textContent)")
    assert all("1" in t for t in titles), titles
    b.find("library-play-all").click()
    wait_playing(b, found[0])
    b.find("player-next").click()
    wait_playing(b, found[1])
    assert b.severe() == [], b.severe()


def queue_ids(b: Browser) -> list[int]:
    return [int(x) for x in b.js("return [...document.querySelectorAll('[data-testid^=\"player-queue-item-\"]')].map(e => e.dataset.testid.split('-').pop())")]


def test_queue_panel_edits_the_queue(server, b):
    b.open(server.base_url, "/likes_player/0", "player-queue")
    likes = likes_order(server)
    b.wait(lambda: queue_ids(b) == likes, 10, "the likes queue")
    wait_playing(b, likes[0])
    # Play next: the last track moves right after the current one.
    b.find(f"queue-next-{likes[-1]}").click()
    b.wait(lambda: queue_ids(b)[:2] == [likes[0], likes[-1]], 5, "play next")
    # Move down and up.
    b.find(f"queue-down-{likes[-1]}").click()
    b.wait(lambda: queue_ids(b)[2] == likes[-1], 5, "moved down")
    b.find(f"queue-up-{likes[-1]}").click()
    b.wait(lambda: queue_ids(b)[1] == likes[-1], 5, "moved up")
    # Remove.
    b.find(f"queue-remove-{likes[3]}").click()
    b.wait(lambda: likes[3] not in queue_ids(b), 5, "removed")
    # Next plays what the queue says is next.
    b.find("player-next").click()
    wait_playing(b, likes[-1])
    assert b.text("player-position") == f"Track 2 of {LIKED - 1}"
    # Clear keeps the current track and drops the rest.
    b.find("queue-clear").click()
    b.wait(lambda: queue_ids(b) == [likes[0], likes[-1]], 5, "upcoming cleared")
    assert not media_state(b)["paused"], "clearing the queue stopped the music"
    assert b.severe() == [], b.severe()


def test_like_state_is_visible(server, b):
    # One track liked, one not: their Like buttons must look different at a glance.
    liked, plain = server.seeded[0]["id"], server.seeded[1]["id"]
    assert server.put(f"/api/tracks/{plain}/rating", {"value": 0}).status == 200
    try:
        b.open(server.base_url, "/library", "track-list")
        b.wait(lambda: b.query(f"track-like-{plain}") and b.attr(f"track-like-{plain}", "aria-pressed") == "false", 10, "unliked row")
        colour = lambda testid: b.js("return getComputedStyle(document.querySelector(arguments[0])).color", f'[data-testid="{testid}"]')
        assert b.attr(f"track-like-{liked}", "aria-pressed") == "true"
        assert colour(f"track-like-{liked}") != colour(f"track-like-{plain}"), \
            f"liked and unliked look the same: {colour(f'track-like-{liked}')}"
        # The liked colour is the theme's like colour in both themes.
        for scheme in ("light", "dark"):
            b.set_color_scheme(scheme)
            expected = b.js("const s = document.createElement('span'); s.style.color = 'var(--like)'; document.body.append(s);"
                            " const c = getComputedStyle(s).color; s.remove(); return c;")
            assert colour(f"track-like-{liked}") == expected, scheme
            assert colour(f"track-like-{plain}") != expected, scheme
        b.set_color_scheme(None)
        # Clicking Like on the unliked row likes it (and the colour follows).
        b.find(f"track-like-{plain}").click()
        server.wait_for(lambda: server.get(f"/api/tracks/{plain}").json()["rating"] == 1, 5, message="liked")
        b.wait(lambda: colour(f"track-like-{plain}") == colour(f"track-like-{liked}"), 5, "liked colour")
    finally:
        server.put(f"/api/tracks/{plain}/rating", {"value": 1})


def test_likes_deep_link_and_L_on_a_liked_track(server, b):
    likes = likes_order(server)
    b.open(server.base_url, "/likes_player/4", "player-queue")
    wait_playing(b, likes[4])
    assert b.text("player-position") == f"Track 5 of {LIKED}"
    b.screenshot("likes-queue-desktop")
    b.install_notice_recorder()
    requests_before = b.js("return performance.getEntriesByType('resource').filter(e => /rating/.test(e.name)).length")
    b.js("document.activeElement.blur()")
    ActionChains(b.driver).send_keys("l").perform()
    b.wait(lambda: any("Already liked" in n["text"] for n in b.recorded_notices()), 5, "'Already liked' notice")
    time.sleep(0.5)
    assert server.get(f"/api/tracks/{likes[4]}").json()["rating"] == 1, "L un-liked a liked track"
    assert b.js("return performance.getEntriesByType('resource').filter(e => /rating/.test(e.name)).length") == requests_before
    assert b.js("return location.pathname") == "/likes_player/4"
    assert [int(x) for x in b.js("return [...document.querySelectorAll('[data-testid^=\"player-queue-item-\"]')].map(e => e.dataset.testid.split('-').pop())")] == likes, \
        "the queue changed order"
    # The URL follows the position.
    b.find("player-next").click()
    wait_playing(b, likes[5])
    b.wait(lambda: b.js("return location.pathname") == "/likes_player/5", 5, "URL follows the queue")


def test_undo_notice_goes_when_the_track_comes_back_elsewhere(server, b):
    likes = likes_order(server)
    b.open(server.base_url, "/likes_player/0", "player-queue")
    wait_playing(b, likes[0])
    b.find("player-delete").click()
    b.find("notice-undo", timeout=5)
    # The notice sits between the page and the player bar: it covers neither (measured once it
    # stopped moving: it slides in, and a rect read mid-slide overlapped the bar by 1.6 px).
    measure = lambda: b.js("""const r = s => document.querySelector(s).getBoundingClientRect().toJSON();
        return {notice: r('[data-testid=notice]'), main: r('#main'), bar: r('[data-testid=player-bar]')};""")
    seen = []
    b.wait(lambda: (seen.append(measure()) or time.sleep(0.1) or True) and len(seen) > 1 and seen[-1] == seen[-2],
           5, "the notice to settle")
    rects = seen[-1]
    assert rects["notice"]["top"] >= rects["main"]["bottom"] - 1 and rects["notice"]["bottom"] <= rects["bar"]["top"] + 1, rects
    server.wait_for(lambda: server.get(f"/api/tracks/{likes[0]}").json()["deleted_at"] is not None, 5, message="trashed")
    # Restored by someone else (the trash view in another tab, the API): the Undo no longer applies.
    assert server.post(f"/api/tracks/{likes[0]}/restore").status == 200
    b.wait(lambda: b.query("notice-undo") is None, 5, "the Undo notice to disappear")


def test_library_multi_select(server, b):
    b.open(server.base_url, "/library", "track-list")
    ids = b.wait(lambda: library_ids(b), 10, "library rows")
    b.find("library-select").click()
    for i in ids[:3]:
        b.find(f"track-select-{i}").click()
    assert b.text("bulk-count") == "3 selected"
    # Add to queue: nothing was playing, so the first one starts.
    b.find("bulk-enqueue").click()
    wait_playing(b, ids[0])
    # Dislike all three (one request for the three, not one per track), then like them again.
    requests = lambda part: b.js("return performance.getEntriesByType('resource').filter(e => e.name.includes(arguments[0])).length", part)
    ratings_before = requests("/rating")
    b.find("bulk-dislike").click()
    server.wait_for(lambda: all(server.get(f"/api/tracks/{i}").json()["rating"] == -1 for i in ids[:3]), 10, message="disliked")
    assert requests("/api/tracks/bulk") == 1 and requests("/rating") == ratings_before, "not one bulk request"
    b.wait(lambda: all(b.attr(f"track-row-{i}", "data-rating") == "-1" for i in ids[:3]), 5, "rows show the dislike")
    b.find("bulk-like").click()
    server.wait_for(lambda: all(server.get(f"/api/tracks/{i}").json()["rating"] == 1 for i in ids[:3]), 10, message="liked")
    # Delete two with one Undo.
    b.find(f"track-select-{ids[0]}").click()
    assert b.text("bulk-count") == "2 selected"
    b.find("bulk-delete").click()
    server.wait_for(lambda: all(server.get(f"/api/tracks/{i}").json()["deleted_at"] for i in ids[1:3]), 10, message="deleted")
    b.wait(lambda: b.query(f"track-row-{ids[1]}") is None, 5, "rows gone")
    b.find("notice-undo").click()
    server.wait_for(lambda: not any(server.get(f"/api/tracks/{i}").json()["deleted_at"] for i in ids[1:3]), 10, message="restored")
    b.wait(lambda: library_ids(b)[:3] == ids[:3], 5, "rows back in place")
    assert b.severe() == [], b.severe()


def test_skip_link_moves_focus_to_the_page(server, b):
    b.open(server.base_url, "/jobs", "jobs-summary")
    b.js("document.activeElement.blur()")
    ActionChains(b.driver).send_keys(Keys.TAB).perform()
    assert b.js("return document.activeElement.dataset.testid") == "skip-link"
    assert b.js("return document.activeElement.getBoundingClientRect().top >= 0"), "the skip link stays off screen when focused"
    ActionChains(b.driver).send_keys(Keys.ENTER).perform()
    b.wait(lambda: b.js("return document.activeElement.tagName") == "H1", 3, "focus on the page's heading")
    assert b.js("return location.pathname") == "/jobs"
    # The next Tab goes into the page, not back to the top bar.
    ActionChains(b.driver).send_keys(Keys.TAB).perform()
    assert b.js("return document.getElementById('main').contains(document.activeElement)")


def test_phone_fits_eight_tracks_and_44px_targets(server, b):
    b.set_size(*PHONE)
    b.open(server.base_url, "/library", "track-list")
    ids = b.wait(lambda: library_ids(b), 10, "library rows")
    b.find(f"track-play-{ids[0]}").click()
    wait_playing(b, ids[0])
    # With the player bar and the tab bar showing, a screen of the list holds at least 8 rows.
    fit = b.js("""const main = document.getElementById('main').getBoundingClientRect();
        const rows = [...document.querySelectorAll('[data-testid^="track-row-"]')].map(r => r.getBoundingClientRect());
        const pitch = rows[1].top - rows[0].top;
        const visible = rows.filter(r => r.top >= main.top && r.bottom <= main.bottom).length;
        return {perScreen: Math.floor(main.height / pitch), visibleNow: visible, pitch};""")
    assert fit["perScreen"] >= 8, f"only {fit} tracks fit a 390×844 screen"
    assert fit["visibleNow"] >= 8, f"only {fit['visibleNow']} tracks visible when the library opens: {fit}"
    # The bar sits above the tab bar, the tab bar at the bottom, neither over the page.
    rects = b.js("""const r = s => document.querySelector(s).getBoundingClientRect().toJSON();
        return {main: r('#main'), bar: r('[data-testid=player-bar]'), tabs: r('[data-testid=tabbar]')};""")
    assert rects["main"]["bottom"] <= rects["bar"]["top"] + 1 and rects["bar"]["bottom"] <= rects["tabs"]["top"] + 1, rects
    assert abs(rects["tabs"]["bottom"] - PHONE[1]) <= 1, rects
    # Every visible control in the rows, the bar and the tab bar is at least 44 × 44 px.
    small = b.js("""return [...document.querySelectorAll(
            '[data-testid^="track-row-"] button, [data-testid=player-bar] button, [data-testid=player-bar] input, [data-testid=tabbar] a, .topbar a, .list-head button, .segment')]
        .filter(e => e.offsetParent !== null)
        .map(e => ({t: e.dataset.testid || e.className || e.textContent.trim(), w: e.getBoundingClientRect().width, h: e.getBoundingClientRect().height}))
        .filter(s => s.w < 43.5 || s.h < 43.5);""")
    assert small == [], f"touch targets under 44 px: {small[:10]}"
    assert b.horizontal_overflow() is None, b.horizontal_overflow()
    b.screenshot("library-phone-playing")

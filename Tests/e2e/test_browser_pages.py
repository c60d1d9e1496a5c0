"""Every page of the web app, at a phone's 390×844 and a desktop's 1440×900, in the light and the
dark theme, against the real `spool serve` with data on every page (liked, disliked and trashed
tracks, plays, a source with rules, a last sync, skipped entries and tracks retention will remove,
a broken source, two profiles, failed and running jobs):

- the page shows its heading and its data, the live connection opens, no error notice, no
  console error, nothing scrolls sideways;
- axe-core (WCAG 2 A/AA, through axe-selenium-python) finds no serious or critical violation,
  contrast included, with the player bar and the tab bar on screen; the dialogs too;
- one screenshot per page and width (docs/screenshots/ takes the README's from here).

One server and one browser for the module; pages are visited in-app (the router), so the
player keeps playing and its bar is part of every check.
"""
from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

import pytest

from browser import (  # noqa: F401  (fixtures are used by name)
    PHONE, WIDE, Browser, media_state, module_browser, module_server, seed_source, shot_on_failure)

REPO = Path(__file__).resolve().parents[2]

# path ({source}: the seeded source's id), the page's <h1>, a data-testid present once the page
# has its data, screenshot name
PAGES = [
    ("/likes_player/0", "Likes", "player-queue", "player"),
    ("/", "Overview", "overview-sources", "overview"),
    ("/library", "Library", "track-list", "library"),
    ("/library?view=history", "History", "track-list", "history"),
    ("/library?view=trash", "Trash", "track-list", "trash"),
    ("/player", "Now playing", "player-queue", "queue"),
    ("/sources", "Sources", "source-list", "sources"),
    ("/sources/{source}", "Some Artist", "source-retention-count", "source"),
    ("/settings", "Settings", "profile-name-2", "settings"),
    ("/jobs", "Jobs", "jobs-running-list", "jobs"),
    ("/jobs?status=failed", "Jobs", "job-flat-list", "jobs-failed"),
    ("/health", "Health", "health-journal-mode", "health"),
]


def seed(server) -> None:
    """A source the seeded tracks belong to, with filters, retention (keep the newest 2: the
    disliked track leaves next), a last sync that skipped two entries; a broken source; and a
    second profile."""
    source = seed_source(server, "https://www.youtube.com/@SomeArtist/videos", "Some Artist")
    seed_source(server, "https://example.org/gone/feed.xml", "A broken feed", state="error",
                last_error="Listing the source failed: the site says this channel or playlist does not exist, is private, or cannot be listed.",
                last_error_class="permanent", last_error_detail="ERROR: [generic] feed: Unable to download webpage: HTTP Error 404: Not Found")
    now = time.time()
    summary = {"read": 6, "new": 4, "known": 0, "skipped": {"Title matches 'teaser'": 2}, "unreadable": 0,
               "full": True, "stoppedEarly": False, "seconds": 1.5}
    db = sqlite3.connect(server.db_path)
    try:
        with db:
            db.execute("UPDATE tracks SET source_id = ?", (source,))
            db.execute("UPDATE sources SET filters = ?, retention = ?, last_sync_summary = ?, video_count = 6 WHERE id = ?",
                       (json.dumps({"title_exclude": "teaser"}), json.dumps({"keep_newest": 2, "remove_disliked": True}),
                        json.dumps(summary), source))
            for i in (1, 2):
                db.execute("INSERT INTO source_entries (source_id, video_id, url, position, title, duration, first_seen_at,"
                           " last_seen_at, skip_reason) VALUES (?,?,?,?,?,?,?,?,?)",
                           (source, f"teaser{i}", f"https://www.youtube.com/watch?v=teaser{i}", 4 + i, f"Album teaser {i}", 30,
                            now - 60, now - 60, "Title matches 'teaser'"))
            db.execute("INSERT INTO profiles (name, media, audio_codec, audio_quality, created_at, updated_at)"
                       " VALUES ('MP3 for the car', 'audio', 'mp3', '192K', ?, ?)", (now, now))
    finally:
        db.close()
    server.source_id = source


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    yield from module_server(tmp_path_factory, "pages", env={"SPOOL_TEST_JOBS": "1", "WORKERS": "2",
                                                             "YTDLP_PATH": str(REPO / ".venv" / "bin" / "yt-dlp")},
                             seed_likes=4, seconds=120, before_start=seed)


@pytest.fixture(scope="module")
def data(server):
    """Data on every page: a disliked and a trashed track, plays, failed and running jobs."""
    ids = [t["id"] for t in server.seeded]
    assert server.put(f"/api/tracks/{ids[1]}/rating", {"value": -1}).status == 200
    assert server.delete(f"/api/tracks/{ids[3]}").status == 200
    events = [{"type": "play", "track_id": i, "session": "seed", "position": 0} for i in ids[:3]]
    assert server.post("/api/events", {"events": events}).status == 202
    failed = server.post("/api/test/jobs", {"jobs": [{"seconds": 0.1, "outcome": "permanent"}] * 2}).json()["ids"]
    server.wait_for(lambda: all(server.get(f"/api/jobs/{i}").json()["status"] == "failed" for i in failed), 20, message="failed jobs")
    # Two running (WORKERS=2) and one waiting, until the server stops.
    server.post("/api/test/jobs", {"jobs": [{"seconds": 600}] * 3})
    server.wait_for(lambda: server.get("/api/jobs?limit=1").json()["counts"]["running"] == 2, 20, message="running jobs")
    return ids


@pytest.fixture(scope="module")
def shared(request):
    yield from module_browser(request, size=WIDE)


def go(b: Browser, path: str) -> None:
    """In-app navigation (what a click on a link does), so the player keeps playing."""
    b.js("history.pushState({}, '', arguments[0]); dispatchEvent(new PopStateEvent('popstate'));", path)


def settle(b: Browser, heading: str, ready: str, timeout: float = 15) -> None:
    b.wait(lambda: (b.js("return document.querySelector('#main h1')?.textContent") or "") == heading, timeout, f"<h1>{heading}</h1>")
    b.find(ready, timeout=timeout)
    b.wait(lambda: not b.js(r"""return [...document.querySelectorAll('#main .placeholder')]
        .some(p => /^\s*loading/i.test(p.textContent))"""), timeout, "no loading placeholder")
    b.wait(lambda: b.attr("live-status", "data-state") == "open", timeout, "live connection open")
    time.sleep(0.4)  # late requests (thumbnails, counts) report their failures by now


# The phone size doubles the time (about 25 s): the long mode runs it; the default run checks
# the phone layout in the player, sources and click-through tests.
@pytest.mark.parametrize("size_name,size", [pytest.param("phone", PHONE, marks=pytest.mark.long), ("desktop", WIDE)])
def test_every_page_in_both_themes(server, data, shared, shot_on_failure, size_name, size):
    b = shared
    shot_on_failure(b)
    b.set_size(*size)
    b.set_color_scheme(None)
    b.open(server.base_url, "/likes_player/0", "player-queue")
    b.wait(lambda: (media_state(b) or {}).get("ready", 0) >= 1, 15, "the player's media")
    b.clear_console()
    problems = []
    for path, heading, ready, shot in PAGES:
        path = path.format(source=server.source_id)
        go(b, path)
        try:
            settle(b, heading, ready)
        except AssertionError as e:
            problems.append(f"{path}: did not load: {str(e)[:300]}")
            continue
        if not b.query("player-bar") or not b.js("return !document.querySelector('[data-testid=player-bar]').hidden"):
            problems.append(f"{path}: the player bar is gone")
        if path == "/library" and len(b.find_all('[data-testid^="track-row-"]')) != 3:
            problems.append(f"/library: {len(b.find_all('[data-testid^=track-row-]'))} rows, not the 3 untrashed tracks")
        if path.startswith("/sources/") and b.attr("source-retention-count", "data-count") != "1":
            problems.append(f"{path}: retention says {b.text('source-retention-count')!r}, not that the disliked track leaves")
        if path == "/health" and b.text("health-journal-mode") != "wal":
            problems.append(f"/health: journal mode shows {b.text('health-journal-mode')!r}, not 'wal'")
        errors = b.notices("error")
        if errors:
            problems.append(f"{path}: error notices {errors}")
        overflow = b.horizontal_overflow()
        if overflow:
            problems.append(f"{path}: scrolls sideways at {size[0]} px: {overflow}")
        for scheme in ("light", "dark"):
            b.set_color_scheme(scheme)
            b.js("document.getElementById('main').scrollTop = 0")  # axe scrolls what it measures
            b.screenshot(f"{shot}-{size_name}{'-dark' if scheme == 'dark' else ''}")
            for v in b.axe():
                problems.append(f"{path} ({scheme}, {size[0]} px): {v['impact']} {v['id']}: {v['help']} {v['nodes'][:3]}")
        b.set_color_scheme(None)
        severe = b.severe()
        if severe:
            problems.append(f"{path}: console errors {[m[:240] for m in severe]}")
        b.clear_console()
    assert not media_state(b)["paused"], "the music stopped while moving between pages"
    assert problems == [], "\n".join(problems)


def test_dialogs_and_menus_are_accessible(server, data, shared, shot_on_failure):
    b = shared
    shot_on_failure(b)
    b.set_size(*WIDE)
    problems = []
    b.open(server.base_url, "/jobs?status=failed", "job-flat-list")
    job = b.wait(lambda: b.js("return document.querySelector('[data-testid^=\"job-open-\"]')?.dataset.testid"), 10, "a failed job")
    b.find(job).click()
    b.find("job-timeline")
    for scheme in ("light", "dark"):
        b.set_color_scheme(scheme)
        problems += [f"job details ({scheme}): {v['id']} {v['help']} {v['nodes'][:3]}" for v in b.axe()]
    b.screenshot("job-details-desktop")
    b.find("job-details-close").click()

    b.set_color_scheme(None)
    b.open(server.base_url, "/sources", "source-list")
    # The list is on the page before its first page of sources has been read.
    b.wait(lambda: b.find_all('[data-testid^="source-remove-"]'), 10, "a source card")[0].click()
    b.find("remove-source-dialog-confirm")
    for scheme in ("light", "dark"):
        b.set_color_scheme(scheme)
        problems += [f"remove dialog ({scheme}): {v['id']} {v['help']} {v['nodes'][:3]}" for v in b.axe()]
    b.find("remove-source-dialog-cancel").click()

    # The profile editor with a refused field (the server's error next to it).
    b.set_color_scheme(None)
    b.open(server.base_url, "/settings", "profile-list")
    b.click("profile-new")
    b.find("profile-name").send_keys("Broken")
    b.find("profile-extra_args").send_keys("--exec")
    b.click("profile-save")
    b.wait(lambda: b.text("profile-extra_args-error"), 10, "the extra options' error")
    for scheme in ("light", "dark"):
        b.set_color_scheme(scheme)
        problems += [f"profile editor ({scheme}): {v['id']} {v['help']} {v['nodes'][:3]}" for v in b.axe()]
    b.screenshot("profile-editor-error-desktop")
    b.click("profile-cancel")
    b.clear_console()  # the refused POST is logged as a failed request

    b.set_color_scheme(None)
    b.open(server.base_url, "/library", "track-list")
    menu = b.wait(lambda: b.js("return document.querySelector('[data-testid^=\"track-more-\"]')?.dataset.testid"), 10, "a row menu")
    b.find(menu).click()
    b.wait(lambda: b.js("return !!document.querySelector('.menu:popover-open')"), 3, "the menu open")
    for scheme in ("light", "dark"):
        b.set_color_scheme(scheme)
        problems += [f"row menu ({scheme}): {v['id']} {v['help']} {v['nodes'][:3]}" for v in b.axe()]
    b.set_color_scheme(None)
    assert problems == [], "\n".join(problems)
    assert b.severe() == [], b.severe()

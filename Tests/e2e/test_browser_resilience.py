"""The web app when Spool restarts under it: the real `spool serve` is stopped during a page view
and started again on the same port and database. Without a reload, the live connection comes
back, a page that failed to load meanwhile loads by itself, the "cannot be reached" notice goes,
and live updates flow again.
"""
from __future__ import annotations

import time

from browser import (  # noqa: F401  (fixtures are used by name)
    DESKTOP, Browser, browser, browser_factory, seed_liked_tracks)

# What a browser logs by itself while the server is down (failed requests, the WebSocket).
OUTAGE_NOISE = ("ERR_CONNECTION_REFUSED", "WebSocket connection to", "Failed to load resource")


def test_every_page_recovers_when_the_server_comes_back(spool_factory, browser):
    server = spool_factory(env={"SPOOL_TEST_JOBS": "1", "WORKERS": "1"}, start=False)
    tracks = seed_liked_tracks(server, count=2, seconds=30)
    server.start()
    b = browser
    b.open(server.base_url, "/jobs", "jobs-summary")
    b.wait(lambda: b.attr("live-status", "data-state") == "open", 10, "live connection")
    b.js("window.__sameDocument = true")
    b.install_notice_recorder()

    server.stop()
    b.wait(lambda: b.attr("live-status", "data-state") == "reconnecting", 10, "the page to notice the outage")
    # While Spool is down the user opens the library: it cannot load, and says so.
    b.find("nav-library").click()
    b.wait(lambda: "could not be loaded" in (b.js("return document.getElementById('main').textContent") or ""), 10,
           "the library to say it could not load")
    b.wait(lambda: any("cannot be reached" in n["text"] for n in b.notices("error")), 5, "the outage notice")

    server.start()
    # No reload: the socket reconnects, the library loads by itself, the notice goes.
    b.wait(lambda: b.attr("live-status", "data-state") == "open", 30, "the live connection back")
    b.wait(lambda: len(b.find_all('[data-testid^="track-row-"]')) == len(tracks), 15, "the library to load by itself")
    b.wait(lambda: not any("cannot be reached" in n["text"] for n in b.notices("error")), 5, "the outage notice to go")

    # Live updates flow again: a job made now shows up on the dashboard without a refresh.
    b.find("nav-jobs").click()
    b.find("jobs-running-list")
    ids = server.post("/api/test/jobs", {"jobs": [{"seconds": 0.2, "outcome": "permanent"}]}).json()["ids"]
    b.wait(lambda: b.attr(f"job-row-{ids[0]}", "data-status") == "failed", 15, "the new job, live")
    counts = server.get("/api/jobs?limit=1").json()["counts"]
    b.wait(lambda: b.text("status-count-failed") == str(counts["failed"]), 5, "the failed count")
    assert b.js("return window.__sameDocument === true"), "the page was reloaded"
    other = [m for m in b.severe() if not any(noise in m for noise in OUTAGE_NOISE)]
    assert other == [], other

"""Sources and profiles in the browser, against the real `spool serve`, the real yt-dlp and the
fixture site's feed (10 episodes, its 404 and its flaky entry, media served slowly so downloads
are still running while the page is watched):

- adding a source shows the server's quick listing first (kind, title, count, first titles),
  adds nothing until Add, and saves the options chosen (a title filter);
- the source's page follows its downloads live, without a reload ("Downloading N of 10", the
  counts), then shows what the sync skipped and why;
- a filter set on the page is saved; a bad pattern shows the server's sentence next to its field
  and nothing is saved;
- pause and resume, here and from another client;
- profiles: a refused option next to its field, create, delete, the server's 409 when a source
  uses one, make default; a profile change offers (never forces) downloading again;
- axe in both themes at both sizes on the states the page tour does not reach (the preview, a
  refused field).

One server and one browser for the module; the tests after the first use the source it adds.
"""
from __future__ import annotations

import re
import time

import pytest
from selenium.webdriver.support.ui import Select

from browser import (  # noqa: F401  (fixtures are used by name)
    PHONE, WIDE, Browser, module_browser, module_server, nav, prefill_site, shot_on_failure)
from conftest import REPO
from fixture_site import FixtureSite

EPISODES = 10
RATE = 8000  # bytes/s per media request: a ~9 KB tone takes over a second, so the page is watched mid-sync
EXCLUDE = "Missing|Flaky"  # the fixture's 404 and flaky entries


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    directory = tmp_path_factory.mktemp("sources-site")
    prefill_site(directory, EPISODES)
    with FixtureSite(directory, count=EPISODES) as s:
        yield s


@pytest.fixture(scope="module")
def feed(site):
    return f"{site.feed_url}?rate={RATE}"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    yield from module_server(tmp_path_factory, "sources", env={
        "WORKERS": "2", "AUDIO_FORMAT": "none", "YTDLP_PATH": str(REPO / ".venv" / "bin" / "yt-dlp")})


@pytest.fixture(scope="module")
def shared(request):
    yield from module_browser(request, size=WIDE)


@pytest.fixture
def b(shared, shot_on_failure):
    shot_on_failure(shared)
    shared.set_size(*WIDE)
    shared.set_color_scheme(None)
    shared.clear_console()
    return shared


def source_of(server, url: str) -> dict | None:
    return next((s for s in server.get("/api/sources").json()["sources"] if s["url"] == url), None)


@pytest.fixture
def source(server, feed) -> dict:
    """The source the first test adds (added through the API if that test did not run), with its
    downloads done."""
    found = source_of(server, feed)
    if found is None:
        assert server.post("/api/sources", {"url": feed, "filters": {"title_exclude": EXCLUDE}}).status == 202
        found = source_of(server, feed)
    server.wait_for(lambda: (lambda s: s["state"] != "syncing" and s["counts"]["queued"] == 0)(
        server.get(f"/api/sources/{found['id']}").json()), 120, interval=0.5, message="the source's downloads")
    return server.get(f"/api/sources/{found['id']}").json()


def patch(server, path: str, body: dict):
    return server.request("PATCH", path, body=body)


def stat(b: Browser, key: str, source_id: int) -> int | None:
    text = b.js("return document.querySelector(arguments[0])?.textContent", f'[data-testid="source-{key}-{source_id}"] .stat-value')
    return int(text.replace(",", "")) if text else None


def open_live(b: Browser, server, path: str, ready: str) -> None:
    b.open(server.base_url, path, ready)
    b.wait(lambda: b.attr("live-status", "data-state") == "open", 10, "live connection")


def test_add_a_source_with_its_preview_and_watch_its_page_live(server, feed, site, b):
    open_live(b, server, "/sources", "add-source-url")
    b.js("window.__sameDocument = true")  # gone if anything reloads the page
    b.find("add-source-url").send_keys(feed)
    b.click("add-source-check")
    b.find("add-source-preview-title", timeout=60)

    # ---- the preview is the server's quick listing, and adds nothing ----
    preview = server.post("/api/sources/preview", {"url": feed}).json()
    assert b.text("add-source-preview-title") == preview["title"] == site.title
    assert b.text("add-source-kind").lower() == preview["kind"] == "channel"
    assert f"{preview['entry_count']} entries" == b.text("add-source-count") == f"{EPISODES + 2} entries"
    titles = b.js("return [...document.querySelectorAll('[data-testid=add-source-entries] .preview-entry-title')].map(e => e.textContent)")
    assert titles == [e["title"] for e in preview["entries"]] and len(titles) == 5, titles
    assert server.get("/api/sources").json()["sources"] == [], "the preview added a source"
    b.screenshot("sources-preview-desktop")

    # ---- add with a title filter: saved with the source ----
    b.find("add-source-filters").find_element("css selector", "summary").click()
    b.find("add-source-filters-title_exclude").send_keys(EXCLUDE)
    b.click("add-source-submit")
    link = b.find("add-source-open", timeout=15)
    source_id = int(link.get_attribute("href").rsplit("/", 1)[1])
    added = server.get(f"/api/sources/{source_id}").json()
    assert added["url"] == feed and added["filters"] == {"title_exclude": EXCLUDE}, added
    assert added["profile_id"] == next(p["id"] for p in server.get("/api/profiles").json()["profiles"] if p["is_default"])

    # ---- its page follows the downloads live ----
    b.click("add-source-open")
    b.wait(lambda: b.js("return location.pathname") == f"/sources/{source_id}", 5, "routed to the source's page")
    b.find(f"source-downloaded-{source_id}")
    activity = b.wait(lambda: re.match(r"Downloading (\d+) of (\d+)", b.text(f"source-activity-{source_id}") or ""), 60,
                      "'Downloading N of M'")
    assert int(activity.group(2)) == EPISODES, activity.group(0)  # the two filtered entries are not counted
    seen = {stat(b, "downloaded", source_id)}
    b.wait(lambda: seen.add(stat(b, "downloaded", source_id)) or len(seen) >= 3, 90, "the downloaded count to grow live (twice)")
    b.wait(lambda: len(b.find_all('[data-testid=source-tracks] [data-testid^=source-track-play-]')) >= 2, 10, "tracks arriving live")
    b.screenshot("source-syncing-desktop")
    server.wait_for(lambda: server.get(f"/api/sources/{source_id}").json()["counts"]["queued"] == 0, 120, interval=0.5,
                    message="the downloads to finish")
    final = server.get(f"/api/sources/{source_id}").json()
    b.wait(lambda: (b.text(f"source-activity-{source_id}") or "").startswith(f"Up to date · {EPISODES} of {EPISODES} downloaded"), 10,
           "'Up to date'")
    for key in ("downloaded", "queued", "failed", "skipped"):
        b.wait(lambda: stat(b, key, source_id) == final["counts"][key], 5, f"the {key} count to equal the server's {final['counts'][key]}")
    assert final["counts"]["skipped"] == 2 and final["counts"]["failed"] == 0, final["counts"]

    # ---- what the sync did and skipped, with why ----
    reason = f"Title matches '{EXCLUDE}'"
    assert final["last_sync"]["skipped"] == {reason: 2}, final["last_sync"]
    b.wait(lambda: reason in (b.text("source-last-sync-skipped") or ""), 10, "the skip reason in the last sync")
    assert b.text("source-last-sync-skipped").startswith("2")
    b.wait(lambda: len(b.find_all('[data-testid^="source-skipped-reason-"]')) == 2, 10, "the skipped entries")
    assert {e.text for e in b.find_all('[data-testid^="source-skipped-reason-"]')} == {reason}
    b.wait(lambda: len(b.find_all('[data-testid=source-tracks] [data-testid^=source-track-play-]')) == EPISODES, 10, "every track listed")
    # The page's jobs list holds this source's jobs (its sync and every download) and their states.
    jobs = server.get(f"/api/jobs?source={source_id}&limit=100").json()["jobs"]
    assert {j["status"] for j in jobs} == {"completed"}, [(j["kind"], j["status"]) for j in jobs]
    b.wait(lambda: {e.get_attribute("data-job-id") for e in b.find_all('[data-testid=source-jobs] [data-testid^="source-job-"][data-status=completed]')}
           >= {str(j["id"]) for j in jobs[:5]}, 10, "the source's latest jobs, completed, in its jobs list")

    # ---- its tracks play as a queue in the app's player ----
    b.click("source-play")
    b.wait(lambda: (b.text("player-meta") or "").endswith(site.title), 10, "the player playing the source")
    assert b.js("return window.__sameDocument === true"), "the page reloaded"
    assert b.severe() == [], b.severe()


def test_a_filter_is_saved_and_a_bad_pattern_is_refused_next_to_its_field(server, source, b):
    sid = source["id"]
    # An old link to the channel's page leads to the source's page.
    open_live(b, server, f"/channels/{sid}", "source-filters-title_exclude")
    assert b.js("return location.pathname") == f"/sources/{sid}"
    assert b.js("return document.querySelector('[data-testid=source-filters]').open"), "the filters are folded away"
    field = b.find("source-filters-title_exclude")
    assert field.get_attribute("value") == source["filters"]["title_exclude"]

    # A pattern that is not a regular expression: the server's sentence next to the field, nothing saved.
    field.clear()
    field.send_keys("(")
    b.click("source-save")
    error = b.wait(lambda: b.text("source-filters-title_exclude-error"), 10, "the field's error")
    refused = patch(server, f"/api/sources/{sid}", {"filters": {"title_exclude": "("}})
    assert refused.status == 400 and refused.json()["error"]["code"] == "invalid_field"
    message = refused.json()["error"]["message"]
    assert message.startswith("'filters.title_exclude': ")
    assert error == message.split(": ", 1)[1], (error, message)
    assert b.attr("source-filters-title_exclude", "aria-invalid") == "true"
    assert b.js("return document.activeElement.dataset.testid") == "source-filters-title_exclude"
    assert server.get(f"/api/sources/{sid}").json()["filters"] == source["filters"], "a refused filter was saved"
    b.screenshot("source-field-error-desktop")

    # A good one is saved, and the page says so.
    field.clear()
    field.send_keys("Episode 1$")
    assert b.text("source-filters-title_exclude-error") == "", "the error stays while the user fixes the field"
    b.click("source-save")
    server.wait_for(lambda: server.get(f"/api/sources/{sid}").json()["filters"] == {"title_exclude": "Episode 1$"}, 10,
                    message="the filter saved")
    b.wait(lambda: any(n["text"] == "Settings saved." for n in b.notices("success")), 5, "'Settings saved.'")
    b.wait(lambda: "Episode 1$" in (b.text("source-filters-summary") or ""), 5, "the filters' summary")
    assert b.attr("source-filters-title_exclude", "aria-invalid") is None
    assert b.severe(ignore=("the server responded with a status of 400",)) == [], b.severe()


def test_pause_and_resume(server, source, b):
    sid = source["id"]
    open_live(b, server, f"/sources/{sid}", f"source-pause-{sid}")
    assert b.text(f"source-pause-{sid}") == "Pause"
    b.click(f"source-pause-{sid}")
    server.wait_for(lambda: server.get(f"/api/sources/{sid}").json()["paused"] is True, 10, message="paused")
    b.wait(lambda: b.text(f"source-pause-{sid}") == "Resume", 5, "the button to offer Resume")
    assert b.attr(f"source-pause-{sid}", "aria-pressed") == "true"
    assert b.query("source-paused") is not None, "no Paused badge"
    assert (b.text(f"source-activity-{sid}") or "").startswith("Paused"), b.text(f"source-activity-{sid}")
    # Paused sources are not synced on schedule: the page says so instead of a next sync.
    assert "no syncs while paused" in b.text("source-status")

    b.click(f"source-pause-{sid}")
    server.wait_for(lambda: server.get(f"/api/sources/{sid}").json()["paused"] is False, 10, message="resumed")
    b.wait(lambda: b.text(f"source-pause-{sid}") == "Pause" and b.query("source-paused") is None, 5, "resumed on the page")

    # Another client pauses it: the page follows the live feed.
    assert patch(server, f"/api/sources/{sid}", {"paused": True}).status == 200
    b.wait(lambda: b.text(f"source-pause-{sid}") == "Resume", 10, "the page to follow a pause made elsewhere")
    assert patch(server, f"/api/sources/{sid}", {"paused": False}).status == 200
    b.wait(lambda: b.text(f"source-pause-{sid}") == "Pause", 10, "the page to follow a resume made elsewhere")
    assert b.severe() == [], b.severe()


def profile_card(b: Browser, name: str) -> int | None:
    return b.js("""return [...document.querySelectorAll('[data-testid^="profile-name-"]')]
        .find(e => e.textContent === arguments[0])?.dataset.testid.split('-').pop() ?? null""", name)


def create_profile(b: Browser, name: str, codec: str = "mp3", quality: str = "", extra: str = "") -> None:
    b.click("profile-new")
    b.find("profile-name").send_keys(name)
    Select(b.find("profile-audio_codec")).select_by_value(codec)
    if quality:
        b.find("profile-audio_quality").send_keys(quality)
    if extra:
        b.find("profile-extra_args").send_keys(extra)
    b.click("profile-save")


def test_profiles_create_delete_in_use_and_default(server, source, b):
    profiles = lambda: server.get("/api/profiles").json()["profiles"]
    before = len(profiles())
    open_live(b, server, "/settings", "profile-list")

    # A refused option: the server's sentence next to the field, nothing created.
    create_profile(b, "MP3 192K", quality="192K", extra="--exec\necho hi")
    error = b.wait(lambda: b.text("profile-extra_args-error"), 10, "the extra options' error")
    refused = server.post("/api/profiles", {"name": "MP3 192K", "extra_args": ["--exec", "echo hi"]})
    assert refused.status == 400
    assert error.lower() == refused.json()["error"]["message"].split(": ", 1)[1].lower(), (error, refused.json())
    assert len(profiles()) == before, "a refused profile was created"

    # Fixed: created, listed, with what was chosen.
    b.find("profile-extra_args").clear()
    b.click("profile-save")
    b.wait(lambda: profile_card(b, "MP3 192K"), 10, "the new profile listed")
    mp3 = next(p for p in profiles() if p["name"] == "MP3 192K")
    assert (mp3["media"], mp3["audio_codec"], mp3["audio_quality"], mp3["extra_args"]) == ("audio", "mp3", "192K", []), mp3
    assert "mp3" in b.text(f"profile-summary-{mp3['id']}") and "192K" in b.text(f"profile-summary-{mp3['id']}")

    # An unused profile is deleted.
    create_profile(b, "Spare", codec="opus")
    spare = int(b.wait(lambda: profile_card(b, "Spare"), 10, "the spare profile"))
    b.click(f"profile-delete-{spare}")
    b.click("delete-profile-dialog-confirm")
    b.wait(lambda: profile_card(b, "Spare") is None, 10, "the spare profile gone")
    assert all(p["name"] != "Spare" for p in profiles())

    # The source takes the MP3 profile on its page: re-downloading is offered, not done.
    jobs_before = server.get(f"/api/jobs?source={source['id']}&limit=1").json()["counts"]
    nav(b, "nav-sources", "/sources")
    b.click(f"source-open-{source['id']}")
    b.find("source-profile_id")
    Select(b.find("source-profile_id")).select_by_visible_text("MP3 192K")
    b.click("source-save")
    server.wait_for(lambda: server.get(f"/api/sources/{source['id']}").json()["profile_id"] == mp3["id"], 10, message="the profile saved")
    offer = b.wait(lambda: b.query("source-redownload-offer") if b.js(
        "return !document.querySelector('[data-testid=source-redownload-offer]').hidden") else None, 5, "the re-download offer")
    assert "MP3 192K" in offer.text and f"{source['counts']['downloaded']} tracks" in b.text("source-redownload"), offer.text
    time.sleep(1)
    assert server.get(f"/api/jobs?source={source['id']}&limit=1").json()["counts"] == jobs_before, "downloads were queued unasked"
    b.click("source-redownload-dismiss")

    # In use: deleting it is refused with the server's reason, shown next to the profile.
    nav(b, "nav-settings", "/settings")
    b.click(f"profile-delete-{mp3['id']}")
    b.click("delete-profile-dialog-confirm")
    reason = b.wait(lambda: b.text(f"profile-error-{mp3['id']}"), 10, "the reason it cannot be deleted")
    conflict = server.delete(f"/api/profiles/{mp3['id']}")
    assert conflict.status == 409 and reason == conflict.json()["error"]["message"], (reason, conflict.json())
    assert any(p["id"] == mp3["id"] for p in profiles()) and profile_card(b, "MP3 192K")
    assert "Used by 1 source" in b.text(f"profile-sources-{mp3['id']}")

    # Make it the default: new sources get it.
    b.click(f"profile-make-default-{mp3['id']}")
    server.wait_for(lambda: next(p for p in profiles() if p["id"] == mp3["id"])["is_default"], 10, message="the new default")
    b.find(f"profile-default-{mp3['id']}")
    assert b.query(f"profile-delete-{mp3['id']}") is None, "the default profile offers Delete"
    b.screenshot("settings-profiles-desktop")
    assert b.severe(ignore=("the server responded with a status of 400", "the server responded with a status of 409")) == [], b.severe()


@pytest.mark.long  # about 10 s; axe checks every page in test_browser_pages in the default run
def test_axe_on_the_preview_and_a_refused_field(server, source, feed, site, b):
    problems = []

    def check(what: str) -> None:
        """axe at both sizes in both themes, and no sideways scroll, on the state on screen."""
        for size in (PHONE, WIDE):
            b.set_size(*size)
            overflow = b.horizontal_overflow()
            if overflow:
                problems.append(f"{what} at {size[0]} px scrolls sideways: {overflow}")
            for scheme in ("light", "dark"):
                b.set_color_scheme(scheme)
                problems.extend(f"{what} ({scheme}, {size[0]} px): {v['impact']} {v['id']}: {v['help']} {v['nodes'][:3]}" for v in b.axe())
            b.set_color_scheme(None)

    # The preview of a source that is there already, and of a new one with its options open.
    open_live(b, server, "/sources", "add-source-url")
    b.find("add-source-url").send_keys(feed)
    b.click("add-source-check")
    b.find("add-source-existing", timeout=60)
    check("the preview of an existing source")
    b.find("add-source-url").clear()
    b.find("add-source-url").send_keys(site.feed_url)  # the same feed at full speed: a new URL
    b.click("add-source-check")
    b.find("add-source-submit", timeout=60)
    b.js("for (const d of document.querySelectorAll('.preview details')) d.open = true")
    check("the preview with its options")
    b.set_size(*PHONE)
    b.js("document.querySelector('[data-testid=add-source-preview]').scrollIntoView()")
    b.screenshot("sources-preview-phone")

    # A refused field on the source's page.
    open_live(b, server, f"/sources/{source['id']}", "source-filters-title_exclude")
    b.find("source-filters-max_items").send_keys("0")
    b.click("source-save")
    b.wait(lambda: b.text("source-filters-max_items-error"), 10, "the field's error")
    check("a refused field")
    b.set_size(*PHONE)
    b.js("document.querySelector('[data-testid=source-filters-max_items]').scrollIntoView({block: 'center'})")
    b.screenshot("source-field-error-phone")
    assert problems == [], "\n".join(problems)

"""Issue 17 in a real browser: the first-start page names the owner, the sign-in page takes a
name and password, a listener sees only what a listener may use and their delete hides a track
for them, the account page shows a new API key once, the users page adds a listener and puts
the server's refusal next to the field; axe finds nothing serious on the new pages. Issue 18 on
the same server: the account page makes a Subsonic password that py-opensonic signs in with,
and a feed key whose Likes feed podcastparser reads, until the page revokes it."""
from __future__ import annotations

import io
import subprocess
import urllib.parse

import podcastparser
import requests
from libopensonic import Connection

from browser import Browser, browser_factory, seed_liked_tracks, shot_on_failure  # noqa: F401  (fixtures by name)
from conftest import spool_binary

CHEAP = {"PASSWORD_HASH_MEMORY_KIB": "8192", "PASSWORD_HASH_ITERATIONS": "1", "HOST": "0.0.0.0"}


def fill(b: Browser, testid: str, text: str) -> None:
    field = b.find(testid)
    field.clear()
    field.send_keys(text)


def sign_in(b: Browser, server, name: str, password: str) -> None:
    b.open(server.base_url, "/login?next=/library", "login-form")
    fill(b, "login-name", name)
    fill(b, "login-password", password)
    b.find("login-submit").click()
    b.wait(lambda: b.js("return location.pathname") == "/library", 15, "the library after signing in")
    b.find("track-list", timeout=15)


def test_first_start_sign_in_roles_hiding_keys_and_users(spool_factory, browser_factory, shot_on_failure):
    server = spool_factory(env=CHEAP, start=False)
    tracks = seed_liked_tracks(server, count=2, seconds=2)
    server.start()
    code = server.startup_lines[0].split("code=")[1].strip()
    b = browser_factory()
    shot_on_failure(b)

    # A page sends a stranger to the first-start page; the printed link fills in the code.
    b.open(server.base_url, "/library", "setup-form")
    assert b.js("return location.pathname") == "/setup"
    assert b.axe() == []
    b.open(server.base_url, f"/setup?code={code}&next=/library", "setup-form")
    fill(b, "setup-name", "Pat")
    fill(b, "setup-password", "owner password")
    fill(b, "setup-again", "owner password")
    b.find("setup-submit").click()
    b.wait(lambda: b.js("return location.pathname") == "/library", 15, "the library as the owner")
    # The owner kept the single-user likes.
    b.find(f"track-row-{tracks[0]['id']}", timeout=15)
    assert b.attr(f"track-row-{tracks[0]['id']}", "data-rating") == "1"

    # The users page: a refused password is shown next to its field; then a listener is added.
    b.open(server.base_url, "/users", "user-form")
    assert b.axe() == []
    fill(b, "user-name", "Sam")
    fill(b, "user-password", "short")
    b.find("user-add").click()
    b.wait(lambda: "8 characters" in (b.text("user-password-error") or ""), 10, "the server's refusal next to the password")
    fill(b, "user-password", "listener password")
    b.find("user-add").click()
    b.wait(lambda: "Sam" in (b.text("user-list") or ""), 10, "Sam in the list")

    music_and_podcast_apps_from_the_account_page(b, server, tracks)

    # Sam signs in: no admin navigation, their own (empty) likes, and a delete that only hides.
    sam = browser_factory()
    shot_on_failure(sam)
    sign_in(sam, server, "Sam", "listener password")
    assert not sam.js("return document.querySelector('[data-testid=nav-jobs]').offsetParent"), "Jobs is hidden for a listener"
    assert sam.js("return document.querySelector('[data-testid=nav-account]').offsetParent"), "Account is shown"
    row = f"track-row-{tracks[0]['id']}"
    sam.find(row)
    assert sam.attr(row, "data-rating") in ("0", None)
    sam.find(f"track-more-{tracks[0]['id']}").click()
    assert sam.text(f"track-delete-{tracks[0]['id']}") == "Hide for me"
    sam.find(f"track-delete-{tracks[0]['id']}").click()
    sam.wait(lambda: "Hid" in (sam.text(f"track-undo-row-{tracks[0]['id']}") or ""), 10, "the hide notice")
    assert (server.library / tracks[0]["file_path"]).is_file(), "the file stays"
    pat_view = server.get(f"/api/tracks/{tracks[0]['id']}", headers={"Authorization": f"Bearer {pat_key(server)}"}).json()
    assert pat_view["deleted_at"] is None and pat_view["rating"] == 1

    # Sam's account page: a key is shown once, and works.
    sam.open(server.base_url, "/account", "key-form")
    assert sam.axe() == []
    fill(sam, "key-label", "my script")
    sam.find("key-create").click()
    key = sam.wait(lambda: sam.text("account-new-key-value"), 10, "the new key")
    assert key.startswith("spool_")
    assert server.get("/api/me", headers={"Authorization": f"Bearer {key}"}).json()["name"] == "Sam"
    sam.find("sign-out").click()
    sam.wait(lambda: sam.js("return location.pathname") == "/login", 10, "the sign-in page after signing out")
    assert sam.axe() == []
    # The refused password above is the one expected failure; signing out ends in a 401 or two.
    assert not b.severe(ignore=("/api/users - Failed to load resource: the server responded with a status of 400",
                                "/api/me/keys - Failed to load resource: the server responded with a status of 400")), b.severe()
    assert not sam.severe(ignore=("status of 401",)), sam.severe()


def music_and_podcast_apps_from_the_account_page(b: Browser, server, tracks: list[dict]) -> None:
    """Issue 18 from Pat's account page: the Subsonic password it shows signs a real client in
    (py-opensonic, with the server address and name the page shows), and the Likes feed of a
    feed key made there parses in podcastparser with Pat's liked tracks, until the page's
    Revoke turns it into a 404. A refused label is shown next to its field."""
    b.open(server.base_url, "/account", "subsonic-card")
    b.wait(lambda: b.attr("subsonic-username", "value") == "Pat", 10, "the user name to type into an app")
    b.click("subsonic-make")
    password = b.wait(lambda: b.attr("subsonic-password-value", "value"), 10, "the new Subsonic password")
    address = urllib.parse.urlsplit(b.attr("subsonic-server", "value"))
    assert address.hostname == "127.0.0.1" and address.port == server.port
    app = Connection(f"{address.scheme}://{address.hostname}", username=b.attr("subsonic-username", "value"),
                     password=password, port=address.port, app_name="e2e-account-page")
    try:
        assert app.ping() is True
        assert {s.title for s in app.get_starred2().song} == {t["title"] for t in tracks}, "Pat's likes"
    finally:
        app.cleanup()
    assert "You have a Subsonic password" in b.text("subsonic-status")

    b.find("feeds-label").clear()
    b.find("feeds-label").send_keys("x" * 101)
    b.click("feeds-create")
    b.wait(lambda: "100 characters" in (b.text("feeds-label-error") or ""), 10, "the server's refusal next to the label")
    assert b.js("return document.activeElement.dataset.testid") == "feeds-label"
    fill(b, "feeds-label", "Podcasts on my phone")
    b.click("feeds-create")
    likes_url = b.wait(lambda: b.attr("feeds-likes-url", "value"), 10, "the Likes feed URL")
    opml = requests.get(b.attr("feeds-opml-url", "value"), timeout=10)
    assert opml.status_code == 200 and likes_url in opml.text
    feed = podcastparser.parse(likes_url, io.BytesIO(requests.get(likes_url, timeout=10).content))
    assert [e["guid"] for e in feed["episodes"]] == [f"spool-track-{t['id']}" for t in reversed(tracks)], "newest like first"
    b.set_color_scheme("dark")
    assert b.axe() == []
    b.set_color_scheme(None)

    revoke = b.wait(lambda: b.find_all('[data-testid=feeds-keys] [data-testid^="key-revoke-"]'), 10, "the feed key in its list")
    assert len(revoke) == 1 and b.find_all('[data-testid=account-keys] [data-testid^="key-revoke-"]') == [], "a feed key is listed once, under the feeds"
    revoke[0].click()
    b.click("confirm-dialog-confirm")
    b.wait(lambda: "No feed keys yet" in (b.text("feeds-keys") or ""), 10, "the feed key gone")
    assert requests.get(likes_url, timeout=10).status_code == 404


def pat_key(server) -> str:
    """An admin key for checks over the API, made with the command line's account."""
    if not hasattr(server, "_pat_key"):
        session = server.post("/api/login", {"name": "Pat", "password": "owner password"})
        cookie = {"Cookie": session.headers["Set-Cookie"].split(";")[0]}
        server._pat_key = server.post("/api/me/keys", {"label": "test"}, headers=cookie).json()["key"]
    return server._pat_key


def test_a_new_name_template_offers_to_move_the_files_and_moves_them(spool_factory, browser_factory, shot_on_failure):
    """Issue 15: saving a profile's new file-name template moves nothing by itself; the page
    says how many files it concerns, and "Move them now" runs the rename job."""
    server = spool_factory(start=False)
    tracks = seed_liked_tracks(server, count=2, seconds=2)
    server.start()
    b = browser_factory()
    shot_on_failure(b)
    b.open(server.base_url, "/settings", "profile-edit-1")
    b.find("profile-edit-1").click()
    fill(b, "profile-output_template", "{uploader} - {title}.{ext}")
    b.find("profile-save").click()
    move = b.find("profile-renames-1", timeout=15)
    assert "2 of 2 files" in " ".join(n["text"] for n in b.notices()), b.notices()
    assert (server.library / tracks[0]["file_path"]).is_file(), "nothing moved before the click"
    move.click()
    server.wait_for(lambda: all((server.library / f"Seeded - {t['title']}.m4a").is_file() for t in tracks), 30,
                    message="the files at their new names")
    assert not (server.library / tracks[0]["file_path"]).exists()
    assert server.get(f"/media/{tracks[0]['id']}").status == 200


def test_the_settings_page_adopts_a_folder_and_shows_the_report(spool_factory, browser_factory, shot_on_failure):
    """Issue 15: "the same from the web app": a folder inside the library is adopted in place,
    a file that is not media is reported with its reason."""
    from browser import make_tone
    server = spool_factory()
    folder = server.library / "Old downloads"
    make_tone(folder / "Old song [abcdefghijk].m4a", 2, 440)
    (folder / "notes.m4a").write_text("not audio")
    b = browser_factory()
    shot_on_failure(b)
    b.open(server.base_url, "/settings", "import-form")
    fill(b, "import-path", str(folder))
    b.find("import-start").click()
    b.wait(lambda: "1 adopted" in (b.text("import-report") or ""), 60, "the import's report")
    assert "notes.m4a" in b.text("import-report")
    assert any(t["video_id"] == "abcdefghijk" for t in server.get("/api/tracks").json()["tracks"])

"""Issue 18: podcast feeds for apps that cannot sign in. A real `spool serve` with tracks
downloaded by the real yt-dlp from the fixture site; each user's feeds carry a key of theirs in
the URL. The feeds are read by podcastparser (gPodder's parser) and feedparser with every
episode and enclosure checked against the files, Debian's gPodder CLI (`gpo`) subscribes on
loopback, updates and downloads an episode whose bytes equal the track's file, a star in a
Subsonic app shows up on the Likes feed, long feeds page (RFC 5005), and a wrong or revoked key
is a 404. One server for the module."""
import email.utils
import hashlib
import os
import sqlite3
import subprocess
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from types import SimpleNamespace

import feedparser
import podcastparser
import pytest
import requests

from browser import db_query, make_tone, migrate
from conftest import SpoolServer
from fixture_site import FixtureSite
from test_accounts import CHEAP_HASHES
from test_sources import FAST
from test_subsonic import start_household_with_source

SEEDED_LIKES = 120  # more than one page of 100


def seed_likes(server) -> None:
    """Before the server starts: 120 tracks liked by the owner, all pointing at one small tone."""
    migrate(server)
    relative = "Seeded/tone [seed].m4a"
    size = make_tone(server.library / relative, 2, 440)
    now = time.time()
    db = sqlite3.connect(server.db_path)
    with db:
        for i in range(SEEDED_LIKES):
            cursor = db.execute(
                "INSERT INTO tracks (video_id, title, duration, file_path, size, mime_type, created_at) VALUES (?,?,?,?,?,?,?)",
                (f"seed{i}", f"Seeded {i}", 2.0, relative, size, "audio/mp4", now - 5000 + i))
            db.execute("INSERT INTO user_tracks (user_id, track_id, rating, liked_at) VALUES (1, ?, 1, ?)",
                       (cursor.lastrowid, now - 5000 + i))
    db.close()


@pytest.fixture(scope="module")
def feeds(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("podcasts")
    site = FixtureSite(tmp / "site", count=3, flaky_failures=0, title="Fixture Podcast")
    site.start()
    server = SpoolServer(tmp, env={**FAST, **CHEAP_HASHES})
    try:
        seed_likes(server)
        pat, ann, source = start_household_with_source(server, site)
        tracks = server.get(f"/api/tracks?limit=100&source={source['id']}", headers=pat).json()["tracks"]
        assert len(tracks) == 3
        for track in tracks:
            [(track["file_path"], track["uploaded_at_seconds"])] = db_query(
                server, "SELECT file_path, uploaded_at FROM tracks WHERE id = ?", (track["id"],))
        key = server.post("/api/me/keys", {"label": "Podcast feeds", "scope": "feeds"}, headers=ann).json()
        assert key["scope"] == "feeds"
        yield SimpleNamespace(server=server, site=site, pat=pat, ann=ann, source=source, tracks={t["id"]: t for t in tracks},
                              key=key, tmp=tmp)
    finally:
        server.stop()
        site.stop()
        assert "database is locked" not in server.log().lower()


def url(feeds, path, key=None):
    return f"{feeds.server.base_url}/feeds/{key or feeds.key['key']}{path}"


def test_a_source_feed_parses_in_podcastparser_and_feedparser_with_every_episode_intact(feeds):
    feed_url = url(feeds, f"/sources/{feeds.source['id']}.xml")
    response = requests.get(feed_url, timeout=30)
    assert response.status_code == 200 and response.headers["Content-Type"] == "application/rss+xml; charset=utf-8"
    ET.fromstring(response.content)  # well-formed XML, strictly

    parsed = podcastparser.parse(feed_url, __import__("io").BytesIO(response.content))
    assert parsed["title"] == "Fixture Podcast" and parsed["cover_url"].endswith(f"/artwork/source-{feeds.source['id']}.jpg")
    episodes = {e["guid"]: e for e in parsed["episodes"]}
    assert set(episodes) == {f"spool-track-{i}" for i in feeds.tracks}, episodes.keys()
    by_date = sorted(feeds.tracks.values(), key=lambda t: t["uploaded_at_seconds"], reverse=True)
    assert [e["guid"] for e in parsed["episodes"]] == [f"spool-track-{t['id']}" for t in by_date], "newest upload first"
    for guid, episode in episodes.items():
        track = feeds.tracks[int(guid.rsplit("-", 1)[1])]
        path = Path(feeds.server.library) / track["file_path"]
        [enclosure] = episode["enclosures"]
        assert enclosure["file_size"] == path.stat().st_size and enclosure["mime_type"] == "audio/mp4", enclosure
        assert episode["published"] == int(track["uploaded_at_seconds"]), "pubDate is the upload date"
        assert episode["total_time"] == 2 and episode["title"] == track["title"]
        # The enclosure is the file, whole and by Range.
        body = requests.get(enclosure["url"], timeout=30)
        assert body.status_code == 200 and body.content == path.read_bytes()
        part = requests.get(enclosure["url"], headers={"Range": "bytes=10-59"}, timeout=30)
        assert part.status_code == 206 and part.content == path.read_bytes()[10:60]
        art = requests.get(episode["episode_art_url"], timeout=30)
        assert art.status_code == 200 and art.content[:2] == b"\xff\xd8"

    other = feedparser.parse(response.content)
    assert not other.bozo, other.bozo_exception
    assert len(other.entries) == 3 and other.feed.title == "Fixture Podcast"
    for entry in other.entries:
        track = feeds.tracks[int(entry.id.rsplit("-", 1)[1])]
        [enclosure] = entry.enclosures
        assert int(enclosure.length) == (Path(feeds.server.library) / track["file_path"]).stat().st_size
        assert entry.itunes_duration == "00:00:02"
        assert email.utils.parsedate_to_datetime(entry.published).timestamp() == int(track["uploaded_at_seconds"])


def test_gpodder_subscribes_updates_and_downloads_an_episode_equal_to_the_file(feeds):
    home = feeds.tmp / "gpodder"
    env = {**os.environ, "GPODDER_HOME": str(home), "GPODDER_DOWNLOAD_DIR": str(home / "Downloads")}
    feed_url = url(feeds, f"/sources/{feeds.source['id']}.xml")

    def gpo(*args):
        done = subprocess.run(["gpo", *args], env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, (args, done.stdout, done.stderr)
        return done.stdout

    gpo("subscribe", feed_url)
    gpo("update", feed_url)
    listing = gpo("episodes", "--guid", feed_url)
    for track_id in feeds.tracks:
        assert f"spool-track-{track_id}" in listing, listing
    newest = max(feeds.tracks.values(), key=lambda t: t["uploaded_at_seconds"])
    gpo("download", feed_url, f"spool-track-{newest['id']}")
    downloaded = [p for p in (home / "Downloads").rglob("*") if p.is_file() and not p.name.endswith(".partial")]
    assert len(downloaded) == 1, downloaded
    expected = (Path(feeds.server.library) / newest["file_path"]).read_bytes()
    assert hashlib.sha256(downloaded[0].read_bytes()).hexdigest() == hashlib.sha256(expected).hexdigest()


def test_a_subsonic_star_is_on_the_likes_feed_and_long_feeds_page(feeds):
    server = feeds.server
    track_id = next(iter(feeds.tracks))
    password = server.post("/api/me/subsonic-password", headers=feeds.ann).json()["password"]
    salt = "f00d"
    token = hashlib.md5((password + salt).encode()).hexdigest()
    starred = requests.get(f"{server.base_url}/rest/star", params={"u": "ann", "t": token, "s": salt, "v": "1.16.1", "c": "e2e",
                                                                     "f": "json", "id": f"tr-{track_id}"}, timeout=30).json()
    assert starred["subsonic-response"]["status"] == "ok"
    likes = podcastparser.parse(url(feeds, "/likes.xml"), __import__("io").BytesIO(requests.get(url(feeds, "/likes.xml")).content))
    assert [e["guid"] for e in likes["episodes"]] == [f"spool-track-{track_id}"]

    # pat's 120 likes: 100 on the first page, the rest on the next, with RFC 5005 links.
    pat_key = server.post("/api/me/keys", {"label": "feeds", "scope": "feeds"}, headers=feeds.pat).json()["key"]
    first_url = url(feeds, "/likes.xml", key=pat_key)
    first = podcastparser.parse(first_url, __import__("io").BytesIO(requests.get(first_url).content))
    assert len(first["episodes"]) == 100 and first["paged_feed_next"] == first_url + "?page=2", first.get("paged_feed_next")
    second = podcastparser.parse(first["paged_feed_next"], __import__("io").BytesIO(requests.get(first["paged_feed_next"]).content))
    guids = [e["guid"] for e in first["episodes"] + second["episodes"]]
    assert len(guids) == SEEDED_LIKES and len(set(guids)) == SEEDED_LIKES and "paged_feed_next" not in second
    beyond = requests.get(first_url + "?page=999")
    assert beyond.status_code == 200 and beyond.content.count(b"<item>") == SEEDED_LIKES - 100, "past the end: the last page"


def test_wrong_and_revoked_keys_get_404_and_a_feed_key_opens_nothing_else(feeds):
    server = feeds.server
    opml = requests.get(url(feeds, "/sources.opml"), timeout=30)
    assert opml.status_code == 200 and opml.headers["Content-Type"].startswith("text/x-opml")
    outlines = [o.attrib for o in ET.fromstring(opml.content).iter("outline")]
    assert [o["xmlUrl"] for o in outlines] == [url(feeds, "/likes.xml"), url(feeds, f"/sources/{feeds.source['id']}.xml")]

    track_id = next(iter(feeds.tracks))
    paths = ["/likes.xml", "/sources.opml", f"/sources/{feeds.source['id']}.xml", f"/media/{track_id}.m4a",
             f"/artwork/track-{track_id}.jpg"]
    wrong = "spool_" + "A" * 43
    for path in paths:
        assert requests.get(url(feeds, path, key=wrong)).status_code == 404, path
        assert requests.get(url(feeds, path, key="not-a-key")).status_code == 404, path
    assert requests.get(url(feeds, "/sources/999999.xml")).status_code == 404
    assert requests.get(url(feeds, "/media/999999.m4a")).status_code == 404

    # A feed key is not an API key.
    assert server.get("/api/me", headers={"Authorization": f"Bearer {feeds.key['key']}"}).status == 401
    # Revoked: every URL answers 404 at once.
    temporary = server.post("/api/me/keys", {"label": "soon gone", "scope": "feeds"}, headers=feeds.ann).json()
    assert requests.get(url(feeds, "/likes.xml", key=temporary["key"])).status_code == 200
    assert server.delete(f"/api/me/keys/{temporary['id']}", headers=feeds.ann).status == 200
    for path in paths:
        assert requests.get(url(feeds, path, key=temporary["key"])).status_code == 404, path
    # A track ann hid is gone from her feeds, and only from hers.
    assert server.delete(f"/api/tracks/{track_id}", headers=feeds.ann).json()["trashed"] is False
    assert requests.get(url(feeds, f"/media/{track_id}.m4a")).status_code == 404
    assert f"spool-track-{track_id}".encode() not in requests.get(url(feeds, f"/sources/{feeds.source['id']}.xml")).content
    assert server.post(f"/api/tracks/{track_id}/restore", headers=feeds.ann).status == 200

"""Issue 18: the library in music apps, through clients nobody here wrote. A real `spool serve`
with tracks downloaded by the real yt-dlp from the fixture site, two accounts, and
py-opensonic (`libopensonic`) and knuckles from PyPI speaking OpenSubsonic to it: browsing,
search, streams with Range compared byte for byte with the files, cover art, stars that are the
web app's likes, scrobbles that are plays in the history, bookmarks that are resume positions, a
play queue, playlists, what is playing now, browsing by folder, credentials and errors; ffmpeg transcoding checked with ffprobe, and its
child gone once the listener hangs up. One server for the module."""
import asyncio
import hashlib
import json
import os
import socket
import sqlite3
import subprocess
import time
import urllib.parse
import xml.etree.ElementTree as ET
from pathlib import Path
from types import SimpleNamespace

import pytest
import requests
from knuckles import Subsonic as Knuckles
from libopensonic import Connection
from libopensonic import errors as sonic_errors

from browser import db_query, make_tone, migrate
from conftest import SpoolServer
from fixture_site import FixtureSite
from test_accounts import CHEAP_HASHES, cli, sign_in
from test_sources import FAST, TERMINAL

LONG_SECONDS = 600  # a track whose conversion outlasts any buffer between ffmpeg and the client


def settle(server, headers, source_id, timeout=120):
    def done():
        jobs = server.get(f"/api/jobs?limit=500&source={source_id}", headers=headers).json()["jobs"]
        syncs = [j for j in jobs if j["kind"] == "source_sync"]
        return syncs and all(j["status"] in TERMINAL for j in jobs) and jobs
    return server.wait_for(done, timeout=timeout, interval=0.3, message=f"source {source_id} to settle")


def make_long_tone(path: Path, seconds: int) -> int:
    """A long AAC tone: ten seconds encoded by ffmpeg, then repeated by stream copy (0.6 s instead
    of the 10 s that encoding the whole length takes on this machine). Returns its size."""
    piece = path.with_name("piece.m4a")
    make_tone(piece, 10, 220)
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-stream_loop", str(seconds // 10 - 1), "-i", str(piece),
                    "-c", "copy", "-movflags", "+faststart", str(path)], check=True)
    piece.unlink()
    return path.stat().st_size


def seed_long_track(server) -> dict:
    """A 10-minute tone in the library, as a track without a source (before the server starts)."""
    migrate(server)
    relative = "Long/Long tone [long1].m4a"
    size = make_long_tone(server.library / relative, LONG_SECONDS)
    db = sqlite3.connect(server.db_path)
    with db:
        cursor = db.execute(
            "INSERT INTO tracks (video_id, title, duration, file_path, size, mime_type, created_at) VALUES (?,?,?,?,?,?,?)",
            ("long1", "Long tone", float(LONG_SECONDS), relative, size, "audio/mp4", time.time() - 1000))
    db.close()
    return {"id": cursor.lastrowid, "file_path": relative, "size": size}


def start_household_with_source(server, site):
    """Starts `server` with pat (admin, the owner) and ann (listener) signed in, and the fixture
    site's three entries downloaded as one source. Returns pat's and ann's headers and the source."""
    made = cli(server, "user", "add", "pat", "--role", "admin", "--password-stdin", stdin="owner password\n")
    assert made.returncode == 0, made.stderr
    server.start()
    pat = sign_in(server, "pat", "owner password")
    assert server.post("/api/users", {"name": "ann", "password": "ann password"}, headers=pat).status == 201
    ann = sign_in(server, "ann", "ann password")
    source = server.post("/api/sources", {"url": site.feed_url, "filters": {"max_items": 3}}, headers=pat)
    assert source.status == 202, source.text
    source = source.json()
    settle(server, pat, source["id"])
    return pat, ann, source


@pytest.fixture(scope="module")
def music(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("subsonic")
    site = FixtureSite(tmp / "site", count=3, flaky_failures=0, title="Fixture Band Channel")
    site.find("ep-002").title = "The Fixture Band - Sine Song"
    site.start()
    server = SpoolServer(tmp, env={**FAST, **CHEAP_HASHES})
    try:
        long_track = seed_long_track(server)
        pat, ann, source = start_household_with_source(server, site)
        tracks = {t["video_id"]: t for t in server.get(f"/api/tracks?limit=100&source={source['id']}", headers=pat).json()["tracks"]}
        assert set(tracks) == {"ep-001", "ep-002", "ep-003"}, tracks.keys()
        for track in tracks.values():
            [(track["file_path"],)] = db_query(server, "SELECT file_path FROM tracks WHERE id = ?", (track["id"],))
        passwords = {name: server.post("/api/me/subsonic-password", headers=who).json()["password"]
                     for name, who in (("pat", pat), ("ann", ann))}
        yield SimpleNamespace(server=server, site=site, pat=pat, ann=ann, source=source, tracks=tracks,
                              passwords=passwords, long=long_track)
    finally:
        server.stop()
        site.stop()
        assert "database is locked" not in server.log().lower()


def opensonic(music, name="ann", password=None, app_name="e2e-opensonic", **kw) -> Connection:
    """py-opensonic as an app would configure it: POST form requests to /rest/<method>.view."""
    return Connection("http://127.0.0.1", username=name, password=password or music.passwords[name],
                      port=music.server.port, app_name=app_name, **kw)


def knuckles(music, name="ann", client="e2e-knuckles", **kw) -> Knuckles:
    return Knuckles(url=f"127.0.0.1:{music.server.port}", user=name, password=music.passwords[name],
                    client=client, use_https=False, **kw)


def rest(music, method, name="ann", f="json", **params):
    """A raw GET with token authentication, for what the clients do not expose (XML, bad input)."""
    salt = os.urandom(6).hex()
    token = hashlib.md5((music.passwords[name] + salt).encode()).hexdigest()
    query = {"u": name, "t": token, "s": salt, "v": "1.16.1", "c": "e2e-raw", "f": f, **params}
    return requests.get(f"{music.server.base_url}/rest/{method}", params=query, timeout=30)


def envelope(response) -> dict:
    assert response.status_code == 200, response.text
    return response.json()["subsonic-response"]


def read_body(connection: Connection, response) -> bytes:
    """py-opensonic hands binary answers back as aiohttp responses of its own event loop."""
    return asyncio.run_coroutine_threadsafe(response.read(), connection._loop).result()


def file_bytes(music, track) -> bytes:
    return (Path(music.server.library) / track["file_path"]).read_bytes()


def test_py_opensonic_browses_searches_streams_with_range_and_fetches_cover_art(music):
    conn = opensonic(music)
    try:
        assert conn.ping() is True
        artists = [artist for index in conn.get_artists().index for artist in index.artist]
        fixture = [a for a in artists if a.name == "Fixture Band Channel"]
        assert len(fixture) == 1 and fixture[0].album_count == 1, artists
        assert any(a.name == "Unknown source" for a in artists), "the long tone without a source"
        artist = conn.get_artist(fixture[0].id)
        [album] = artist.album
        assert album.song_count == 3 and album.artist == "Fixture Band Channel"
        full = conn.get_album(album.id)
        songs = {song.id: song for song in full.song}
        assert {s.title for s in songs.values()} == {t["title"] for t in music.tracks.values()}
        track = music.tracks["ep-002"]
        sine = songs[f"tr-{track['id']}"]
        # The tag's artist ("The Fixture Band - Sine Song" split), not the channel that uploaded
        # it; the song still sits in the channel's album.
        assert sine.artist == "The Fixture Band" and sine.album == "Fixture Band Channel" and sine.album_id == album.id
        assert sine.size == len(file_bytes(music, track)) and sine.duration == 2 and sine.content_type == "audio/mp4"
        assert conn.get_song(sine.id).title == track["title"]

        found = conn.search3("sine")
        assert [s.id for s in found.song] == [sine.id], found.song
        assert [a.name for a in conn.search3("fixture band").artist] == ["Fixture Band Channel"]
        everything = conn.search3("", song_count=500)
        assert len(everything.song) == 4, "an empty query lists every song (offline sync)"

        random = conn.get_random_songs(size=10)
        assert sorted(s.id for s in random) == sorted(s.id for s in everything.song), "all four, each once"

        # stream over POST with a Range, byte-compared with the file.
        expected = file_bytes(music, track)
        response = conn.stream(sine.id, byte_range="bytes=100-1099")
        assert response.status == 206 and response.headers["Content-Range"] == f"bytes 100-1099/{len(expected)}"
        assert read_body(conn, response) == expected[100:1100]
        whole = conn.stream(sine.id)
        assert read_body(conn, whole) == expected

        cover = conn.get_cover_art(sine.id, size=120)
        image = read_body(conn, cover)
        assert cover.headers["Content-Type"] == "image/jpeg" and image[:2] == b"\xff\xd8"
        width, height = jpeg_size(image)
        assert width == height == 160, "the smallest prepared size at least as big as asked"
        album_cover = read_body(conn, conn.get_cover_art(album.id))
        assert album_cover[:2] == b"\xff\xd8"
    finally:
        conn.cleanup()


def jpeg_size(data: bytes) -> tuple[int, int]:
    out = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "stream=width,height", "-of", "json", "-"],
                         input=data, capture_output=True, check=True).stdout
    stream = json.loads(out)["streams"][0]
    return stream["width"], stream["height"]


def test_knuckles_browses_searches_and_streams_over_get(music, tmp_path):
    client = knuckles(music)
    assert client.system.ping().status == "ok"
    artists = client.browsing.get_artists()
    fixture = [a for a in artists if a.name == "Fixture Band Channel"][0]
    album = client.browsing.get_artist(fixture.id).albums[0]
    songs = client.browsing.get_album(album.id).songs
    assert {s.title for s in songs} == {t["title"] for t in music.tracks.values()}
    assert [s.id for s in client.searching.search("slash").songs] == [f"tr-{music.tracks['ep-001']['id']}"], "AC/DC: Back/Slash Episode"
    newest = client.lists.get_album_list_newest(10)
    assert newest[0].id == album.id, "the fixture album got the newest track"

    track = music.tracks["ep-003"]
    url = client.media_retrieval.stream(f"tr-{track['id']}")
    ranged = requests.get(url, headers={"Range": "bytes=-500"}, timeout=30)
    expected = file_bytes(music, track)
    assert ranged.status_code == 206 and ranged.content == expected[-500:]
    cover = client.media_retrieval.get_cover_art(album.id, tmp_path)
    assert cover.read_bytes()[:2] == b"\xff\xd8"


def test_json_and_xml_carry_the_same_answers(music):
    for method, params in [("getArtists", {}), ("getAlbumList2", {"type": "alphabeticalByName"}), ("getSong", {"id": f"tr-{music.tracks['ep-001']['id']}"})]:
        as_json = envelope(rest(music, method, **params))
        response = rest(music, method, f="xml", **params)
        assert response.headers["Content-Type"].startswith("text/xml")
        root = ET.fromstring(response.content)
        assert root.tag == "{http://subsonic.org/restapi}subsonic-response" and root.get("status") == "ok"
        assert root.get("openSubsonic") == "true" and as_json["openSubsonic"] is True
        if method == "getSong":
            song = root.find("{http://subsonic.org/restapi}song")
            assert song.get("id") == as_json["song"]["id"] and int(song.get("size")) == as_json["song"]["size"]
        if method == "getAlbumList2":
            names = [a.get("name") for a in root.iter("{http://subsonic.org/restapi}album")]
            assert names == [a["name"] for a in as_json["albumList2"]["album"]]
    failed = ET.fromstring(rest(music, "getSong", f="xml", id="tr-999999").content)
    assert failed.get("status") == "failed" and failed.find("{http://subsonic.org/restapi}error").get("code") == "70"


def test_stars_scrobbles_bookmarks_and_the_queue_are_the_web_apps_state(music):
    server, ann = music.server, music.ann
    conn = opensonic(music)
    try:
        a, b = music.tracks["ep-001"]["id"], music.tracks["ep-003"]["id"]
        # A star is a like, for this user only, the same row the web app reads.
        assert conn.star(sids=[f"tr-{a}"]) is True
        assert [t["id"] for t in server.get("/api/playlists/likes", headers=ann).json()["tracks"]] == [a]
        assert server.get(f"/api/tracks/{a}", headers=music.pat).json()["rating"] == 0
        assert [s.id for s in conn.get_starred2().song] == [f"tr-{a}"]
        # ...and a like in the web app is a star in the app.
        assert server.put(f"/api/tracks/{b}/rating", {"value": 1}, headers=ann).status == 200
        assert {s.id for s in conn.get_starred2().song} == {f"tr-{a}", f"tr-{b}"}
        likes = conn.get_playlist("pl-likes")
        assert [e.id for e in likes.entry] == [f"tr-{b}", f"tr-{a}"] and likes.readonly is True
        assert conn.unstar(sids=[f"tr-{b}"]) is True
        assert [t["id"] for t in server.get("/api/playlists/likes", headers=ann).json()["tracks"]] == [a]

        # A 1–5 rating sits beside the like.
        assert conn.set_rating(f"tr-{a}", 4) is True
        assert conn.get_song(f"tr-{a}").user_rating == 4
        assert server.get(f"/api/tracks/{a}", headers=ann).json()["rating"] == 1

        # A scrobble is a play: history and count, this user's.
        assert conn.scrobble(f"tr-{a}", submission=True, listen_time=int(time.time() * 1000)) is True
        assert conn.scrobble(f"tr-{b}", submission=False) is True   # "now playing" counts nothing
        history = server.get("/api/history", headers=ann).json()["plays"]
        assert [p["track"]["id"] for p in history] == [a]
        assert server.get(f"/api/tracks/{a}", headers=ann).json()["play_count"] == 1
        assert server.get("/api/history", headers=music.pat).json()["plays"] == []
        assert conn.get_song(f"tr-{a}").play_count == 1
        # The album lists by plays, last play and stars follow at once (each user's sums, v13).
        album = conn.get_song(f"tr-{a}").album_id
        for ltype in ("frequent", "recent", "highest"):
            assert [al.id for al in conn.get_album_list2(ltype)] == [album], ltype

        # A bookmark is the resume position, both ways.
        assert conn.create_bookmark(f"tr-{b}", 1500) is True
        assert server.get(f"/api/tracks/{b}", headers=ann).json()["last_position"] == pytest.approx(1.5)
        events = [{"type": "pause", "track_id": a, "session": "web", "position": 0.75}]
        assert server.post("/api/events", {"events": events}, headers=ann).status == 202
        marks = {m.entry.id: m.position for m in conn.get_bookmarks()}
        assert marks == {f"tr-{a}": 750, f"tr-{b}": 1500}, marks
        assert conn.delete_bookmark(f"tr-{b}") is True
        assert server.get(f"/api/tracks/{b}", headers=ann).json()["last_position"] is None

        # The play queue: saved by one app, resumed by another, stored as the user's queue.
        assert conn.save_play_queue([f"tr-{b}", f"tr-{a}"], current=f"tr-{a}", position=2500) is True
        queue = knuckles(music).bookmarks.get_play_queue()
        assert [s.id for s in queue.songs] == [f"tr-{b}", f"tr-{a}"] and queue.current.id == f"tr-{a}" and queue.position == 2500
        stored = server.get("/api/queue", headers=ann).json()["queue"]
        assert stored["ids"] == [b, a] and stored["index"] == 1 and stored["changed_by"] == "e2e-opensonic"
        assert opensonic(music, "pat").get_play_queue().entry is None, "pat's queue is pat's"
    finally:
        conn.cleanup()


def test_playlists_are_made_changed_and_removed_and_the_generated_ones_are_read_only(music):
    conn = opensonic(music)
    ids = [f"tr-{music.tracks[v]['id']}" for v in ("ep-001", "ep-002", "ep-003")]
    try:
        assert conn.create_playlist(name="Road trip", song_ids=[ids[2], ids[0], ids[2]]) is True
        [made] = [p for p in conn.get_playlists() if p.name == "Road trip"]
        made = conn.get_playlist(made.id)
        assert [e.id for e in made.entry] == [ids[2], ids[0], ids[2]] and made.owner == "ann"
        assert conn.update_playlist(made.id, name="Road trip 2", song_ids_to_add=[ids[1]], song_indices_to_remove=[0]) is True
        again = conn.get_playlist(made.id)
        assert again.name == "Road trip 2" and [e.id for e in again.entry] == [ids[0], ids[2], ids[1]]
        lists = {p.id: p for p in conn.get_playlists()}
        assert lists["pl-likes"].readonly and lists[f"pl-src-{music.source['id']}"].song_count == 3 and made.id in lists
        # The generated playlists' totals in the list (read from indexes, not from their songs)
        # are what each one's own songs add up to (each song's whole seconds rounded apart).
        for generated in ("pl-likes", f"pl-src-{music.source['id']}"):
            entries = conn.get_playlist(generated).entry or []
            assert lists[generated].song_count == len(entries), generated
            assert abs(lists[generated].duration - sum(e.duration or 0 for e in entries)) <= len(entries) / 2, generated
        with pytest.raises(sonic_errors.DataNotFoundError):
            opensonic(music, "pat").get_playlist(made.id)  # private to ann
        with pytest.raises(sonic_errors.AuthError):
            conn.delete_playlist("pl-likes")
        assert conn.delete_playlist(made.id) is True
        with pytest.raises(sonic_errors.DataNotFoundError):
            conn.get_playlist(made.id)
    finally:
        conn.cleanup()


def test_credentials_refusals_and_unknown_ids_get_their_codes(music):
    server = music.server
    with pytest.raises(sonic_errors.CredentialError):
        opensonic(music, password="wrong-password").ping()
    with pytest.raises(sonic_errors.CredentialError):
        opensonic(music, password="ann password").ping()   # the account password never works here
    with pytest.raises(sonic_errors.CredentialError):
        opensonic(music, legacy_auth=True, password="not it").ping()
    assert opensonic(music, legacy_auth=True).ping() is True
    with pytest.raises(sonic_errors.DataNotFoundError):
        opensonic(music).get_album("al-999999")
    with pytest.raises(sonic_errors.DataNotFoundError):
        opensonic(music).get_song("nonsense")

    key = server.post("/api/me/keys", {"label": "phone"}, headers=music.ann).json()
    keyed = Connection("http://127.0.0.1", api_key=key["key"], port=server.port, app_name="e2e")
    assert keyed.ping() is True and keyed.get_user("ann").username == "ann"
    assert server.delete(f"/api/me/keys/{key['id']}", headers=music.ann).status == 200
    with pytest.raises(sonic_errors.SonicError):
        keyed.ping()
    feeds_key = server.post("/api/me/keys", {"label": "podcasts", "scope": "feeds"}, headers=music.ann).json()["key"]
    refused = requests.get(f"{server.base_url}/rest/ping", params={"apiKey": feeds_key, "v": "1.16.1", "c": "x", "f": "json"}).json()
    assert refused["subsonic-response"]["error"]["code"] == 44, "a feed key opens only feeds"

    # A new Subsonic password replaces the old one at once.
    old = music.passwords["pat"]
    music.passwords["pat"] = server.post("/api/me/subsonic-password", headers=music.pat).json()["password"]
    assert envelope(rest(music, "ping", name="pat"))["status"] == "ok"
    with pytest.raises(sonic_errors.CredentialError):
        opensonic(music, "pat", password=old).ping()
    bare = requests.get(f"{server.base_url}/rest/ping.view", params={"v": "1.16.1", "c": "x", "f": "json"}).json()
    assert bare["subsonic-response"]["error"]["code"] == 10
    extensions = requests.get(f"{server.base_url}/rest/getOpenSubsonicExtensions", params={"v": "1.16.1", "c": "x", "f": "json"}).json()
    assert {e["name"] for e in extensions["subsonic-response"]["openSubsonicExtensions"]} >= {"apiKeyAuthentication", "formPost"}


def test_bad_input_gets_subsonic_errors_and_bounded_answers(music):
    track = f"tr-{music.tracks['ep-001']['id']}"
    cases = [
        ("getAlbum", {}, 10), ("getSong", {"id": ""}, 10), ("stream", {}, 10), ("search3", {}, 10),
        ("getAlbumList2", {}, 10), ("setRating", {"id": track}, 10), ("star", {}, 10),
        ("getAlbum", {"id": "al-99999999999999999999"}, 70), ("getArtist", {"id": "tr-1"}, 70),
        ("getCoverArt", {"id": "tr-0"}, 70), ("stream", {"id": "tr-424242"}, 70), ("star", {"id": "tr-424242"}, 70),
        ("getAlbumList2", {"type": "newest", "offset": "-1"}, 0), ("search3", {"query": "x", "songOffset": "-5"}, 0),
        ("getAlbumList2", {"type": "sideways"}, 0), ("getRandomSongs", {"size": "lots"}, 0),
        ("setRating", {"id": track, "rating": "9"}, 0), ("stream", {"id": track, "format": "wav9"}, 0),
        ("getArtists", {"musicFolderId": "7"}, 70), ("noSuchMethod", {}, 0),
        ("createBookmark", {"id": track, "position": "-3"}, 0),
        ("getSongsByGenre", {}, 10), ("getSongsByGenre", {"genre": "Rock", "offset": "-1"}, 0),
    ]
    for method, params, code in cases:
        answer = envelope(rest(music, method, **params))
        assert answer["status"] == "failed" and answer["error"]["code"] == code, (method, params, answer)

    # Huge counts are clamped, not refused; the work stays one page.
    songs = envelope(rest(music, "search3", query="", songCount="100000"))["searchResult3"]["song"]
    assert len(songs) == 4
    albums = envelope(rest(music, "getAlbumList2", type="random", size="100000"))["albumList2"]["album"]
    assert len(albums) == 2
    cover = rest(music, "getCoverArt", id=track, size="99999999")
    assert cover.status_code == 200 and cover.headers["Content-Type"] == "image/jpeg"
    assert jpeg_size(cover.content)[0] <= 1200
    # A body of 100,001 ids is refused as a whole; nothing half-saved.
    form = "&".join(["id=" + track] * 100_001) + "&current=" + track
    too_many = requests.post(f"{music.server.base_url}/rest/savePlayQueue.view", data=form, params=auth_params(music),
                             headers={"Content-Type": "application/x-www-form-urlencoded"}).json()["subsonic-response"]
    assert too_many["status"] == "failed" and too_many["error"]["code"] == 0
    assert "Subsonic call failed" not in music.server.log(), "every refusal above was expected, none an internal error"


def auth_params(music, name="ann"):
    salt = os.urandom(6).hex()
    return {"u": name, "t": hashlib.md5((music.passwords[name] + salt).encode()).hexdigest(), "s": salt,
            "v": "1.16.1", "c": "e2e-raw", "f": "json"}


def ffmpeg_children(pid: int) -> list[int]:
    """ffmpeg processes whose parent is `pid` (the server)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        name = stat[stat.index("(") + 1:stat.rindex(")")]
        parent = int(stat[stat.rindex(")") + 2:].split()[1])
        if parent == pid and name == "ffmpeg":
            found.append(int(entry.name))
    return found


def test_transcoding_gives_a_valid_mp3_and_its_ffmpeg_ends_when_the_listener_hangs_up(music, tmp_path):
    track = music.tracks["ep-002"]
    response = rest(music, "stream", id=f"tr-{track['id']}", format="mp3", maxBitRate="128")
    assert response.status_code == 200 and response.headers["Content-Type"] == "audio/mpeg"
    assert response.headers.get("Transfer-Encoding") == "chunked"
    out = tmp_path / "converted.mp3"
    out.write_bytes(response.content)
    probe = json.loads(subprocess.run(["ffprobe", "-v", "error", "-show_entries", "stream=codec_name,bit_rate:format=duration",
                                       "-of", "json", str(out)], capture_output=True, text=True, check=True).stdout)
    assert probe["streams"][0]["codec_name"] == "mp3" and int(probe["streams"][0]["bit_rate"]) == 128_000, probe
    assert float(probe["format"]["duration"]) == pytest.approx(2, abs=0.2)
    # A limit the file keeps already (a 32 kbit/s AAC, 128 allowed) sends the file itself, with Range.
    query = {**auth_params(music), "id": f"tr-{music.long['id']}", "maxBitRate": "128"}
    same = requests.get(f"{music.server.base_url}/rest/stream", params=query, headers={"Range": "bytes=0-99"}, timeout=30)
    assert same.status_code == 206 and same.headers["Content-Type"] == "audio/mp4"
    assert same.content == (Path(music.server.library) / music.long["file_path"]).read_bytes()[:100]

    # A 10-minute track converts to ~9.6 MB: a listener that reads nothing holds ffmpeg back,
    # and hanging up stops it.
    pid = music.server.process.pid
    query = urllib.parse.urlencode({**auth_params(music), "id": f"tr-{music.long['id']}", "format": "mp3", "maxBitRate": "128"})
    sock = socket.create_connection(("127.0.0.1", music.server.port))
    sock.sendall(f"GET /rest/stream.view?{query} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
    head = sock.recv(4096)
    assert head.startswith(b"HTTP/1.1 200") and b"audio/mpeg" in head, head
    time.sleep(1.5)
    children = ffmpeg_children(pid)
    assert len(children) == 1, "the conversion waits for its listener"
    sock.close()
    music.server.wait_for(lambda: not ffmpeg_children(pid), timeout=10, message="ffmpeg to end after the hang-up")
    assert not Path(f"/proc/{children[0]}").exists()


def test_now_playing_lists_what_the_users_own_apps_announce_or_stream(music):
    """getNowPlaying: an app that announces (scrobble submission=false) is believed and its
    streams are prefetches; an app that never announces is seen by what it streams; another
    user's apps are theirs."""
    one, two, three = (f"tr-{music.tracks[v]['id']}" for v in ("ep-001", "ep-002", "ep-003"))
    phone = opensonic(music, "pat", app_name="e2e-phone")
    try:
        assert phone.scrobble(one, submission=False) is True
        desktop = knuckles(music, "pat", client="e2e-desktop")
        assert requests.get(desktop.media_retrieval.stream(two), timeout=30).status_code == 200
        assert opensonic(music, app_name="e2e-ann-phone").scrobble(three, submission=False) is True   # ann's

        entries = desktop.lists.get_now_playing()
        assert [(e.song.id, e.user.username, e.player_name, e.minutes_ago) for e in entries] == [
            (two, "pat", "e2e-desktop", 0), (one, "pat", "e2e-phone", 0)], "pat's two players, the latest first"
        assert entries[0].song.title == music.tracks["ep-002"]["title"] and entries[0].player_id != entries[1].player_id

        # The phone announces, so what it streams is fetched ahead, not played.
        assert read_body(phone, phone.stream(three)) == file_bytes(music, music.tracks["ep-003"])
        assert {e.player_name: e.id for e in phone.get_now_playing()} == {"e2e-phone": one, "e2e-desktop": two}
        # Its next announcement replaces its entry.
        assert phone.scrobble(three, submission=False) is True
        assert {e.player_name: e.id for e in phone.get_now_playing()} == {"e2e-phone": three, "e2e-desktop": two}
        xml = ET.fromstring(rest(music, "getNowPlaying", name="pat", f="xml").content)
        assert [(e.get("id"), e.get("username"), e.get("playerName")) for e in xml.iter("{http://subsonic.org/restapi}entry")] == [
            (three, "pat", "e2e-phone"), (two, "pat", "e2e-desktop")]
        ann_players = {e.player_name for e in opensonic(music).get_now_playing()}
        assert "e2e-ann-phone" in ann_players and not ann_players & {"e2e-phone", "e2e-desktop"}, "each user sees their own"
    finally:
        phone.cleanup()


def test_folder_browsing_search2_get_starred_get_album_list_and_genres_map_the_same_library(music):
    """The file-structure views (DSub and Ultrasonic browse this way unless told to use tags):
    getIndexes → a source's folder → its album's folder → the songs, with the ID3 views' ids."""
    conn = opensonic(music)
    try:
        fixture = [a for index in conn.get_indexes().index for a in index.artist if a.name == "Fixture Band Channel"][0]
        folder = conn.get_music_directory(fixture.id)
        [album] = folder.child
        assert folder.name == "Fixture Band Channel" and album.is_dir and album.parent == fixture.id
        assert album.id == conn.get_artist(fixture.id).album[0].id, "the same album id as getArtist's"
        songs = conn.get_music_directory(album.id)
        assert songs.parent == fixture.id and not any(s.is_dir for s in songs.child)
        assert {s.id: s.size for s in songs.child} == {f"tr-{t['id']}": len(file_bytes(music, t)) for t in music.tracks.values()}

        assert [s.id for s in conn.search2("sine").song] == [f"tr-{music.tracks['ep-002']['id']}"]
        assert [a.name for a in conn.search2("fixture band").artist] == ["Fixture Band Channel"]
        assert conn.get_album_list("alphabeticalByName", size=10)[0].id == album.id
        newest = conn.get_album_list("newest")
        assert newest[0].id == album.id and newest[0].song_count == 3 and newest[0].name == "Fixture Band Channel"
        assert all(a["isDir"] for a in envelope(rest(music, "getAlbumList", type="newest"))["albumList"]["album"]), "folders"

        assert conn.star(sids=[album.id]) is True   # file-structure apps star a folder with `id`
        try:
            assert [a.id for a in conn.get_starred().album] == [album.id]
            assert conn.get_music_directory(album.id).starred is not None
        finally:
            conn.unstar(sids=[album.id])
        # Spool stores no genres: none listed, no song in any (knuckles reads both lists as arrays).
        assert knuckles(music).browsing.get_genres() == [] and knuckles(music).lists.get_songs_by_genre("Rock") == []
        with pytest.raises(sonic_errors.DataNotFoundError):
            conn.get_music_directory("al-999999")
        with pytest.raises(sonic_errors.DataNotFoundError):
            conn.get_music_directory(f"tr-{music.tracks['ep-001']['id']}")   # a song is no folder
    finally:
        conn.cleanup()

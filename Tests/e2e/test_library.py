"""Library, likes, trash with undo, media and playback telemetry, through the real process."""
import hashlib
import os
import sqlite3
import threading
import time
import urllib.request

import pytest

from browser import db_query, seed_liked_tracks


def sha(path):
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


@pytest.fixture
def seeded(spool_factory):
    server = spool_factory(start=False)
    tracks = seed_liked_tracks(server, count=3, seconds=2)
    server.start()
    return server, tracks


def test_listing_search_filters_and_paging(seeded):
    server, tracks = seeded
    listing = server.get("/api/tracks").json()
    assert [t["id"] for t in listing["tracks"]] == [t["id"] for t in reversed(tracks)]  # newest first
    first = listing["tracks"][0]
    assert first["media_url"] == f"/media/{first['id']}" and first["mime_type"] == "audio/mp4"
    assert "file_path" not in first
    assert [t["title"] for t in server.get("/api/tracks?q=tone%202").json()["tracks"]] == ["Liked tone 2"]
    assert [t["title"] for t in server.get("/api/tracks?q=ton").json()["tracks"]] == ["Liked tone 3", "Liked tone 2", "Liked tone 1"]
    for hostile in ['"', "*", "-", "OR", 'a" OR "b', "NEAR(", "^"]:
        r = server.get("/api/tracks?q=" + urllib.request.quote(hostile))
        assert r.status == 200, (hostile, r.text)
    page = server.get("/api/tracks?limit=2&sort=title").json()
    assert [t["title"] for t in page["tracks"]] == ["Liked tone 1", "Liked tone 2"] and isinstance(page["next_before"], str)
    rest = server.get(f"/api/tracks?limit=2&sort=title&before={page['next_before']}").json()
    assert [t["title"] for t in rest["tracks"]] == ["Liked tone 3"] and rest["next_before"] is None
    assert server.get("/api/tracks?sort=loudest").status == 400
    assert server.get("/api/tracks?rating=5").status == 400


def test_rating_and_likes_playlist(seeded):
    server, tracks = seeded
    ids = [t["id"] for t in tracks]
    assert [t["id"] for t in server.get("/api/playlists/likes").json()["tracks"]] == ids
    r = server.put(f"/api/tracks/{ids[1]}/rating", {"value": -1})
    assert r.status == 200 and r.json()["rating"] == -1 and r.json().get("liked_at") is None
    assert [t["id"] for t in server.get("/api/playlists/likes").json()["tracks"]] == [ids[0], ids[2]]
    assert [t["id"] for t in server.get("/api/tracks?rating=-1").json()["tracks"]] == [ids[1]]
    server.put(f"/api/tracks/{ids[1]}/rating", {"value": 1})
    assert [t["id"] for t in server.get("/api/playlists/likes").json()["tracks"]][-1] == ids[1]  # liked last
    for body, status in [({"value": 2}, 400), ({"value": "1"}, 400), ({}, 400)]:
        r = server.put(f"/api/tracks/{ids[0]}/rating", body)
        assert r.status == status and r.json()["error"]["message"], body
    assert server.put("/api/tracks/999999/rating", {"value": 1}).status == 404
    assert server.request("PUT", f"/api/tracks/{ids[0]}/rating", raw=b"{oops").status == 400


def test_delete_restore_round_trip_with_real_files(seeded):
    server, tracks = seeded
    track = tracks[0]
    path = server.library / track["file_path"]
    digest = sha(path)
    assert server.get(f"/media/{track['id']}").status == 200

    deleted = server.delete(f"/api/tracks/{track['id']}")
    assert deleted.status == 200
    body = deleted.json()
    assert body["undo"] == {"method": "POST", "url": f"/api/tracks/{track['id']}/restore"}
    assert body["track"]["deleted_at"]
    assert not path.exists()
    assert (server.library / ".trash" / str(track["id"])).is_dir()
    assert server.get(f"/media/{track['id']}").status == 404
    assert track["id"] not in [t["id"] for t in server.get("/api/playlists/likes").json()["tracks"]]
    assert [t["id"] for t in server.get("/api/trash").json()["tracks"]] == [track["id"]]
    assert db_query(server, "SELECT video_id FROM tombstones") == [(track["video_id"],)]
    assert server.delete(f"/api/tracks/{track['id']}").status == 200  # a second delete is harmless

    restored = server.post(f"/api/tracks/{track['id']}/restore")
    assert restored.status == 200 and restored.json().get("deleted_at") is None
    assert sha(path) == digest
    assert db_query(server, "SELECT count(*) FROM tombstones") == [(0,)]
    assert server.post(f"/api/tracks/{track['id']}/restore").status == 200
    assert server.get(f"/media/{track['id']}").status == 200
    assert server.delete("/api/tracks/999999").status == 404


def test_purge_removes_files_and_rows_but_keeps_tombstones(seeded):
    server, tracks = seeded
    for t in tracks[:2]:
        server.delete(f"/api/tracks/{t['id']}")
    r = server.delete("/api/trash")
    assert r.status == 200 and r.json() == {"purged": 2}
    assert not any((server.library / ".trash").iterdir())
    assert db_query(server, "SELECT count(*) FROM tracks") == [(1,)]
    assert db_query(server, "SELECT count(*) FROM tombstones") == [(2,)]


@pytest.mark.parametrize("point", ["trash_mark", "trash_move"])
def test_crash_between_file_move_and_database_write_recovers(spool_factory, point):
    server = spool_factory(start=False)
    tracks = seed_liked_tracks(server, count=1, seconds=2)
    track = tracks[0]
    original = server.library / track["file_path"]
    server.env["SPOOL_CRASH_AFTER"] = point
    server.start()
    try:
        server.delete(f"/api/tracks/{track['id']}")
    except Exception:
        pass  # the process died mid-request, as intended
    server.process.wait(timeout=10)
    assert server.process.returncode == 137
    server.env.pop("SPOOL_CRASH_AFTER")
    server.start()
    # The row says "in the trash"; after start-up the file is there too, and nothing is lost.
    row = db_query(server, "SELECT deleted_at IS NOT NULL, trash_path FROM tracks WHERE id = ?", (track["id"],))[0]
    assert row[0] == 1
    assert (server.library / row[1]).is_file()
    assert not original.exists()
    restored = server.post(f"/api/tracks/{track['id']}/restore")
    assert restored.status == 200 and original.is_file()


def test_media_ranges(seeded):
    server, tracks = seeded
    track = tracks[0]
    data = (server.library / track["file_path"]).read_bytes()
    size = len(data)
    url = f"/media/{track['id']}"
    whole = server.get(url)
    assert whole.status == 200 and whole.body == data and whole.headers["Accept-Ranges"] == "bytes"
    for header, expected, content_range in [
        ("bytes=0-0", data[:1], f"bytes 0-0/{size}"),
        ("bytes=100-199", data[100:200], f"bytes 100-199/{size}"),
        (f"bytes={size - 1}-", data[-1:], f"bytes {size - 1}-{size - 1}/{size}"),
        ("bytes=-10", data[-10:], f"bytes {size - 10}-{size - 1}/{size}"),
        (f"bytes=10-{size * 2}", data[10:], f"bytes 10-{size - 1}/{size}"),
    ]:
        r = server.get(url, headers={"Range": header})
        assert r.status == 206 and r.body == expected and r.headers["Content-Range"] == content_range, header
    beyond = server.get(url, headers={"Range": f"bytes={size}-"})
    assert beyond.status == 416 and beyond.headers["Content-Range"] == f"bytes */{size}"
    assert server.get(url, headers={"Range": "bytes=abc"}).status == 200  # malformed: ignored
    etag = whole.headers["ETag"]
    assert server.get(url, headers={"If-None-Match": etag}).status == 304
    assert server.get(url, headers={"Range": "bytes=0-9", "If-Range": '"other"'}).status == 200
    head = server.request("HEAD", url)
    assert head.status == 200 and head.body == b"" and int(head.headers["Content-Length"]) == size


def test_telemetry_validation_and_counters(seeded):
    server, tracks = seeded
    tid = tracks[0]["id"]
    ev = lambda **kw: {"type": "seek", "track_id": tid, "session": "s1", "position": 1.5, **kw}
    r = server.post("/api/events", {"events": [ev(type="play", position=0), ev(), ev(type="pause", position=7.25), ev(type="skip")]})
    assert r.status == 202 and r.json() == {"accepted": 4}
    track = server.get(f"/api/tracks/{tid}").json()
    assert track["play_count"] == 1 and track["skip_count"] == 1 and track["last_position"] == 7.25
    assert server.post("/api/events", ev(type="volume", value=0.5)).status == 202  # a single event
    assert server.get("/api/history").json()["plays"][0]["track"]["id"] == tid
    # client_time as browsers and scripts write it (RFC 3339), stored as Unix seconds.
    for stamp, expected in [("2026-12-01T22:15:05.250Z", 1796163305.25), ("2026-12-01T22:15:05Z", 1796163305.0),
                            ("2026-12-01T23:15:05+01:00", 1796163305.0)]:
        assert server.post("/api/events", ev(session=stamp, client_time=stamp)).status == 202, stamp
        stored = db_query(server, "SELECT client_time FROM play_events WHERE session = ?", (stamp,))[0][0]
        assert abs(stored - expected) < 1e-6, (stamp, stored)

    cases = [
        ({"events": [ev()] * 501}, 400, "at most 500"),
        ({"events": [ev(), ev(type="dance")]}, 400, "events[1]"),
        ({"events": [ev(), ev(track_id=999999)]}, 422, "events[1]: no track with id 999999"),
        ({"events": [ev(position=-1)]}, 400, "'position'"),
        ({"events": [ev(type="volume", value=3)]}, 400, "'value'"),
        ({"events": [ev(session="")]}, 400, "'session'"),
        ({"events": "nope"}, 400, "'events'"),
        ({"events": [ev(client_time="2026-13-01T00:00:00Z")]}, 400, "'client_time'"),
        ({"events": [ev(client_time="yesterday")]}, 400, "'client_time'"),
        ({"events": [ev(client_time="2026-12-01T22:15:05")]}, 400, "'client_time'"),
    ]
    before = db_query(server, "SELECT count(*) FROM play_events")[0][0]
    for body, status, fragment in cases:
        r = server.post("/api/events", body)
        assert r.status == status and fragment in r.json()["error"]["message"], (status, r.text)
    assert server.post("/api/events", raw=b"{bad json").status == 400
    assert db_query(server, "SELECT count(*) FROM play_events")[0][0] == before, "a bad batch writes nothing"

    # Events for a track already in the trash are still recorded.
    server.delete(f"/api/tracks/{tid}")
    assert server.post("/api/events", {"events": [ev(type="pause", position=3)]}).status == 202


def test_concurrent_telemetry_deletes_and_ratings_lose_nothing(seeded):
    """The original failure, as load: players sending telemetry, a delete/restore loop and
    rating changes, while the queue writes job progress. Zero errors; every acknowledged event
    is in the database."""
    server, tracks = seeded
    seconds = float(os.environ.get("SPOOL_LOAD_SECONDS", "15"))
    deadline = time.time() + seconds
    acknowledged = []
    errors = []
    lock = threading.Lock()

    def player(n):
        sent = 0
        while time.time() < deadline:
            batch = [{"type": "seek", "track_id": tracks[(n + i) % 3]["id"], "session": f"p{n}", "position": i} for i in range(4)]
            r = server.post("/api/events", {"events": batch})
            with lock:
                (acknowledged.append(len(batch)) if r.status == 202 else errors.append(("events", r.status, r.text)))
            sent += 1
            time.sleep(0.2)

    def deleter():
        tid = tracks[2]["id"]
        while time.time() < deadline:
            for verb, path in (("DELETE", f"/api/tracks/{tid}"), ("POST", f"/api/tracks/{tid}/restore")):
                r = server.request(verb, path)
                if r.status != 200:
                    with lock:
                        errors.append((verb, r.status, r.text))

    def rater():
        value = 1
        while time.time() < deadline:
            value = -value
            r = server.put(f"/api/tracks/{tracks[1]['id']}/rating", {"value": value})
            if r.status != 200:
                with lock:
                    errors.append(("rating", r.status, r.text))

    threads = [threading.Thread(target=player, args=(n,)) for n in range(50)] + [threading.Thread(target=deleter), threading.Thread(target=rater)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    stored = db_query(server, "SELECT count(*) FROM play_events")[0][0]
    assert stored == sum(acknowledged) and stored > 0
    health = server.get("/api/health").json()
    assert health["database"]["writer"]["busy_timeouts"] == 0
    assert "database is locked" not in server.log()

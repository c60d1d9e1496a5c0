"""Issue 17: a household on one server, through the real binary. Accounts from the command
line, sign-in with server-side sessions, per-user likes, history, positions and counts over
one shared library, listener deletions that only hide, keys and sessions that are refused at
once when revoked, and bad input that changes nothing."""
import asyncio
import concurrent.futures
import http.client
import json
import sqlite3
import subprocess

import websockets

from browser import db_query, seed_liked_tracks
from conftest import spool_binary

CHEAP_HASHES = {"PASSWORD_HASH_MEMORY_KIB": "8192", "PASSWORD_HASH_ITERATIONS": "1"}


def cli(server, *args, stdin=""):
    return subprocess.run([spool_binary(), *args], cwd=server.tmp, env=server.env, input=stdin,
                          capture_output=True, text=True, timeout=60)


def sign_in(server, name, password):
    r = server.post("/api/login", {"name": name, "password": password})
    assert r.status == 200, r.text
    return {"Cookie": r.headers["Set-Cookie"].split(";")[0]}


def household(spool_factory, tracks=3):
    """A server with seeded tracks (liked by the owner before accounts existed), the owner
    `pat` (admin) and two listeners, `ann` and `bob`; returns the server, the tracks and each
    one's session headers."""
    server = spool_factory(env=CHEAP_HASHES, start=False)
    seeded = seed_liked_tracks(server, count=tracks, seconds=2)
    made = cli(server, "user", "add", "pat", "--role", "admin", "--password-stdin", stdin="owner password\n")
    assert made.returncode == 0, made.stderr
    server.start()
    pat = sign_in(server, "pat", "owner password")
    for name in ("ann", "bob"):
        r = server.post("/api/users", {"name": name, "password": f"{name} password"}, headers=pat)
        assert r.status == 201 and r.json()["role"] == "listener", r.text
    return server, seeded, {"pat": pat, "ann": sign_in(server, "ann", "ann password"), "bob": sign_in(server, "bob", "bob password")}


def test_two_listeners_keep_their_own_likes_history_positions_and_counts(spool_factory):
    server, tracks, who = household(spool_factory)
    a, b = tracks[0]["id"], tracks[1]["id"]
    # The owner kept what the single-user Spool recorded: all three liked.
    assert [t["id"] for t in server.get("/api/playlists/likes", headers=who["pat"]).json()["tracks"]] == [t["id"] for t in tracks]
    assert server.get("/api/playlists/likes", headers=who["ann"]).json()["tracks"] == []

    assert server.put(f"/api/tracks/{a}/rating", {"value": 1}, headers=who["ann"]).json()["rating"] == 1
    assert server.put(f"/api/tracks/{b}/rating", {"value": -1}, headers=who["bob"]).json()["rating"] == -1
    assert [t["id"] for t in server.get("/api/playlists/likes", headers=who["ann"]).json()["tracks"]] == [a]
    assert server.get("/api/playlists/likes", headers=who["bob"]).json()["tracks"] == []
    assert server.get(f"/api/tracks/{b}", headers=who["ann"]).json()["rating"] == 0
    assert server.get("/api/tracks?rating=-1", headers=who["bob"]).json()["total"] == 1
    assert server.get("/api/tracks?rating=-1", headers=who["ann"]).json()["total"] == 0

    events = [{"type": "play", "track_id": a, "session": "ann-phone", "position": 0},
              {"type": "pause", "track_id": a, "session": "ann-phone", "position": 1.5},
              {"type": "skip", "track_id": b, "session": "ann-phone", "position": 0.2}]
    assert server.post("/api/events", {"events": events}, headers=who["ann"]).status == 202
    mine = server.get(f"/api/tracks/{a}", headers=who["ann"]).json()
    theirs = server.get(f"/api/tracks/{a}", headers=who["bob"]).json()
    assert (mine["play_count"], mine["last_position"]) == (1, 1.5), mine
    assert (theirs["play_count"], theirs["last_position"], theirs["skip_count"]) == (0, None, 0), theirs
    assert server.get(f"/api/tracks/{b}", headers=who["bob"]).json()["skip_count"] == 0
    assert [p["track"]["id"] for p in server.get("/api/history", headers=who["ann"]).json()["plays"]] == [a]
    assert server.get("/api/history", headers=who["bob"]).json()["plays"] == []
    assert db_query(server, "SELECT user_id, count(*) FROM play_events GROUP BY user_id") == [(2, 3)]

    # The play queue is each user's own too.
    assert server.request("PUT", "/api/queue", {"queue": {"ids": [a, b], "index": 1}}, headers=who["ann"]).status == 200
    assert server.get("/api/queue", headers=who["ann"]).json() == {"queue": {"ids": [a, b], "index": 1}}
    assert server.get("/api/queue", headers=who["bob"]).json() == {"queue": None}


def test_a_listeners_delete_hides_for_them_and_an_admins_trashes_for_all(spool_factory):
    server, tracks, who = household(spool_factory)
    a = tracks[0]["id"]
    hidden = server.delete(f"/api/tracks/{a}", headers=who["ann"])
    assert hidden.status == 200 and hidden.json()["trashed"] is False
    assert a not in [t["id"] for t in server.get("/api/tracks", headers=who["ann"]).json()["tracks"]]
    assert a in [t["id"] for t in server.get("/api/tracks", headers=who["bob"]).json()["tracks"]]
    assert (server.library / tracks[0]["file_path"]).is_file(), "the file stays for the household"
    assert server.post(f"/api/tracks/{a}/restore", headers=who["ann"]).status == 200
    assert a in [t["id"] for t in server.get("/api/tracks", headers=who["ann"]).json()["tracks"]]
    # The trash is the admins'.
    assert server.get("/api/trash", headers=who["ann"]).status == 403
    assert server.get("/api/tracks?trashed=true", headers=who["ann"]).status == 403
    trashed = server.delete(f"/api/tracks/{a}", headers=who["pat"])
    assert trashed.status == 200 and trashed.json()["trashed"] is True
    assert not (server.library / tracks[0]["file_path"]).exists()
    assert a not in [t["id"] for t in server.get("/api/tracks", headers=who["bob"]).json()["tracks"]]


def test_listeners_are_refused_admin_work_and_revoked_sessions_and_keys_stop_at_once(spool_factory):
    server, tracks, who = household(spool_factory)
    for method, path, body in [("GET", "/api/jobs", None), ("POST", "/api/sources", {"url": "https://x.test/c"}),
                               ("GET", "/api/users", None), ("GET", "/api/health", None), ("GET", "/metrics", None),
                               ("POST", "/api/users", {"name": "eve", "password": "12345678"})]:
        r = server.request(method, path, body, headers=who["ann"])
        assert r.status == 403 and r.json()["error"]["code"] == "forbidden", (path, r.text)
    assert db_query(server, "SELECT count(*) FROM users") == [(3,)]

    key = server.post("/api/me/keys", {"label": "my script"}, headers=who["ann"]).json()
    bearer = {"Authorization": f"Bearer {key['key']}"}
    assert key["key"].startswith("spool_") and server.get("/api/me", headers=bearer).json()["name"] == "ann"
    assert server.get("/api/me/keys", headers=who["ann"]).json()["keys"][0].get("key") is None, "shown once"
    assert db_query(server, "SELECT count(*) FROM api_keys WHERE instr(hex(digest), ?) > 0", (key["key"],)) == [(0,)]
    assert server.delete(f"/api/me/keys/{key['id']}", headers=who["bob"]).status == 404, "not bob's to revoke"
    assert server.delete(f"/api/me/keys/{key['id']}", headers=who["ann"]).status == 200
    assert server.get("/api/me", headers=bearer).status == 401

    sessions = server.get("/api/me/sessions", headers=who["bob"]).json()["sessions"]
    assert len(sessions) == 1 and sessions[0]["current"] is True
    admin_view = server.get(f"/api/users/{3}/sessions", headers=who["pat"]).json()["sessions"]
    assert [s["id"] for s in admin_view] == [sessions[0]["id"]]
    assert server.delete(f"/api/users/3/sessions/{sessions[0]['id']}", headers=who["pat"]).status == 200
    assert server.get("/api/me", headers=who["bob"]).status == 401

    # Removing a listener removes their state; the last admin stays.
    assert server.delete("/api/users/2", headers=who["pat"]).status == 200
    assert db_query(server, "SELECT count(*) FROM user_tracks WHERE user_id = 2") == [(0,)]
    last = server.request("PATCH", "/api/users/1", {"role": "listener"}, headers=who["pat"])
    assert last.status == 409 and "admin" in last.json()["error"]["message"]


def test_bad_input_gets_the_right_error_and_changes_nothing(spool_factory):
    server, _, who = household(spool_factory, tracks=1)
    pat = who["pat"]
    cases = [
        ({"name": "", "password": "long enough"}, 400, "'name'"),
        ({"name": "x" * 10_000, "password": "long enough"}, 400, "'name'"),
        ({"name": "ok", "password": "short"}, 400, "'password'"),
        ({"name": "ok", "password": "long enough", "role": "root"}, 400, "role"),
        ({"name": "ANN", "password": "long enough"}, 409, "taken"),
        ({"name": "a/b", "password": "long enough"}, 400, "'name'"),
    ]
    for body, status, words in cases:
        r = server.post("/api/users", body, headers=pat)
        assert r.status == status and words in r.json()["error"]["message"], (body, r.text)
    assert db_query(server, "SELECT count(*) FROM users") == [(3,)]
    assert server.post("/api/login", {"name": "ann", "password": "wrong password"}).status == 401
    assert server.post("/api/login", {"name": "nobody", "password": "wrong password"}).json()["error"]["message"] == \
        server.post("/api/login", {"name": "ann", "password": "wrong password"}).json()["error"]["message"]
    for cookie in ["spool_session=", "spool_session=garbage", "spool_session=" + "A" * 43]:
        assert server.get("/api/me", headers={"Cookie": cookie}).status == 401, cookie
    # Control bytes in a header never reach the sign-in: the request framer refuses them.
    assert server.get("/api/me", headers={"Cookie": "spool_session=\x00\x01"}).status == 400
    assert server.post("/api/login", raw=b'{"name": 1}').status == 400
    # A session past its expiry is refused.
    expired = sign_in(server, "ann", "ann password")
    db = sqlite3.connect(server.db_path, timeout=10)
    with db:
        db.execute("UPDATE sessions SET expires_at = 0 WHERE user_id = 2")
    db.close()
    assert server.get("/api/me", headers=expired).status == 401


def test_a_password_change_ends_the_other_sessions_and_old_hashes_are_upgraded(spool_factory):
    server, _, who = household(spool_factory, tracks=1)
    other = sign_in(server, "ann", "ann password")
    changed = server.request("PUT", "/api/me/password", {"current": "ann password", "new": "a new secret"}, headers=who["ann"])
    assert changed.status == 200
    assert server.get("/api/me", headers=other).status == 401
    assert server.get("/api/me", headers={"Cookie": changed.headers["Set-Cookie"].split(";")[0]}).status == 200
    wrong = server.request("PUT", "/api/me/password", {"current": "nope nope", "new": "another one"}, headers=who["bob"])
    assert wrong.status == 403
    # Raise the hash parameters: the next sign-in re-hashes with them, and the old hash still verified.
    [(before,)] = db_query(server, "SELECT password_hash FROM users WHERE name = 'bob'")
    assert "m=8192,t=1" in before
    server.stop()
    server.env.update({"PASSWORD_HASH_MEMORY_KIB": "16384", "PASSWORD_HASH_ITERATIONS": "2"})
    server.start()
    sign_in(server, "bob", "bob password")
    [(after,)] = db_query(server, "SELECT password_hash FROM users WHERE name = 'bob'")
    assert "m=16384,t=2" in after and after != before


def test_the_live_feed_tells_each_member_only_what_is_theirs(spool_factory):
    """The queue and sources are the admins' business, a like is its owner's alone, the shared
    library is everyone's: the same holds for a replay after a reconnect."""
    server, tracks, who = household(spool_factory)
    url = f"ws://127.0.0.1:{server.port}/ws"
    a, last = tracks[0]["id"], tracks[2]["id"]

    async def scenario():
        sockets = {name: await websockets.connect(url, additional_headers=headers) for name, headers in who.items()}
        assert server.put(f"/api/tracks/{a}/rating", {"value": 1}, headers=who["ann"]).status == 200
        assert server.post("/api/sources", {"url": "http://127.0.0.1:9/feed.xml"}, headers=who["pat"]).status == 202
        assert server.delete(f"/api/tracks/{last}", headers=who["pat"]).json()["trashed"] is True  # for everyone
        seen = {}
        for name, ws in sockets.items():
            seen[name] = []
            while True:
                message = json.loads(await asyncio.wait_for(ws.recv(), 20))
                seen[name].append((message["type"], message["data"].get("id"), message["seq"]))
                if message["type"] == "track.deleted" and message["data"]["id"] == last:
                    break
            await ws.close()
        replay = {}
        for name in ("ann", "bob"):  # a reconnect asks for everything since the start
            async with websockets.connect(url + "?since=0", additional_headers=who[name]) as ws:
                replay[name] = []
                while not replay[name] or replay[name][-1] != ("track.deleted", last):
                    message = json.loads(await asyncio.wait_for(ws.recv(), 20))
                    replay[name].append((message["type"], message["data"].get("id")))
        return seen, replay

    seen, replay = asyncio.run(scenario())
    types = {name: {kind for kind, _, _ in events} for name, events in seen.items()}
    assert ("track.state", a) in [(kind, id) for kind, id, _ in seen["ann"]]
    assert "track.state" not in types["bob"] and "track.state" not in types["pat"], types
    assert {"source.updated", "job.status"} <= types["pat"], types
    for name in ("ann", "bob"):
        assert not any(kind.startswith(("job.", "jobs.", "source.", "downloads.")) for kind in types[name]), types[name]
        assert not any(kind.startswith(("job.", "jobs.", "source.", "downloads.")) for kind, _ in replay[name]), replay[name]
    assert ("track.state", a) in replay["ann"] and not any(kind == "track.state" for kind, _ in replay["bob"])


def test_guessing_a_password_locks_the_guesser_out_but_not_the_user_at_home(spool_factory):
    """Ten wrong passwords for ann from one address lock that address and the name out for a
    while; ann, signing in from another address (127.0.0.2: another device), gets in."""
    server, _, who = household(spool_factory, tracks=1)

    def login(password, source="127.0.0.1"):
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30, source_address=(source, 0))
        connection.request("POST", "/api/login", json.dumps({"name": "ann", "password": password}),
                           {"Content-Type": "application/json"})
        response = connection.getresponse()
        status, body = response.status, response.read()
        connection.close()
        return status, body

    with concurrent.futures.ThreadPoolExecutor(16) as pool:  # 16 at once, as a guesser would
        statuses = list(pool.map(lambda n: login(f"guess {n}")[0], range(16)))
    assert statuses.count(401) >= 9 and 429 in statuses, statuses
    # While one user is guessed at, the others' requests are served at once (no thread waits).
    assert server.get("/api/tracks", headers=who["bob"]).status == 200
    # The guesser's address is locked out, even with the right password.
    status, body = login("ann password")
    assert status == 429 and b"too_many_attempts" in body, body
    # Ann at home, from another address, signs in.
    status, body = login("ann password", source="127.0.0.2")
    assert status == 200, body

"""Hardening of the evhttp server through the real process: access token and login, cross-site
refusal, /metrics read by Prometheus' own parser, the connection limit, idle timeouts, a long
media reply to a slow reader, the allocator's arenas, and HTTPS through libevent's OpenSSL bufferevents."""
from __future__ import annotations

import asyncio
import hashlib
import http.client
import json
import os
import socket
import ssl
import struct
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import websockets
from websockets.exceptions import InvalidStatus
from prometheus_client.parser import text_string_to_metric_families

from browser import seed_liked_tracks
from conftest import spool_binary

TOKEN = "correct-horse-battery-staple-42"


def raw_request(port: int, text: str, timeout: float = 10) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(text.encode())
        chunks = []
        while True:
            chunk = s.recv(65536)
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)


# --- Access token -------------------------------------------------------------------------


def test_a_lan_address_without_an_account_serves_only_the_first_start_page(spool_factory):
    """Issue 17: a fresh install on 0.0.0.0 is never open: it prints a one-time link, answers
    401 everywhere else, and the link's code names the owner account (who then signs in)."""
    server = spool_factory({"HOST": "0.0.0.0", "AUTH_TOKEN": "", "PASSWORD_HASH_MEMORY_KIB": "8192",
                            "PASSWORD_HASH_ITERATIONS": "1"}, start=False)
    server.start()
    link = server.startup_lines[0]
    assert link.startswith("First start: create the owner account at http://localhost:") and "/setup?code=" in link, link
    code = link.split("code=")[1].strip()
    assert server.get("/api/health").status == 401
    assert server.get("/api/tracks").status == 401
    page = raw_request(server.port, "GET /library HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
    assert page.startswith(b"HTTP/1.1 303") and b"Location: /setup?next=/library" in page
    wrong = server.post("/api/setup", {"code": "x" * 24, "name": "Pat", "password": "correct horse"})
    assert wrong.status == 403 and wrong.json()["error"]["code"] == "invalid_code"
    short = server.post("/api/setup", {"code": code, "name": "Pat", "password": "short"})
    assert short.status == 400 and "'password'" in short.json()["error"]["message"]
    made = server.post("/api/setup", {"code": code, "name": "Pat", "password": "correct horse"})
    assert made.status == 201 and made.json() == {"id": 1, "name": "Pat", "role": "admin"}, made.text
    session = {"Cookie": made.headers["Set-Cookie"].split(";")[0]}
    assert server.get("/api/health", headers=session).status == 200
    assert server.post("/api/setup", {"code": code, "name": "Eve", "password": "correct horse"}).status == 403, "used once"
    assert server.get("/api/health").status == 401, "still closed to everyone else"
    short_token = subprocess.run([spool_binary(), "serve"], env={**server.env, "AUTH_TOKEN": "short"}, cwd=server.tmp,
                                 capture_output=True, text=True, timeout=30)
    assert short_token.returncode == 2 and "AUTH_TOKEN" in short_token.stderr


def test_a_lan_address_starts_with_the_explicit_opt_out(spool_factory):
    server = spool_factory({"HOST": "0.0.0.0", "ALLOW_NO_AUTH": "1"})
    assert server.get("/api/health").status == 200


def test_the_token_guards_api_media_feed_and_metrics(spool_factory):
    server = spool_factory({"AUTH_TOKEN": TOKEN}, start=False)
    track = seed_liked_tracks(server, count=1, seconds=1)[0]
    server.start()
    bearer = {"Authorization": f"Bearer {TOKEN}"}
    for path in ["/api/health", "/api/tracks", f"/media/{track['id']}", "/metrics"]:
        denied = server.get(path)
        assert denied.status == 401, path
        assert "token" in denied.json()["error"]["message"] and denied.headers["WWW-Authenticate"].startswith("Bearer")
        assert server.get(path, headers={"Authorization": "Bearer wrong-token-wrong-token"}).status == 401
        assert server.get(path, headers=bearer).status == 200, path
    assert server.get(f"/media/{track['id']}?token={TOKEN}").status == 200  # <audio src> without headers
    assert server.post("/api/test/none", {}, headers=bearer).status in (404, 405)

    # The browser: pages go to the login page, assets stay public, the login sets the cookie.
    page = raw_request(server.port, "GET /likes_player/0 HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
    assert page.startswith(b"HTTP/1.1 303") and b"Location: /login?next=/likes_player/0" in page
    assert server.get("/login").status == 200 and b'id="login-form"' in server.get("/login").body
    assert server.get("/styles.css").status == 200
    wrong = server.post("/api/login", {"token": "nope"})
    assert wrong.status == 401 and wrong.json()["error"]["message"]
    assert server.post("/api/login", raw=b"{").status == 400
    ok = server.post("/api/login", {"token": TOKEN})
    cookie = ok.headers["Set-Cookie"]
    assert ok.status == 200 and "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Secure" not in cookie
    session = {"Cookie": cookie.split(";")[0]}
    assert server.get("/api/health", headers=session).status == 200
    assert server.get("/likes_player/0", headers=session).status == 200

    async def feed():
        url = f"ws://127.0.0.1:{server.port}/ws"
        with pytest.raises(InvalidStatus) as refused:
            async with websockets.connect(url):
                pass
        assert refused.value.response.status_code == 401
        async with websockets.connect(url + f"?since=99999&token={TOKEN}") as ws:
            hello = json.loads(await asyncio.wait_for(ws.recv(), 5))
            assert "type" in hello
        async with websockets.connect(url + "?since=99999", additional_headers=session) as ws:
            await asyncio.wait_for(ws.recv(), 5)
    asyncio.run(feed())
    # Signing out ends the session on the server, not only in this browser.
    cleared = server.post("/api/logout", headers=session)
    assert "Max-Age=0" in cleared.headers["Set-Cookie"]
    assert server.get("/api/health", headers=session).status == 401


def test_cross_site_writes_are_refused_with_or_without_a_token(spool_factory):
    server = spool_factory(start=False)
    track = seed_liked_tracks(server, count=1, seconds=1)[0]
    server.start()
    rating = f"/api/tracks/{track['id']}/rating"
    evil = server.put(rating, {"value": -1}, headers={"Origin": "http://evil.example"})
    assert evil.status == 403 and evil.json()["error"]["code"] == "cross_origin"
    fetch = server.put(rating, {"value": -1}, headers={"Sec-Fetch-Site": "cross-site"})
    assert fetch.status == 403
    assert server.get(f"/api/tracks/{track['id']}").json()["rating"] == 1  # nothing changed
    same = server.put(rating, {"value": -1}, headers={"Origin": server.base_url})
    assert same.status == 200 and same.json()["rating"] == -1
    assert server.put(rating, {"value": 0}).status == 200  # scripts send no Origin
    # Reads from another origin are not state-changing and stay allowed (CORS still hides them).
    assert server.get("/api/health", headers={"Origin": "http://evil.example"}).status == 200


# --- Metrics ------------------------------------------------------------------------------


def test_metrics_in_prometheus_text_format(spool):
    for _ in range(3):
        spool.get("/api/health")
    spool.get("/api/jobs/999999")
    spool.get("/no/such/route.js")
    r = spool.get("/metrics")
    assert r.status == 200 and r.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    families = {f.name: f for f in text_string_to_metric_families(r.text)}
    requests = {(s.labels["route"], s.labels["status"]): s.value
                for s in families["spool_http_requests"].samples if s.name == "spool_http_requests_total"}
    assert requests[("/api/health", "200")] == 3
    assert requests[("/api/jobs/{id}", "404")] == 1
    assert all(route in ("unmatched",) or route.startswith("/") for route, _ in requests)
    histogram = families["spool_http_request_duration_seconds"]
    count = next(s.value for s in histogram.samples if s.name.endswith("_count"))
    inf = next(s.value for s in histogram.samples if s.labels.get("le") == "+Inf")
    assert count == inf >= 5
    jobs = {s.labels["status"] for s in families["spool_jobs"].samples}
    assert jobs == {"pending", "running", "completed", "failed", "cancelled", "timeout", "retrying", "dead_letter", "zombie"}
    for name in ["spool_websocket_clients", "spool_websocket_clients_dropped", "spool_db_write_transactions", "spool_db_commits",
                 "spool_db_busy_waits", "spool_http_connections_open", "spool_workers", "spool_ratelimit_paused"]:
        assert name in families, name


def test_malloc_arenas_caps_the_allocators_arenas_and_metrics_show_memory(spool_factory):
    """`MALLOC_ARENAS` (default 2) caps the C allocator's arenas: with glibc's own limit (0),
    each server thread that allocates gets one (8 per core at most), and the resident size grows
    with the threads (80–99 against 64–67 MiB at 100,000 tracks). `/metrics` shows both."""
    def under_load(server):
        def client(_):
            connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
            for _ in range(30):
                connection.request("GET", "/api/tracks?limit=100")
                assert connection.getresponse().read()
            connection.close()
        with ThreadPoolExecutor(8) as pool:  # eight clients at once: the work queue's threads all run
            list(pool.map(client, range(8)))
        families = {f.name: f for f in text_string_to_metric_families(server.get("/metrics").text)}
        arenas = families["spool_malloc_arenas"].samples[0].value
        resident = families["process_resident_memory_bytes"].samples[0].value
        with open(f"/proc/{server.process.pid}/status") as status:
            kilobytes = next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))
        assert 0.8 < resident / (kilobytes * 1024) < 1.25, (resident, kilobytes)
        return arenas

    capped = spool_factory()
    assert 1 <= under_load(capped) <= 2
    capped.stop()  # the next one opens the same data folder
    assert under_load(spool_factory({"MALLOC_ARENAS": "0"})) > 2, "glibc's default made no more arenas: the test shows nothing"


# --- Connections and timeouts -------------------------------------------------------------


def test_connection_limit_refuses_extra_connections_and_recovers(spool_factory):
    server = spool_factory({"MAX_CONNECTIONS": "3"})
    held = []
    for _ in range(3):
        c = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        c.request("GET", "/api/health")
        assert c.getresponse().read() and True
        held.append(c)
    extra = raw_request(server.port, "GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    assert extra.startswith(b"HTTP/1.1 503") and b"too_many_connections" in extra
    for c in held:  # the held connections still work
        c.request("GET", "/api/health")
        assert c.getresponse().status == 200
    held.pop().close()
    server.wait_for(lambda: raw_request(server.port, "GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                    .startswith(b"HTTP/1.1 200"), timeout=5, message="a free slot")
    for c in held:
        c.close()


def test_idle_connections_are_closed_after_the_timeout(spool_factory):
    server = spool_factory({"HTTP_TIMEOUT_SECONDS": "1"})
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as s:
        started = time.time()
        assert s.recv(1) == b""  # the server hung up on a silent client
        assert 0.5 < time.time() - started < 5
    assert server.get("/api/health").status == 200


def test_a_long_media_reply_to_a_slow_reader_is_not_cut_off(spool_factory):
    server = spool_factory({"HTTP_TIMEOUT_SECONDS": "1"}, start=False)
    track = seed_liked_tracks(server, count=1, seconds=1)[0]
    path = server.library / track["file_path"]
    data = os.urandom(12 << 20)
    path.write_bytes(data)
    server.start()
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 << 10)
        s.settimeout(10)
        s.connect(("127.0.0.1", server.port))
        s.sendall(f"GET /media/{track['id']} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
        received, started = bytearray(), time.time()
        while True:
            chunk = s.recv(32 << 10)
            if not chunk:
                break
            received += chunk
            time.sleep(0.01)  # ~3 MB/s at most: the reply takes several timeouts' length
    elapsed = time.time() - started
    head, _, body = bytes(received).partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200"), head[:200]
    assert elapsed > 2, f"the client was not slow enough to prove anything ({elapsed:.1f} s)"
    assert len(body) == len(data) and hashlib.sha256(body).digest() == hashlib.sha256(data).digest()


def test_clients_that_vanish_mid_reply_do_not_take_the_server_down(spool_factory):
    # The SIGPIPE case: wrk closing 50 connections mid-download killed Spool silently once.
    server = spool_factory(start=False)
    track = seed_liked_tracks(server, count=1, seconds=1)[0]
    (server.library / track["file_path"]).write_bytes(os.urandom(8 << 20))
    server.start()
    for _ in range(3):
        sockets = []
        for _ in range(20):
            s = socket.create_connection(("127.0.0.1", server.port), timeout=10)
            s.sendall(f"GET /media/{track['id']} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
            sockets.append(s)
        for s in sockets:
            s.recv(1024)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # RST, like a killed tab
            s.close()
        time.sleep(0.3)
    assert server.process.poll() is None, "the server died"
    assert server.get("/api/health").status == 200


# --- HTTPS --------------------------------------------------------------------------------


@pytest.fixture
def certificate(tmp_path):
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True, timeout=60)
    return cert, key


def test_https_serves_api_media_and_the_live_feed(spool_factory, certificate):
    cert, key = certificate
    server = spool_factory({"TLS_CERT": str(cert), "TLS_KEY": str(key), "AUTH_TOKEN": TOKEN}, start=False)
    track = seed_liked_tracks(server, count=1, seconds=2)[0]
    server.start()
    context = ssl.create_default_context(cafile=str(cert))
    data = (server.library / track["file_path"]).read_bytes()

    def get(path, headers=None):
        c = http.client.HTTPSConnection("127.0.0.1", server.port, context=context, timeout=10)
        c.request("GET", path, headers={"Authorization": f"Bearer {TOKEN}", **(headers or {})})
        r = c.getresponse()
        body = r.read()
        c.close()
        return r, body

    r, body = get("/api/health")
    assert r.status == 200 and json.loads(body)["status"] == "ok"
    r, body = get(f"/media/{track['id']}")
    assert r.status == 200 and body == data
    r, body = get(f"/media/{track['id']}", {"Range": "bytes=100-199"})
    assert r.status == 206 and body == data[100:200]
    login = http.client.HTTPSConnection("127.0.0.1", server.port, context=context, timeout=10)
    login.request("POST", "/api/login", body=json.dumps({"token": TOKEN}), headers={"Content-Type": "application/json"})
    assert "Secure" in login.getresponse().headers["Set-Cookie"]
    # Plain HTTP on the TLS port is not answered as if it were fine.
    try:
        plain = raw_request(server.port, "GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", timeout=3)
    except socket.timeout:
        plain = b""
    assert not plain.startswith(b"HTTP/1.1 200")

    async def feed():
        async with websockets.connect(f"wss://127.0.0.1:{server.port}/ws?since=99999&token={TOKEN}", ssl=context) as ws:
            assert "type" in json.loads(await asyncio.wait_for(ws.recv(), 5))
    asyncio.run(feed())


def test_unreadable_tls_files_stop_startup_with_exit_2(tmp_path):
    env = {**os.environ, "PORT": "0", "DB_PATH": str(tmp_path / "t.db"), "TLS_CERT": str(tmp_path / "missing.pem"),
           "TLS_KEY": str(tmp_path / "missing.key")}
    out = subprocess.run([spool_binary(), "serve"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=30)
    assert out.returncode == 2 and "TLS_CERT" in out.stderr
    only_one = subprocess.run([spool_binary(), "serve"], env={**env, "TLS_KEY": ""}, cwd=tmp_path,
                              capture_output=True, text=True, timeout=30)
    assert only_one.returncode == 2 and "together" in only_one.stderr

"""Attacks on the HTTP layer through raw sockets (issue 12): DNS rebinding, request smuggling
shapes, evhttp's own error pages, bodies sent to be buffered, slowloris, descriptor exhaustion.
(The loopback check of HOST is `Tests/SpoolAppTests/LoopbackTests.swift`.)"""
from __future__ import annotations

import json
import os
import selectors
import socket
import subprocess
import threading
import time

import pytest

from attack_clients import (
    UPGRADE, PeakMemory, cpu_seconds, exchange, open_descriptors, parse_responses, request,
    soft_descriptor_limit)
from conftest import spool_binary

TOKEN = "correct-horse-battery-staple-42"


# --- DNS rebinding (item 1) ---------------------------------------------------------------


def test_a_rebound_name_is_refused_on_every_request_and_the_feed(spool_factory):
    server = spool_factory({"ALLOWED_HOSTS": "spool.example.org, *.lan"})
    port = server.port
    # Connection: close, so that each exchange ends with the answer instead of its 5 s timeout.
    rebound = {"Origin": f"http://rebind.example:{port}", "Connection": "close"}
    for method, path in [("DELETE", "/api/trash"), ("GET", "/api/tracks"), ("GET", "/"), ("GET", "/login")]:
        (response,), _ = exchange(port, request(port, method, path, headers=rebound, host="rebind.example"))
        assert response.status == 421, (method, path, response.body)
        assert response.json()["error"]["code"] == "misdirected_request"
        assert "ALLOWED_HOSTS" in response.json()["error"]["message"]
    feed, closed = exchange(port, UPGRADE.replace(b"Host: 127.0.0.1", f"Host: rebind.example:{port}".encode()))
    assert [r.status for r in feed] == [421] and closed
    # The names Spool is known by still work: loopback, addresses, ALLOWED_HOSTS.
    for host in ["127.0.0.1", "localhost", "[::1]", "spool.example.org", "nas.lan"]:
        (response,), _ = exchange(port, request(port, "GET", "/api/health", headers={"Connection": "close"}, host=host))
        assert response.status == 200, host
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(UPGRADE.replace(b"Host: 127.0.0.1", b"Host: localhost"))
        assert s.recv(12) == b"HTTP/1.1 101"


def test_allowed_hosts_must_be_host_names(tmp_path):
    env = {**os.environ, "PORT": "0", "DB_PATH": str(tmp_path / "t.db"), "ALLOWED_HOSTS": "spool.example.org, not a host"}
    out = subprocess.run([spool_binary(), "serve"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=30)
    assert out.returncode == 2 and "ALLOWED_HOSTS" in out.stderr


# --- Request smuggling shapes (item 7) ----------------------------------------------------


HIDDEN_URL = "http://127.0.0.1:9/smuggled.xml"


def hidden_request(port: int) -> bytes:
    """The request a front proxy would not see: it adds a channel (the machine would run yt-dlp)."""
    return request(port, "POST", "/api/channels", {"url": HIDDEN_URL})


@pytest.mark.parametrize("shape", ["space before colon", "two content-lengths", "signed length", "bare LF pipelined",
                                   "NUL in a value"])
def test_ambiguous_framing_is_refused_and_the_hidden_request_never_runs(spool, shape):
    port = spool.port
    host = f"Host: 127.0.0.1:{port}"
    hidden = hidden_request(port)
    payload = {
        "space before colon": f"POST /api/events HTTP/1.1\r\n{host}\r\nTransfer-Encoding : chunked\r\n\r\n".encode() + hidden,
        "two content-lengths": f"POST /api/events HTTP/1.1\r\n{host}\r\nContent-Length: 0\r\nContent-Length: {len(hidden)}\r\n\r\n".encode() + hidden,
        "signed length": f"POST /api/events HTTP/1.1\r\n{host}\r\nContent-Length: +2\r\n\r\n[]".encode() + hidden,
        "bare LF pipelined": f"GET /api/health HTTP/1.1\r\n{host}\r\n\r\n".encode() + hidden.replace(b"\r\n", b"\n"),
        "NUL in a value": f"GET /api/health HTTP/1.1\r\n{host}\r\nX-Forwarded-For: 10.0.0.1\0.evil\r\n\r\n".encode() + hidden,
    }[shape]
    responses, closed = exchange(port, payload)
    assert closed, "the connection must be closed after a framing error"
    assert responses and responses[-1].status == 400, [r.status for r in responses]
    assert responses[-1].json()["error"]["message"]
    assert all(r.status != 202 for r in responses), "the hidden request ran"
    channels = spool.get("/api/channels").json()["channels"]
    assert not any(c["url"] == HIDDEN_URL for c in channels)


# --- Edge errors (items 11 and 19) --------------------------------------------------------


def test_every_error_is_the_json_shape_even_those_evhttp_made(spool):
    port = spool.port
    host = f"Host: 127.0.0.1:{port}"
    cases = [
        (f"TRACE /api/tracks HTTP/1.1\r\n{host}\r\n\r\n", 405),
        (f"BREW /api/tracks HTTP/1.1\r\n{host}\r\n\r\n", 405),
        (f"TRACE /api/events HTTP/1.1\r\n{host}\r\nContent-Length: 2\r\n\r\n{{}}", 405),
        (f"DELETE /ws HTTP/1.1\r\n{host}\r\n\r\n", 405),
        (f"GET /api/tracks HTTP/1.1\r\n\r\n", 400),                     # HTTP/1.1 without Host
        (f"GET /api/tracks HTTP/1.1\r\n{host}\r\n{host}\r\n\r\n", 400),
        (f"GET /api/tracks HTTP/9.9\r\n{host}\r\n\r\n", 505),
        (f"GET /api/tracks\r\n{host}\r\n\r\n", 400),
        (f"GET /api/tracks HTTP/1.1\r\n{host}\r\nX: {'a' * 70000}\r\n\r\n", 431),
        (f"POST /api/events HTTP/1.1\r\n{host}\r\nContent-Length: {17 << 20}\r\n\r\n", 413),
        (f"POST /api/events HTTP/1.1\r\n{host}\r\nTransfer-Encoding: chunked\r\n\r\n200000\r\n" + "x" * 100, 413),
        (f"POST /api/events HTTP/1.1\r\n{host}\r\nExpect: 200-ok\r\n\r\n", 417),
    ]
    for text, status in cases:
        responses, _ = exchange(port, text.encode(), timeout=3)
        assert responses, text[:60]
        response = responses[0]
        assert response.status == status, (text[:60], response.status, response.body[:200])
        assert response.headers["content-type"].startswith("application/json"), text[:60]
        assert response.json()["error"]["code"] and response.json()["error"]["message"]


def test_undeclared_methods_get_405_with_the_routes_own_allow_list(spool):
    port = spool.port
    (trace,), _ = exchange(port, request(port, "TRACE", "/api/health"))
    assert trace.status == 405 and trace.headers["allow"] == "GET"
    # A POST-only literal route is not the job with id "retry".
    (retry,), _ = exchange(port, request(port, "DELETE", "/api/jobs/retry"))
    assert retry.status == 405 and retry.headers["allow"] == "POST", retry.headers


def test_a_bad_upgrade_is_answered_in_json_and_closes(spool):
    responses, closed = exchange(spool.port, UPGRADE.replace(b"Sec-WebSocket-Version: 13", b"Sec-WebSocket-Version: 8"))
    assert [r.status for r in responses] == [426] and closed
    assert responses[0].json()["error"]["message"]


# --- Bodies decided on their headers (item 4) ---------------------------------------------


def test_bodies_are_refused_on_their_headers_without_being_buffered(spool_factory):
    server = spool_factory({"AUTH_TOKEN": TOKEN, "MAX_CONNECTIONS": "8"})
    port = server.port
    statuses: list[int] = []

    def send_most_of_16_mib(token: str | None):
        headers = {"Content-Type": "application/json", "Content-Length": str(16 << 20)}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        head = f"POST /api/events HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        chunk = b"[" + b" " * (1 << 20)
        with socket.create_connection(("127.0.0.1", port), timeout=20) as s:
            try:
                s.sendall(head.encode() + b"\r\n")
                for _ in range(15):
                    s.sendall(chunk)
            except OSError:
                pass  # the server answered and closed: the rest was never wanted
            data = b""
            try:
                while True:
                    part = s.recv(65536)
                    if not part:
                        break
                    data += part
            except OSError:
                pass
            responses = parse_responses(data)
            statuses.append(responses[0].status if responses else 0)

    with PeakMemory(server.process.pid) as memory:
        threads = [threading.Thread(target=send_most_of_16_mib, args=(TOKEN if i % 2 else None,)) for i in range(40)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    print(f"RSS growth while 40 clients sent 15 MiB each: {memory.growth_mib:.1f} MiB; answers {sorted(set(statuses))}")
    assert memory.growth_mib < 8, f"{memory.growth_mib:.1f} MiB"
    # 413 for a declared length over /api/events' 1 MiB, before the token is even looked at.
    assert set(statuses) <= {401, 413, 503, 0} and 413 in statuses, statuses
    # The refused connections are closed within their linger time (2 s): the places come back.
    bearer = {"Authorization": f"Bearer {TOKEN}"}
    server.wait_for(lambda: server.get("/api/health", headers=bearer).status == 200, timeout=5, message="a free place")
    # A head under the limit from another site's page is refused before its body is sent.
    (cross_site,), _ = exchange(port, f"POST /api/events HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
                                      f"Origin: http://evil.example\r\nContent-Length: 1000000\r\n\r\n".encode())
    assert cross_site.status == 403 and cross_site.json()["error"]["code"] == "cross_origin"


# --- Slowloris (item 5) -------------------------------------------------------------------


def test_trickling_heads_and_bodies_meet_a_deadline_and_count_from_the_accept(spool_factory):
    server = spool_factory({"HTTP_HEADER_TIMEOUT_SECONDS": "2", "HTTP_BODY_TIMEOUT_SECONDS": "2", "MAX_CONNECTIONS": "40"})
    port = server.port
    selector = selectors.DefaultSelector()
    head = f"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nX-Padding: {'a' * 200}\r\n\r\n".encode()
    body_head = f"POST /api/events HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\nContent-Length: 300\r\n\r\n".encode()
    trickling = {}
    for index in range(40):
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        s.setblocking(False)
        # Half trickle their head a byte at a time; half send a head and trickle the body.
        trickling[s] = [head, 0] if index % 2 == 0 else [body_head + b"[" + b" " * 299, len(body_head)]
        if index % 2:
            s.sendall(body_head)
        selector.register(s, selectors.EVENT_READ)
    started = time.time()
    answers: dict[socket.socket, bytes] = {}
    extra_status = None
    while len(answers) < len(trickling) and time.time() - started < 15:
        for s, state in trickling.items():
            if s not in answers and state[1] < len(state[0]):
                try:
                    s.send(state[0][state[1]:state[1] + 1])
                    state[1] += 1
                except OSError:
                    pass
        if extra_status is None and time.time() - started > 0.5:
            # Every place is held by a connection that has not sent a whole head.
            (extra,), _ = exchange(port, request(port, "GET", "/api/health"))
            extra_status = extra.status
        for key, _ in selector.select(timeout=0.25):
            try:
                data = key.fileobj.recv(65536)
            except OSError:
                data = b""
            answers[key.fileobj] = answers.get(key.fileobj, b"") + data
            if not data:
                selector.unregister(key.fileobj)
                answers.setdefault(key.fileobj, b"")
    elapsed = time.time() - started
    assert extra_status == 503, extra_status
    statuses = [parse_responses(data)[0].status if parse_responses(data) else None for data in answers.values()]
    assert len(answers) == 40 and statuses.count(408) == 40, statuses
    assert elapsed < 6, f"trickling connections lasted {elapsed:.1f} s with a 2 s deadline"
    for s in trickling:
        s.close()
    server.wait_for(lambda: server.get("/api/health").status == 200, timeout=5, message="a free place")


# --- Descriptors (item 6) -----------------------------------------------------------------


def test_the_soft_descriptor_limit_is_raised_and_the_connection_limit_fits_under_it(spool_factory):
    server = spool_factory({"MAX_CONNECTIONS": "1024"}, start=False)
    server.start_command = ["prlimit", "--nofile=200:300", spool_binary(), "serve"]
    start_with(server)
    assert soft_descriptor_limit(server.process.pid) == 300
    log = server.log()
    assert "MAX_CONNECTIONS lowered" in log and "in_force=86" in log, log
    held = [socket.create_connection(("127.0.0.1", server.port), timeout=5) for _ in range(86)]
    time.sleep(0.3)
    (refused,), _ = exchange(server.port, request(server.port, "GET", "/api/health"))
    assert refused.status == 503 and refused.json()["error"]["code"] == "too_many_connections"
    for s in held:
        s.close()
    server.wait_for(lambda: server.get("/api/health").status == 200, timeout=10, message="a free place")


def test_out_of_descriptors_the_server_backs_off_instead_of_spinning(spool):
    pid = spool.process.pid
    idle = [socket.create_connection(("127.0.0.1", spool.port), timeout=5) for _ in range(30)]
    time.sleep(0.3)
    # Leave the process four descriptors: accepts fail with EMFILE from here on.
    limit = open_descriptors(pid) + 4
    subprocess.run(["prlimit", f"--pid={pid}", f"--nofile={limit}:{limit}"], check=True)
    log_before = len(spool.log())
    waiting = []
    for _ in range(60):
        s = socket.socket()
        s.setblocking(False)
        s.connect_ex(("127.0.0.1", spool.port))  # completes in the kernel's backlog
        waiting.append(s)
    cpu_before = cpu_seconds(pid)
    time.sleep(4)
    cpu_used = cpu_seconds(pid) - cpu_before
    new_log = spool.log()[log_before:]
    print(f"out of descriptors for 4 s: {cpu_used:.2f} CPU-seconds, {len(new_log)} bytes of log")
    assert cpu_used < 1.0, f"{cpu_used:.2f} CPU-seconds in 4 s"
    # Noticed (so the descriptors really ran out), and said once per 10 s, not per attempt.
    assert "Cannot accept connections" in new_log and new_log.count("\n") <= 2, new_log[:2000]
    for s in idle + waiting:
        s.close()
    spool.wait_for(lambda: spool.get("/api/health", timeout=2).status == 200, timeout=10, message="accepts again")


def start_with(server, timeout: float = 20):
    """Starts `server` through `server.start_command` (e.g. under prlimit)."""
    server._log = open(server.log_path, "ab")
    server.process = subprocess.Popen(server.start_command, cwd=server.tmp, env=server.env,
                                      stdout=subprocess.PIPE, stderr=server._log)
    deadline = time.time() + timeout
    while time.time() < deadline:
        if "listening on" in server.process.stdout.readline().decode():
            return
        if server.process.poll() is not None:
            break
    raise RuntimeError(f"spool did not start: {server.log()}")

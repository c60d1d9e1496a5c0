"""The foundation, black-box: the real `spool serve` on an ephemeral port."""
import http.client
import json
import os
import shutil
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest

from conftest import REPO, SpoolServer, spool_binary

DEEP_LINKS = ["/", "/channels", "/jobs", "/library", "/likes_player/0", "/likes_player/17", "/health"]


def raw_get(server, path: str) -> tuple[int, bytes]:
    """Sends the path byte for byte (no client-side normalisation of `..`)."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as s:
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split()[1]), body


def test_health_reports_real_database_figures(spool):
    r = spool.get("/api/health")
    assert r.status == 200
    assert r.headers["Content-Type"].startswith("application/json")
    health = r.json()
    assert health["status"] == "ok"
    db = health["database"]
    assert db["journal_mode"] == "wal"
    assert db["synchronous"] == "normal"
    assert db["foreign_keys"] is True
    assert db["busy_timeout_ms"] == 5000
    assert db["schema_version"].startswith("v")
    assert db["pending_migrations"] == []
    assert db["path"] == str(spool.db_path)
    assert db["wal_size_bytes"] == os.path.getsize(str(spool.db_path) + "-wal")
    assert set(health["jobs"]["counts"]) == {
        "pending", "running", "completed", "failed", "cancelled", "timeout", "retrying", "dead_letter", "zombie"}
    assert health["uptime_seconds"] >= 0
    assert health["version"]


def test_health_is_reused_while_true_and_exact_after_every_change(spool_factory):
    """Pollers get the last report again (served from memory) until something in it changes;
    a job's transitions show at once, and uptime moves on within a second."""
    server = spool_factory(env={"SPOOL_TEST_JOBS": "1", "AUTH_TOKEN": "a-long-enough-test-token"})
    auth = {"Authorization": "Bearer a-long-enough-test-token"}
    # The start's own writes (housekeeping, the scheduler's first look) change the report for a
    # moment; once they settle, a poller gets the same bytes again.
    def reused():
        first = server.get("/api/health", headers=auth)
        second = server.get("/api/health", headers=auth)
        assert first.status == second.status == 200
        return first.body == second.body
    server.wait_for(reused, timeout=10, interval=0.2, message="an unchanged report reused")
    # The cached reply still goes through authentication.
    assert server.get("/api/health").status == 401

    r = server.post("/api/test/jobs", {"jobs": [{"seconds": 30}]}, headers=auth)
    assert r.status == 202, r.text
    (job,) = r.json()["ids"]
    counts = server.get("/api/health", headers=auth).json()["jobs"]["counts"]
    assert counts["pending"] + counts["running"] == 1, counts
    server.wait_for(lambda: server.get(f"/api/jobs/{job}", headers=auth).json()["status"] == "running")
    assert server.get("/api/health", headers=auth).json()["jobs"]["counts"]["running"] == 1
    assert server.post(f"/api/jobs/{job}/cancel", headers=auth).status == 200
    server.wait_for(lambda: server.get("/api/health", headers=auth).json()["jobs"]["counts"]["cancelled"] == 1, timeout=10)

    before = server.get("/api/health", headers=auth).json()["uptime_seconds"]
    time.sleep(1.2)
    assert server.get("/api/health", headers=auth).json()["uptime_seconds"] > before


def test_unknown_api_route_is_a_json_404(spool):
    r = spool.get("/api/does-not-exist")
    assert r.status == 404
    assert r.json()["error"]["code"] == "not_found"
    assert "/api/does-not-exist" in r.json()["error"]["message"]


def test_wrong_method_is_a_json_405_with_allow(spool):
    r = spool.request("DELETE", "/api/health")
    assert r.status == 405
    assert r.headers["Allow"] == "GET"
    assert r.json()["error"]["code"] == "method_not_allowed"


def test_every_deep_link_serves_the_app(spool):
    index = (REPO / "web" / "index.html").read_bytes()
    for path in DEEP_LINKS:
        r = spool.get(path)
        assert r.status == 200, path
        assert r.headers["Content-Type"] == "text/html; charset=utf-8", path
        assert r.body == index, path


def test_static_files_have_types_and_etags(spool):
    r = spool.get("/index.html")
    assert r.status == 200
    etag = r.headers["ETag"]
    assert etag
    again = spool.get("/index.html", headers={"If-None-Match": etag})
    assert again.status == 304
    assert again.body == b""
    head = spool.request("HEAD", "/index.html")
    assert head.status == 200 and head.body == b""
    assert int(head.headers["Content-Length"]) == len(r.body)
    svg = spool.get("/favicon.svg")
    assert svg.status == 200 and svg.headers["Content-Type"] == "image/svg+xml"
    missing = spool.get("/app/missing-module.js")
    assert missing.status == 404 and missing.json()["error"]["code"] == "not_found"


@pytest.fixture
def web_with_symlinks(tmp_path):
    web = tmp_path / "web"
    web.mkdir()
    shutil.copy(REPO / "web" / "index.html", web / "index.html")
    (web / "inside.txt").write_text("inside")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("TOP-SECRET")
    os.symlink(outside / "secret.txt", web / "secret.txt")
    os.symlink(outside, web / "escape")
    return web


def test_path_traversal_never_leaves_the_web_folder(spool_factory, web_with_symlinks):
    server = spool_factory(web_dir=web_with_symlinks)
    assert raw_get(server, "/inside.txt") == (200, b"inside")
    attempts = [
        "/../../../../etc/passwd", "/%2e%2e/%2e%2e/%2e%2e/etc/passwd", "/..%2f..%2f..%2fetc%2fpasswd",
        "/app/..%2f..%2f..%2f..%2fetc/passwd", "/%2E%2E%5C%2E%2E%5Cetc%5Cpasswd", "/.%2e/.%2e/etc/passwd",
        "/secret.txt", "/escape/secret.txt", "/escape/", "/inside.txt%00.html", "/%c0%ae%c0%ae/etc/passwd",
    ]
    index = (web_with_symlinks / "index.html").read_bytes()
    for path in attempts:
        status, body = raw_get(server, path)
        # Either refused, or (for an extension-less path) the app's own page: never the file.
        assert status in (400, 404) or (status == 200 and body == index), (path, status)
        assert b"root:" not in body and b"TOP-SECRET" not in body, path


def test_invalid_setting_stops_startup_with_exit_2(tmp_path):
    for name, value in [("PORT", "eighty"), ("PORT", "70000"), ("WORKERS", "0"), ("LOG_LEVEL", "loud")]:
        env = {**os.environ, name: value, "DB_PATH": str(tmp_path / "db.sqlite")}
        result = subprocess.run([spool_binary(), "serve"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=20)
        assert result.returncode == 2, (name, value, result.stderr)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and name in lines[0], result.stderr
    assert not (tmp_path / "db.sqlite").exists(), "nothing is created before the settings are valid"


def test_dotenv_file_is_read_and_environment_wins(tmp_path):
    server = SpoolServer(tmp_path)
    (tmp_path / ".env").write_text(f"# settings\nPORT={server.port}\nDB_PATH='{tmp_path}/from-dotenv.db'\nWORKERS=2\n")
    for key in ("PORT", "DB_PATH", "WORKERS"):
        server.env.pop(key, None)
    server.env["WORKERS"] = "4"
    server.start()
    try:
        health = server.get("/api/health").json()
        assert health["database"]["path"] == f"{tmp_path}/from-dotenv.db"
        assert health["jobs"]["workers"] == 4
    finally:
        assert server.stop() == 0


def test_serve_help_lists_every_setting():
    out = subprocess.run([spool_binary(), "serve", "--help"], capture_output=True, text=True, timeout=20).stdout
    for name in ["DB_PATH", "LIBRARY_DIR", "HOST", "PORT", "WORKERS", "WEB_DIR", "LOG_LEVEL"]:
        assert name in out


def test_graceful_shutdown_finishes_requests_and_closes_the_database(spool):
    results: list = []
    stop = threading.Event()

    def hammer():
        while not stop.is_set():
            try:
                conn = http.client.HTTPConnection("127.0.0.1", spool.port, timeout=10)
                conn.request("GET", "/api/health")
                response = conn.getresponse()
                body = response.read()
                results.append((response.status, json.loads(body)["status"]))
                conn.close()
            except (ConnectionRefusedError, ConnectionResetError):
                results.append("refused")
                time.sleep(0.01)

    threads = [threading.Thread(target=hammer) for _ in range(4)]
    for t in threads:
        t.start()
    time.sleep(0.5)
    started = time.time()
    code = spool.stop()
    stop.set()
    for t in threads:
        t.join()
    assert code == 0
    assert time.time() - started < 10
    answered = [r for r in results if r != "refused"]
    assert answered and all(r == (200, "ok") for r in answered), set(map(str, results))
    log = spool.log()
    assert "Received SIGTERM" in log and "Stopped" in log
    # The database was closed cleanly: the WAL was checkpointed into the main file.
    wal = str(spool.db_path) + "-wal"
    assert not os.path.exists(wal) or os.path.getsize(wal) == 0


def test_db_commands_status_migrate_backup(tmp_path):
    env = {**os.environ, "DB_PATH": str(tmp_path / "data" / "tracks.db")}
    run = lambda *args: subprocess.run([spool_binary(), "db", *args], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=30)
    before = json.loads(run("status").stdout)
    assert before.get("schema_version") is None and before["pending_migrations"]
    migrated = run("migrate")
    assert migrated.returncode == 0 and "Schema version: v" in migrated.stdout
    after = json.loads(run("status").stdout)
    assert after["pending_migrations"] == [] and after["journal_mode"] == "wal"
    backup = run("backup", str(tmp_path / "copy.db"))
    assert backup.returncode == 0 and (tmp_path / "copy.db").exists()
    again = run("backup", str(tmp_path / "copy.db"))
    assert again.returncode != 0 and "Refusing to overwrite" in again.stderr

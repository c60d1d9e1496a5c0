"""Issue 20, notifications: the real apprise CLI (json://) and the webhook, both received by a
local server, after a real sync with the real yt-dlp against the fixture site; each kind can be
turned off; a notifier that hangs or fails never delays a download and shows in health; an
https:// webhook is verified against the CA that WEBHOOK_CA_FILE names (a real TLS server with a
CA made by openssl)."""
import json
import socket
import ssl
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from conftest import REPO, SpoolServer, spool_binary
from fixture_site import FixtureSite
from test_ytdlp_update import PackageIndex, make_wheel, wait_for_update

YTDLP = str(REPO / ".venv" / "bin" / "yt-dlp")
APPRISE = str(REPO / ".venv" / "bin" / "apprise")
FAST = {"YTDLP_PATH": YTDLP, "RETRY_BASE_SECONDS": "0.2", "RETRY_MAX_SECONDS": "1", "RATE_LIMIT_COOLDOWN_SECONDS": "0.5",
        "WORKERS": "2", "YTDLP_UPDATE": "off", "APPRISE_PATH": APPRISE}
TERMINAL = {"completed", "failed", "cancelled", "timeout", "dead_letter"}
TITLES = {"AC/DC: Back/Slash Episode", "Flaky episode (fails first)"}


class Receiver:
    """An HTTP server on 127.0.0.1 that keeps every POST (path and JSON body) and answers
    `status`."""

    def __init__(self, status: int = 200, tls: ssl.SSLContext | None = None):
        received = self.received = []
        lock = self.lock = threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with lock:
                    received.append({"path": self.path, "headers": dict(self.headers), "json": json.loads(body)})
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        if tls:
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def posts(self, path_prefix: str) -> list[dict]:
        with self.lock:
            return [r["json"] for r in self.received if r["path"].startswith(path_prefix)]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class Blackhole:
    """A port that takes connections (the kernel's backlog) and never answers: a hung service."""

    def __init__(self):
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(64)
        self.port = self.socket.getsockname()[1]

    def close(self):
        self.socket.close()


class HomeCA:
    """A certificate authority of its own, made by openssl as a home server's would be, and a
    server certificate it signed for 127.0.0.1 (an IP address SAN: the webhook's URL names the
    address)."""

    def __init__(self, folder: Path):
        folder.mkdir(parents=True, exist_ok=True)
        self.ca, self.certificate, self.key = folder / "ca.pem", folder / "server.pem", folder / "server.key"
        ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        (folder / "server.ext").write_text("subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n")
        for command in (
            ["req", "-x509", *ec, "-keyout", folder / "ca.key", "-out", self.ca, "-days", "2", "-subj", "/CN=Spool test home CA",
             "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign"],
            ["req", *ec, "-keyout", self.key, "-out", folder / "server.csr", "-subj", "/CN=127.0.0.1"],
            ["x509", "-req", "-in", folder / "server.csr", "-CA", self.ca, "-CAkey", folder / "ca.key", "-CAcreateserial",
             "-out", self.certificate, "-days", "2", "-extfile", folder / "server.ext"],
        ):
            subprocess.run(["openssl", *map(str, command)], check=True, capture_output=True)

    def server_context(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.certificate, self.key)
        return context


@pytest.fixture
def receiver():
    receiver = Receiver()
    yield receiver
    receiver.close()


@pytest.fixture
def home_ca(tmp_path) -> HomeCA:
    return HomeCA(tmp_path / "ca")


@pytest.fixture
def tls_receiver(home_ca):
    """A Receiver over HTTPS with a certificate of `home_ca`'s."""
    receiver = Receiver(tls=home_ca.server_context())
    yield receiver
    receiver.close()


def wait_settled(server, expected, timeout=90):
    def settled():
        jobs = server.get("/api/jobs?limit=500&kind=download").json()["jobs"]
        return len(jobs) >= expected and all(j["status"] in TERMINAL for j in jobs) and jobs
    return server.wait_for(settled, timeout=timeout, interval=0.2, message="downloads to settle")


def by_kind(posts: list[dict], kind: str) -> list[dict]:
    return [p for p in posts if p["kind"] == kind]


def test_apprise_and_the_webhook_tell_of_new_tracks_failures_and_pauses(spool_factory, receiver, tls_receiver, home_ca, tmp_path):
    # The webhook is an https:// server whose certificate a home CA signed (WEBHOOK_CA_FILE).
    with FixtureSite(tmp_path / "site", count=3, flaky_failures=2, flaky_status=429) as site:
        server = spool_factory(env={
            **FAST, "APPRISE_URLS": f"json://127.0.0.1:{receiver.port}/apprise",
            "WEBHOOK_URL": f"https://127.0.0.1:{tls_receiver.port}/hook?token=s3cret-token", "WEBHOOK_CA_FILE": str(home_ca.ca)})
        assert server.post("/api/sources", {"url": site.feed_url}).status == 202
        wait_settled(server, 5)

        def all_arrived():
            hooks = tls_receiver.posts("/hook")
            kinds = {p["kind"] for p in hooks}
            return {"new_tracks", "download_failed", "downloads_paused"} <= kinds \
                and len(receiver.posts("/apprise")) >= len(hooks) and hooks
        hooks = server.wait_for(all_arrived, timeout=30, interval=0.2, message="the notifications")
        time.sleep(1)  # nothing more should come: one message per sync
        hooks = tls_receiver.posts("/hook")

        # One message for the sync: the count, the first titles, and what failed.
        [tracks] = by_kind(hooks, "new_tracks")
        assert tracks["title"] == "4 new tracks from Spool Fixture Channel", tracks
        assert tracks["level"] == "info"
        lines = tracks["body"].split("\n")
        assert TITLES <= set(lines) and len(lines) == 5, lines
        assert lines[-1] == "1 download of this sync failed; see the jobs page."
        data = tracks["data"]
        assert (data["queued"], data["added"], data["failed"]) == (5, 4, 1) and data["source_title"] == "Spool Fixture Channel"
        assert TITLES <= set(data["titles"]) and len(data["titles"]) == 4

        # The download that failed for good, with its plain reason and the remedy.
        [failed] = by_kind(hooks, "download_failed")
        assert failed["title"] == "A download failed" and failed["level"] == "failure"
        assert failed["body"].startswith("Missing episode (404): The download failed: The video cannot be downloaded")
        assert "Retry it by hand" in failed["body"]
        assert [(d["video_id"], d["status"], d["error_class"]) for d in failed["data"]] == [("missing", "failed", "permanent")]

        # The pause, with what the user can do about it.
        paused = by_kind(hooks, "downloads_paused")
        assert paused and all(p["title"] == "Downloads paused: the site limits Spool" for p in paused)
        assert "HTTP 429" in paused[0]["body"] and "RATE_LIMIT or fewer WORKERS" in paused[0]["body"]
        assert paused[0]["data"]["cause"] == "rate_limited" and paused[0]["level"] == "warning"

        # apprise delivered the same messages through its json:// service.
        apprise = receiver.posts("/apprise")
        assert sorted((a["title"], a["message"], a["type"]) for a in apprise) == \
            sorted((h["title"], h["body"], h["level"]) for h in hooks)

        # A message counts as sent once its apprise process has exited, a moment after its POST arrived.
        def all_counted():
            health = server.get("/api/health")
            notifiers = {n["name"]: n for n in health.json()["notifications"]["notifiers"]}
            return all(n["sent"] + n["failed"] >= len(hooks) for n in notifiers.values()) and (health, notifiers)
        health, notifiers = server.wait_for(all_counted, timeout=10, message="every message counted")
        assert notifiers["apprise"]["target"] == "1 URL (json)"
        assert notifiers["webhook"]["target"] == f"https://127.0.0.1:{tls_receiver.port}"
        for notifier in notifiers.values():
            assert notifier["sent"] == len(hooks) and notifier["failed"] == 0 and notifier["dropped"] == 0, notifier
            assert "last_error" not in notifier and notifier["last_sent_at"]
        assert health.json()["notifications"]["kinds"] == [
            "new_tracks", "download_failed", "downloads_paused", "ytdlp_update", "backup_failed"]
        assert "s3cret-token" not in health.text and "s3cret-token" not in server.log(), "URLs' secrets stay out"


@pytest.mark.long  # about 10 s; NotificationTests checks the kinds in the default run
def test_each_kind_can_be_turned_off(spool_factory, receiver, tmp_path):
    with FixtureSite(tmp_path / "site", count=2, flaky_failures=1, flaky_status=429) as site:
        server = spool_factory(env={**FAST, "WEBHOOK_URL": f"http://127.0.0.1:{receiver.port}/hook",
                                    "NOTIFY_ON": "download_failed, ytdlp_update"})
        assert server.post("/api/sources", {"url": site.feed_url}).status == 202
        wait_settled(server, 4)
        server.wait_for(lambda: receiver.posts("/hook"), timeout=20, message="the failure message")
        time.sleep(2)
        assert [p["kind"] for p in receiver.posts("/hook")] == ["download_failed"]
        assert server.get("/api/health").json()["notifications"]["kinds"] == ["download_failed", "ytdlp_update"]
        assert server.get("/api/health").json()["rate_limit"]["trips"] >= 1, "a pause happened, and was not told"


HTTPS_HOOK = {"WEBHOOK_URL": "https://127.0.0.1:9/hook"}


# {notes}: a file that exists but holds no certificate.
@pytest.mark.parametrize("setting, env, words", [
    ("NOTIFY_ON", {"NOTIFY_ON": "new_tracks,everything"}, "'everything' is not one of all, none, new_tracks"),
    ("WEBHOOK_URL", {"WEBHOOK_URL": "ftp://hooks.example.org/x"}, "must be an http:// or https:// URL, not ftp://"),
    ("WEBHOOK_URL", {"WEBHOOK_URL": "not a url"}, "is not a URL"),
    ("WEBHOOK_CA_FILE", {**HTTPS_HOOK, "WEBHOOK_CA_FILE": "/nonexistent/ca.pem"},
     "cannot read '/nonexistent/ca.pem': No such file or directory"),
    ("WEBHOOK_CA_FILE", {**HTTPS_HOOK, "WEBHOOK_CA_FILE": "{notes}"}, "holds no PEM certificate"),
    ("WEBHOOK_CA_FILE", {"WEBHOOK_URL": "http://127.0.0.1:9/hook", "WEBHOOK_CA_FILE": "{notes}"}, "is set but WEBHOOK_URL is http://"),
    ("WEBHOOK_CA_FILE", {"WEBHOOK_CA_FILE": "{notes}"}, "is set but WEBHOOK_URL is not"),
])
def test_a_bad_setting_stops_the_start_and_names_itself(tmp_path, setting, env, words):
    notes = tmp_path / "notes.txt"
    notes.write_text("not a certificate\n")
    server = SpoolServer(tmp_path, env={**FAST, **{k: v.replace("{notes}", str(notes)) for k, v in env.items()}})
    result = subprocess.run([spool_binary(), "serve"], cwd=tmp_path, env=server.env, capture_output=True, text=True, timeout=30)
    assert result.returncode == 2 and f"Invalid setting {setting}" in result.stderr and words in result.stderr, result.stderr


def notifier(server, name: str) -> dict:
    return next(n for n in server.get("/api/health").json()["notifications"]["notifiers"] if n["name"] == name)


def test_an_https_webhook_that_does_not_verify_fails_with_the_reason(tmp_path, tls_receiver, home_ca):
    """The webhook over HTTPS delivered with WEBHOOK_CA_FILE is the first test's; here the
    certificate does not verify: the home CA is not in the system's store, or the URL names
    another host than the certificate. Each server's backup fails (BACKUP_DIR is a file; one
    attempt a second), which is told within seconds, no sync needed."""
    (tmp_path / "a-file").write_text("BACKUP_DIR names this file, not a folder")
    base = {**FAST, "NOTIFY_ON": "backup_failed", "BACKUP_INTERVAL_HOURS": "0.0003", "BACKUP_DIR": str(tmp_path / "a-file")}
    cases = {  # name → (settings, the reason the webhook's sends fail)
        "untrusted": ({"WEBHOOK_URL": f"https://127.0.0.1:{tls_receiver.port}/hook?token=s3cret-token"},
                      f"https://127.0.0.1:{tls_receiver.port}: the server's certificate is not trusted: "
                      "unable to get local issuer certificate (WEBHOOK_CA_FILE names a CA to trust)"),
        "other-name": ({"WEBHOOK_URL": f"https://localhost:{tls_receiver.port}/hook", "WEBHOOK_CA_FILE": str(home_ca.ca)},
                       f"https://localhost:{tls_receiver.port}: the server's certificate is not for localhost: hostname mismatch"),
    }
    servers = {}
    try:
        for name, (env, _) in cases.items():  # both at once: the waits overlap
            (tmp_path / name).mkdir()
            servers[name] = SpoolServer(tmp_path / name, env={**base, **env}).start()
        for name, (_, reason) in cases.items():
            server = servers[name]
            error = server.wait_for(lambda: notifier(server, "webhook").get("last_error"), timeout=20, message="the webhook's failure")
            assert error["message"] == reason and error["kind"] == "backup_failed", error
            health = server.get("/api/health").json()
            assert f"Notifications through webhook fail: {reason}." in health["warnings"], health["warnings"]
            assert "Notification not delivered" in server.log() and "s3cret-token" not in server.log()
        assert tls_receiver.posts("/") == [], "nothing reached the server unverified"
    finally:
        for server in servers.values():
            server.stop()


def mirror_time(tmp_path, name, env, site) -> tuple[SpoolServer, float]:
    """Starts a server of its own, mirrors the site and returns it with the seconds it took."""
    folder = tmp_path / name
    folder.mkdir()
    server = SpoolServer(folder, env={**FAST, **env}).start()
    started = time.monotonic()
    assert server.post("/api/sources", {"url": site.feed_url + "?rate=16000"}).status == 202
    wait_settled(server, 6, timeout=120)
    return server, time.monotonic() - started


@pytest.mark.long  # two syncs timed against each other, about 40 s; NotificationTests bound a slow notifier in the default run
def test_a_hanging_or_failing_notifier_never_delays_a_download(tmp_path):
    failing, hung = Receiver(status=500), Blackhole()
    servers = []
    try:
        with FixtureSite(tmp_path / "site", count=4, flaky_failures=0) as site:
            baseline, plain = mirror_time(tmp_path, "plain", {}, site)
            servers.append(baseline)
            baseline.stop()
            server, notified = mirror_time(tmp_path, "notified", {
                # https://: the TLS handshake is what never ends.
                "APPRISE_URLS": f"json://127.0.0.1:{failing.port}/", "WEBHOOK_URL": f"https://127.0.0.1:{hung.port}/hook",
                "NOTIFY_TIMEOUT_SECONDS": "25"}, site)
            servers.append(server)
            # Every download ended while the webhook still hung on its first message.
            webhook = next(n for n in server.get("/api/health").json()["notifications"]["notifiers"] if n["name"] == "webhook")
            assert webhook["sent"] == 0 and webhook["failed"] == 0, webhook
            assert notified < plain * 1.5 + 5, f"downloads took {notified:.1f} s with notifiers, {plain:.1f} s without"
            tracks = server.get("/api/tracks").json()["tracks"]
            assert len(tracks) == 5

            def both_failed():
                health = server.get("/api/health").json()
                notifiers = {n["name"]: n for n in health["notifications"]["notifiers"]}
                return all("last_error" in n for n in notifiers.values()) and (health, notifiers)
            health, notifiers = server.wait_for(both_failed, timeout=60, interval=0.5, message="both notifiers to fail")
            assert notifiers["webhook"]["last_error"]["message"] == \
                f"https://127.0.0.1:{hung.port}: no TLS handshake within 25 s (NOTIFY_TIMEOUT_SECONDS)"
            assert notifiers["apprise"]["last_error"]["message"].startswith("apprise failed (exited with code 1): ")
            assert "error=500" in notifiers["apprise"]["last_error"]["message"]
            assert notifiers["apprise"]["failed"] >= 1 and notifiers["apprise"]["sent"] == 0
            assert any(w.startswith("Notifications through webhook fail: ") for w in health["warnings"]), health["warnings"]
            assert any(w.startswith("Notifications through apprise fail: ") for w in health["warnings"])
            metrics = server.get("/metrics").text
            assert 'spool_notifications_failed_total{notifier="webhook"} 1' in metrics
            assert "Notification not delivered" in server.log()
    finally:
        for server in servers:
            server.stop()
        failing.close()
        hung.close()


def test_ytdlp_updates_and_failed_updates_are_told(spool_factory, receiver, tmp_path):
    index = PackageIndex(tmp_path / "index")
    try:
        server = spool_factory(env={
            **FAST, "YTDLP_UPDATE": "stable", "YTDLP_UPDATE_DIR": str(tmp_path / "overlay"), "YTDLP_UPDATE_INDEX_URL": index.url,
            "WEBHOOK_URL": f"http://127.0.0.1:{receiver.port}/hook"})
        original = server.get("/api/health").json()["ytdlp"]["version"]
        index.publish(make_wheel(tmp_path, "2099.1.1", "import sys\nif '--version' in sys.argv: print('2099.01.01')\n"))
        assert server.post("/api/ytdlp/update").status == 202
        first = wait_for_update(server, None)["update"]["last"]
        index.publish(make_wheel(tmp_path, "2099.2.2", "raise SystemExit('broken build')\n"))
        assert server.post("/api/ytdlp/update").status == 202
        wait_for_update(server, first)
        posts = server.wait_for(lambda: len(receiver.posts("/hook")) >= 2 and receiver.posts("/hook"), timeout=20,
                                message="two update messages")
        updated, refused = posts
        assert updated["title"] == "yt-dlp updated to 2099.01.01" and updated["level"] == "success"
        assert f"from {original} to 2099.01.01 (by hand)" in updated["body"]
        assert refused["title"] == "yt-dlp could not be updated" and refused["level"] == "failure"
        assert refused["data"]["result"] == "refused" and refused["data"]["message"] in refused["body"]
    finally:
        index.close()

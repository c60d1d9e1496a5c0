"""Black-box test harness: starts the real `spool serve` on an ephemeral 127.0.0.1 port with a
temporary database and library, and talks to it over real sockets."""
from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "Tests" / "Fixtures"
sys.path.insert(0, str(FIXTURES))


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "long: a slow scenario (real sizes, many restarts); runs only in the long mode, SPOOL_LONG=1")


def pytest_collection_modifyitems(config, items):
    """The default run stays well inside CI's 15 minutes; `SPOOL_LONG=1 scripts/test.sh` runs
    every test (docs/operations.md, "Tests")."""
    if os.environ.get("SPOOL_LONG") == "1":
        return
    skip = pytest.mark.skip(reason="a long test: SPOOL_LONG=1 runs it")
    for item in items:
        if "long" in item.keywords:
            item.add_marker(skip)


def spool_binary() -> str:
    return os.environ.get("SPOOL_BIN", str(REPO / ".build" / "debug" / "spool"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Response:
    def __init__(self, status: int, headers, body: bytes):
        self.status = status
        self.headers = headers
        self.body = body

    def json(self):
        return json.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


def thread_stacks(pid: int) -> str:
    """Every thread's backtrace (gdb, when installed), else each thread's name and kernel wait."""
    gdb = shutil.which("gdb")
    if gdb:
        try:
            run = subprocess.run([gdb, "-p", str(pid), "-batch", "-nx", "-ex", "thread apply all bt 30"],
                                 capture_output=True, text=True, timeout=60)
            lines = [l[:200] for l in run.stdout.splitlines() if l.startswith(("Thread ", "#"))]
            if lines:
                return "\n".join(lines)
        except (OSError, subprocess.TimeoutExpired):
            pass
    threads = []
    for task in sorted(Path(f"/proc/{pid}/task").glob("*")):
        def read(name: str) -> str:
            try:
                return (task / name).read_text().strip()
            except OSError:
                return "?"
        threads.append(f"{task.name} {read('comm')}: {read('wchan')}")
    return "\n".join(threads)


class SpoolServer:
    """One running `spool serve`; `request()` speaks HTTP to it, `stop()` sends SIGTERM."""

    def __init__(self, tmp: Path, env: dict[str, str] | None = None, web_dir: Path | None = None):
        self.tmp = tmp
        self.port = free_port()
        self.db_path = tmp / "data" / "tracks.db"
        self.library = tmp / "data" / "library"
        self.log_path = tmp / "spool.log"
        self.env = {
            **os.environ,
            "DB_PATH": str(self.db_path),
            "LIBRARY_DIR": str(self.library),
            "WEB_DIR": str(web_dir or REPO / "web"),
            "HOST": "127.0.0.1",
            "PORT": str(self.port),
            "LOG_LEVEL": "info",
            **(env or {}),
        }
        self.process: subprocess.Popen | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 20) -> "SpoolServer":
        self._log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            [spool_binary(), "serve"], cwd=self.tmp, env=self.env,
            stdout=subprocess.PIPE, stderr=self._log)
        deadline = time.time() + timeout
        # What the server printed before "listening on" (e.g. the first-start link).
        self.startup_lines = []
        while time.time() < deadline:
            line = self.process.stdout.readline().decode()
            if "listening on" in line:
                return self
            if line:
                self.startup_lines.append(line.strip())
            if self.process.poll() is not None:
                break
        raise RuntimeError(f"spool did not start: {self.log()}")

    def request(self, method: str, path: str, body=None, headers: dict | None = None,
                raw: bytes | None = None, timeout: float = 30) -> Response:
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        hdrs = {"Content-Type": "application/json"} if data is not None else {}
        hdrs.update(headers or {})
        req = urllib.request.Request(self.base_url + path, data=data, method=method, headers=hdrs)
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return Response(r.status, r.headers, r.read())
        except urllib.error.HTTPError as e:
            return Response(e.code, e.headers, e.read())

    def get(self, path: str, **kw) -> Response:
        return self.request("GET", path, **kw)

    def post(self, path: str, body=None, **kw) -> Response:
        return self.request("POST", path, body=body, **kw)

    def put(self, path: str, body=None, **kw) -> Response:
        return self.request("PUT", path, body=body, **kw)

    def delete(self, path: str, **kw) -> Response:
        return self.request("DELETE", path, **kw)

    def wait_for(self, predicate, timeout: float = 30, interval: float = 0.1, message: str = "condition"):
        deadline = time.time() + timeout
        last = None
        while time.time() < deadline:
            last = predicate()
            if last:
                return last
            time.sleep(interval)
        raise AssertionError(f"timed out waiting for {message}; last value: {last!r}")

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def stop(self, sig=signal.SIGTERM, timeout: float = 20) -> int:
        if self.process is None or self.process.poll() is not None:
            return self.process.returncode if self.process else 0
        self.process.send_signal(sig)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            # A stop that hangs is a bug to diagnose, not a stray process to leave behind: say
            # where each thread stood, then kill it so later tests run on a quiet machine.
            stacks = thread_stacks(self.process.pid)
            self.process.kill()
            self.process.wait()
            tail = "\n".join(self.log().splitlines()[-40:])
            raise AssertionError(
                f"spool did not stop within {timeout} s of {signal.Signals(sig).name}\n"
                f"--- its threads ---\n{stacks}\n--- the end of its log ---\n{tail}") from None
        finally:
            self._log.close()

    def kill(self) -> None:
        """SIGKILL: the crash case (no cleanup runs)."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
            self._log.close()


@pytest.fixture
def spool_factory(tmp_path):
    """Starts servers on demand; every one is stopped at the end of the test and its log is
    checked for the error Spool exists to remove."""
    servers: list[SpoolServer] = []

    def make(env: dict[str, str] | None = None, start: bool = True, **kw) -> SpoolServer:
        server = SpoolServer(tmp_path, env=env, **kw)
        servers.append(server)
        return server.start() if start else server

    yield make
    for server in servers:
        server.stop()
        assert "database is locked" not in server.log().lower()


@pytest.fixture
def spool(spool_factory) -> SpoolServer:
    return spool_factory()

"""Issue 11, "yt-dlp stays current": an update goes through a package index served here on
loopback (the test-only YTDLP_UPDATE_INDEX_URL setting), into the overlay folder, and is
switched to only after the new version answers --version."""
import base64
import hashlib
import http.server
import threading
import zipfile
from pathlib import Path

import pytest

from conftest import REPO

YTDLP = str(REPO / ".venv" / "bin" / "yt-dlp")


def make_wheel(folder: Path, version: str, main_body: str) -> Path:
    """A real wheel named yt-dlp whose `python -m yt_dlp --version` runs `main_body`."""
    files = {
        "yt_dlp/__init__.py": f"__version__ = {version!r}\n",
        "yt_dlp/__main__.py": main_body,
        f"yt_dlp-{version}.dist-info/METADATA": f"Metadata-Version: 2.1\nName: yt-dlp\nVersion: {version}\n",
        f"yt_dlp-{version}.dist-info/WHEEL": "Wheel-Version: 1.0\nGenerator: spool-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = []
    for name, text in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()
        record.append(f"{name},sha256={digest},{len(text.encode())}")
    record.append(f"yt_dlp-{version}.dist-info/RECORD,,")
    files[f"yt_dlp-{version}.dist-info/RECORD"] = "\n".join(record) + "\n"
    wheel = folder / f"yt_dlp-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return wheel


class PackageIndex:
    """A PEP 503 simple index of one project, served on 127.0.0.1."""

    def __init__(self, root: Path):
        self.root = root
        (root / "simple" / "yt-dlp").mkdir(parents=True, exist_ok=True)
        handler = lambda *a, **kw: http.server.SimpleHTTPRequestHandler(*a, directory=str(root), **kw)
        http.server.SimpleHTTPRequestHandler.log_message = lambda *a: None
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/simple/"

    def publish(self, wheel: Path):
        """Makes `wheel` the only release on the index."""
        target = self.root / "simple" / "yt-dlp"
        for old in target.glob("*.whl"):
            old.unlink()
        (target / wheel.name).write_bytes(wheel.read_bytes())
        (target / "index.html").write_text(f'<a href="{wheel.name}">{wheel.name}</a>\n')

    def close(self):
        self.server.shutdown()


@pytest.fixture
def index(tmp_path):
    index = PackageIndex(tmp_path / "index")
    yield index
    index.close()


def wait_for_update(server, previous):
    """Waits for an update that ends with a record other than `previous`."""
    def finished():
        ytdlp = server.get("/api/health").json()["ytdlp"]
        last = ytdlp["update"]["last"]
        return not ytdlp["update"]["updating"] and last and last != previous and ytdlp
    return server.wait_for(finished, timeout=180, interval=0.3, message="the update to finish")


def test_an_update_is_switched_to_only_when_it_runs(spool_factory, index, tmp_path):
    overlay = tmp_path / "ytdlp-overlay"
    server = spool_factory(env={
        "YTDLP_PATH": YTDLP, "YTDLP_UPDATE": "stable", "YTDLP_UPDATE_DIR": str(overlay),
        "YTDLP_UPDATE_INDEX_URL": index.url})
    before = server.get("/api/health").json()["ytdlp"]
    assert before["python"] and before["update"]["updatable"], before
    original = before["version"]

    # A newer version that runs: installed into the overlay and switched to.
    index.publish(make_wheel(tmp_path, "2099.1.1", "import sys\nif '--version' in sys.argv: print('2099.01.01')\n"))
    reply = server.post("/api/ytdlp/update")
    assert reply.status == 202 and reply.json()["started"] is True, reply.text
    again = server.post("/api/ytdlp/update")
    assert again.status == 200 and again.json()["already_running"] is True  # a double click
    ytdlp = wait_for_update(server, None)
    assert ytdlp["update"]["last"]["result"] == "updated", ytdlp
    assert ytdlp["version"] == "2099.01.01" and ytdlp["update"]["last"]["from"] == original
    assert (overlay / "yt_dlp" / "__main__.py").exists() and ytdlp["overlay"] == str(overlay)

    # A broken newer version: refused, the running one kept.
    index.publish(make_wheel(tmp_path, "2099.2.2", "raise SystemExit('broken build')\n"))
    first = ytdlp["update"]["last"]
    assert server.post("/api/ytdlp/update").status == 202
    ytdlp = wait_for_update(server, first)
    assert ytdlp["update"]["last"]["result"] == "refused", ytdlp
    assert ytdlp["version"] == "2099.01.01"
    assert not (overlay.parent / (overlay.name + ".new")).exists()
    assert any(ytdlp["update"]["last"]["message"] in warning for warning in server.get("/api/health").json()["warnings"])

    # Each update is on the log with its outcome.
    log = server.log()
    assert "yt-dlp updated" in log and "yt-dlp update failed" in log


def test_a_ytdlp_outside_a_virtual_environment_is_reported_not_updated(spool_factory, tmp_path):
    server = spool_factory(env={"YTDLP_PATH": str(REPO / "Tests" / "Fixtures" / "fake_ytdlp.py"), "YTDLP_UPDATE": "stable"})
    ytdlp = server.get("/api/health").json()["ytdlp"]
    assert ytdlp["update"]["updatable"] is False
    assert "not in a Python virtual environment" in ytdlp["update"]["not_updatable_reason"]
    assert server.post("/api/ytdlp/update").status == 202
    def settled():
        update = server.get("/api/health").json()["ytdlp"]["update"]
        return not update["updating"] and update["last"]
    last = server.wait_for(settled, timeout=30, message="the attempt to end")
    assert last["result"] == "not_updatable"

"""The driver answers every job exactly as a `yt-dlp` process would, and nothing of one job
reaches the next. Real yt-dlp, real ffmpeg, the fixture site.

    .venv/bin/pytest -q Tests/ytdlp_driver
"""
import json
import os
import re
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "Tests", "Fixtures"))
sys.path.insert(0, HERE)
from fixture_site import FixtureSite  # noqa: E402
from driver_client import DRIVER, DriverClient, python_of, spool_download_argv, ytdlp_environment  # noqa: E402

YT_DLP = os.environ.get("YTDLP_PATH") or os.path.join(ROOT, ".venv", "bin", "yt-dlp")
FFMPEG = "/usr/bin/ffmpeg"
pytestmark = pytest.mark.skipif(not os.path.exists(YT_DLP), reason="yt-dlp is not installed (scripts/setup.sh)")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    with FixtureSite(str(tmp_path_factory.mktemp("site")), count=4) as running:
        yield running


@pytest.fixture
def driver(tmp_path):
    client = DriverClient(YT_DLP, cwd=str(tmp_path))
    yield client
    if client.process.poll() is None:
        client.close()


class RecordingServer:
    """Serves one fixture m4a under any path and keeps every request's headers."""

    def __init__(self, media):
        self.media, self.requests = media, []
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                recorder.requests.append(dict(self.headers))
                with open(recorder.media, "rb") as file:
                    body = file.read()
                self.send_response(200)
                # "audio/exe" makes the generic extractor name the extension "exe".
                self.send_header("Content-Type", "audio/exe" if self.path.endswith(".exe") else "audio/mp4")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *arguments):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def recording(site):
    server = RecordingServer(os.path.join(site.dir, "ep-001.m4a"))
    yield server
    server.close()


def cli(argv, cwd):
    """`yt-dlp <argv>` as Spool runs it: stdin /dev/null, the same environment."""
    result = subprocess.run([YT_DLP, *argv], stdin=subprocess.DEVNULL, capture_output=True,
                            env=ytdlp_environment(), cwd=cwd, timeout=120)
    return result.returncode, result.stdout, result.stderr


def comparable(output, directory):
    """Output with the run's own directory named <dir> and the timing-dependent progress lines
    (their count and speeds vary from run to run) left out."""
    text = output.decode("utf-8").replace(directory, "<dir>")
    return [line for line in text.splitlines() if not line.startswith("SPOOLPROG ")]


def test_a_download_answers_like_the_command_in_every_line_and_file(site, driver, tmp_path):
    results = {}
    for how in ("command", "driver", "driver again"):
        directory = str(tmp_path / how.replace(" ", "-"))
        argv = spool_download_argv(site.media_url("ep-002"), directory, "mp3", FFMPEG)
        status, stdout, stderr = cli(argv, str(tmp_path)) if how == "command" else driver.run(argv)
        results[how] = (status, comparable(stdout, directory), comparable(stderr, directory), sorted(os.listdir(directory)))
        assert b"SPOOLPROG finished" in stdout
    assert results["command"][0] == 0
    assert results["command"][3] == ["ep-002.info.json", "ep-002.mp3"]
    assert "<dir>/ep-002.mp3" in results["command"][1]
    assert results["driver"] == results["command"]
    assert results["driver again"] == results["command"]


@pytest.mark.parametrize("name, argv, expected_status", [
    ("a 404", ["-o", "%(id)s.%(ext)s", "--", "{site}/media/missing.m4a"], 1),
    ("an unsupported page", ["-o", "%(id)s.%(ext)s", "--", "{site}/watch/ep-001"], 1),
    ("an unknown option", ["--no-such-option", "--", "{site}/media/ep-001.m4a"], 2),
    ("URLs read from stdin", ["-a", "-"], 2),
    ("--version", ["--version"], 0),
    ("a bad output template", ["-o", "%(id", "--", "{site}/media/ep-001.m4a"], 2),
])
def test_errors_and_exit_statuses_are_the_commands(site, driver, tmp_path, name, argv, expected_status):
    argv = [arg.replace("{site}", site.base_url) for arg in argv]
    expected = cli(argv, str(tmp_path))
    assert expected[0] == expected_status, expected
    assert driver.run(argv) == expected
    # And the driver is still there for the next job.
    assert driver.run(["--version"])[0] == 0


def test_the_ffmpeg_location_of_one_job_does_not_reach_the_next(recording, driver, tmp_path):
    # yt-dlp keeps --ffmpeg-location in a ContextVar, which the ffmpeg downloader reads; every job
    # runs in a fresh context. With the first job's location left over, the second would find no
    # ffmpeg and fall back to the native downloader.
    def argv(name, *extra):
        return ["--downloader", "ffmpeg", *extra, "-o", str(tmp_path / name / "%(id)s.%(ext)s"), "--", recording.url + "/a.m4a"]

    expected = cli(argv("command"), str(tmp_path))
    assert expected[0] == 0 and b"Stream mapping:" in expected[2], expected
    status, _, stderr = driver.run(argv("broken", "--ffmpeg-location", "/nonexistent/ffmpeg"))
    assert status == 0 and b"/nonexistent/ffmpeg does not exist" in stderr
    status, _, stderr = driver.run(argv("fine"))
    assert status == 0
    assert b"Stream mapping:" in stderr, stderr


def test_headers_and_cookies_of_one_job_do_not_reach_the_next(recording, driver, tmp_path):
    cookies = tmp_path / "cookies.txt"
    cookies.write_text("# Netscape HTTP Cookie File\n127.0.0.1\tFALSE\t/\tFALSE\t0\tspool_session\tsecret\n")
    first = ["--add-header", "X-Spool-Job:first", "--cookies", str(cookies), "-o", str(tmp_path / "a" / "%(id)s.%(ext)s"),
             "--", recording.url + "/one.m4a"]
    assert driver.run(first)[0] == 0
    seen_by_first = list(recording.requests)
    assert seen_by_first and all(request.get("X-Spool-Job") == "first" for request in seen_by_first)
    assert all("spool_session=secret" in request.get("Cookie", "") for request in seen_by_first)

    recording.requests.clear()
    second = ["-o", str(tmp_path / "b" / "%(id)s.%(ext)s"), "--", recording.url + "/two.m4a"]
    assert driver.run(second)[0] == 0
    assert recording.requests
    for request in recording.requests:
        assert "X-Spool-Job" not in request
        assert "Cookie" not in request


def test_a_destructive_compat_option_is_undone_after_its_job(recording, driver, tmp_path):
    # --compat-options allow-unsafe-ext switches a process-wide check off; the next job must
    # refuse an unusual extension as a fresh `yt-dlp` does.
    def argv(name):
        return ["-o", str(tmp_path / name / "%(id)s.%(ext)s"), "--", recording.url + "/clip.exe"]

    refused = cli(argv("command"), str(tmp_path))
    assert refused[0] == 1 and b"unusual" in refused[2].lower(), refused
    assert driver.run(["--compat-options", "allow-unsafe-ext", *argv("allowed")])[0] == 0
    status, stdout, stderr = driver.run(argv("refused"))
    assert (status, stderr.replace(b"refused", b"command")) == (1, refused[2])


def test_a_job_that_loads_plugins_retires_its_driver_after_its_answer(site, driver, tmp_path):
    plugins = tmp_path / "plugins" / "yt_dlp_plugins" / "extractor"
    plugins.mkdir(parents=True)
    (plugins / "spool_test.py").write_text(
        "from yt_dlp.extractor.common import InfoExtractor\n\n"
        "class SpoolTestIE(InfoExtractor):\n    _VALID_URL = r'spooltest:'\n")
    status, _, stderr = driver.run(["--plugin-dirs", str(tmp_path / "plugins"), "--simulate", "--", site.media_url("ep-001")])
    assert status == 0
    assert b"this driver ends after this job" in stderr
    # It closed its stdin before the marker (so Spool starts a new one), then exited.
    assert driver.process.wait(10) == 0


def test_end_of_input_ends_the_driver_cleanly(driver):
    assert driver.run(["--version"])[0] == 0
    started = time.monotonic()
    assert driver.close() == 0
    assert time.monotonic() - started < 5


def test_a_job_reading_stdin_cannot_swallow_the_next_request(driver):
    # Both requests are written at once; `-a -` reads the job's stdin, which is /dev/null.
    first, second = "first-job", "second-job"
    driver.process.stdin.write(json.dumps({"id": first, "argv": ["-a", "-"]}).encode() + b"\n")
    assert driver.run(["--version"], job_id=second, timeout=60)[0] == 0


@pytest.mark.parametrize("line", [
    b"not json\n",
    b'{"id": "has space", "argv": []}\n',
    b'{"id": "ok", "argv": "--version"}\n',
    b'{"id": "ok", "argv": [1]}\n',
    b'{"argv": []}\n',
])
def test_a_malformed_request_ends_the_driver_with_status_64(line):
    process = subprocess.run([python_of(YT_DLP), "-u", DRIVER], input=line, capture_output=True, timeout=60,
                             env=ytdlp_environment())
    assert process.returncode == 64
    assert re.match(rb"ERROR: spool-ytdlp-driver: .+", process.stderr), process.stderr
    assert b"SPOOL-YTDLP-DRIVER-END" not in process.stdout


def test_an_interpreter_without_yt_dlp_fails_with_status_3():
    python = "/usr/bin/python3"
    if not os.path.exists(python) or subprocess.run([python, "-c", "import yt_dlp"], capture_output=True).returncode == 0:
        pytest.skip("needs a python3 without yt_dlp")
    process = subprocess.run([python, DRIVER], input=b"", capture_output=True, timeout=60)
    assert process.returncode == 3
    assert b"cannot import yt_dlp" in process.stderr

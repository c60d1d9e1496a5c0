"""Run the real yt-dlp against fixture_site.py.

    .venv/bin/pytest Tests/Fixtures -q
"""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request

import pytest

sys.path.insert(0, os.path.dirname(__file__))
from fixture_site import FixtureSite  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
YTDLP = os.environ.get("YTDLP") or next(
    (p for p in (os.path.join(REPO, ".venv", "bin", "yt-dlp"), shutil.which("yt-dlp")) if p and os.path.exists(p)),
    None)
COUNT, FLAKY = 3, 2
PROGRESS = ("download:SPOOLPROG %(progress.status)s %(progress.downloaded_bytes)s "
            "%(progress.total_bytes)s %(progress.total_bytes_estimate)s %(progress.speed).0f "
            "%(progress.eta)s %(progress._percent).1f %(info.id)s")
PROGRESS_RE = re.compile(
    r"^SPOOLPROG (downloading|finished|error) (\d+|NA) (\d+|NA) (\d+|NA) (\d+|NA) (\d+|NA) ([\d.]+|NA) (\S+)$")

pytestmark = pytest.mark.skipif(not YTDLP or not shutil.which("ffmpeg"), reason="needs yt-dlp and ffmpeg")


@pytest.fixture(scope="session")
def media_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("media")  # shared so tones are generated once


@pytest.fixture
def site(media_dir):
    with FixtureSite(media_dir, count=COUNT, flaky_failures=FLAKY, flaky_status=429) as s:
        yield s


def ytdlp(*args, timeout=60):
    return subprocess.run([YTDLP, "--no-colors", *args], capture_output=True, text=True, timeout=timeout)


def download(url, out, *extra):
    return ytdlp("--newline", "--progress", "--progress-template", PROGRESS,
                 "-o", f"{out}/%(id)s.%(ext)s", "--print", "after_move:filepath", *extra, "--", url)


def listing(site):
    r = ytdlp("--flat-playlist", "-J", "--", site.feed_url)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def post(site, path):
    with urllib.request.urlopen(urllib.request.Request(site.url(path), method="POST")) as resp:
        return json.load(resp)


def test_listing_returns_count_plus_two(site):
    data = listing(site)
    assert data["_type"] == "playlist" and data["extractor"] == "generic"
    assert data["title"] == "Spool Fixture Channel" and data["webpage_url"] == site.feed_url
    entries = data["entries"]
    assert len(entries) == COUNT + 2
    assert all(e["_type"] == "url_transparent" and e["url"].startswith(site.base_url) for e in entries)
    assert "id" not in entries[0]  # RSS entries carry their guid only inside the smuggled url
    titles = {e["title"] for e in entries}
    assert "AC/DC: Back/Slash Episode" in titles and any("日本語" in t for t in titles)


def test_runtime_add_shows_up_in_listing(site):
    assert post(site, "/admin/add?count=2")["added"] == [f"ep-{COUNT + 1:03d}", f"ep-{COUNT + 2:03d}"]
    entries = listing(site)["entries"]
    assert len(entries) == COUNT + 4
    assert f"ep-{COUNT + 2:03d}.m4a" in entries[0]["url"]  # newest first


def test_good_entry_downloads(site, tmp_path):
    r = download(site.media_url("ep-001", rate=20000), tmp_path, "--write-info-json")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    progress = [PROGRESS_RE.match(line) for line in lines[:-1]]
    assert progress and all(progress), lines
    assert progress[-1].group(1) == "finished" and progress[0].group(8) == "ep-001"
    path = lines[-1]
    assert path == str(tmp_path / "ep-001.m4a")
    assert os.path.getsize(path) == os.path.getsize(os.path.join(site.dir, "ep-001.m4a"))
    info = json.loads((tmp_path / "ep-001.info.json").read_text())
    assert info["id"] == "ep-001" and info["ext"] == "m4a"


def test_missing_entry_fails_with_404(site, tmp_path):
    r = download(site.media_url("missing"), tmp_path)
    assert r.returncode == 1
    assert "ERROR: [generic] missing: Unable to download webpage: HTTP Error 404: Not Found" in r.stderr
    assert not os.listdir(tmp_path)


def test_flaky_entry_fails_k_times_then_works(site, tmp_path):
    for _ in range(FLAKY):
        r = download(site.media_url("flaky"), tmp_path)
        assert r.returncode == 1 and "HTTP Error 429: Too Many Requests" in r.stderr
    r = download(site.media_url("flaky"), tmp_path)
    assert r.returncode == 0, r.stderr
    statuses = [e["status"] for e in site.stats()["log"] if e["path"] == "/media/flaky.m4a"]
    # Each run probes the URL once (generic extractor) before downloading it.
    assert statuses[:FLAKY] == [429] * FLAKY and statuses[FLAKY:][-1] == 200


def test_download_phase_5xx_is_retried(site, tmp_path):
    post(site, "/admin/fail?id=ep-002&count=2&status=503&skip=1")  # probe passes, download fails twice
    r = download(site.media_url("ep-002"), tmp_path, "--retry-sleep", "0")
    assert r.returncode == 0, r.stderr
    statuses = [e["status"] for e in site.stats()["log"] if e["path"] == "/media/ep-002.m4a"]
    assert statuses[1:] == [503, 503, 200]


def test_partial_file_resumes_with_range(site, tmp_path):
    src = open(os.path.join(site.dir, "ep-003.m4a"), "rb").read()
    (tmp_path / "ep-003.m4a.part").write_bytes(src[:4000])
    r = download(site.media_url("ep-003"), tmp_path)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "ep-003.m4a").read_bytes() == src
    last = site.stats()["log"][-1]
    assert last["range"] == "bytes=4000-" and last["status"] == 206


def test_audio_extraction_reports_final_path(site, tmp_path):
    r = download(site.media_url("ep-001"), tmp_path, "-x", "--audio-format", "mp3",
                 "--ffmpeg-location", shutil.which("ffmpeg"))
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[-1] == str(tmp_path / "ep-001.mp3")
    assert os.listdir(tmp_path) == ["ep-001.mp3"]  # the .m4a is deleted after conversion


@pytest.mark.parametrize("sig,code", [(signal.SIGINT, 1), (signal.SIGTERM, -signal.SIGTERM)])
def test_cancel_mid_download_leaves_part_file(site, tmp_path, sig, code):
    cmd = [YTDLP, "--no-colors", "--quiet", "--newline", "--progress", "--progress-template", PROGRESS,
           "-o", f"{tmp_path}/%(id)s.%(ext)s", "--", site.media_url("ep-002", rate=500)]
    # SIGINT's default disposition for the child: a run started in the background by a
    # non-interactive shell (as CI may start this suite) ignores SIGINT, and Python keeps an
    # ignored SIGINT ignored, so yt-dlp would never see the Ctrl-C this test sends.
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    assert PROGRESS_RE.match(p.stdout.readline().rstrip("\n"))
    p.send_signal(sig)
    _, err = p.communicate(timeout=10)
    assert p.returncode == code
    assert ("ERROR: Interrupted by user" in err) == (sig == signal.SIGINT)
    assert os.listdir(tmp_path) == ["ep-002.m4a.part"]


def test_cli_prints_one_json_line(media_dir):
    proc = subprocess.Popen([sys.executable, os.path.join(HERE, "fixture_site.py"), "--port", "0",
                             "--dir", str(media_dir), "--count", "1"], stdout=subprocess.PIPE, text=True)
    try:
        info = json.loads(proc.stdout.readline())
        with urllib.request.urlopen(info["feed_url"]) as resp:
            assert resp.read().count(b"<item>") == 3
    finally:
        proc.terminate()
        proc.wait(5)


@pytest.mark.parametrize("mode,check", [
    ("crash", lambda p: p.returncode == -signal.SIGSEGV),
    ("garbage", lambda p: p.returncode == 1),
    ("version", lambda p: p.returncode == 0),
])
def test_fake_ytdlp_modes(mode, check):
    p = subprocess.run([os.path.join(HERE, "fake_ytdlp.py"), "-o", "x/%(id)s.%(ext)s", "URL"],
                       env={**os.environ, "FAKE_YTDLP_MODE": mode}, capture_output=True, timeout=10)
    assert check(p), (p.returncode, p.stderr[:200])


def test_fake_ytdlp_hang_needs_group_sigkill():
    p = subprocess.Popen([os.path.join(HERE, "fake_ytdlp.py")], env={**os.environ, "FAKE_YTDLP_MODE": "hang"},
                         stdout=subprocess.PIPE, start_new_session=True)
    assert p.stdout.readline().startswith(b"SPOOLPROG downloading")
    os.killpg(p.pid, signal.SIGTERM)
    time.sleep(0.3)
    assert p.poll() is None  # SIGTERM ignored
    os.killpg(p.pid, signal.SIGKILL)
    assert p.wait(5) == -signal.SIGKILL

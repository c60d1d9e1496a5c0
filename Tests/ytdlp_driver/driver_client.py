"""Spool's side of the driver protocol in Python, for the driver's tests and the benchmark.

The same steps as `ProcessSession` in Swift (Sources/SpoolProcess): write one request line, read
stdout and stderr until the end marker arrives on stdout, then read stderr until it would block.
No time limits or cancellation here; the Swift side has those. Output is returned as bytes, so
that it can be compared byte for byte with a `yt-dlp` process's.
"""
import fcntl
import json
import os
import secrets
import selectors
import shutil
import subprocess
import sys
import time

# The driver ships inside the binary (SwiftPM embeds this file in SpoolYtDlp); the tests and the
# benchmark run the same file.
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DRIVER_FOLDER = os.path.join(ROOT, "Sources", "SpoolYtDlp", "Driver")
sys.path.insert(0, DRIVER_FOLDER)
from spool_ytdlp_driver import END_MARKER  # noqa: E402

DRIVER = os.path.join(DRIVER_FOLDER, "spool_ytdlp_driver.py")


def python_of(yt_dlp):
    """yt-dlp's interpreter, from the #! line of a pip-installed `yt-dlp` script or of the zipapp
    release (`#!/usr/bin/env python3`: the python3 on PATH)."""
    with open(yt_dlp, "rb") as script:
        first = script.readline().decode("utf-8", "replace").strip()
    if not first.startswith("#!"):
        raise ValueError(f"{yt_dlp} has no #! line; the driver needs yt-dlp's Python interpreter")
    words = first[2:].split()
    if os.path.basename(words[0]) == "env" and len(words) > 1:
        return shutil.which(words[1]) or words[1]
    return words[0]


def ytdlp_environment():
    environment = dict(os.environ)
    environment["LC_ALL"] = "C.UTF-8"       # what YtDlpRunner gives a yt-dlp process
    environment["PYTHONUNBUFFERED"] = "1"
    return environment


# Mirror of YtDlpArguments.progressTemplate / .download (Sources/SpoolYtDlp/YtDlpArguments.swift)
# for the options the benchmark uses (mp3, --ffmpeg-location; no JS runtime, match filter or
# audio quality): keep the two in step, the point is to measure exactly what Spool runs.
PROGRESS_TEMPLATE = (
    "download:SPOOLPROG %(progress.status)s %(progress.downloaded_bytes)s %(progress.total_bytes)s "
    "%(progress.total_bytes_estimate)s %(progress.speed).0f %(progress.eta)s %(progress._percent).1f %(info.id)s")


def spool_download_argv(url, directory, audio_format="mp3", ffmpeg=None, extra=()):
    argv = [
        "--no-colors", "--newline", "--progress", "--progress-template", PROGRESS_TEMPLATE,
        "--no-playlist", "--no-write-playlist-metafiles", "--write-info-json", "--write-thumbnail",
        "--no-mtime", "-o", directory + "/%(id)s.%(ext)s", "--print", "after_move:filepath",
    ]
    if audio_format:
        argv += ["-f", "bestaudio/best", "-x", "--audio-format", audio_format]
    if ffmpeg:
        argv += ["--ffmpeg-location", ffmpeg]
    return argv + list(extra) + ["--", url]


class DriverEnded(Exception):
    """The driver ended (or closed its output) before the job's end marker."""


class DriverClient:
    def __init__(self, yt_dlp, cwd=None):
        self.process = subprocess.Popen(
            [python_of(yt_dlp), "-u", DRIVER, "--argv0", yt_dlp],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            env=ytdlp_environment(), cwd=cwd)
        for stream in (self.process.stdout, self.process.stderr):
            flags = fcntl.fcntl(stream.fileno(), fcntl.F_GETFL)
            fcntl.fcntl(stream.fileno(), fcntl.F_SETFL, flags | os.O_NONBLOCK)
        self.jobs = 0

    @property
    def pid(self):
        return self.process.pid

    def run(self, argv, job_id=None, timeout=300):
        """Runs one job; returns (status, stdout bytes, stderr bytes) as `yt-dlp <argv>` would
        have written them (the end marker and its leading carriage return removed). Raises
        TimeoutError when the marker has not come after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        job_id = job_id or secrets.token_hex(16)
        self.process.stdin.write(json.dumps({"id": job_id, "argv": argv}).encode() + b"\n")
        self.process.stdin.flush()
        marker = f"\r{END_MARKER} {job_id} ".encode()
        output = {"stdout": b"", "stderr": b""}
        selector = selectors.DefaultSelector()
        selector.register(self.process.stdout, selectors.EVENT_READ, "stdout")
        selector.register(self.process.stderr, selectors.EVENT_READ, "stderr")
        try:
            while True:
                start = output["stdout"].find(marker)
                if start >= 0 and output["stdout"].find(b"\n", start) >= 0:
                    break
                if not selector.get_map():
                    raise DriverEnded(f"the driver ended during the job: {output['stderr'][-500:]!r}")
                ready = selector.select(max(0, deadline - time.monotonic()))
                if not ready:
                    raise TimeoutError(f"no end marker after {timeout} s: {output['stdout'][-300:]!r}")
                for key, _ in ready:
                    chunk = os.read(key.fileobj.fileno(), 65536)
                    if chunk:
                        output[key.data] += chunk
                    else:
                        selector.unregister(key.fileobj)
            # Everything the job wrote to stderr was in the pipe before the marker was written.
            while True:
                try:
                    chunk = os.read(self.process.stderr.fileno(), 65536)
                except BlockingIOError:
                    break
                if not chunk:
                    break
                output["stderr"] += chunk
        finally:
            selector.close()
        end = output["stdout"].index(b"\n", start)
        status = int(output["stdout"][start + len(marker):end])
        if output["stdout"][end + 1:]:
            raise AssertionError(f"output after the end marker: {output['stdout'][end + 1:]!r}")
        self.jobs += 1
        return status, output["stdout"][:start], output["stderr"]

    def close(self, timeout=10):
        """Closes stdin (end of file: the driver exits) and returns its exit status."""
        self.process.stdin.close()
        return self.process.wait(timeout)

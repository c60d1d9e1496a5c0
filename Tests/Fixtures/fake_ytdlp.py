#!/usr/bin/env python3
"""Fault-injecting stand-in for yt-dlp. Tests use it ONLY to provoke failures
the real binary cannot be made to produce on demand; every success path is
tested against the real yt-dlp and fixture_site.py.

Behaviour is chosen by FAKE_YTDLP_MODE:
  hang     one progress line, then sleep forever ignoring SIGTERM/SIGINT
           (the caller must SIGKILL the process group)
  silence  print nothing, sleep forever
  crash    a few progress lines, then die by SIGSEGV
  garbage  invalid UTF-8, NULs and a 1 MiB line without newline, exit 1
  slow     a progress line every 0.5 s, growing OUTDIR/<id>.m4a.part
           (FAKE_YTDLP_STEPS lines, default 600 = 5 minutes), then exit 0;
           the .part goes to -P temp:DIR if given, else the -o directory
  child    spawn a grandchild `sleep 1000` in our process group, then hang
  version  print a version (also any mode with --version)
  fail     print FAKE_YTDLP_STDERR (lines separated by "\n") to stderr, exit FAKE_YTDLP_EXIT
           (default 1): the exact words of each failure yt-dlp reports
  flood    print FAKE_YTDLP_LINES lines (default 3,000,000) to stdout as fast as it can,
           then fail without a file
  chatter  a stderr warning every FAKE_YTDLP_EVERY seconds (default 1), forever, never an entry
  climb    "download" a file outside its folder: print <-o dir>/../../../victim.txt as the
           final path and exit 0
  listing  print the JSON lines of the file FAKE_YTDLP_LISTING, FAKE_YTDLP_DELAY seconds
           apart (default 0), then exit 0; with FAKE_YTDLP_THEN_FAIL=1, exit 1 with a
           network error after the last line
Listing calls (--flat-playlist) are handed to the real yt-dlp named by FAKE_YTDLP_REAL when
it is set, so a test can list the fixture channel for real and fault only the downloads.
Progress lines use the format documented in docs/ytdlp-notes.md.
"""
import os
import signal
import subprocess
import sys
import time

VERSION = "2026.10.26-fake"
TOTAL = 100_000


def progress(done, total=TOTAL, status="downloading", vid="fake-id"):
    pct = 100.0 * done / total
    speed, eta = ("NA", "NA") if status == "finished" else (50000, (total - done) // 50000)
    print(f"SPOOLPROG {status} {done} {total} NA {speed} {eta} {pct:.1f} {vid}", flush=True)


def partial_dir(argv):
    # Like yt-dlp: "-P temp:DIR" holds .part files, else the -o template's dir.
    pairs = list(zip(argv, argv[1:]))
    for flag, value in pairs:
        if flag in ("-P", "--paths") and value.startswith("temp:"):
            return value[len("temp:"):]
    for flag, value in pairs:
        if flag in ("-o", "--output"):
            return os.path.dirname(value) or "."
    return "."


def sleep_forever():
    while True:
        time.sleep(3600)


def main(argv):
    mode = os.environ.get("FAKE_YTDLP_MODE", "version")
    real = os.environ.get("FAKE_YTDLP_REAL")
    if real and "--flat-playlist" in argv:
        os.execv(real, [real, *argv])
    if mode == "version" or "--version" in argv:
        print(VERSION, flush=True)
        return 0
    if mode == "hang":
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        progress(1024)
        sleep_forever()
    if mode == "silence":
        sleep_forever()
    if mode == "crash":
        for done in (1024, 4096, 16384):
            progress(done)
        sys.stdout.flush()
        os.kill(os.getpid(), signal.SIGSEGV)
    if mode == "garbage":
        out = sys.stdout.buffer
        out.write(b"SPOOLPROG downloading \xff\xfe\xc3\x28 NA\n\x00\x01\x02\n")
        out.write(os.urandom(4096))
        out.write(b"x" * (1 << 20))  # one huge line, never terminated
        out.flush()
        sys.stderr.buffer.write(b"ERROR: \xff\xfe garbage\n")
        return 1
    if mode == "slow":
        steps = int(os.environ.get("FAKE_YTDLP_STEPS", "600"))
        directory = partial_dir(argv)
        os.makedirs(directory, exist_ok=True)
        part = os.path.join(directory, "fake-id.m4a.part")
        with open(part, "ab") as f:
            for step in range(1, steps + 1):
                f.write(b"\0" * 1024)
                f.flush()
                progress(min(step * 1024, TOTAL))
                time.sleep(0.5)
        final = part[:-len(".part")]
        os.replace(part, final)  # real yt-dlp would move it to the -o dir
        progress(TOTAL, status="finished")
        print(os.path.abspath(final), flush=True)
        return 0
    if mode == "fail":
        text = os.environ.get("FAKE_YTDLP_STDERR", "ERROR: something went wrong")
        for line in text.split("\n"):
            print(line, file=sys.stderr, flush=True)
        return int(os.environ.get("FAKE_YTDLP_EXIT", "1"))
    if mode == "flood":
        out = sys.stdout
        line = "[download] flooding the output with a line that nobody needs to keep\n" * 1000
        for _ in range(int(os.environ.get("FAKE_YTDLP_LINES", "3000000")) // 1000):
            out.write(line)
        out.flush()
        print("ERROR: flooded", file=sys.stderr, flush=True)
        return 1
    if mode == "chatter":
        every = float(os.environ.get("FAKE_YTDLP_EVERY", "1"))
        while True:
            print("WARNING: still thinking", file=sys.stderr, flush=True)
            time.sleep(every)
    if mode == "climb":
        directory = partial_dir(argv)
        os.makedirs(directory, exist_ok=True)
        print(os.path.join(directory, "..", "..", "..", "victim.txt"), flush=True)
        return 0
    if mode == "listing":
        delay = float(os.environ.get("FAKE_YTDLP_DELAY", "0"))
        with open(os.environ["FAKE_YTDLP_LISTING"]) as listing:
            for line in listing:
                sys.stdout.write(line)
                sys.stdout.flush()
                if delay:
                    time.sleep(delay)
        if os.environ.get("FAKE_YTDLP_THEN_FAIL") == "1":
            print("ERROR: Unable to download webpage: <urlopen error [Errno 111] Connection refused>", file=sys.stderr)
            return 1
        return 0
    if mode == "child":
        child = subprocess.Popen(["sleep", "1000"])  # inherits our process group
        print(f"child pid {child.pid}", flush=True)
        sleep_forever()
    print(f"ERROR: unknown FAKE_YTDLP_MODE {mode!r}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

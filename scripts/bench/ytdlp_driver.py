#!/usr/bin/env python3
"""What a download attempt costs, and what a long-lived yt-dlp driver saves.

Starts the fixture site (Tests/Fixtures/fixture_site.py, an RSS feed of ffmpeg-made m4a
files) and runs the real yt-dlp against it; no Spool server is involved. Two parts:

  breakdown   One attempt at a time, each variant `--runs` times on different entries:
              interpreter start, `import yt_dlp`, `yt-dlp --version`, a bare `yt-dlp -x`,
              Spool's exact arguments and variants of them (with `--use-extractors`,
              without `--write-info-json`, `--write-thumbnail` or the mp3 conversion), the
              helper programs yt-dlp runs (`file`, `uname`, the ffmpeg/ffprobe probes, the
              conversion), the extractor URL matching alone, and the same job through a warm
              driver. Median wall time and CPU time (user + system, the process and every
              child it waited for, from wait4).
  compare     `--count` entries (default 200), mp3, `--parallel` at a time (default 3):
              (a) a `yt-dlp` process per entry with Spool's arguments, (b) the same with
              `--use-extractors`, (c) `--parallel` drivers (Sources/SpoolYtDlp/Driver), each
              retired after `--driver-jobs` jobs. Wall time, CPU-s of every process
              involved except the fixture site, per-job median and p90 wall time.
  memory      One driver runs every entry in turn; its resident size as the jobs go by.

    .venv/bin/python scripts/bench/ytdlp_driver.py                 # both parts
    .venv/bin/python scripts/bench/ytdlp_driver.py compare --rounds 2

Results are in docs/benchmarks.md and docs/features/ytdlp-driver.md.
"""
import argparse
import json
import os
import queue
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIXTURE_SITE = os.path.join(ROOT, "Tests", "Fixtures", "fixture_site.py")
sys.path.insert(0, os.path.join(ROOT, "Tests", "ytdlp_driver"))
from driver_client import DriverClient, python_of, spool_download_argv, ytdlp_environment  # noqa: E402

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")

class FixtureSite:
    def __init__(self, count, directory):
        self.process = subprocess.Popen(
            [sys.executable, FIXTURE_SITE, "--port", "0", "--dir", directory, "--count", str(count)],
            stdout=subprocess.PIPE, text=True)
        self.info = json.loads(self.process.stdout.readline())

    def close(self):
        self.process.terminate()
        self.process.wait()


def listing(yt_dlp, feed_url, count):
    """The feed's entries as Spool lists them: (id, url, extractor key or None)."""
    output = subprocess.run([yt_dlp, "--flat-playlist", "-j", "--no-colors", feed_url],
                            capture_output=True, text=True, check=True, env=ytdlp_environment()).stdout
    entries = []
    for line in output.splitlines():
        entry = json.loads(line)
        if "/media/ep-" in entry["url"]:
            entries.append((entry["url"].split("/media/")[1].split(".")[0], entry["url"], entry.get("ie_key")))
    return entries[:count]


def extractor_for(entry):
    # YouTube listings name each entry's extractor (ie_key "Youtube"); an RSS feed's entries
    # name none, and the media links in them are the generic extractor's.
    return entry[2] or "generic"


def run_measured(argv, env=None, stdin=subprocess.DEVNULL):
    """Runs argv to its end; returns (wall s, CPU s of it and its waited children, status, output)."""
    with tempfile.TemporaryFile() as output:
        started = time.perf_counter()
        process = subprocess.Popen(argv, stdin=stdin, stdout=output, stderr=subprocess.STDOUT,
                                   env=env or ytdlp_environment())
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        output.seek(0)
        text = output.read().decode("utf-8", "replace")
    return wall, usage.ru_utime + usage.ru_stime, process.returncode, text


def process_cpu(pid):
    """CPU seconds of a live process and of the children it has waited for (/proc, 10 ms ticks)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return sum(int(value) for value in fields[11:15]) / CLOCK_TICKS


def median(values):
    return statistics.median(values) if values else float("nan")


def p90(values):
    return statistics.quantiles(values, n=10)[-1] if len(values) >= 2 else median(values)


# ---------------------------------------------------------------------------------------------
# breakdown


def breakdown(arguments, site, entries):
    yt_dlp, python = arguments.yt_dlp, python_of(arguments.yt_dlp)
    ffmpeg, ffprobe = shutil.which("ffmpeg"), shutil.which("ffprobe")
    media_dir = site.info["dir"]
    work = tempfile.mkdtemp(prefix="spool-bench-")
    runs = arguments.runs
    rotation = iter(entries * (1 + 40 * runs // max(1, len(entries))))

    def fresh():
        directory = tempfile.mkdtemp(dir=work)
        return directory, next(rotation)

    def spool(extra=(), drop=(), audio_format="mp3"):
        def command():
            directory, entry = fresh()
            argv = spool_download_argv(entry[1], directory, audio_format, ffmpeg, extra)
            for name in drop:
                argv.remove(name)
            return [yt_dlp, *argv]
        return command

    matching = (
        "import time, yt_dlp.extractor as e; classes = e.gen_extractor_classes(); t = time.process_time(); "
        "n = next(i for i, c in enumerate(classes) if c.suitable({url!r})); "
        "print(f'RESULT {{time.process_time() - t:.4f}} {{n + 1}}')")
    conversion_source = os.path.join(media_dir, entries[0][0] + ".m4a")
    variants = [
        ("interpreter start (`python -c pass`)", lambda: [python, "-c", "pass"]),
        ("`import yt_dlp`", lambda: [python, "-c", "import yt_dlp"]),
        ("`yt-dlp --version`", lambda: [yt_dlp, "--version"]),
        ("bare `yt-dlp -x URL`", lambda: (lambda d, e: [yt_dlp, "-x", "-o", d + "/%(id)s.%(ext)s", "--", e[1]])(*fresh())),
        ("Spool's arguments, mp3", spool()),
        ("  + `--use-extractors generic`", spool(extra=["--use-extractors", "generic"])),
        ("  - `--write-info-json`", spool(drop=["--write-info-json"])),
        ("  - `--write-thumbnail`", spool(drop=["--write-thumbnail"])),
        ("  - `-x --audio-format mp3` (no probe, no conversion)", spool(audio_format=None)),
        ("`file -b <python>` (platform.architecture)", lambda: ["file", "-b", os.path.realpath(python)]),
        ("`uname -p` (platform.processor)", lambda: ["uname", "-p"]),
        ("`ffmpeg -bsfs`", lambda: [ffmpeg, "-bsfs"]),
        ("`ffprobe -bsfs`", lambda: [ffprobe, "-bsfs"]),
        ("`ffprobe -show_streams <m4a>`", lambda: [ffprobe, "-show_streams", "file:" + conversion_source]),
        ("the conversion (`ffmpeg … -acodec libmp3lame -q:a 5`)", lambda: (
            lambda d: [ffmpeg, "-y", "-loglevel", "repeat+info", "-i", "file:" + conversion_source, "-vn",
                       "-acodec", "libmp3lame", "-q:a", "5.0", "-movflags", "+faststart", "file:" + d + "/out.mp3"])(
            tempfile.mkdtemp(dir=work))),
        ("URL matching alone, fixture URL (all extractors, in-process)",
         lambda: [python, "-c", matching.format(url=entries[0][1])]),
        ("URL matching alone, a YouTube URL (in-process)",
         lambda: [python, "-c", matching.format(url="https://www.youtube.com/watch?v=dQw4w9WgXcQ")]),
    ]

    # The same job through a driver: its first job pays the start, the import and the URL
    # patterns; the later ones run in the round-robin below like every other variant.
    driver = DriverClient(yt_dlp)

    def driver_job():
        directory, entry = fresh()
        before = process_cpu(driver.pid)
        started = time.perf_counter()
        status, stdout, stderr = driver.run(spool_download_argv(entry[1], directory, "mp3", ffmpeg))
        wall = time.perf_counter() - started
        if status != 0 or b".mp3\n" not in stdout:
            raise RuntimeError(f"driver job failed: {status} {stdout[-300:]!r} {stderr[-300:]!r}")
        return wall, process_cpu(driver.pid) - before

    first_driver_job = driver_job()
    driver_name = "Spool's arguments through a warm driver (CPU from /proc, 10 ms ticks)"

    # Round-robin over the variants, so that a busier moment of a shared machine falls on all of them.
    walls = {name: [] for name, _ in variants + [(driver_name, None)]}
    cpus = {name: [] for name in walls}
    matching_cpu = {name: [] for name in walls}
    positions = {}
    for _ in range(runs):
        for name, command in variants:
            wall, cpu, status, output = run_measured(command())
            if status != 0:
                raise RuntimeError(f"{name}: exit {status}\n{output[-2000:]}")
            walls[name].append(wall)
            cpus[name].append(cpu)
            for line in output.splitlines():
                if line.startswith("RESULT "):
                    seconds, position = line.split()[1:]
                    matching_cpu[name].append(float(seconds))
                    positions[name] = position
        wall, cpu = driver_job()
        walls[driver_name].append(wall)
        cpus[driver_name].append(cpu)
    driver.close()

    version = subprocess.run([yt_dlp, "--version"], capture_output=True, text=True).stdout.strip()
    print(f"\n## Breakdown: one attempt at a time, {runs} runs each, medians (yt-dlp {version})\n")
    print("| what | wall | CPU (user+sys, with children) | note |")
    print("|---|---|---|---|")
    for name in walls:
        note = ""
        if matching_cpu[name]:
            note = f"the matching itself: {median(matching_cpu[name]) * 1000:.0f} ms CPU, stops at extractor #{positions[name]}"
        if name == driver_name:
            note = f"mean CPU {statistics.mean(cpus[name]) * 1000:.0f} ms"
        print(f"| {name} | {median(walls[name]) * 1000:.0f} ms | {median(cpus[name]) * 1000:.0f} ms | {note} |")
    print(f"| the same driver's first job (start, import, URL patterns) "
          f"| {first_driver_job[0] * 1000:.0f} ms | {first_driver_job[1] * 1000:.0f} ms | one run |")
    shutil.rmtree(work, ignore_errors=True)


# ---------------------------------------------------------------------------------------------
# compare


def compare_round(arguments, entries, mode):
    yt_dlp = arguments.yt_dlp
    ffmpeg = shutil.which("ffmpeg")
    work = tempfile.mkdtemp(prefix="spool-bench-")
    jobs = queue.Queue()
    for entry in entries:
        jobs.put(entry)
    durations, failures = [], []
    lock = threading.Lock()

    def worker():
        driver = None
        while True:
            try:
                entry = jobs.get_nowait()
            except queue.Empty:
                break
            directory = tempfile.mkdtemp(dir=work)
            extra = ["--use-extractors", extractor_for(entry)] if mode == "use-extractors" else []
            argv = spool_download_argv(entry[1], directory, "mp3", ffmpeg, extra)
            started = time.perf_counter()
            if mode == "driver":
                if driver is None or driver.jobs >= arguments.driver_jobs:
                    if driver is not None:
                        driver.close()
                    driver = DriverClient(yt_dlp)
                status, stdout, stderr = driver.run(argv)
                output = (stdout + stderr).decode("utf-8", "replace")
            else:
                _, _, status, output = run_measured([yt_dlp, *argv])
            elapsed = time.perf_counter() - started
            produced = os.path.join(directory, entry[0] + ".mp3")
            with lock:
                durations.append(elapsed)
                if status != 0 or not os.path.exists(produced) or produced not in output:
                    failures.append((entry[0], status, output[-500:]))
            shutil.rmtree(directory, ignore_errors=True)
        if driver is not None:
            driver.close()

    usage_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(arguments.parallel)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    usage_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (usage_after.ru_utime + usage_after.ru_stime) - (usage_before.ru_utime + usage_before.ru_stime)
    shutil.rmtree(work, ignore_errors=True)
    if failures:
        raise RuntimeError(f"{mode}: {len(failures)} jobs failed, first: {failures[0]}")
    return wall, cpu, durations


def compare(arguments, entries):
    labels = {
        "process": "(a) a `yt-dlp` process per job, Spool's arguments",
        "use-extractors": "(b) the same + `--use-extractors <extractor>`",
        "driver": f"(c) {arguments.parallel} drivers, each retired after {arguments.driver_jobs} jobs",
    }
    print(f"\n## Compare: {len(entries)} entries, mp3, {arguments.parallel} at a time, "
          f"{os.cpu_count()} CPUs, load average before: {os.getloadavg()[0]:.2f}\n")
    print("| round | how | wall | CPU-s | per job, median | per job, p90 | vs (a) |")
    print("|---|---|---|---|---|---|---|")
    for round_number in range(1, arguments.rounds + 1):
        reference = None
        for mode in arguments.modes:
            wall, cpu, durations = compare_round(arguments, entries, mode)
            if mode == "process":
                reference = (wall, cpu)
            ratio = f"{reference[0] / wall:.2f}× faster, {reference[1] / cpu:.2f}× less CPU" if reference and mode != "process" else ""
            print(f"| {round_number} | {labels[mode]} | {wall:.1f} s | {cpu:.1f} | {median(durations) * 1000:.0f} ms "
                  f"| {p90(durations) * 1000:.0f} ms | {ratio} |", flush=True)


# ---------------------------------------------------------------------------------------------
# memory


def resident_kib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


def memory(arguments, entries):
    """One driver, every entry in turn: its resident size as jobs go by (bounds `--driver-jobs`)."""
    ffmpeg = shutil.which("ffmpeg")
    work = tempfile.mkdtemp(prefix="spool-bench-")
    driver = DriverClient(arguments.yt_dlp)
    checkpoints = {1, 10, 25, 50, 100, 150, 200, 300, 400, 500}
    print(f"\n## Memory: one driver, {len(entries)} jobs in turn\n")
    print("| after job | driver RSS |")
    print("|---|---|")
    for index, entry in enumerate(entries, 1):
        directory = tempfile.mkdtemp(dir=work)
        status, _, stderr = driver.run(spool_download_argv(entry[1], directory, "mp3", ffmpeg))
        if status != 0:
            raise RuntimeError(f"job {index} failed: {stderr[-300:]!r}")
        shutil.rmtree(directory, ignore_errors=True)
        if index in checkpoints or index == len(entries):
            print(f"| {index} | {resident_kib(driver.pid) / 1024:.1f} MiB |", flush=True)
    driver.close()
    shutil.rmtree(work, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("parts", nargs="*", default=[], help="breakdown, compare, memory (default: breakdown and compare)")
    parser.add_argument("--yt-dlp", default=os.path.join(ROOT, ".venv", "bin", "yt-dlp"))
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--parallel", type=int, default=3)
    parser.add_argument("--runs", type=int, default=10, help="runs per breakdown variant")
    parser.add_argument("--rounds", type=int, default=1, help="compare rounds")
    parser.add_argument("--driver-jobs", type=int, default=100, help="jobs per driver before it is retired")
    parser.add_argument("--modes", default="process,use-extractors,driver")
    parser.add_argument("--site-dir", default=os.path.join(tempfile.gettempdir(), "spool-bench-fixture"),
                        help="where the fixture's media is made once and kept")
    arguments = parser.parse_args()
    arguments.modes = arguments.modes.split(",")
    parts = arguments.parts or ["breakdown", "compare"]
    if set(parts) - {"breakdown", "compare", "memory"}:
        parser.error("parts are breakdown, compare and memory")

    site = FixtureSite(arguments.count, arguments.site_dir)
    try:
        entries = listing(arguments.yt_dlp, site.info["feed_url"], arguments.count)
        if len(entries) != arguments.count:
            sys.exit(f"the fixture listed {len(entries)} entries, not {arguments.count}")
        if "breakdown" in parts:
            breakdown(arguments, site, entries)
        if "compare" in parts:
            compare(arguments, entries)
        if "memory" in parts:
            memory(arguments, entries)
    finally:
        site.close()


if __name__ == "__main__":
    main()

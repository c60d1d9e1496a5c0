"""Spool's long-lived yt-dlp driver: one interpreter, one import of yt_dlp, many jobs.

Run it with yt-dlp's own interpreter (the one in the shebang of the `yt-dlp` script), so that
it imports exactly the yt_dlp that `yt-dlp` would run:

    <yt-dlp's python> -u spool_ytdlp_driver.py [--argv0 PATH] [--sys-path PATH]...

Why it exists: a `yt-dlp` process spends most of its CPU before it touches the network, on
starting the interpreter, importing yt_dlp and compiling the URL patterns of ~1,750
extractors to find the one for the URL, and it runs `ffmpeg -bsfs`, `ffprobe -bsfs`,
`file -b` and `uname -p` every time. A driver pays that once and keeps it (measurements:
docs/features/ytdlp-driver.md).

PROTOCOL (version 1). Spool writes, the driver answers; one job at a time.

  Request   One line on stdin, UTF-8 JSON, ended by "\\n":
                {"id": "<id>", "argv": ["<arg>", ...]}
            `argv` is exactly the list of arguments Spool would put after the program name
            of a `yt-dlp` process. `id` is 1-128 characters of [A-Za-z0-9._-], chosen by Spool
            and unguessable (Spool uses 128 random bits), so that no output of a job can forge
            the end marker. Lines longer than 1 MiB, invalid JSON and wrong fields are protocol
            errors: the driver writes "ERROR: spool-ytdlp-driver: <why>" to stderr and exits
            with status 64 without running anything.

  Job       `sys.argv = [argv0, *argv]` and `yt_dlp.main()`: yt-dlp's own entry point, so the
            option parser (`yt_dlp.parse_options`), the configuration files (read because
            argv comes through sys.argv, as for the command), a fresh `YoutubeDL`, the exit
            status and every line written are those of `yt-dlp <argv>`. stdout and stderr are
            the driver's own, inherited by the ffmpeg children; stdin of the job and of its
            children is /dev/null, as for a `yt-dlp` child of Spool.

  End       After the job, stdout and stderr are flushed, then this line goes to stdout:
                "\\r" "SPOOL-YTDLP-DRIVER-END <id> <status>" "\\n"
            <status> is the exit status `yt-dlp <argv>` would have had (0-255; 1 for an
            uncaught exception, whose traceback is on stderr as the interpreter would print
            it). The leading carriage return ends a line the job left unterminated; a reader
            that splits on "\\n" only must strip it. Everything the job wrote to stderr is
            in the stderr pipe before the marker is written, so a reader that sees the marker
            reads stderr until it would block and then has the whole job.

  Exit      End of file on stdin: the driver exits with status 0. It also exits, with
            status 0 and right after a job's end marker, when that job left process-wide
            state behind that the next job could see (see `Isolation`); a notice goes to
            stderr before the marker. Spool then starts a new driver for the next job.

  Restarts  (Spool's side, `ProcessSession` in SpoolProcess) A driver is retired by closing
            its stdin after N jobs. A job that is cancelled, exceeds its time limit or
            stalls is ended by killing the driver's whole process group (SIGTERM, then
            SIGKILL after the grace), which is also what cancelling a `yt-dlp` process does;
            the next job starts a new driver. A driver that dies mid-job reports like a
            `yt-dlp` process that died.

Isolation: every job has its own options, YoutubeDL, cookie jar, HTTP handlers, downloader and
post-processors (all created by `yt_dlp.main`), and runs in an empty `contextvars.Context`
(yt-dlp keeps `--ffmpeg-location` in a ContextVar). After each job the driver restores the
working directory, the environment, the umask, signal dispositions and the one global that
a yt-dlp option changes destructively (`--compat-options allow-unsafe-ext`), and compares
the rest of yt-dlp's process-wide registries (plugins, extractor and post-processor lookups)
with their state before the first job; a difference, a thread or child process left running,
or a descriptor left open makes the driver exit after the job. What is kept on purpose: the
imported modules, compiled URL patterns, and yt-dlp's caches of `ffmpeg -bsfs`/`ffprobe -bsfs`
output (keyed by executable path) and of `platform` probes - the costs the driver exists to
save. A driver restarted every N jobs bounds how stale those caches can get.

Standard library and yt_dlp only.
"""

import contextvars
import json
import os
import re
import signal
import sys
import threading
import traceback

PROTOCOL_VERSION = 1
END_MARKER = "SPOOL-YTDLP-DRIVER-END"
MAX_REQUEST_BYTES = 1 << 20
EXIT_PROTOCOL_ERROR = 64
EXIT_IMPORT_FAILED = 3
_ID_PATTERN = re.compile(r"[A-Za-z0-9._-]{1,128}")


class ProtocolError(Exception):
    pass


def parse_request(line):
    """Returns (id, argv) of one request line (bytes, without its newline)."""
    try:
        request = json.loads(line.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        raise ProtocolError(f"the request is not UTF-8 JSON: {error}") from None
    if not isinstance(request, dict):
        raise ProtocolError("the request is not a JSON object")
    job_id, argv = request.get("id"), request.get("argv")
    if not isinstance(job_id, str) or not _ID_PATTERN.fullmatch(job_id):
        raise ProtocolError('"id" must be 1-128 characters of [A-Za-z0-9._-]')
    if not isinstance(argv, list) or not all(isinstance(arg, str) for arg in argv):
        raise ProtocolError('"argv" must be a list of strings')
    if any("\0" in arg for arg in argv):
        raise ProtocolError('"argv" contains a NUL character, which no command line can')
    return job_id, argv


def exit_status(code):
    """The status the interpreter would exit with for SystemExit(code) (and print the same)."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    # The interpreter prints any other exit value to stderr and exits with 1.
    try:
        sys.stderr.write(f"{code}\n")
    except Exception:
        pass
    return 1


def _global_registries(yt_dlp_globals):
    """A comparable summary of yt-dlp's process-wide lookups (yt_dlp.globals)."""
    summary = {}
    for name, value in sorted(vars(yt_dlp_globals).items()):
        if not isinstance(value, yt_dlp_globals.Indirect):
            continue
        value = value.value
        if isinstance(value, dict):
            summary[name] = tuple(sorted(
                (str(key), len(item) if isinstance(item, list) else None) for key, item in value.items()))
        elif isinstance(value, list):
            summary[name] = tuple(str(item) for item in value)
        else:
            summary[name] = repr(value)
    return summary


def _open_descriptors():
    try:
        return set(os.listdir("/proc/self/fd"))
    except OSError:
        return None


def _child_processes():
    children = []
    try:
        for task in os.listdir("/proc/self/task"):
            with open(f"/proc/self/task/{task}/children") as file:
                children += file.read().split()
    except OSError:
        return []
    return children


def _reap_finished_children():
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


class Driver:
    def __init__(self, argv0):
        import yt_dlp
        import yt_dlp.globals
        import yt_dlp.plugins
        from yt_dlp.utils._utils import _UnsafeExtensionError

        self.yt_dlp = yt_dlp
        self.argv0 = argv0
        self.unsafe_extension_error = _UnsafeExtensionError
        self.unsafe_extension_check = _UnsafeExtensionError._enabled

        # Do once what `yt_dlp.main` does for every run with default options, so that the
        # state compared after each job is the state a default job leaves: load the extractor
        # lookup (lazily filled by the first job otherwise) and the default plugins.
        import yt_dlp.extractor
        yt_dlp.extractor.import_extractors()
        yt_dlp.globals.IN_CLI.value = True
        yt_dlp.globals.plugin_dirs.value = ["default"]
        yt_dlp.plugins.load_all_plugins()
        self.globals_module = yt_dlp.globals
        self.registries = _global_registries(yt_dlp.globals)

        self.directory = os.getcwd()
        self.environment = dict(os.environ)
        self.umask = os.umask(0o022)
        os.umask(self.umask)
        self.signal_handlers = {
            number: signal.getsignal(number) for number in signal.valid_signals()
            if number not in (signal.SIGKILL, signal.SIGSTOP)}
        self.thread_count = threading.active_count()

    def run(self, argv):
        """Runs one job like `yt-dlp <argv>`; returns its exit status."""
        sys.argv = [self.argv0, *argv]
        try:
            return contextvars.Context().run(self._main)
        finally:
            sys.argv = [self.argv0]

    def _main(self):
        try:
            self.yt_dlp.main()
        except SystemExit as exit:
            return exit_status(exit.code)
        except BaseException:
            # What the interpreter does with an exception nobody caught.
            traceback.print_exc()
            return 1
        return 0

    def restore(self, descriptors_before):
        """Puts back what a job may have changed; returns why the driver must not go on, or None."""
        problems = []
        if os.getcwd() != self.directory:
            os.chdir(self.directory)
        if os.environ != self.environment:
            os.environ.clear()
            os.environ.update(self.environment)
        os.umask(self.umask)
        for number, handler in self.signal_handlers.items():
            try:
                if signal.getsignal(number) != handler:
                    signal.signal(number, handler)
            except (OSError, ValueError, TypeError):
                problems.append(f"signal {number} could not be restored")
        self.unsafe_extension_error._enabled = self.unsafe_extension_check

        _reap_finished_children()
        if _global_registries(self.globals_module) != self.registries:
            problems.append("yt-dlp's plugin or extractor registries changed")
        if threading.active_count() > self.thread_count:
            problems.append(f"{threading.active_count() - self.thread_count} thread(s) still running")
        children = _child_processes()
        if children:
            problems.append(f"child process(es) {' '.join(children)} still running")
        descriptors_after = _open_descriptors()
        if descriptors_before is not None and descriptors_after is not None:
            leaked = descriptors_after - descriptors_before
            if leaked:
                problems.append(f"{len(leaked)} descriptor(s) left open")
        return "; ".join(problems) or None


def _flush_job_output():
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass


def serve(requests, marker_output, driver):
    """Reads requests until end of file; returns the driver's exit status."""
    while True:
        line = requests.readline(MAX_REQUEST_BYTES + 1)
        if not line:
            return 0
        if not line.endswith(b"\n"):
            if len(line) > MAX_REQUEST_BYTES:
                raise ProtocolError(f"a request is longer than {MAX_REQUEST_BYTES} bytes")
            raise ProtocolError("the last request has no newline")
        job_id, argv = parse_request(line[:-1])

        descriptors_before = _open_descriptors()
        status = driver.run(argv)
        _flush_job_output()
        problem = driver.restore(descriptors_before)
        if problem:
            sys.stderr.write(
                f"WARNING: spool-ytdlp-driver: {problem}; this driver ends after this job\n")
            sys.stderr.flush()
            # Closed before the marker: by the time Spool reads the marker, the closed stdin tells
            # it to start a new driver rather than to write the next job to this one.
            requests.close()
        marker = f"\r{END_MARKER} {job_id} {status}\n".encode("ascii")
        try:
            os.write(marker_output, marker)
        except OSError:
            return 0  # Nobody reads the answers any more.
        if problem:
            return 0


def _parse_arguments(arguments):
    argv0, paths = "yt-dlp", []
    index = 0
    while index < len(arguments):
        name = arguments[index]
        if name in ("--argv0", "--sys-path") and index + 1 < len(arguments):
            if name == "--argv0":
                argv0 = arguments[index + 1]
            else:
                paths.append(arguments[index + 1])
            index += 2
        else:
            raise ProtocolError(f"unknown driver argument {name!r} "
                                "(usage: spool_ytdlp_driver.py [--argv0 PATH] [--sys-path PATH]...)")
    return argv0, paths


def main(arguments):
    try:
        argv0, paths = _parse_arguments(arguments)
    except ProtocolError as error:
        sys.stderr.write(f"ERROR: spool-ytdlp-driver: {error}\n")
        return EXIT_PROTOCOL_ERROR
    # yt_dlp comes from where `python -m yt_dlp` would find it (PYTHONPATH, site-packages), never
    # from a folder that happens to sit next to this script; a zipapp `yt-dlp` (the release
    # download) is importable once it is on sys.path.
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = paths + [entry for entry in sys.path if os.path.abspath(entry or ".") != here]

    # Requests come on a private copy of stdin; the job and its children get /dev/null, as a
    # `yt-dlp` child of Spool does (and `-a -` cannot swallow the next requests).
    requests = os.fdopen(os.dup(0), "rb")
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    sys.stdin = open(os.devnull, encoding="utf-8")
    # The end marker goes to a private copy of stdout: a job that redirects descriptor 1
    # (yt-dlp does on a broken pipe) cannot swallow it.
    marker_output = os.dup(1)

    try:
        driver = Driver(argv0)
    except Exception:
        sys.stderr.write("ERROR: spool-ytdlp-driver: cannot import yt_dlp\n")
        traceback.print_exc()
        return EXIT_IMPORT_FAILED
    try:
        return serve(requests, marker_output, driver)
    except ProtocolError as error:
        sys.stderr.write(f"ERROR: spool-ytdlp-driver: {error}\n")
        return EXIT_PROTOCOL_ERROR


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

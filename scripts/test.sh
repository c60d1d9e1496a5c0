#!/usr/bin/env bash
# Sets up what is missing, builds Spool and runs every test: the Swift unit and integration
# tests (XCTest), then the black-box tests of the real `spool` binary (pytest: HTTP API,
# real yt-dlp against a local fixture site, WebSocket clients, headless Chromium).
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh test system || exit 1

# .venv is filled (pip, about a minute on a fresh clone) while Spool builds: the build needs
# only the system packages.
venv_log="$(mktemp)"
scripts/setup.sh test python > "$venv_log" 2>&1 &
venv_pid=$!

# The tests' own build folder, without debug info: 184 against 200 s to build on two cores
# (fresh clones, the same machine), and a `swift build` for running Spool (with debug info, in
# .build) is not rebuilt by a test run or the other way round. A failing XCTest still names its
# file and line.
build=(--scratch-path .build-test -Xswiftc -gnone)
echo "==> swift build"
swift build --build-tests "${build[@]}" || { kill "$venv_pid" 2>/dev/null; exit 1; }
wait "$venv_pid"
venv_status=$?
cat "$venv_log"
rm -f "$venv_log"
[ "$venv_status" -eq 0 ] || exit 1

echo "==> built in ${SECONDS} s"
status=0
# Two test processes at a time (each test class in its own): 122 s against 163 s one after
# another, on two cores.
echo "==> swift test"
swift test --skip-build "${build[@]}" --parallel --num-workers 2 || status=1
echo "==> XCTests done at ${SECONDS} s"

# Two test files at a time (pytest-xdist, a file's tests stay on one worker with its module
# fixtures): the black-box tests mostly wait on servers, yt-dlp and Chromium, so two workers
# on two cores took 353 s against 603 s one at a time. SPOOL_TEST_WORKERS=0 runs them in
# this process, one after another (for a debugger, or to rule concurrency out).
echo "==> pytest"
SPOOL_BIN="$PWD/.build-test/debug/spool" .venv/bin/pytest -q -p no:cacheprovider --durations=40 \
  -n "${SPOOL_TEST_WORKERS:-2}" --dist loadfile Tests/Fixtures Tests/ytdlp_driver Tests/e2e "$@" || status=1
echo "==> pytest done at ${SECONDS} s"

exit $status

#!/usr/bin/env bash
# Sets up what is missing, builds Spool in release mode and runs it with the settings from
# the environment or ./.env (see README). Stop it with Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh runtime
swift build -c release --product spool
exec .build/release/spool serve "$@"

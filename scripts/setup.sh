#!/usr/bin/env bash
# Installs what Spool needs on Debian/Ubuntu, only what is missing:
#   system packages (apt) and a project-local Python environment in .venv holding yt-dlp with
#   its default extras (yt-dlp-ejs among them), Deno, the JavaScript runtime YouTube needs, and
#   the apprise CLI that sends notifications (APPRISE_URLS).
# Usage: scripts/setup.sh [runtime|test] [all|system|python]
#   "test" adds the browser, mpv and test clients; "system" does only the apt part and "python"
#   only .venv (scripts/test.sh builds Spool while .venv is filled).
set -euo pipefail
cd "$(dirname "$0")/.."
profile="${1:-runtime}"
part="${2:-all}"

if [ "$part" != "python" ]; then
  packages=(pkg-config libevent-dev libsqlite3-dev libssl-dev libargon2-dev ffmpeg python3)
  if [ "$profile" = "test" ]; then
    # gpodder: Debian's gPodder with its CLI `gpo`, a podcast client the feed tests subscribe
    # with (test_podcasts.py); not on PyPI as a CLI, and a fresh machine lacked it.
    packages+=(chromium chromium-driver sox mpv gpodder)
  fi
  python3 -c 'import ensurepip' >/dev/null 2>&1 || packages+=(python3-venv)

  missing=()
  for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "==> Installing system packages: ${missing[*]}"
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
fi
[ "$part" = "system" ] && exit 0

if [ ! -x .venv/bin/python ]; then
  echo "==> Creating .venv"
  python3 -m venv .venv
fi
# yt-dlp[default] brings yt-dlp-ejs (the challenge solver scripts, so yt-dlp never fetches them
# at run time); the `deno` wheel puts a `deno` binary into .venv/bin, next to yt-dlp, where
# Spool finds it and passes it to yt-dlp (--js-runtimes deno:PATH; recent yt-dlp versions also
# look there by themselves). Without a runtime, YouTube downloads lose formats ("Requested format
# is not available") since 2025.11.
# `pip install` without --upgrade installs only what is missing and is a no-op (no index query)
# once everything is there; Spool keeps yt-dlp current itself (docs/operations.md). The floors
# upgrade an older .venv once: yt-dlp 2025.11.12 is the first with JS runtime support, and it
# refuses Deno below 2.3.0 (yt_dlp/utils/_jsruntime.py, MIN_SUPPORTED_VERSION).
# apprise sends the notifications of APPRISE_URLS (docs/operations.md); Spool finds it in
# .venv/bin like yt-dlp and hands it the URLs in its environment, which keeps their tokens off
# the command line (readable by every user in /proc): 0.8.8 is the first CLI that reads them.
requirements=('yt-dlp[default]>=2025.11.12' 'deno>=2.3' 'apprise>=0.8.8')
if [ "$profile" = "test" ]; then
  requirements+=(-r Tests/e2e/requirements.txt)
fi
.venv/bin/pip install -q --disable-pip-version-check "${requirements[@]}"
echo "==> yt-dlp $(.venv/bin/yt-dlp --version)"
echo "==> $(.venv/bin/deno --version | head -n 1)"
echo "==> apprise $(.venv/bin/apprise --version | head -n 1 | awk '{print $NF}')"

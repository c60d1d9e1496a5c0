#!/usr/bin/env bash
# Installs what Spool needs on Debian/Ubuntu, only what is missing:
#   system packages (apt) and a project-local Python environment in .venv holding yt-dlp.
# Usage: scripts/setup.sh [runtime|test]   ("test" adds the browser and test clients)
set -euo pipefail
cd "$(dirname "$0")/.."
profile="${1:-runtime}"

packages=(pkg-config libevent-dev libsqlite3-dev libssl-dev libargon2-dev ffmpeg python3)
if [ "$profile" = "test" ]; then
  packages+=(chromium chromium-driver sox)
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

if [ ! -x .venv/bin/python ]; then
  echo "==> Creating .venv"
  python3 -m venv .venv
fi
requirements=(yt-dlp)
if [ "$profile" = "test" ]; then
  requirements+=(-r Tests/e2e/requirements.txt)
fi
.venv/bin/pip install -q --disable-pip-version-check --upgrade "${requirements[@]}"
echo "==> yt-dlp $(.venv/bin/yt-dlp --version)"

#!/usr/bin/env bash
# Benchmarks, each beside a reference measured in the same run (results: docs/benchmarks.md).
#   1. the job queue and the writer against bare SQLite      (spool-bench, release build)
#   2. telemetry events/s over HTTP and user-action latency   (beside raw SQLite rows/s)
#   3. WebSocket broadcast latency to 1,000 clients          (beside Python's websockets server)
#   4. HTTP: /api/health, a static file and a media file      (wrk: Spool beside nginx, same files)
#   5. playlist files of a 20,000-track source                (spool-playlist-bench, beside a plain SELECT + write)
#   6. OpenSubsonic calls on a 100,000-track library          (beside the JSON API's same reads)
# Needs wrk and nginx (apt-get install wrk nginx-light). Usage: scripts/bench.sh [seconds per wrk run]
set -euo pipefail
cd "$(dirname "$0")/.."
duration="${1:-10}"
for tool in wrk nginx; do
  command -v "$tool" >/dev/null || { echo "bench needs $tool: apt-get install wrk nginx-light" >&2; exit 2; }
done
swift build -c release --product spool >/dev/null
swift build -c release --product spool-bench >/dev/null
swift build -c release --product spool-playlist-bench >/dev/null

echo "== 1. Queue and writer (spool-bench)"
.build/release/spool-bench

echo
echo "== 2. Telemetry under load (HTTP) beside raw SQLite"
.venv/bin/python scripts/bench/telemetry.py --spool .build/release/spool --seconds "$duration"

echo
echo "== 3. WebSocket fan-out to 1,000 clients beside a Python websockets server"
.venv/bin/python scripts/bench/websocket.py --spool .build/release/spool --rounds 10

echo
echo "== 4. HTTP (wrk -t2 -c50 -d${duration}s on 127.0.0.1; both servers on the same files)"
work="$(mktemp -d)"
trap 'kill $(jobs -p) 2>/dev/null; nginx -p "$work" -c nginx.conf -s stop 2>/dev/null; rm -rf "$work"' EXIT
mkdir -p "$work/data/library/Bench" "$work/logs"
chmod -R a+rX "$work"  # nginx workers run as another user
head -c $((8 << 20)) /dev/urandom > "$work/data/library/Bench/big.m4a"
chmod a+r "$work/data/library/Bench/big.m4a"
DB_PATH="$work/data/tracks.db" .build/release/spool db migrate >/dev/null
.venv/bin/python - "$work/data/tracks.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("INSERT INTO tracks (video_id, title, file_path, size, mime_type, created_at)"
           " VALUES ('b1', 'Big', 'Bench/big.m4a', 8388608, 'audio/mp4', 0)")
db.commit()
PY
spool_port=18080 nginx_port=18081
DB_PATH="$work/data/tracks.db" LIBRARY_DIR="$work/data/library" PORT=$spool_port LOG_LEVEL=warning \
  .build/release/spool serve > "$work/spool.out" 2>&1 &
spool_pid=$!
cat > "$work/nginx.conf" <<NGINX
worker_processes 1;
error_log $work/logs/error.log;
pid $work/nginx.pid;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on; tcp_nodelay on;
  include /etc/nginx/mime.types;
  server {
    listen 127.0.0.1:$nginx_port;
    root $PWD/web;
    location = /api/health { default_type application/json; return 200 '{"status":"ok"}'; }
    location = /media/1 { alias "$work/data/library/Bench/big.m4a"; default_type audio/mp4; }
  }
}
NGINX
nginx -p "$work" -c nginx.conf
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$spool_port/api/health" >/dev/null && break; sleep 0.2; done

measure() {  # url → "requests/s  transfer/s  p99"
  wrk -t2 -c50 -d"${duration}s" --latency "$1" | awk '
    /Requests\/sec/ {rps=$2} /Transfer\/sec/ {tps=$2} /^ +99%/ {p99=$2} /Non-2xx/ {bad=$NF}
    END {printf "%10s req/s %10s/s  p99 %-8s%s", rps, tps, p99, (bad ? "  non-2xx " bad : "")}'
}
printf '%-34s %-52s %s\n' "" "Spool (evhttp, release)" "nginx 1.22, 1 worker"
for pair in "/api/health|JSON health (Spool: the live report, reused while unchanged; nginx: a constant)" "/styles.css|static file with ETag" "/media/1|8 MB media file (sendfile)"; do
  path="${pair%%|*}"; label="${pair#*|}"
  printf '%-34s %-52s %s\n' "$path" "$(measure "http://127.0.0.1:$spool_port$path")" "$(measure "http://127.0.0.1:$nginx_port$path")"
  echo "  ($label)"
  kill -0 "$spool_pid" 2>/dev/null || { echo "Spool stopped during the run:"; tail -40 "$work/spool.out"; exit 1; }
done

echo
echo "== 5. Playlist files of a 20,000-track source (spool-playlist-bench) beside a plain SELECT and write"
.build/release/spool-playlist-bench 2>/dev/null

echo
echo "== 6. OpenSubsonic on a 100,000-track library beside the JSON API's same reads"
.venv/bin/python scripts/bench/subsonic.py --spool .build/release/spool

#!/usr/bin/env bash
# Instructions the server executes per request, counted by callgrind: deterministic where req/s
# and CPU time are not on a shared machine (docs/features/hardening-round-2.md).
# Usage: scripts/bench/instructions-per-request.sh <spool binary> <port> <label>
# Needs valgrind (apt-get install valgrind); compare two binaries built with -c release.
set -u
dir=$(mktemp -d)
DB_PATH=$dir/t.db LIBRARY_DIR=$dir/lib WEB_DIR="$(cd "$(dirname "$0")/../.." && pwd)/web" PORT=$2 LOG_LEVEL=warning \
  valgrind --tool=callgrind --callgrind-out-file=$dir/cg.%p $1 serve > $dir/out 2>&1 &
vpid=$!
sleep 25
python3 - $2 <<'PY'
import http.client, sys
c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=60)
for path in ["/api/health", "/styles.css"]:
    for _ in range(200):
        c.request("GET", path); c.getresponse().read()
PY
for path in /api/health /styles.css; do
  callgrind_control -z $vpid > /dev/null 2>&1
  python3 - $2 $path <<'PY'
import http.client, sys
c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=60)
for _ in range(2000):
    c.request("GET", sys.argv[2]); c.getresponse().read()
PY
  callgrind_control -d $vpid > /dev/null 2>&1
  sleep 2
  file=$(ls -t $dir/cg.* | head -1)
  total=$(grep -h "^summary:\|^totals:" $file | head -1 | awk '{print $2}')
  echo "$3 $path: $((total / 2000)) instructions per request"
done
kill $vpid; wait $vpid 2>/dev/null
rm -rf $dir

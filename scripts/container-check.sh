#!/usr/bin/env bash
# Proves docker/Dockerfile end to end on a machine that reaches no container registry, only
# Debian's mirror and PyPI:
#   1. a Debian bookworm root made with debootstrap (minbase, what debian:bookworm-slim is made
#      of) is imported with `podman import` as the base image;
#   2. Spool is built on the host (release, --static-swift-stdlib) and goes through the
#      Dockerfile's runtime stage with SPOOL_FROM=prebuilt; apt-get inside the build installs
#      ffmpeg, Python and tini from the mirror, pip installs yt-dlp[default] and Deno from a
#      folder of wheels downloaded on the host (see "Wheels" below). The image gets an older
#      yt-dlp (YTDLP_SPEC, 2025.11.12) so that Spool has a real update to make;
#   3. the image runs with podman (or, where podman cannot run containers, in a chroot of the
#      same image; the script says why), PUID/PGID 1234:2345, the host's network and a volume;
#   4. it waits for the image's health check; checks that Spool runs as PUID:PGID, that yt-dlp
#      and Spool's health see Deno; has Spool update yt-dlp (POST /api/ytdlp/update, from a
#      package index of the same wheels served on the host) into /data/ytdlp; adds a fixture
#      channel served on the host and lets the updated yt-dlp download it;
#   5. stops it with SIGTERM while downloads run and checks for a clean shutdown ("Stopped",
#      exit status 0, within compose's grace period), starts it again, waits for the downloads,
#      checks that every file in the volume belongs to PUID:PGID, stops and starts it once more
#      and checks that every track, file and the yt-dlp update are still there;
#   6. notifications leave the container: APPRISE_URLS=json://127.0.0.1:PORT/ names a listener
#      on the host (the container shares the host's network), and the image's own apprise
#      (/opt/venv/bin/apprise, run by Spool as PUID:PGID) delivers the sync's new tracks and the
#      failed download there.
#
# Usage: scripts/container-check.sh [--refresh]   (as root; --refresh rebuilds the cached Debian
#        root and wheels). CONTAINER_CHECK_MODE=chroot forces the chroot mode.
# Caches in .build-container/ (git-ignored; CONTAINER_CHECK_CACHE=DIR puts them elsewhere, e.g.
# outside a fresh clone): the Debian root, the release build, the wheels; podman keeps the base
# image and the build's layers. A warm run only rebuilds what changed.
#
# Why it is done this way, on Debian 12 with its podman 4.3:
#   - `podman run` with the defaults fails: the OCI runtime refuses `setrlimit` (RLIMIT_NOFILE)
#     and the cgroups are v1/hybrid. What runs a container: runc, a containers.conf with
#     `default_ulimits = []` (given by CONTAINERS_CONF, the system's file stays untouched),
#     `--cgroup-manager=cgroupfs`, and `--network host` (no bridge reaches the host's loopback,
#     where the fixture site listens).
#   - `podman build --network host` has the network the host has, so apt-get inside the build
#     reaches the Debian mirror. PyPI answers over HTTPS through this machine's egress proxy,
#     whose CA only the host trusts; so pip in the build takes the wheels from a folder the host
#     filled (`pip download`), mounted with `-v` and named by the PIP_FIND_LINKS/PIP_NO_INDEX
#     build arguments. On a normal machine the same Dockerfile uses PyPI.
#   - `podman build --format docker` keeps HEALTHCHECK (the OCI format drops it).
#   - The chroot mode builds with `--isolation chroot` (no OCI runtime needed) and runs the
#     image's own root, environment, entrypoint, command and health check, read from
#     `podman image inspect`, in new PID and mount namespaces: all but the container runtime.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
started=$(date +%s)

refresh=0
for argument in "$@"; do
    case "$argument" in
        --refresh) refresh=1 ;;
        *) echo "usage: scripts/container-check.sh [--refresh]" >&2; exit 2 ;;
    esac
done

cache=$(realpath -m "${CONTAINER_CHECK_CACHE:-$repo/.build-container}")
base_image=localhost/spool-base:bookworm
image=localhost/spool:check
container=spool-check
check_uid=1234
check_gid=2345
image_ytdlp=2025.11.12   # the image's yt-dlp: older than PyPI's newest, which Spool updates to

step() { printf '==> [%3ds] %s\n' "$(( $(date +%s) - started ))" "$*"; }
fail() {
    echo "container-check: FAILED: $*" >&2
    if [ -n "${spool_log_file:-}" ]; then show_log | tail -n 40 | sed 's/^/    spool| /' >&2; fi
    exit 1
}

[ "$(id -u)" = 0 ] || { echo "container-check: needs root (debootstrap, podman, chroot)" >&2; exit 2; }

# ---------------------------------------------------------------------------------------------
step "Tools"
missing=()
for tool in debootstrap:debootstrap podman:podman runc:runc; do
    command -v "${tool%%:*}" >/dev/null || missing+=("${tool#*:}")
done
# The host's release build links libcurl (FoundationNetworking, for thumbnails) dynamically.
pkg-config --exists libcurl || missing+=(libcurl4-openssl-dev)
if [ ${#missing[@]} -gt 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
mkdir -p "$cache"
cat > "$cache/containers.conf" <<'EOF'
[containers]
default_ulimits = []
EOF
export CONTAINERS_CONF=$cache/containers.conf
pm() { podman --runtime runc --cgroup-manager cgroupfs "$@"; }

# ---------------------------------------------------------------------------------------------
# The mirror the host's apt uses (no host name is written into the project).
mirror_of() {  # suite → URI
    apt-get indextargets --format '$(RELEASE) $(REPO_URI)' 2>/dev/null | awk -v s="$1" '$1 == s { print $2; exit }'
}
mirror=${DEBIAN_MIRROR:-$(mirror_of bookworm)}
security_mirror=${DEBIAN_SECURITY_MIRROR:-$(mirror_of bookworm-security)}
[ -n "$mirror" ] || fail "no bookworm mirror in the host's apt sources; set DEBIAN_MIRROR"

rootfs=$cache/rootfs
case "$rootfs" in /?*/rootfs) ;; *) fail "refusing to work on $rootfs" ;; esac
if [ "$refresh" = 1 ] || [ ! -f "$rootfs/.complete" ]; then
    step "Debian bookworm root (debootstrap --variant=minbase, from $mirror)"
    rm -rf "$rootfs"
    debootstrap --variant=minbase bookworm "$rootfs" "$mirror" > "$cache/debootstrap.log" 2>&1 \
        || fail "debootstrap failed; see $cache/debootstrap.log"
    # As in debian:bookworm-slim: the point release, its updates and security fixes.
    {
        echo "deb $mirror bookworm main"
        echo "deb $mirror bookworm-updates main"
        [ -z "$security_mirror" ] || echo "deb $security_mirror bookworm-security main"
    } > "$rootfs/etc/apt/sources.list"
    # Made like debian:bookworm-slim (debuerreotype's "slimify"): dpkg skips documentation, man
    # pages and translations, apt keeps no downloaded packages. Without it the image measured
    # here would be ~300 MB larger than the one users build from debian:bookworm-slim.
    cat > "$rootfs/etc/dpkg/dpkg.cfg.d/docker" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/lintian/overrides/*
path-exclude /usr/share/locale/*
path-exclude /usr/share/man/*
EOF
    cat > "$rootfs/etc/apt/apt.conf.d/docker-clean" <<'EOF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
EOF
    find "$rootfs/usr/share/doc" -mindepth 2 ! -name copyright ! -type d -delete
    find "$rootfs/usr/share/doc" -mindepth 1 -type d -empty -delete
    rm -rf "$rootfs"/usr/share/{man,info,groff,lintian,linda,locale}/* \
        "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/cache/apt/*.bin
    date -u +%Y%m%d%H%M%S > "$rootfs/.complete"
fi
base_tag=$base_image-$(cat "$rootfs/.complete")
if ! pm image exists "$base_tag"; then
    step "Importing the root as $base_tag"
    tar -C "$rootfs" --exclude=./.complete -c . | pm import - "$base_tag" >/dev/null
fi

# ---------------------------------------------------------------------------------------------
step "Spool release build (--static-swift-stdlib, cached in $cache/swift)"
swift build -c release --product spool --static-swift-stdlib --scratch-path "$cache/swift" \
    > "$cache/swift-build.log" 2>&1 || { tail -n 30 "$cache/swift-build.log" >&2; fail "swift build failed"; }

# Wheels for the image's pip (see the header) and for Spool's yt-dlp update: yt-dlp[default]
# in two versions, their dependencies, Deno, and apprise (the Dockerfile installs all three).
wheels=$cache/wheels
wheels_key="yt-dlp[default] and yt-dlp[default]==$image_ytdlp with deno and apprise"   # what the folder holds
if [ "$refresh" = 1 ] || [ "$(cat "$wheels/.complete" 2>/dev/null)" != "$wheels_key" ]; then
    step "Wheels for the image's pip (pip download on the host)"
    rm -rf "$wheels"
    for requirement in 'yt-dlp[default]' "yt-dlp[default]==$image_ytdlp"; do
        python3 -m pip download -q --disable-pip-version-check --only-binary :all: -d "$wheels" \
            "$requirement" deno apprise || fail "pip download of $requirement failed"
    done
    echo "$wheels_key" > "$wheels/.complete"
fi

# The build context: what the runtime stage copies, and the binary without its debug info.
context=$cache/context
rm -rf "$context"
mkdir -p "$context/docker"
cp -a web "$context/web"
cp -a docker/entrypoint.sh docker/healthcheck.py "$context/docker/"
strip --strip-debug -o "$context/spool" "$cache/swift/release/spool"

# ---------------------------------------------------------------------------------------------
# Can podman run a container here? The answer picks the mode.
mode=${CONTAINER_CHECK_MODE:-}
if [ -z "$mode" ]; then
    if probe=$(pm run --rm --network host "$base_tag" true 2>&1); then
        mode=podman
    else
        mode=chroot
        echo "container-check: podman cannot run a container here:" >&2
        echo "    podman --runtime runc --cgroup-manager cgroupfs run --network host $base_tag true" >&2
        echo "$probe" | sed 's/^/    /' >&2
        echo "  so the same image runs in a chroot of its root; everything but the container runtime is checked." >&2
    fi
fi
case "$mode" in podman | chroot) ;; *) fail "CONTAINER_CHECK_MODE must be podman or chroot, not '$mode'" ;; esac

step "Building $image through docker/Dockerfile (SPOOL_FROM=prebuilt, mode: $mode)"
isolation=()
[ "$mode" = podman ] || isolation=(--isolation chroot)
pm build "${isolation[@]}" --format docker --network host --layers \
    --volume "$wheels:/wheels:ro" \
    --build-arg SPOOL_FROM=prebuilt --build-arg "BASE_IMAGE=$base_tag" \
    --build-arg PIP_NO_INDEX=1 --build-arg PIP_FIND_LINKS=/wheels \
    --build-arg "YTDLP_SPEC=yt-dlp[default]==$image_ytdlp" \
    -f docker/Dockerfile -t "$image" "$context" > "$cache/image-build.log" 2>&1 \
    || { tail -n 30 "$cache/image-build.log" >&2; fail "the image did not build; see $cache/image-build.log"; }
image_bytes=$(pm image inspect --format '{{.Size}}' "$image")
base_bytes=$(pm image inspect --format '{{.Size}}' "$base_tag")
step "Image size: $(( image_bytes / 1000000 )) MB ($(( base_bytes / 1000000 )) MB of it the Debian base)"

rm -rf "$cache/run"
mkdir -p "$cache/run"

# ---------------------------------------------------------------------------------------------
# The fixture site: an RSS feed of ffmpeg-made audio on the host's loopback. `missing` answers
# 404 (a permanent failure), `flaky` succeeds at once (--flaky-failures 0).
fixture_log=$cache/fixture.log
python3 Tests/Fixtures/fixture_site.py --port 0 --dir "$cache/site" --count 3 --flaky-failures 0 \
    > "$cache/fixture.json" 2> "$fixture_log" &
fixture_pid=$!
for _ in $(seq 100); do [ -s "$cache/fixture.json" ] && break; sleep 0.1; done
feed_url=$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["feed_url"])' "$cache/fixture.json") \
    || fail "the fixture site did not start; see $fixture_log"

# The package index Spool's updater uses (YTDLP_UPDATE_INDEX_URL): the same wheels as a PEP 503
# "simple" index on the host's loopback; pip picks the newest yt-dlp in it.
index_root=$cache/run/index
python3 - "$wheels" "$index_root" <<'PY'
import pathlib, re, sys
wheels, root = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
for wheel in sorted(wheels.glob("*.whl")):
    project = re.sub(r"[-_.]+", "-", wheel.name.split("-")[0]).lower()
    folder = root / "simple" / project
    folder.mkdir(parents=True, exist_ok=True)
    (folder / wheel.name).symlink_to(wheel)
    with open(folder / "index.html", "a") as page:
        page.write(f'<a href="{wheel.name}">{wheel.name}</a>\n')
PY
python3 -c '
import functools, http.server, sys
handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=sys.argv[1])
handler.func.log_message = lambda *a: None
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
print(server.server_address[1], flush=True)
server.serve_forever()' "$index_root" > "$cache/run/index.port" &
index_pid=$!
for _ in $(seq 50); do [ -s "$cache/run/index.port" ] && break; sleep 0.1; done
index_url=http://127.0.0.1:$(cat "$cache/run/index.port")/simple/
newest_ytdlp=$(basename "$(ls "$index_root"/simple/yt-dlp/yt_dlp-*.whl | sort -V | tail -n 1)" | cut -d- -f2)

# The notification listener: every POST apprise makes (json:// posts one JSON object per
# message), one line each in notifications.jsonl.
notifications=$cache/run/notifications.jsonl
: > "$notifications"
python3 -c '
import http.server, sys
class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with open(sys.argv[1], "ab") as out:
            out.write(body.replace(b"\n", b" ") + b"\n")
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()
    def log_message(self, *args):
        pass
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()' "$notifications" > "$cache/run/notify.port" &
notify_pid=$!
for _ in $(seq 50); do [ -s "$cache/run/notify.port" ] && break; sleep 0.1; done
[ -s "$cache/run/notify.port" ] || fail "the notification listener did not start"
notify_url=json://127.0.0.1:$(cat "$cache/run/notify.port")/container

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
token=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
export SPOOL_URL=http://127.0.0.1:$port AUTH_TOKEN=$token

data=$cache/run/data
mkdir -p "$data/library"
# Ownership "only where needed": a file already right must not be touched (its ctime stays),
# one left by an earlier PUID must be handed over.
echo right > "$data/already-right"; chown "$check_uid:$check_gid" "$data/already-right"
echo stale > "$data/library/stale"; chown 1000:1000 "$data/library/stale"
sleep 1.1
right_ctime=$(stat -c %Z "$data/already-right")

# The settings the check adds to the image's: loopback only (the host's network is shared),
# the port picked above, a token, and PUID/PGID. A download that SIGTERM interrupts comes back
# after the restart as a zombie with a retry delay (RETRY_BASE_SECONDS, 30 s by default): 2 s
# keeps the check short.
run_env=(HOST=127.0.0.1 "PORT=$port" "AUTH_TOKEN=$token" "PUID=$check_uid" "PGID=$check_gid" RETRY_BASE_SECONDS=2
         "YTDLP_UPDATE_INDEX_URL=$index_url" "APPRISE_URLS=$notify_url")

# --- the two ways of running the image, behind one set of functions ---------------------------
spool_log_file=$cache/run/spool.log
if [ "$mode" = podman ]; then
    pm rm -f "$container" >/dev/null 2>&1 || true
    env_flags=()
    for setting in "${run_env[@]}"; do env_flags+=(-e "$setting"); done
    pm create --name "$container" --network host --log-driver k8s-file \
        -v "$data:/data" "${env_flags[@]}" "$image" >/dev/null
    start_spool() {
        # podman schedules periodic health checks with systemd timers and says so when there is
        # no systemd; the check runs the health check itself (health_once), so that line is dropped.
        pm start "$container" > /dev/null 2> "$cache/run/podman-start.err" \
            || { cat "$cache/run/podman-start.err" >&2; fail "podman start failed"; }
        grep -v 'unable to get systemd connection' "$cache/run/podman-start.err" >&2 || true
    }
    health_once() { pm healthcheck run "$container" >/dev/null 2>&1; }
    as_user() { pm exec --user "$check_uid:$check_gid" --env HOME=/data "$container" "$@"; }
    show_log() { pm logs "$container" 2>&1; }
    spool_pid() {  # Spool's host PID: the child of tini, the container's PID 1
        ps -o pid= --ppid "$(pm inspect --format '{{.State.Pid}}' "$container")" | tr -d ' '
    }
    stop_spool() {  # SIGTERM; sets exit_status
        pm kill --signal TERM "$container" >/dev/null
        exit_status=$(pm wait "$container" | tail -n 1)
    }
    cleanup_runtime() { pm rm -f -t 20 "$container" >/dev/null 2>&1 || true; }
else
    pm rm -f "$container" >/dev/null 2>&1 || true
    pm create --name "$container" "$image" >/dev/null
    root=$(pm mount "$container")
    mkdir -p "$root/data"
    # The image's configuration, as a container runtime would apply it.
    mapfile -t image_env < <(pm image inspect --format '{{range .Config.Env}}{{println .}}{{end}}' "$image" | sed '/^$/d')
    mapfile -t entrypoint < <(pm image inspect --format '{{range .Config.Entrypoint}}{{println .}}{{end}}' "$image" | sed '/^$/d')
    mapfile -t command < <(pm image inspect --format '{{range .Config.Cmd}}{{println .}}{{end}}' "$image" | sed '/^$/d')
    mapfile -t health_test < <(pm image inspect --format '{{range .Config.Healthcheck.Test}}{{println .}}{{end}}' "$image" | sed '/^$/d')
    [ "${health_test[0]:-}" = CMD ] || fail "the image's health check is not an exec form: ${health_test[*]:-none}"
    workdir=$(pm image inspect --format '{{.Config.WorkingDir}}' "$image")
    start_spool() {
        # New PID and mount namespaces: tini is PID 1 as in a container, and the mounts are
        # private to it, so they vanish with it (the container's root is never removed while a
        # host folder is mounted into it). unshare waits for tini and exits with its status.
        unshare --pid --fork --mount --propagation private /bin/sh -c '
            root=$1; data=$2; shift 2
            mount --rbind /dev "$root/dev" && mount -t proc proc "$root/proc" \
                && mount -t tmpfs tmpfs "$root/tmp" && mount --bind "$data" "$root/data" || exit 125
            exec chroot "$root" "$@"' sh "$root" "$data" \
            /usr/bin/env -i -C "${workdir:-/}" "${image_env[@]}" "${run_env[@]}" "${entrypoint[@]}" "${command[@]}" \
            >> "$spool_log_file" 2>&1 &
        unshare_pid=$!
    }
    tini_pid() { ps -o pid= --ppid "$unshare_pid" | tr -d ' '; }
    in_root() {  # like `podman exec`: a command in tini's namespaces and root, with the image's environment
        nsenter --target "$(tini_pid)" --mount --pid --root \
            /usr/bin/env -i -C "${workdir:-/}" "${image_env[@]}" "${run_env[@]}" "$@"
    }
    health_once() { in_root "${health_test[@]:1}" >/dev/null 2>&1; }
    as_user() { in_root HOME=/data setpriv --reuid "$check_uid" --regid "$check_gid" --clear-groups "$@"; }
    show_log() { cat "$spool_log_file"; }
    spool_pid() { ps -o pid= --ppid "$(tini_pid)" | tr -d ' '; }
    stop_spool() {  # SIGTERM to tini; sets exit_status
        kill -TERM "$(tini_pid)"
        exit_status=0; wait "$unshare_pid" || exit_status=$?
    }
    cleanup_runtime() {
        if [ -n "${unshare_pid:-}" ] && kill -0 "$unshare_pid" 2>/dev/null; then
            kill -TERM "$(ps -o pid= --ppid "$unshare_pid" | tr -d ' ')" 2>/dev/null || true
            wait "$unshare_pid" 2>/dev/null || true
        fi
        if findmnt -rn -o TARGET | grep -F "$root/" >&2; then
            echo "container-check: left $container in place: the folders above are still mounted in it" >&2
            return
        fi
        pm umount "$container" >/dev/null 2>&1 || true
        pm rm -f "$container" >/dev/null 2>&1 || true
    }
fi
cleanup() {
    cleanup_runtime
    kill -TERM "$fixture_pid" "$index_pid" "$notify_pid" 2>/dev/null || true
    wait "$fixture_pid" "$index_pid" "$notify_pid" 2>/dev/null || true
}
trap cleanup EXIT

api() {  # api METHOD PATH [JSON] → the answer's body; fails on anything but 2xx
    python3 - "$@" <<'PY'
import os, sys, urllib.request
method, path, body = sys.argv[1], sys.argv[2], (sys.argv[3] if len(sys.argv) > 3 else None)
request = urllib.request.Request(os.environ["SPOOL_URL"] + path, method=method,
    data=body.encode() if body else None,
    headers={"Authorization": "Bearer " + os.environ["AUTH_TOKEN"], "Content-Type": "application/json"})
with urllib.request.urlopen(request, timeout=10) as response:
    sys.stdout.write(response.read().decode())
PY
}

wait_healthy() {
    local deadline=$(( $(date +%s) + 90 ))
    until health_once; do
        [ "$(date +%s)" -lt "$deadline" ] || fail "the health check did not pass within 90 s"
        sleep 0.5
    done
}

check_ownership() {
    local wrong
    wrong=$(find "$data" \( ! -user "$check_uid" -o ! -group "$check_gid" \) -printf '%u:%g %p\n' | head -n 5)
    [ -z "$wrong" ] || fail "files in the volume not owned by $check_uid:$check_gid: $wrong"
    local pid; pid=$(spool_pid)
    [ -n "$pid" ] || fail "no Spool process under tini"
    local ids; ids=$(awk '/^Uid:/ { u = $2 } /^Gid:/ { g = $2 } END { print u ":" g }' "/proc/$pid/status")
    [ "$ids" = "$check_uid:$check_gid" ] || fail "Spool runs as $ids, not $check_uid:$check_gid"
    [ "$(tr '\0' ' ' < "/proc/$pid/cmdline")" = "/usr/local/bin/spool serve " ] \
        || fail "tini's child is not Spool: $(tr '\0' ' ' < "/proc/$pid/cmdline")"
}

ytdlp_health() {  # ytdlp_health EXPRESSION: evaluates a Python expression on /api/health's "ytdlp" as y
    api GET /api/health | python3 -c 'import json, sys; y = json.load(sys.stdin)["ytdlp"]; print(eval(sys.argv[1]))' "$1"
}

# ---------------------------------------------------------------------------------------------
step "Starting the image (PUID=$check_uid PGID=$check_gid, port $port)"
start_spool
wait_healthy
step "Health check passed"
check_ownership
[ "$(stat -c %Z "$data/already-right")" = "$right_ctime" ] || fail "the entrypoint touched a file that was already right"
# /data and /data/library (made by this script as root) and library/stale: 3, not already-right.
show_log | grep >/dev/null "gave 3 file(s) in /data to $check_uid:$check_gid" \
    || fail "the entrypoint did not report handing over exactly /data, library and library/stale"

step "yt-dlp and Deno"
# Spool finds the runtime and passes it to yt-dlp (--js-runtimes deno:PATH); yt-dlp 2025.11.12
# would not find the venv's deno by itself (only on PATH; later versions look beside Python).
runtime=$(ytdlp_health '"%s %s" % ((y.get("js_runtime") or {}).get("path"), (y.get("js_runtime") or {}).get("version"))')
echo "    /api/health: yt-dlp $(ytdlp_health 'y["version"]'), JS runtime $runtime"
[[ $runtime == "/opt/venv/bin/deno 2."* ]] || fail "/api/health reports no Deno: $runtime"
verbose=$(as_user /opt/venv/bin/yt-dlp --js-runtimes "deno:${runtime%% *}" --verbose --simulate --flat-playlist "$feed_url" 2>&1) \
    || { echo "$verbose" | tail -n 5 >&2; fail "yt-dlp failed in the image"; }
js_line=$(echo "$verbose" | grep '^\[debug\] JS runtimes:') || fail "yt-dlp printed no JS runtimes line"
echo "    yt-dlp as the runtime user, given that path: $js_line"
[[ $js_line == *deno-* ]] || fail "yt-dlp does not use Deno: $js_line"

step "Spool updates yt-dlp $image_ytdlp → $newest_ytdlp into /data/ytdlp (from the host's package index)"
api POST /api/ytdlp/update > /dev/null || fail "POST /api/ytdlp/update failed"
python3 - "$newest_ytdlp" <<'PY' || fail "Spool did not update yt-dlp"
import json, os, sys, time, urllib.request
newest = sys.argv[1]
def ytdlp():
    request = urllib.request.Request(os.environ["SPOOL_URL"] + "/api/health", headers={"Authorization": "Bearer " + os.environ["AUTH_TOKEN"]})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)["ytdlp"]
deadline = time.time() + 300
while True:
    y = ytdlp()
    last = y["update"]["last"]
    # The update the POST started, or the scheduled one Spool starts by itself when it is idle
    # (then the POST finds it up to date): either way the newest version must be the one in use.
    if not y["update"]["updating"] and last:
        break
    if time.time() > deadline:
        sys.exit(f"still updating after 300 s: {y['update']}")
    time.sleep(0.5)
print(f"    {last}")
if last.get("result") not in ("updated", "up_to_date") or y["version"] != newest or y["overlay"] != "/data/ytdlp":
    sys.exit(f"expected {newest} from /data/ytdlp, health says {y['version']} from {y['overlay']}: {last}")
PY

# The feed's media come at 3,000 bytes/s (about 3 s per 9 KB file), so that the first SIGTERM
# arrives while downloads run: they must stop in time and resume after the restart.
step "Adding the fixture channel (media throttled to 3 kB/s)"
api POST /api/channels "{\"url\": \"$feed_url?rate=3000\"}" > /dev/null || fail "POST /api/channels failed"

downloads() {  # downloads running|settled: waits until some download runs, or all have ended
    python3 - "$1" <<'PY'
import json, os, sys, time, urllib.request
def get(path):
    request = urllib.request.Request(os.environ["SPOOL_URL"] + path, headers={"Authorization": "Bearer " + os.environ["AUTH_TOKEN"]})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)
terminal = {"completed", "failed", "cancelled", "timeout", "dead_letter"}
wanted = sys.argv[1]
deadline = time.time() + 180
while True:
    jobs = get("/api/jobs?kind=download&limit=500")["jobs"]
    statuses = {j["video_id"]: j["status"] for j in jobs}
    if wanted == "running" and "running" in statuses.values():
        print(f"    downloads: {statuses}")
        sys.exit(0)
    if wanted == "settled" and len(jobs) >= 5 and all(s in terminal for s in statuses.values()):
        break
    if time.time() > deadline:
        sys.exit(f"still waiting for '{wanted}' after 180 s: {statuses}")
    time.sleep(0.2)
expected = {"ep-001": "completed", "ep-002": "completed", "ep-003": "completed", "flaky": "completed", "missing": "failed"}
print(f"    downloads: {statuses}")
if statuses != expected:
    sys.exit(f"expected {expected}")
PY
}

tracks() {  # the library as the API lists it: (id, video id, size) of every track
    api GET /api/tracks | python3 -c 'import json, sys; print(sorted((t["id"], t["video_id"], t["size"]) for t in json.load(sys.stdin)["tracks"]))'
}

stops=0
sigterm() {  # stops Spool with SIGTERM and checks that it shut down cleanly, in time
    local began; began=$(date +%s%N)
    stop_spool
    local status=$exit_status millis=$(( ($(date +%s%N) - began) / 1000000 ))
    stops=$(( stops + 1 ))
    [ "$(show_log | grep -c '\[SpoolApp\] Stopped$')" = "$stops" ] || fail "no 'Stopped' in the log after SIGTERM number $stops"
    [ "$status" = 0 ] || fail "Spool exited with status $status after SIGTERM"
    # compose.yaml's stop_grace_period is 20 s; past it, Docker sends SIGKILL.
    [ "$millis" -lt 20000 ] || fail "the stop took $millis ms, beyond compose's 20 s grace period"
    echo "    clean shutdown in $millis ms, exit status 0"
}

downloads running || fail "no download started"
step "Stopping with SIGTERM while downloads run"
sigterm

step "Starting again: the interrupted downloads resume"
start_spool
wait_healthy
downloads settled || fail "the downloads did not finish as expected"
tracks_before=$(tracks)
media_files=$(find "$data/library" -mindepth 1 -name '.*' -prune -o -type f -name '*.m4a' -print | wc -l)
[ "$media_files" = 4 ] || fail "expected 4 media files in the volume, found $media_files"
check_ownership
step "4 tracks downloaded, every file in the volume owned by $check_uid:$check_gid"

step "Notifications through the image's apprise reach the host ($notify_url)"
python3 - "$notifications" <<'PY' || fail "apprise in the container did not deliver the notifications"
import json, os, sys, time, urllib.request
def health():
    request = urllib.request.Request(os.environ["SPOOL_URL"] + "/api/health", headers={"Authorization": "Bearer " + os.environ["AUTH_TOKEN"]})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)["notifications"]
deadline = time.time() + 60
while True:
    messages = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
    titles = [m["title"] for m in messages]
    # The sync's new tracks (one message, sent when its downloads settled after the restart)
    # and the 404 that failed for good.
    if any(t.endswith("new tracks from Spool Fixture Channel") for t in titles) and "A download failed" in titles:
        break
    if time.time() > deadline:
        sys.exit(f"after 60 s the listener has {titles}; Spool's health says {health()}")
    time.sleep(0.5)
for m in messages:
    print(f"    {m['type']}: {m['title']}")
[apprise] = health()["notifiers"]
print(f"    /api/health: apprise {apprise['target']}, {apprise['sent']} sent, {apprise['failed']} failed")
if apprise["target"] != "1 URL (json)" or apprise["failed"] or apprise["sent"] < 2 or "last_error" in apprise:
    sys.exit(f"health does not show a working apprise: {apprise}")
PY

step "Stopping with SIGTERM and starting again"
sigterm
start_spool
wait_healthy
tracks_after=$(tracks)
[ "$tracks_after" = "$tracks_before" ] || fail "tracks changed across the restart: $tracks_before → $tracks_after"
[ "$(find "$data/library" -mindepth 1 -name '.*' -prune -o -type f -name '*.m4a' -print | wc -l)" = 4 ] \
    || fail "media files changed across the restart"
[ "$(ytdlp_health '(y["version"], y["overlay"])')" = "('$newest_ytdlp', '/data/ytdlp')" ] \
    || fail "the yt-dlp update in /data/ytdlp did not survive the restart: $(ytdlp_health '(y["version"], y["overlay"])')"
check_ownership
sigterm

step "PASSED in $(( $(date +%s) - started )) s (mode: $mode): every track, file and the yt-dlp update survived the restarts, notifications left the container; image $(( image_bytes / 1000000 )) MB"

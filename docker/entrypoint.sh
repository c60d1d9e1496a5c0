#!/bin/sh
# Starts Spool in the container as the user PUID:PGID (default 1000:1000), as the common
# self-hosted images do: it runs as root only long enough to
#   1. give the image's `spool` account the uid/gid asked for,
#   2. hand /data to that user, changing only files whose owner or group differ (a library of
#      100,000 files that is already right costs one stat each and no write),
#   3. exec Spool (`spool "$@"`, CMD is `serve`) with setpriv, so tini signals Spool directly.
# Started as non-root (`--user`), it skips all of that and runs Spool as that user.
set -eu

if [ "$(id -u)" != 0 ]; then
    exec /usr/local/bin/spool "$@"
fi

PUID="${PUID:-1000}"
PGID="${PGID:-1000}"
for pair in "PUID=$PUID" "PGID=$PGID"; do
    case "${pair#*=}" in
        '' | *[!0-9]*) echo "spool-entrypoint: invalid setting ${pair%%=*}: '${pair#*=}' is not a whole number" >&2; exit 2 ;;
    esac
done

[ "$(id -g spool)" = "$PGID" ] || groupmod --non-unique --gid "$PGID" spool
[ "$(id -u spool)" = "$PUID" ] || usermod --non-unique --uid "$PUID" spool

# Spool makes its folders inside /data itself (the yt-dlp updater renames /data/ytdlp.new into
# place, so /data must be the user's); DB_PATH or LIBRARY_DIR elsewhere are the user's to own.
mkdir -p /data
changed=$(find /data \( ! -user "$PUID" -o ! -group "$PGID" \) -printf . -exec chown -h "$PUID:$PGID" {} + 2>/tmp/spool-chown.err | wc -c) || true
if [ -s /tmp/spool-chown.err ]; then
    # A read-only mount or an NFS export with root_squash: Spool reports what it cannot write.
    echo "spool-entrypoint: could not hand every file in /data to $PUID:$PGID: $(head -n 1 /tmp/spool-chown.err)" >&2
fi
rm -f /tmp/spool-chown.err
[ "$changed" = 0 ] || echo "spool-entrypoint: gave $changed file(s) in /data to $PUID:$PGID" >&2

# HOME on the volume: yt-dlp's cache (~/.cache/yt-dlp, player scripts it would fetch again per
# download) and Deno's survive restarts, and pip has a home when it updates yt-dlp.
export HOME=/data USER=spool LOGNAME=spool
exec setpriv --reuid "$PUID" --regid "$PGID" --init-groups --no-new-privs /usr/local/bin/spool "$@"

"""Issue 15, item 4: the library's lists as `.m3u8` files other players read. The real spool
binary syncs the fixture site with the real yt-dlp; the files are read back with the `m3u8`
package from PyPI (a third-party parser), every entry resolved the way Navidrome and Jellyfin
resolve a relative line (against the playlist's own folder), and played by mpv."""
import math
import os
import shutil
import subprocess
from pathlib import Path

import m3u8

from browser import db_query
from fixture_site import FixtureSite
from test_sources import FAST, add, settle

MARKER = "# Written by Spool for {}; edits are overwritten."


def read_list(path: Path) -> list[str] | None:
    """The absolute paths a playlist names, in order, through the third-party parser (None
    while the file does not exist)."""
    if not path.exists():
        return None
    playlist = m3u8.load(str(path))
    return [os.path.normpath(os.path.join(path.parent, segment.uri)) for segment in playlist.segments]


def played_by_mpv(path: Path) -> list[str]:
    """The files mpv plays from the playlist, in order (50 ms of each, no audio device)."""
    assert shutil.which("mpv"), "mpv is missing: scripts/setup.sh test installs it"
    out = subprocess.run(["mpv", "--no-config", "--ao=null", "--vo=null", "--end=0.05",
                          "--term-playing-msg=PLAYING ${path}", str(path)],
                         capture_output=True, text=True, timeout=60).stdout
    return [os.path.normpath(line[len("PLAYING "):]) for line in out.splitlines() if line.startswith("PLAYING ")]


def owned_by(folder: Path, owner: str) -> Path | None:
    """The file whose marker names `owner` ("source 3", "Likes")."""
    for path in folder.glob("*.m3u8"):
        if MARKER.format(owner) in path.read_text(encoding="utf-8").splitlines()[:4]:
            return path
    return None


def test_lists_follow_the_source_order_and_every_delete_restore_and_like(spool_factory, tmp_path):
    with FixtureSite(tmp_path / "site", count=3, flaky_failures=0) as site:
        server = spool_factory(env=FAST)
        health = server.get("/api/health").json()
        folder = Path(health["playlists"]["folder"])
        assert folder == Path(os.path.normpath(server.library)) / "Playlists", health["playlists"]
        folder.mkdir(parents=True, exist_ok=True)
        mine = folder / "Mine.m3u8"  # a user's own list, never to be touched
        mine.write_text("#EXTM3U\n../elsewhere.mp3\n", encoding="utf-8")

        source = add(server, {"url": site.feed_url})
        settle(server, source["id"])

    # The source's listing order (newest first), downloaded entries only.
    entries = server.get(f"/api/sources/{source['id']}/entries").json()["entries"]
    downloaded = [e["track_id"] for e in entries if e["state"] == "downloaded"]
    assert len(downloaded) == 4, entries  # ep-003, ep-002, ep-001, flaky; "missing" is a 404
    paths = {track_id: os.path.normpath(os.path.join(server.library, path))
             for track_id, path in db_query(server, "SELECT id, file_path FROM tracks")}
    expected = [paths[track_id] for track_id in downloaded]

    owner = f"source {source['id']}"
    listed = server.wait_for(lambda: (p := owned_by(folder, owner)) and read_list(p) == expected and p,
                             timeout=20, message="the source's list in the listing's order")
    assert listed.name == "Spool Fixture Channel.m3u8"
    assert all(Path(p).is_file() for p in read_list(listed))
    assert played_by_mpv(listed) == expected
    parsed = m3u8.load(str(listed))
    titles = {t["id"]: t for t in server.get(f"/api/tracks?limit=500&source={source['id']}").json()["tracks"]}
    for track_id, segment in zip(downloaded, parsed.segments):
        track = titles[track_id]
        assert segment.title.endswith(track["title"]), (segment.title, track["title"])
        assert segment.duration == math.floor(track["duration"] + 0.5), (segment.duration, track["duration"])
    assert not (folder / "Likes.m3u8").exists()  # nothing liked yet: no list

    # A delete takes the track out of the list; a restore puts it back where it was.
    gone = downloaded[1]
    assert server.delete(f"/api/tracks/{gone}").status == 200
    server.wait_for(lambda: read_list(listed) == [p for p in expected if p != paths[gone]],
                    timeout=15, message="the list without the deleted track")
    assert server.post(f"/api/tracks/{gone}/restore").status == 200
    server.wait_for(lambda: read_list(listed) == expected, timeout=15, message="the restored track back in place")

    # The owner's likes (a single-user install's: `Likes.m3u8`), in the order they were liked.
    for track_id in (downloaded[2], downloaded[0]):
        assert server.put(f"/api/tracks/{track_id}/rating", {"value": 1}).status == 200
    server.wait_for(lambda: read_list(folder / "Likes.m3u8") == [paths[downloaded[2]], paths[downloaded[0]]],
                    timeout=15, message="the likes in the order they were liked")
    assert server.put(f"/api/tracks/{downloaded[2]}/rating", {"value": 0}).status == 200
    server.wait_for(lambda: read_list(folder / "Likes.m3u8") == [paths[downloaded[0]]],
                    timeout=15, message="an unliked track leaves Likes")
    assert server.get("/api/health").json()["playlists"].get("problem") is None

    # What a crash or a hand edit leaves is repaired at the next start.
    server.stop()
    listed.write_text("#EXTM3U\n" + MARKER.format(owner) + "\n../edited.mp3\n", encoding="utf-8")
    (folder / "Likes.m3u8").unlink()
    restarted = spool_factory(env=FAST)
    restarted.wait_for(lambda: read_list(listed) == expected and (folder / "Likes.m3u8").exists()
                       and read_list(folder / "Likes.m3u8") == [paths[downloaded[0]]],
                       timeout=15, message="the lists repaired at start-up")
    assert mine.read_text(encoding="utf-8") == "#EXTM3U\n../elsewhere.mp3\n"
    assert sorted(p.name for p in folder.iterdir()) == ["Likes.m3u8", "Mine.m3u8", "Spool Fixture Channel.m3u8"]


def test_playlist_files_off_writes_none(spool_factory, tmp_path):
    server = spool_factory(env={**FAST, "PLAYLIST_FILES": "0"})
    assert "playlists" not in server.get("/api/health").json()
    assert not (Path(server.library) / "Playlists").exists()

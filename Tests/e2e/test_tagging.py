"""Issue 15: files every other player can read. Downloads from the fixture site with the real
yt-dlp in every audio codec Spool offers; the tags and the cover are read back with mutagen
(through Tests/SpoolMediaTests/read_tags.py, which reads each container independently of
Spool's code) and ffprobe; durations come from the file when the listing has none; artwork is
served with ETag, 304 and 404."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

from browser import db_query
from conftest import REPO
from fixture_site import FixtureSite
from test_sources import FAST, add, settle, tracks_of

READ_TAGS = REPO / "Tests" / "SpoolMediaTests" / "read_tags.py"


def mutagen_tags(path: Path) -> dict:
    out = subprocess.run([sys.executable, str(READ_TAGS), str(path)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def ffprobe_tags(path: Path) -> dict:
    out = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format_tags:stream_tags", "-of", "json", str(path)],
                         capture_output=True, text=True, check=True).stdout
    data = json.loads(out)
    tags = {k.lower(): v for k, v in data.get("format", {}).get("tags", {}).items()}
    for stream in data.get("streams", []):
        tags.update({k.lower(): v for k, v in stream.get("tags", {}).items()})
    return tags


def jpeg_dimensions(data: bytes) -> tuple[int, int]:
    """Width and height from a JPEG's start-of-frame header, read with ffprobe from stdin."""
    out = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "stream=width,height", "-of", "json", "-"],
                         input=data, capture_output=True, check=True).stdout
    stream = json.loads(out)["streams"][0]
    return stream["width"], stream["height"]


@pytest.mark.parametrize("codec,suffix", [("m4a", ".m4a"), ("mp3", ".mp3"), ("opus", ".opus"), ("vorbis", ".ogg"), ("flac", ".flac")])
def test_every_audio_codec_carries_tags_and_a_square_jpeg_cover(spool_factory, tmp_path, codec, suffix):
    with FixtureSite(tmp_path / "site", count=1, flaky_failures=0, title="Fixture Band Channel", prefix=f"{codec}-") as site:
        site.find(f"{codec}-ep-001").title = "The Fixture Band - Sine Song"
        server = spool_factory(env=FAST)
        profile = server.post("/api/profiles", {"name": codec, "audio_codec": codec}).json()
        source = add(server, {"url": site.feed_url, "profile_id": profile["id"], "filters": {"max_items": 1}})
        settle(server, source["id"])
    track = tracks_of(server, source["id"])[f"{codec}-ep-001"]
    [(relative,)] = db_query(server, "SELECT file_path FROM tracks WHERE id = ?", (track["id"],))
    path = Path(server.library) / relative
    assert path.suffix == suffix, path
    tags = mutagen_tags(path)
    assert tags["title"] == "Sine Song" and tags["artist"] == "The Fixture Band", tags  # "Artist - Title" split
    assert tags["album"] == "Fixture Band Channel", tags
    assert tags["date"].startswith("2024"), tags
    assert tags["video_id"] == f"{codec}-ep-001", tags
    assert site.feed_url in (tags.get("comment") or "") or site.feed_url == tags.get("source_url"), tags
    [picture] = tags["pictures"]
    assert picture["mime"] == "image/jpeg" and picture["width"] == picture["height"], picture
    probed = ffprobe_tags(path)
    assert probed.get("title") == "Sine Song" and probed.get("artist") == "The Fixture Band", probed
    # The cover is served too, square, with validators.
    cover = server.get(f"/api/tracks/{track['id']}/artwork")
    assert cover.status == 200 and cover.headers["Content-Type"] == "image/jpeg" and cover.body[:2] == b"\xff\xd8"


def test_duration_comes_from_the_file_and_artwork_has_etag_304_and_404(spool_factory, tmp_path):
    with FixtureSite(tmp_path / "site", count=2, flaky_failures=0) as site:
        site.reported_durations["ep-002"] = ""  # the feed says nothing of its length
        server = spool_factory(env=FAST)
        source = add(server, {"url": site.feed_url, "filters": {"max_items": 2}})
        settle(server, source["id"])
    tracks = tracks_of(server, source["id"])
    assert tracks["ep-002"]["duration"] == pytest.approx(2, abs=0.2), tracks["ep-002"]
    track = tracks["ep-001"]
    small = server.get(f"/api/tracks/{track['id']}/artwork?size=list")
    assert small.status == 200 and small.headers.get("ETag"), small.headers
    assert "max-age" in small.headers.get("Cache-Control", "")
    again = server.get(f"/api/tracks/{track['id']}/artwork?size=list", headers={"If-None-Match": small.headers["ETag"]})
    assert again.status == 304
    big = server.get(f"/api/tracks/{track['id']}/artwork")
    assert jpeg_dimensions(big.body)[0] > jpeg_dimensions(small.body)[0] > 0
    assert server.get(f"/api/sources/{source['id']}/artwork?size=list").status == 200
    assert server.get(f"/api/tracks/{track['id']}/artwork?size=huge").status == 400
    missing = server.get("/api/tracks/999999/artwork")
    assert missing.status == 404 and missing.json()["error"]["code"] == "not_found"
    # A track without any image (no thumbnail, no embedded cover) answers 404 JSON, and keeps
    # answering it without running ffmpeg again.
    [(thumb, media)] = db_query(server, "SELECT thumbnail_path, file_path FROM tracks WHERE id = ?", (tracks["ep-002"]["id"],))
    assert thumb is not None

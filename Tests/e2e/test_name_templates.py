"""Issue 15: file and folder names from a profile's template. Real yt-dlp against the fixture
site; names at download time with collisions, bad templates refused with the field named, a
template change that moves files and rows together, and a kill -9 in the middle of that move."""
import os

import pytest

from browser import db_query
from fixture_site import FixtureSite
from test_sources import FAST, add, settle, tracks_of

TERMINAL = {"completed", "failed", "cancelled", "timeout", "dead_letter"}


def patch_profile(server, profile_id, body):
    return server.request("PATCH", f"/api/profiles/{profile_id}", body)


def library_files(server):
    """Every media file in the library (not Spool's own hidden folders)."""
    found = set()
    for folder, subfolders, files in os.walk(server.library):
        subfolders[:] = [s for s in subfolders if not s.startswith(".")]
        for name in files:
            if name.endswith(".m4a"):
                found.add(os.path.relpath(os.path.join(folder, name), server.library))
    return found


def rows(server):
    return dict(db_query(server, "SELECT video_id, file_path FROM tracks WHERE deleted_at IS NULL"))


def test_bad_templates_are_refused_naming_the_field(spool_factory):
    server = spool_factory(env=FAST)
    for bad, words in [("../{title}.{ext}", "climb"), ("/srv/{title}.{ext}", "absolute"),
                       ("{artist}/{nope}.{ext}", "Unknown field {nope}"), ("{title}", ".{ext}")]:
        r = patch_profile(server, 1, {"output_template": bad})
        assert r.status == 400, (bad, r.text)
        error = r.json()["error"]
        assert "output_template" in error["message"] and words in error["message"], (bad, error)
    assert server.get("/api/profiles/1").json()["output_template"] == "{source}/{title} [{id}].{ext}"
    meta = server.get("/api/meta").json()
    assert {"artist", "album", "track", "title", "id", "ext"} <= {f["name"] for f in meta["name_template_fields"]}


def test_colliding_names_get_suffixes_and_a_template_change_moves_files_and_rows(spool_factory, tmp_path):
    with FixtureSite(tmp_path / "site", count=3, flaky_failures=0, title="Fixture Band Channel") as site:
        server = spool_factory(env=FAST)
        # Every track renders to one name: the album's (the source's title).
        assert patch_profile(server, 1, {"output_template": "{album}/{album}.{ext}"}).status == 200
        source = add(server, {"url": site.feed_url, "filters": {"max_items": 3}})
        settle(server, source["id"])
    before = rows(server)
    assert len(before) == 3, before
    assert set(before.values()) == {"Fixture Band Channel/Fixture Band Channel.m4a",
                                    "Fixture Band Channel/Fixture Band Channel (2).m4a",
                                    "Fixture Band Channel/Fixture Band Channel (3).m4a"}
    assert library_files(server) == set(before.values())

    assert patch_profile(server, 1, {"output_template": "{artist}/{track:02} {title} [{id}].{ext}"}).status == 200
    preview = server.get("/api/profiles/1/renames").json()
    assert preview["tracks"] == 3 and preview["to_move"] == 3, preview
    job = server.post("/api/profiles/1/renames").json()["job"]
    done = server.wait_for(lambda: (j := server.get(f"/api/jobs/{job['id']}").json())["status"] in TERMINAL and j,
                           timeout=60, message="the rename job")
    assert done["status"] == "completed", done
    after = rows(server)
    assert after.keys() == before.keys()
    tags = tracks_of(server, source["id"])
    for video_id, path in after.items():
        # The artist tag (an "Artist - Title" split, else the channel) is the folder; a channel's
        # entries have no track number (its positions shift with every upload), so {track:02}
        # renders nothing; a long title gives way to the id.
        assert tags[video_id]["artist"], tags[video_id]
        assert path.startswith(tags[video_id]["artist"] + "/") and path.endswith(f"[{video_id}].m4a"), path
        assert path.count("/") == 1 and " (2)" not in path, path
    assert library_files(server) == set(after.values())
    assert not set(before.values()) & library_files(server), "no file stayed at its old name"
    # Tracks still play from their new names.
    some = next(iter(tracks_of(server, source["id"]).values()))
    assert server.get(f"/media/{some['id']}").status == 200
    assert server.get("/api/profiles/1/renames").json()["to_move"] == 0


@pytest.mark.long  # about 20 s; SpoolCoreTests stop a rename at each crash point in the default run
def test_a_kill_in_the_middle_of_a_move_is_finished_after_restart(spool_factory, tmp_path):
    with FixtureSite(tmp_path / "site", count=3, flaky_failures=0) as site:
        server = spool_factory(env={**FAST, "JOB_LEASE_SECONDS": "2", "JOB_HEARTBEAT_SECONDS": "0.5"})
        source = add(server, {"url": site.feed_url, "filters": {"max_items": 3}})
        settle(server, source["id"])
    before = rows(server)
    assert len(before) == 3
    assert patch_profile(server, 1, {"output_template": "moved/{title} [{id}].{ext}"}).status == 200
    server.stop()
    # The first track's row takes its new name; the process dies before its files move.
    server.env["SPOOL_CRASH_AFTER"] = "rename_mark"
    server.start()
    try:
        server.post("/api/profiles/1/renames")
    except Exception:
        pass
    server.process.wait(timeout=30)
    assert server.process.returncode == 137
    assert db_query(server, "SELECT count(*) FROM file_moves") == [(1,)]
    server.env.pop("SPOOL_CRASH_AFTER")
    server.start()
    # Start-up finishes the interrupted track; the queued job comes back and moves the rest.
    server.wait_for(lambda: all(p.startswith("moved/") for p in rows(server).values()), timeout=90,
                    message="every track to reach its new name")
    after = rows(server)
    assert after.keys() == before.keys()
    assert library_files(server) == set(after.values()), "every row's file exists, and no file was lost"
    assert db_query(server, "SELECT count(*) FROM file_moves") == [(0,)]

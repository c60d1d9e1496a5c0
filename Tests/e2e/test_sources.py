"""Issue 14: sources with their own rules — profiles, filters, "only new from now on", single
videos, playlists in order, retention driven by listening — with the real yt-dlp against the
fixture site and ffprobe reading what was downloaded."""
import json
import subprocess
import time
from pathlib import Path

import pytest

from browser import db_query
from conftest import REPO
from fixture_site import BASE_TIME, FixtureSite

YTDLP = str(REPO / ".venv" / "bin" / "yt-dlp")
FAST = {"YTDLP_PATH": YTDLP, "RETRY_BASE_SECONDS": "0.2", "RETRY_MAX_SECONDS": "1", "WORKERS": "2",
        "RETENTION_INTERVAL_SECONDS": "0.3"}
TERMINAL = {"completed", "failed", "cancelled", "timeout", "dead_letter"}


def settle(server, source_id, timeout=120):
    """Waits until the source's sync ended and none of its downloads is still going."""
    def done():
        jobs = server.get(f"/api/jobs?limit=500&source={source_id}").json()["jobs"]
        syncs = [j for j in jobs if j["kind"] == "source_sync"]
        return syncs and all(j["status"] in TERMINAL for j in jobs) and jobs
    return server.wait_for(done, timeout=timeout, interval=0.3, message=f"source {source_id} to settle")


def add(server, body):
    r = server.post("/api/sources", body)
    assert r.status == 202, r.text
    return r.json()


def tracks_of(server, source_id):
    return {t["video_id"]: t for t in server.get(f"/api/tracks?limit=500&source={source_id}").json()["tracks"]}


def codec(path: Path) -> str:
    out = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "a:0", "-show_entries", "stream=codec_name",
                          "-of", "json", str(path)], capture_output=True, text=True, check=True).stdout
    return json.loads(out)["streams"][0]["codec_name"]


def test_two_sources_with_different_profiles_get_their_own_formats(spool_factory, tmp_path):
    def files(source_id):
        return {video: (track_id, path) for track_id, video, path in
                db_query(server, "SELECT id, video_id, file_path FROM tracks WHERE source_id = ? AND deleted_at IS NULL", (source_id,))}

    with FixtureSite(tmp_path / "a", count=2, flaky_failures=0) as first, \
            FixtureSite(tmp_path / "b", count=2, flaky_failures=0, title="Second Channel", prefix="b-") as second:
        server = spool_factory(env=FAST)
        mp3 = server.post("/api/profiles", {"name": "MP3 for the car", "audio_codec": "mp3", "audio_quality": "5"}).json()
        a = add(server, {"url": first.feed_url})
        b = add(server, {"url": second.feed_url, "profile_id": mp3["id"]})
        settle(server, a["id"])
        settle(server, b["id"])
        for source, expected, suffix, prefix in ((a, "aac", ".m4a", ""), (b, "mp3", ".mp3", "b-")):
            tracks = files(source["id"])
            assert set(tracks) == {prefix + "ep-001", prefix + "ep-002", prefix + "flaky"}, tracks.keys()
            for _, path in tracks.values():
                assert path.endswith(suffix) and codec(Path(server.library) / path) == expected, (path, expected)
        profiles = {p["name"]: p for p in server.get("/api/profiles").json()["profiles"]}
        assert profiles["MP3 for the car"]["sources"] == 1 and profiles["Default"]["is_default"] is True

        # A profile change is offered, not forced; the re-download replaces the files in the
        # new format and keeps each track (its id, its like).
        liked = files(a["id"])["ep-001"][0]
        server.put(f"/api/tracks/{liked}/rating", {"value": 1})
        server.request("PATCH", f"/api/sources/{a['id']}", body={"profile_id": mp3["id"]})
        assert server.get(f"/api/jobs?source={a['id']}&kind=download&status=pending").json()["jobs"] == [], "no re-download unasked"
        redo = server.post(f"/api/sources/{a['id']}/redownload")
        assert redo.status == 202 and redo.json()["queued"] == 3, redo.text
        server.wait_for(lambda: all(path.endswith(".mp3") for _, path in files(a["id"]).values()), timeout=60, message="mp3 files")
        for video_id, (_, path) in files(a["id"]).items():
            assert codec(Path(server.library) / path) == "mp3", video_id
        assert files(a["id"])["ep-001"][0] == liked
        assert server.get(f"/api/tracks/{liked}").json()["rating"] == 1, "the like survives the new file"


def test_each_filter_skips_exactly_its_entries_with_the_reason_and_none_is_retried(spool_factory, tmp_path):
    with FixtureSite(tmp_path / "site", count=8, flaky_failures=0) as site:
        for index in range(1, 9):
            site.reported_durations[f"ep-{index:03d}"] = {4: 5, 6: 300}.get(index, 120)
        site.find("ep-005").title = "Episode 5"
        site.find("ep-007").title = "Bonus 7"
        server = spool_factory(env=FAST)
        day = time.strftime("%Y-%m-%d", time.gmtime(BASE_TIME + 86400 * 3))  # ep-003's day
        include = "^(episode|a very|ünïcødé)"
        source = add(server, {"url": site.feed_url, "filters": {
            "title_include": include, "title_exclude": "^episode 5$", "min_duration": 60, "max_duration": 200,
            "uploaded_after": day, "max_items": 7}})
        settle(server, source["id"])
        downloads = server.get(f"/api/jobs?limit=500&source={source['id']}&kind=download").json()["jobs"]
        assert {j["video_id"] for j in downloads} == {"ep-008", "ep-003"}
        assert all(j["status"] == "completed" and j["attempts"] == 1 for j in downloads), downloads
        skipped = {e["video_id"]: e["skip_reason"] for e in
                   server.get(f"/api/sources/{source['id']}/entries?skipped=true").json()["entries"]}
        assert skipped == {
            "ep-007": f"Title does not match '{include}'", "ep-006": "Longer than 200 s",
            "ep-005": "Title matches '^episode 5$'", "ep-004": "Shorter than 60 s", "ep-002": f"Published before {day}",
            "ep-001": "Beyond the newest 7", "missing": "Beyond the newest 7", "flaky": "Beyond the newest 7"}, skipped
        detail = server.get(f"/api/sources/{source['id']}").json()
        assert detail["counts"]["skipped"] == 8 and detail["counts"]["failed"] == 0
        assert sum(detail["last_sync"]["skipped"].values()) == 8

        # A full re-sync queues nothing again; loosening a filter queues what now passes.
        assert server.post(f"/api/sources/{source['id']}/sync?full=true").status == 202
        server.wait_for(lambda: len(server.get(f"/api/jobs?source={source['id']}&kind=source_sync&status=completed").json()["jobs"]) == 2,
                        timeout=60, message="the re-sync")
        assert len(server.get(f"/api/jobs?limit=500&source={source['id']}&kind=download").json()["jobs"]) == 2
        server.request("PATCH", f"/api/sources/{source['id']}", body={"filters": {"min_duration": 60, "uploaded_after": day}})
        server.post(f"/api/sources/{source['id']}/sync?full=true")
        server.wait_for(lambda: {j["video_id"] for j in server.get(f"/api/jobs?limit=500&source={source['id']}&kind=download&status=completed").json()["jobs"]}
                        >= {"ep-005", "ep-006", "ep-007"}, timeout=90, message="ep-005, 6 and 7 once the title and length filters are gone")


def test_a_filter_the_listing_cannot_apply_skips_at_download_time(spool_factory, tmp_path):
    with FixtureSite(tmp_path / "site", count=2, flaky_failures=0) as site:
        site.reported_durations["ep-002"] = ""  # the feed says nothing of its length
        server = spool_factory(env=FAST)
        # Not YouTube: a short is a minute or less. ep-001's 2 s are in the feed (a listing-time
        # skip); ep-002's are not (yt-dlp's match filter skips it once it knows them).
        source = add(server, {"url": site.feed_url, "filters": {"min_duration": 1, "max_items": 2, "include_shorts": False}})
        settle(server, source["id"])
        job = [j for j in server.get(f"/api/jobs?source={source['id']}&kind=download").json()["jobs"] if j["video_id"] == "ep-002"][0]
        detail = server.get(f"/api/jobs/{job['id']}").json()
        assert job["status"] == "completed" and job["attempts"] == 1, job
        assert "ep-002" not in tracks_of(server, source["id"])
        assert detail["events"][-1]["message"].startswith("Skipped: Does not pass the filter"), detail["events"]
        skipped = server.get(f"/api/sources/{source['id']}/entries?skipped=true").json()["entries"]
        assert [e["video_id"] for e in skipped if e["skip_reason"].startswith("Does not pass")] == ["ep-002"]
        assert "duration>60" in detail["events"][-1]["message"], detail["events"][-1]
        assert {e["video_id"]: e["skip_reason"] for e in skipped}["ep-001"] == "A short"
        assert tracks_of(server, source["id"]) == {}


def test_only_new_from_now_on_downloads_nothing_first_then_exactly_the_new_ones(spool_factory, tmp_path):
    with FixtureSite(tmp_path / "site", count=3, flaky_failures=0) as site:
        server = spool_factory(env=FAST)
        source = add(server, {"url": site.feed_url, "only_new": True})
        settle(server, source["id"])
        assert server.get(f"/api/jobs?source={source['id']}&kind=download").json()["jobs"] == []
        assert server.get(f"/api/sources/{source['id']}").json()["counts"]["skipped"] == 5
        new = site.add(2)
        assert server.post(f"/api/sources/{source['id']}/sync").status == 202
        server.wait_for(lambda: len(server.get(f"/api/jobs?source={source['id']}&kind=source_sync&status=completed").json()["jobs"]) == 2,
                        timeout=60, message="the second sync")
        settle(server, source["id"])
        assert set(tracks_of(server, source["id"])) == set(new)


def test_a_single_video_url_downloads_one_track_without_a_subscription(spool_factory, tmp_path):
    with FixtureSite(tmp_path / "site", count=2, flaky_failures=0) as site:
        server = spool_factory(env=FAST)
        source = add(server, {"url": site.media_url("ep-002")})
        settle(server, source["id"])
        detail = server.get(f"/api/sources/{source['id']}").json()
        assert detail["kind"] == "video" and detail["next_sync_at"] is None, detail
        assert len(tracks_of(server, source["id"])) == 1
        again = server.post("/api/sources", {"url": site.media_url("ep-002")})
        assert again.status == 200 and again.json()["id"] == source["id"]  # "already added", honestly
        spelled = server.post("/api/sources", {"url": site.media_url("ep-002").replace("http://", "HTTP://") + "?utm_source=share"})
        error = spelled.json()["error"]
        assert spelled.status == 409 and error["field"] == "url" and error["existing_source_id"] == source["id"], spelled.text

        # Its channel becomes a source (the newest entry only: ep-001 is skipped there); the
        # single video ep-001 added next is downloaded as a track of the channel's source.
        channel = add(server, {"url": site.feed_url, "filters": {"max_items": 1}})
        settle(server, channel["id"])
        other = add(server, {"url": site.media_url("ep-001")})
        settle(server, channel["id"])
        server.wait_for(lambda: "ep-001" in tracks_of(server, channel["id"]), timeout=60, message="ep-001 under the channel")
        assert tracks_of(server, other["id"]) == {}
        entries = {e["video_id"]: e for e in server.get(f"/api/sources/{channel['id']}/entries").json()["entries"]}
        assert entries["ep-001"]["state"] == "downloaded" and entries["ep-001"]["skip_reason"] is None, entries["ep-001"]


def test_a_playlist_keeps_its_order(spool_factory, tmp_path):
    with FixtureSite(tmp_path / "site", count=4, flaky_failures=0) as site:
        server = spool_factory(env={**FAST, "WORKERS": "2"})
        # `list=` makes the feed a playlist (its kind comes from the URL's shape).
        source = add(server, {"url": site.feed_url + "?list=fixture", "filters": {"max_items": 5}})
        assert source["kind"] == "playlist"
        settle(server, source["id"])
        entries = server.get(f"/api/sources/{source['id']}/entries").json()["entries"]
        assert [e["video_id"] for e in entries] == ["ep-004", "ep-003", "ep-002", "ep-001", "missing", "flaky"]
        assert [e["position"] for e in entries] == [1, 2, 3, 4, 5, 6]
        states = {e["video_id"]: (e["state"], e["skip_reason"]) for e in entries}
        assert states["missing"][0] == "failed" and states["flaky"] == ("skipped", "Beyond the first 5 of the playlist")

        # Its page plays it in its order, page by page; by newest it would be download order.
        order, cursor = [], None
        while True:
            page = server.get(f"/api/tracks?source={source['id']}&sort=position&limit=3" + (f"&before={cursor}" if cursor else "")).json()
            order += [t["video_id"] for t in page["tracks"]]
            cursor = page.get("next_before")
            if not cursor:
                break
        assert order == ["ep-004", "ep-003", "ep-002", "ep-001"]
        bad = server.get("/api/tracks?sort=position")
        assert bad.status == 400 and "'sort'" in bad.json()["error"]["message"]


def test_retention_follows_listening_spares_likes_and_restores_and_is_never_fetched_again(spool_factory, tmp_path):
    with FixtureSite(tmp_path / "site", count=6, flaky_failures=0) as site:
        server = spool_factory(env=FAST)
        source = add(server, {"url": site.feed_url})
        settle(server, source["id"])
        tracks = tracks_of(server, source["id"])
        assert {"ep-001", "ep-006"} <= set(tracks)
        ids = {video: t["id"] for video, t in tracks.items()}
        server.put(f"/api/tracks/{ids['ep-001']}/rating", {"value": 1})  # liked: never leaves

        def present():
            return set(tracks_of(server, source["id"]))

        # Keep the newest 3 (by publication): ep-006, ep-005, ep-004, and the liked ep-001.
        server.request("PATCH", f"/api/sources/{source['id']}", body={"retention": {"keep_newest": 3}})
        server.wait_for(lambda: present() == {"ep-006", "ep-005", "ep-004", "ep-001"}, timeout=30, message="keep-3")
        trash = {t["video_id"] for t in server.get("/api/trash").json()["tracks"]}
        assert {"ep-003", "ep-002", "flaky"} <= trash
        assert "Retention removed a track" in server.log()

        # Undo sticks: a restored track stays whatever the rules say.
        assert server.post(f"/api/tracks/{ids['ep-002']}/restore").status == 200
        time.sleep(1.5)
        assert "ep-002" in present()

        # Disliked, or skipped twice: out.
        server.request("PATCH", f"/api/sources/{source['id']}", body={"retention": {"remove_after_skips": 2}})
        server.put(f"/api/tracks/{ids['ep-005']}/rating", {"value": -1})
        events = [{"type": "skip", "track_id": ids["ep-004"], "session": "s"}] * 2
        assert server.post("/api/events", {"events": events}).status == 202
        server.wait_for(lambda: present() == {"ep-006", "ep-002", "ep-001"}, timeout=30, message="dislike and skips")

        # Too old: everything published more than 30 days ago (the fixture's 2024) but the
        # liked and the restored one.
        server.request("PATCH", f"/api/sources/{source['id']}", body={"retention": {"max_age_days": 30}})
        server.wait_for(lambda: present() == {"ep-002", "ep-001"}, timeout=30, message="max age")

        # A full re-sync fetches none of them again.
        server.post(f"/api/sources/{source['id']}/sync?full=true")
        server.wait_for(lambda: len(server.get(f"/api/jobs?source={source['id']}&kind=source_sync&status=completed").json()["jobs"]) == 2,
                        timeout=60, message="the re-sync")
        downloads = server.get(f"/api/jobs?limit=500&source={source['id']}&kind=download").json()["jobs"]
        assert len(downloads) == 8 and all(j["attempts"] == 1 for j in downloads)

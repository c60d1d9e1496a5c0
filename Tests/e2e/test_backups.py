"""Issue 20, backups: scheduled online backups appear and the oldest are pruned; `spool db
restore` round-trips a real library, refuses while a server holds the database, and refuses a
damaged or foreign file without changing anything; the web app's Health page shows the backups
and the notifiers that told of a failed one."""
import calendar
import hashlib
import os
import re
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from browser import browser, browser_factory  # noqa: F401  (fixtures are used by name)
from conftest import REPO, spool_binary
from fixture_site import FixtureSite
from test_notifications import APPRISE, Receiver
from test_storage_faults import Mount

YTDLP = str(REPO / ".venv" / "bin" / "yt-dlp")
FAST = {"YTDLP_PATH": YTDLP, "RETRY_BASE_SECONDS": "0.2", "RETRY_MAX_SECONDS": "1", "WORKERS": "2", "YTDLP_UPDATE": "off"}
# 0.0003 h is 1.08 s: a backup about every second, checked every second.
EVERY_SECOND = "0.0003"
TABLES = ["sources", "source_entries", "profiles", "tracks", "jobs", "job_events", "play_events", "tombstones", "grdb_migrations"]
NAME = re.compile(r"^tracks-\d{4}-\d{2}-\d{2}T\d{6}\.\d{3}Z\.db$")


@pytest.fixture
def site(tmp_path):
    with FixtureSite(tmp_path / "site", count=3, flaky_failures=0) as site:
        yield site


def mirror(server, site):
    """A real library: the fixture channel synced and downloaded by the real yt-dlp."""
    assert server.post("/api/sources", {"url": site.feed_url}).status == 202
    terminal = {"completed", "failed", "cancelled", "timeout", "dead_letter"}

    def settled():
        jobs = server.get("/api/jobs?limit=500&kind=download").json()["jobs"]
        return len(jobs) >= 5 and all(j["status"] in terminal for j in jobs)
    server.wait_for(settled, timeout=90, interval=0.3, message="downloads to settle")


def counts(path: Path) -> dict[str, int]:
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return {table: db.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for table in TABLES}
    finally:
        db.close()


def integrity(path: Path) -> list[str]:
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return [row[0] for row in db.execute("PRAGMA integrity_check")]
    finally:
        db.close()


def spool_db(server, *args) -> subprocess.CompletedProcess:
    return subprocess.run([spool_binary(), "db", *args], cwd=server.tmp, env=server.env,
                          capture_output=True, text=True, timeout=60)


def fingerprint(path: Path) -> tuple:
    """The database file as it is: inode and content."""
    return os.stat(path).st_ino, hashlib.sha256(path.read_bytes()).hexdigest()


def backups(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if NAME.match(p.name)) if folder.exists() else []


def test_scheduled_backups_appear_and_the_oldest_are_pruned(spool_factory, site):
    server = spool_factory(env={**FAST, "BACKUP_INTERVAL_HOURS": EVERY_SECOND, "BACKUP_KEEP": "2"})
    folder = server.db_path.parent / "backups"
    mirror(server, site)
    done = time.strftime("tracks-%Y-%m-%dT%H%M%S.999Z.db", time.gmtime())
    seen: set[str] = set()

    def three_taken_after_the_downloads():
        seen.update(p.name for p in backups(folder) if p.name > done)
        return len(seen) >= 3

    server.wait_for(three_taken_after_the_downloads, timeout=30, interval=0.1, message="three backups")
    health = server.get("/api/health").json()["backups"]
    files = backups(folder)
    assert len(files) == 2, [p.name for p in files]  # BACKUP_KEEP: the older ones were deleted
    assert all(p.name > done for p in files), "the newest are kept"
    assert not [p for p in folder.iterdir() if ".partial" in p.name]
    for path in files:
        assert integrity(path) == ["ok"]
        assert counts(path) == counts(server.db_path), "a consistent copy of the live database"
    assert health["enabled"] and health["keep"] == 2 and health["files"] == 2
    assert health["directory"] == str(folder)
    last = health["last"]
    assert last["path"] in {str(p) for p in backups(folder)} and last["size_bytes"] == Path(last["path"]).stat().st_size
    assert last["duration_seconds"] is not None and last["duration_seconds"] < 5
    assert health.get("last_failure") is None
    metrics = server.get("/metrics").text
    assert re.search(r"^spool_backup_files 2$", metrics, re.M)
    taken = float(re.search(r"^spool_backup_last_success_timestamp_seconds (\S+)$", metrics, re.M).group(1))
    assert abs(taken - time.time()) < 30
    assert "Database backed up" in server.log()


def test_backups_are_daily_by_default_and_a_restart_does_not_take_one_early(spool_factory):
    server = spool_factory(env=FAST)
    health = server.get("/api/health").json()["backups"]
    assert health["enabled"] and health["interval_hours"] == 24 and health["keep"] == 7
    assert health["files"] == 0 and health.get("last") is None
    first = calendar.timegm(time.strptime(health["next_due_at"], "%Y-%m-%dT%H:%M:%SZ"))
    assert abs(first - (time.time() + 3600)) < 120, "the first backup is due an hour after start"
    # A backup found on disk sets the clock: the next one is due a day after it.
    server.stop()
    folder = server.db_path.parent / "backups"
    folder.mkdir()
    taken = time.gmtime(time.time() - 3600)
    name = time.strftime("tracks-%Y-%m-%dT%H%M%S.000Z.db", taken)
    (folder / name).write_bytes(server.db_path.read_bytes())
    restarted = spool_factory(env=FAST)
    health = restarted.get("/api/health").json()["backups"]
    assert health["files"] == 1 and health["last"]["path"] == str(folder / name)
    due = calendar.timegm(time.strptime(health["next_due_at"], "%Y-%m-%dT%H:%M:%SZ"))
    assert abs(due - (time.time() + 23 * 3600)) < 120, health["next_due_at"]


def test_a_failed_backup_keeps_the_previous_ones_and_says_why(spool_factory, tmp_path, browser):
    mount = Mount(tmp_path / "backups", "1m")
    # The failure is told through apprise (delivered) and a webhook that answers 500 (fails).
    delivered, refusing = Receiver(), Receiver(status=500)
    try:
        server = spool_factory(env={**FAST, "BACKUP_INTERVAL_HOURS": EVERY_SECOND, "BACKUP_KEEP": "2",
                                    "BACKUP_DIR": str(mount.path), "APPRISE_PATH": APPRISE,
                                    "APPRISE_URLS": f"json://127.0.0.1:{delivered.port}/", "WEBHOOK_URL": f"http://127.0.0.1:{refusing.port}/"})
        server.wait_for(lambda: len(backups(mount.path)) == 2, timeout=20, message="two backups")
        with open(mount.path / "ballast", "wb") as f:  # the disk fills up
            try:
                while True:
                    f.write(b"\0" * 65536)
            except OSError:
                pass
        kept = backups(mount.path)
        failure = server.wait_for(lambda: server.get("/api/health").json()["backups"].get("last_failure"), timeout=20,
                                  message="a failed backup")
        assert "full" in failure["message"] and "BACKUP_DIR" in failure["message"], failure
        assert backups(mount.path) == kept, "a failed backup deletes nothing"
        assert not [p for p in mount.path.iterdir() if ".partial" in p.name], "no half-written file is left"
        health = server.get("/api/health").json()
        assert any("The last backup failed" in w for w in health["warnings"]), health["warnings"]
        assert "Backup failed; the previous backups are kept" in server.log()
        assert re.search(r"^spool_backup_failures_total [1-9]", server.get("/metrics").text, re.M)

        # The Health page: the last good backup, the next, how many are kept, the failure and
        # why; what the notifiers are told, the one that delivered and the one that failed, why.
        # Wait for what the server recorded, not for the receivers: apprise's POST arrives before
        # the apprise process exits, and only its exit counts the message as sent.
        def both_told():
            notifiers = {n["name"]: n for n in server.get("/api/health").json()["notifications"]["notifiers"]}
            return notifiers["apprise"]["sent"] >= 1 and notifiers["webhook"].get("last_error")
        server.wait_for(lambda: delivered.posts("/") and refusing.posts("/") and both_told(), timeout=20,
                        message="both notifiers tried")
        browser.open(server.base_url, "/health", ready_testid="health-backup-last")
        browser.wait(lambda: "answered HTTP 500" in (browser.text("health-notifier-webhook-error") or ""), 10,
                     "the webhook's failure on the page")
        last = browser.text("health-backup-last")
        assert re.fullmatch(r"(\d+ seconds? ago|now) · \d+(\.\d+)? [KM]B in \d+(\.\d+)? m?s", last), last
        assert browser.text("health-backup-files") == "2"
        assert browser.query("health-backup-next") is not None
        assert "full" in browser.text("health-backup-failure") and "BACKUP_DIR" in browser.text("health-backup-failure")
        assert "backup failed" in browser.text("health-notify-kinds")
        apprise = browser.text("health-notifier-apprise")
        assert "1 URL (json)" in apprise and "0 failed" in apprise and "last sent" in apprise, apprise
        assert browser.query("health-notifier-apprise-error") is None
        assert f"http://127.0.0.1:{refusing.port}" in browser.text("health-notifier-webhook")
        assert any("The last backup failed" in w for w in browser.text("health-warnings").split("\n")), browser.text("health-warnings")
        assert not browser.severe(), browser.severe()
        server.stop()
    finally:
        mount.close()
        delivered.close()
        refusing.close()


def test_restore_round_trip_brings_back_every_row(spool_factory, site):
    server = spool_factory(env=FAST)
    mirror(server, site)
    backup = server.tmp / "kept" / "spool.db"
    r = spool_db(server, "backup", str(backup))
    assert r.returncode == 0, r.stderr
    saved = counts(backup)
    assert saved["tracks"] == 4 and saved["jobs"] >= 6

    # After the backup the library changes: a track deleted, the source removed.
    track = server.get("/api/tracks").json()["tracks"][0]
    assert server.delete(f"/api/tracks/{track['id']}").status == 200
    source = server.get("/api/sources").json()["sources"][0]
    assert server.delete(f"/api/sources/{source['id']}").status == 200
    changed = counts(server.db_path)
    assert changed != saved
    server.stop()

    r = spool_db(server, "restore", str(backup))
    assert r.returncode == 0, r.stderr
    assert "4 tracks" in r.stdout and "1 sources" in r.stdout, r.stdout
    aside = Path(re.search(r"kept as (\S+)\.$", r.stdout, re.M).group(1))
    assert aside.name.startswith("tracks.db.before-restore-")
    assert counts(server.db_path) == saved
    assert integrity(server.db_path) == ["ok"]
    assert counts(aside) == changed, "the database that was replaced is kept whole"
    assert not Path(str(server.db_path) + ".restoring").exists()

    restarted = spool_factory(env=FAST)
    assert len(restarted.get("/api/tracks").json()["tracks"]) == 4
    assert restarted.get("/api/sources").json()["sources"][0]["title"] == "Spool Fixture Channel"

    # Undo: the database set aside restores like any backup.
    restarted.stop()
    r = spool_db(restarted, "restore", str(aside))
    assert r.returncode == 0, r.stderr
    assert counts(restarted.db_path) == changed


def test_restore_refuses_while_the_server_runs(spool_factory):
    server = spool_factory(env=FAST)
    backup = server.tmp / "copy.db"
    assert spool_db(server, "backup", str(backup)).returncode == 0
    before = fingerprint(server.db_path)
    r = spool_db(server, "restore", str(backup))
    assert r.returncode == 1
    assert f"pid {server.process.pid}" in r.stderr and "stop it first" in r.stderr, r.stderr
    assert fingerprint(server.db_path) == before
    assert not list(server.db_path.parent.glob("tracks.db.before-restore-*"))
    assert server.get("/api/health").json()["status"] == "ok", "the server never noticed"

    # A second server on the same database is refused the same way (it would be a second writer).
    second = subprocess.run([spool_binary(), "serve"], cwd=server.tmp, env={**server.env, "PORT": "0"},
                            capture_output=True, text=True, timeout=30)
    assert second.returncode == 1 and f"pid {server.process.pid}" in second.stderr, second.stderr

    # Once it stops, the same restore goes through.
    server.stop()
    r = spool_db(server, "restore", str(backup))
    assert r.returncode == 0, r.stderr


def damaged_copies(source: Path, folder: Path) -> dict[str, Path]:
    """A backup damaged the ways a file gets damaged, and files that are not Spool's."""
    folder.mkdir()
    copies = {}
    truncated = folder / "truncated.db"
    truncated.write_bytes(source.read_bytes()[: source.stat().st_size // 2])
    copies["truncated"] = truncated
    page = folder / "page.db"
    page.write_bytes(source.read_bytes())
    db = sqlite3.connect(page)
    root, size = db.execute("SELECT rootpage FROM sqlite_master WHERE name = 'jobs'").fetchone()[0], \
        db.execute("PRAGMA page_size").fetchone()[0]
    db.close()
    with open(page, "r+b") as f:  # a b-tree page whose header lies about its cells
        f.seek((root - 1) * size)
        f.write(b"\x0d\x00\x00\x00\x09" + b"\xff" * 64)
    copies["page"] = page
    garbage = folder / "garbage.db"
    garbage.write_bytes(os.urandom(8192))
    copies["garbage"] = garbage
    foreign = folder / "foreign.db"
    db = sqlite3.connect(foreign)
    db.execute("CREATE TABLE notes (text TEXT)")
    db.commit()
    db.close()
    copies["foreign"] = foreign
    newer = folder / "newer.db"
    newer.write_bytes(source.read_bytes())
    db = sqlite3.connect(newer)
    db.execute("INSERT INTO grdb_migrations VALUES ('v99_from_the_future')")
    db.commit()
    db.close()
    copies["newer"] = newer
    return copies


def test_a_damaged_or_foreign_backup_is_refused_and_nothing_changes(spool_factory, site):
    server = spool_factory(env=FAST)
    mirror(server, site)
    good = server.tmp / "good.db"
    assert spool_db(server, "backup", str(good)).returncode == 0
    server.stop()
    before = fingerprint(server.db_path)
    expected = {
        "truncated": "malformed",
        "page": "failed its integrity check",
        "garbage": "not a database",
        "foreign": "not Spool's",
        "newer": "newer Spool",
    }
    for kind, path in damaged_copies(good, server.tmp / "damaged").items():
        r = spool_db(server, "restore", str(path))
        assert r.returncode == 1, (kind, r.stdout)
        assert expected[kind] in r.stderr and str(path) in r.stderr, (kind, r.stderr)
        assert fingerprint(server.db_path) == before, kind
        leftovers = [p.name for p in server.db_path.parent.iterdir()
                     if ".before-restore-" in p.name or ".restoring" in p.name]
        assert leftovers == [], (kind, leftovers)
    assert spool_db(server, "restore", str(server.tmp / "missing.db")).returncode == 1
    assert integrity(good) == ["ok"] and spool_db(server, "restore", str(good)).returncode == 0

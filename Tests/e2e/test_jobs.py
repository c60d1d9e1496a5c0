"""The job queue through the real process: API behaviour, a real crash, and concurrency."""
import sqlite3
import threading
import time
from collections import Counter

import pytest

NINE = {"pending", "running", "completed", "failed", "cancelled", "timeout", "retrying", "dead_letter", "zombie"}
FAST = {"SPOOL_TEST_JOBS": "1", "RETRY_BASE_SECONDS": "0.1", "RETRY_MAX_SECONDS": "0.5"}


def enqueue(server, *payloads):
    r = server.post("/api/test/jobs", {"jobs": list(payloads)})
    assert r.status == 202, r.text
    return r.json()["ids"]


def status_of(server, job_id):
    return server.get(f"/api/jobs/{job_id}").json()["status"]


def wait_status(server, job_id, wanted, timeout=20):
    return server.wait_for(lambda: status_of(server, job_id) in wanted and status_of(server, job_id),
                           timeout=timeout, message=f"job {job_id} to reach {wanted}")


def test_jobs_api_lists_details_and_acts(spool_factory):
    server = spool_factory(env=FAST)
    ok, bad, flaky = enqueue(server, {"seconds": 0.1}, {"outcome": "permanent"}, {"outcome": "transient", "seconds": 0.05})
    wait_status(server, ok, {"completed"})
    wait_status(server, bad, {"failed"})
    wait_status(server, flaky, {"dead_letter"})

    listing = server.get("/api/jobs").json()
    assert [j["id"] for j in listing["jobs"]] == [flaky, bad, ok]  # newest first
    assert set(listing["counts"]) == NINE
    assert listing["counts"]["completed"] == 1 and listing["counts"]["dead_letter"] == 1
    assert listing["next_before"] is None
    page = server.get("/api/jobs?limit=2").json()
    assert len(page["jobs"]) == 2 and isinstance(page["next_before"], str)  # an opaque cursor
    assert [j["id"] for j in server.get(f"/api/jobs?limit=2&before={page['next_before']}").json()["jobs"]] == [ok]
    assert [j["id"] for j in server.get("/api/jobs?status=failed").json()["jobs"]] == [bad]

    detail = server.get(f"/api/jobs/{flaky}").json()
    assert [(e["from"], e["to"]) for e in detail["events"]][:3] == [(None, "pending"), ("pending", "running"), ("running", "retrying")]
    assert detail["events"][-1]["to"] == "dead_letter" and detail["events"][-1]["error_class"] == "transient"
    assert detail["attempts"] == 5 and detail["last_error"] == "Test job failed transiently"

    # Retry is idempotent; a completed job cannot be retried; cancel of a finished job is 409.
    first = server.post(f"/api/jobs/{bad}/retry")
    assert first.status == 200 and first.json()["attempts"] == 0
    assert server.post(f"/api/jobs/{bad}/retry").status == 200
    done = server.post(f"/api/jobs/{ok}/retry")
    assert done.status == 409 and "already completed" in done.json()["error"]["message"]
    assert server.post(f"/api/jobs/{ok}/cancel").status == 409
    bulk = server.post("/api/jobs/retry", {"status": "dead_letter"}).json()
    assert bulk["retried"] == 1 and bulk["jobs"][0]["id"] == flaky


def test_jobs_api_rejects_bad_input_clearly(spool_factory):
    server = spool_factory(env=FAST)
    cases = [
        (server.get("/api/jobs/999999"), 404, "No job with id 999999"),
        (server.get("/api/jobs/abc"), 404, "abc"),
        (server.post("/api/jobs/999999/retry"), 404, "999999"),
        (server.post("/api/jobs/999999/cancel"), 404, "999999"),
        (server.get("/api/jobs?status=exploded"), 400, "'status': must be one or more of pending"),
        (server.get("/api/jobs?before=0"), 400, "'before'"),
        (server.get("/api/jobs?before=not-a-cursor"), 400, "'before'"),
        (server.get("/api/jobs?limit=0"), 400, "'limit'"),
        (server.get("/api/jobs?limit=abc"), 400, "'limit'"),
        (server.post("/api/jobs/retry", {}), 400, "either 'ids'"),
        (server.post("/api/jobs/retry", {"ids": []}), 400, "'ids'"),
        (server.post("/api/jobs/retry", {"ids": ["x"]}), 400, "'ids[0]'"),
        (server.post("/api/jobs/retry", {"status": "completed"}), 409, "cannot be retried"),
        (server.post("/api/jobs/retry", raw=b"{not json"), 400, "not valid JSON"),
        (server.post("/api/jobs/retry", raw=b"x" * (2 << 20)), 413, "at most"),
    ]
    for response, status, fragment in cases:
        assert response.status == status, (status, response.text)
        assert fragment in response.json()["error"]["message"], response.text


def test_cancel_stops_a_running_job_within_seconds(spool_factory):
    server = spool_factory(env=FAST)
    (job,) = enqueue(server, {"outcome": "hang"})
    wait_status(server, job, {"running"})
    started = time.time()
    assert server.post(f"/api/jobs/{job}/cancel").status == 200
    wait_status(server, job, {"cancelled"}, timeout=5)
    assert time.time() - started < 2
    assert server.post(f"/api/jobs/{job}/cancel").status == 200  # a second click


def test_killed_process_leaves_zombies_that_are_retried(spool_factory):
    env = {**FAST, "JOB_LEASE_SECONDS": "2", "JOB_HEARTBEAT_SECONDS": "0.5", "WORKERS": "3"}
    server = spool_factory(env=env)
    ids = enqueue(server, *[{"seconds": 1.5} for _ in range(6)])
    server.wait_for(lambda: server.get("/api/jobs?status=running").json()["counts"]["running"] == 3, message="3 running")
    server.kill()  # SIGKILL: no cleanup of any kind

    with sqlite3.connect(server.db_path) as db:
        running = {row[0] for row in db.execute("SELECT id FROM jobs WHERE status = 'running'")}
    assert len(running) == 3

    server.start()
    for job in ids:
        wait_status(server, job, {"completed"}, timeout=30)
    for job in running:
        statuses = [e["to"] for e in server.get(f"/api/jobs/{job}").json()["events"]]
        assert "zombie" in statuses, statuses
        assert statuses[statuses.index("zombie") + 1] == "retrying"
    with sqlite3.connect(server.db_path) as db:
        completions = Counter(row[0] for row in db.execute("SELECT job_id FROM job_events WHERE to_status = 'completed'"))
        assert all(completions[job] == 1 for job in ids), completions
    health = server.get("/api/health").json()
    assert health["jobs"]["zombies_recovered"] == 3


def test_many_jobs_and_concurrent_user_actions(spool_factory):
    server = spool_factory(env={**FAST, "WORKERS": "4", "MAX_ATTEMPTS": "2"})
    outcomes = ["ok"] * 6 + ["transient", "permanent"]
    payloads = [{"seconds": 0.002, "outcome": outcomes[i % len(outcomes)]} for i in range(5000)]
    ids = enqueue(server, *payloads)
    assert len(ids) == 5000
    errors = []

    def act(k):
        for n in range(10):
            job = ids[(k * 97 + n * 31) % len(ids)]
            verb = "retry" if (k + n) % 2 else "cancel"
            r = server.post(f"/api/jobs/{job}/{verb}")
            if r.status not in (200, 409):
                errors.append((verb, job, r.status, r.text))

    threads = [threading.Thread(target=act, args=(k,)) for k in range(20)]  # 200 calls
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []

    terminal = {"completed", "failed", "cancelled", "dead_letter", "timeout"}
    def settled():
        counts = server.get("/api/jobs?limit=1").json()["counts"]
        return sum(counts[s] for s in terminal) == 5000 and counts
    counts = server.wait_for(settled, timeout=120, interval=0.5, message="every job terminal")
    assert counts["running"] == counts["pending"] == counts["retrying"] == 0

    # No job ran twice at the same time: its timeline alternates running and an end.
    with sqlite3.connect(server.db_path) as db:
        rows = db.execute("SELECT job_id, from_status, to_status FROM job_events ORDER BY id").fetchall()
    open_runs = set()
    for job, before, after in rows:
        if after == "running":
            assert job not in open_runs, f"job {job} started twice"
            open_runs.add(job)
        elif before == "running":
            open_runs.discard(job)
    assert "database is locked" not in server.log()

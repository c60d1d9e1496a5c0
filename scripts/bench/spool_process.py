"""The one way the benchmark scripts run Spool: a release binary on a temporary, migrated
database, seeded by the caller before start, on a free port."""
from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path
from typing import Callable


def start_spool(binary: str, prefix: str, seed: Callable[[Path], object] = lambda work: None):
    """Migrates a fresh database in a temporary folder, calls `seed(folder)`, starts
    `spool serve` and returns (process, port, what seed returned)."""
    work = Path(tempfile.mkdtemp(prefix=prefix))
    env = {**os.environ, "DB_PATH": str(work / "tracks.db"), "LIBRARY_DIR": str(work / "library"),
           "PORT": "0", "LOG_LEVEL": "warning", "WEB_DIR": str(Path("web").resolve())}
    subprocess.run([binary, "db", "migrate"], env=env, check=True, capture_output=True)
    seeded = seed(work)
    process = subprocess.Popen([binary, "serve"], env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    port = int(process.stdout.readline().decode().rsplit(":", 1)[1])
    return process, port, work, seeded

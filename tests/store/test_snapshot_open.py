"""Connections opened at the same moment in one process can all read registered DataFrames.

DuckDB's Python client shares a newly opened database with other threads before it registers
its DataFrame scan there; the web server opens a connection per request, so
:func:`sahelwatch.snapshot.connect` lets one connection open at a time (else requests failed
now and then with "Table Function with name pandas_scan does not exist").
"""

from __future__ import annotations

import threading
from pathlib import Path

import duckdb
import pandas as pd

from sahelwatch import snapshot

THREADS = 8
ROUNDS = 25  # without the lock, the first round or two already fail


def test_connections_opened_together_read_registered_frames(tmp_path: Path) -> None:
    path = tmp_path / "store.duckdb"
    duckdb.connect(str(path)).close()
    frame = pd.DataFrame({"gw": [432, 439, 436]})
    failures: list[str] = []
    counts: list[int] = []

    def request(start: threading.Barrier, done: threading.Barrier) -> None:
        start.wait(timeout=30)
        try:
            con = snapshot.connect(path, read_only=True, config={}, wait_s=5)
            try:
                con.register("countries", frame)
                row = con.execute("SELECT count(*) FROM countries").fetchone()
                counts.append(int(row[0]) if row else -1)
            finally:
                done.wait(timeout=30)  # every connection open at once, then all closed
                con.close()
        except duckdb.Error as exc:
            failures.append(str(exc))

    for _ in range(ROUNDS):  # each round opens the database afresh (the last one closed it)
        start, done = threading.Barrier(THREADS), threading.Barrier(THREADS)
        threads = [threading.Thread(target=request, args=(start, done)) for _ in range(THREADS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert not failures, failures[0]
    assert counts == [3] * THREADS * ROUNDS

"""Per-file parse time, measured inside the ingest's parse worker without touching product code.

``ParseWorker`` starts its child with ``target=_worker_main`` (looked up in ``evidence_ingest.worker`` at
start time); the child is a fresh interpreter told the target by module and name. A test that
sets ``evidence_ingest.worker._worker_main = timed_worker_main`` therefore has the child import this
module and run ``timed_worker_main``, which runs the real ``_worker_main`` over a connection that
notes, for each file, the time from receiving its path to sending its result (load, chunk and
tokenise: the whole of the child's work on that file). Records go to the JSON-lines file named
by EVIDENCE_TEST_PARSE_TIMES.
"""
from __future__ import annotations

import json
import os
import time
from typing import Any


class _TimedConnection:
    def __init__(self, conn: Any, out: str):
        self._conn = conn
        self._out = out
        self._current: tuple[str, float] | None = None

    def recv(self) -> Any:
        msg = self._conn.recv()
        self._current = (msg, time.perf_counter()) if isinstance(msg, str) else None
        return msg

    def send(self, obj: Any) -> None:
        self._conn.send(obj)
        if self._current is not None:
            path, t0 = self._current
            self._current = None
            with open(self._out, "a", encoding="utf-8") as f:
                f.write(json.dumps({"path": path, "seconds": time.perf_counter() - t0,
                                    "ok": not isinstance(obj, Exception)}) + "\n")

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)


def timed_worker_main(conn: Any, config: dict[str, Any]) -> None:
    from evidence_ingest import worker

    out = os.environ.get("EVIDENCE_TEST_PARSE_TIMES")
    worker._worker_main(_TimedConnection(conn, out) if out else conn, config)


def read_times(path: str | os.PathLike[str]) -> dict[str, float]:
    times: dict[str, float] = {}
    try:
        with open(path, encoding="utf-8") as f:
            for line in f:
                rec = json.loads(line)
                times[rec["path"]] = max(times.get(rec["path"], 0.0), rec["seconds"])
    except FileNotFoundError:
        pass
    return times

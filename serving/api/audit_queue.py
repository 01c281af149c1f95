"""Audit rows of API requests, written by one background thread in small batches.

A request's audit row is queued when its response has gone out and written within
`FLUSH_SECONDS` (one transaction per batch instead of one per request: the service spends its
CPU on answers). On shutdown the queue is drained. What a hard kill can lose is at most the
last fraction of a second of request rows; decisions and plans are audited in their own
transactions (`serving.store`), never through this queue.
"""

from __future__ import annotations

import atexit
import queue
import threading
from typing import Any

from sqlalchemy import Engine

from serving.store.users import audit

FLUSH_SECONDS = 0.2
BATCH_ROWS = 500

_writers: dict[int, AuditWriter] = {}
_guard = threading.Lock()


class AuditWriter:
    def __init__(self, engine: Engine):
        self.engine = engine
        self.rows: queue.Queue[tuple[str | None, str, str | None, dict[str, Any] | None]] = (
            queue.Queue())
        self.thread = threading.Thread(target=self._run, name="audit-writer", daemon=True)
        self.thread.start()

    def put(self, user: str | None, action: str, target: str | None,
            detail: dict[str, Any] | None) -> None:
        self.rows.put((user, action, target, detail))

    def _run(self) -> None:
        while True:
            batch = [self.rows.get()]
            try:
                while len(batch) < BATCH_ROWS:
                    batch.append(self.rows.get(timeout=FLUSH_SECONDS))
            except queue.Empty:
                pass
            self._write(batch)

    def _write(self, batch: list[tuple[str | None, str, str | None, dict[str, Any] | None]]
               ) -> None:
        try:
            with self.engine.begin() as connection:
                for user, action, target, detail in batch:
                    audit(connection, user, action, target, detail)
        finally:
            for _ in batch:
                self.rows.task_done()

    def flush(self) -> None:
        """Wait until every queued row is written."""
        self.rows.join()


def writer_for(engine: Engine) -> AuditWriter:
    with _guard:
        if id(engine) not in _writers:
            _writers[id(engine)] = AuditWriter(engine)
        return _writers[id(engine)]


def flush_all() -> None:
    for writer in list(_writers.values()):
        writer.flush()


atexit.register(flush_all)

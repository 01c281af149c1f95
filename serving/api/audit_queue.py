"""Audit rows of API requests, durable before the answer goes out (group commit).

A request's audit row is handed to one writer thread when its response is about to start; the
response waits until the row is committed. Rows handed over while a transaction is being
written go together in the next one, so under load one commit serves many requests. A request
that got its answer therefore has its row, whatever kills the server afterwards; the row's `at`
is when the request arrived. Decisions and plans are audited in their own transactions
(`serving.store`), never through this writer.
"""

from __future__ import annotations

import asyncio
import atexit
import queue
import threading
from concurrent.futures import Future
from datetime import datetime
from typing import Any

from sqlalchemy import Engine

from serving.store.users import AuditRow, audit_many

BATCH_ROWS = 500  # at most per transaction

_writers: dict[int, AuditWriter] = {}
_guard = threading.Lock()


class AuditWriter:
    def __init__(self, engine: Engine):
        self.engine = engine
        self.rows: queue.Queue[tuple[AuditRow, Future[None]]] = queue.Queue()
        self.thread = threading.Thread(target=self._run, name="audit-writer", daemon=True)
        self.thread.start()

    def put(self, user: str | None, action: str, target: str | None,
            detail: dict[str, Any] | None, at: datetime) -> Future[None]:
        """Queue a row; the future is done when its transaction has committed."""
        done: Future[None] = Future()
        self.rows.put(((user, action, target, detail, at), done))
        return done

    async def write(self, user: str | None, action: str, target: str | None,
                    detail: dict[str, Any] | None, at: datetime) -> None:
        """Queue a row and wait (without blocking the event loop) until it is committed."""
        await asyncio.wrap_future(self.put(user, action, target, detail, at))

    def _run(self) -> None:
        while True:
            batch = [self.rows.get()]
            while len(batch) < BATCH_ROWS:  # whatever arrived meanwhile: one commit for all
                try:
                    batch.append(self.rows.get_nowait())
                except queue.Empty:
                    break
            self._write(batch)

    def _write(self, batch: list[tuple[AuditRow, Future[None]]]) -> None:
        try:
            with self.engine.begin() as connection:
                audit_many(connection, [row for row, _ in batch])
        except Exception as exc:  # the waiting requests fail instead of answering unaudited
            for _, done in batch:
                done.set_exception(exc)
        else:
            for _, done in batch:
                done.set_result(None)
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

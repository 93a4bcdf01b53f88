"""Folder locks: one ingest writes to an index at a time; the OS drops a dead holder's lock."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from rag.store.errors import StoreError


class Busy(Exception):
    """Another process holds the lock."""


@contextmanager
def directory_lock(directory: Path, busy: Exception) -> Iterator[None]:
    """Hold an exclusive lock on `directory` (raising `busy` if another process holds it);
    the OS drops it if the process dies."""
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / ".lock", "a") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise busy from None
        fh.truncate(0)
        fh.write(str(os.getpid()))
        fh.flush()
        yield


@contextmanager
def index_lock(index: Path) -> Iterator[None]:
    """Hold the index's lock, so that two ingests never write to it at once."""
    busy = StoreError(f"Another newsrag ingest is writing to {index}: wait for it to finish.")
    with ExitStack() as stack:
        try:
            stack.enter_context(directory_lock(index, busy))
        except OSError as exc:
            raise StoreError(
                f"Cannot write to the index at {index} ({exc.strerror or exc}): make it "
                "writable or pass another --index."
            ) from None
        yield

"""First come, first served turns at the model, for the chat's sessions.

The local model answers one request at a time (`rag.llms.ONE_AT_A_TIME`); the chat's sessions
take turns in `MODEL_QUEUE`, and each waiting one can be told its place.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator


class ModelQueue:
    """First come, first served turns at a model that answers one request at a time.

    Unlike a plain lock, a waiting request can learn how many requests are ahead of it, so the
    chat can show its place. A ticket given up before its turn (a closed browser tab) is skipped.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._next = 0  # the next ticket to hand out
        self._serving = 0  # the ticket whose turn it is
        self._gone: set[int] = set()  # tickets given up before their turn came

    def take(self) -> int:
        """Join the queue; return the ticket to wait with and release."""
        with self._cond:
            self._next += 1
            return self._next - 1

    def _ahead(self, ticket: int) -> int:
        return sum(1 for t in range(self._serving, ticket) if t not in self._gone)

    def ahead(self, ticket: int) -> int:
        """Return how many requests will be served before `ticket` (0: it is its turn)."""
        with self._cond:
            return self._ahead(ticket)

    def wait(self, ticket: int, timeout: float | None = None) -> int:
        """Wait until `ticket`'s turn, a change of its place or `timeout`; return `ahead()`."""
        with self._cond:
            before = self._ahead(ticket)
            if before:
                self._cond.wait_for(lambda: self._ahead(ticket) != before, timeout)
            return self._ahead(ticket)

    def release(self, ticket: int) -> None:
        """End `ticket`'s turn, or give up its place if its turn has not come yet."""
        with self._cond:
            if ticket == self._serving:
                self._serving += 1
                while self._serving in self._gone:
                    self._gone.discard(self._serving)
                    self._serving += 1
            elif ticket > self._serving:
                self._gone.add(ticket)
            self._cond.notify_all()

    @contextlib.contextmanager
    def turn(self) -> Iterator[None]:
        """Wait for a turn (blocking), hold it for the `with` block."""
        ticket = self.take()
        try:
            while self.wait(ticket):
                pass
            yield
        finally:
            self.release(ticket)


MODEL_QUEUE = ModelQueue()

"""Login throttling for the chat: a failed login from an address makes that address wait.

Gradio checks the password at `POST /login` and has no limit on tries (about 500 a second
were possible). `LoginThrottle` is an ASGI middleware in front of that route: after the n-th
failed try from one client address, that address gets `429 Too Many Requests` for
min(BASE_DELAY * 2**(n-1), MAX_DELAY) seconds without its password being looked at, and only
one try per address is checked at a time, so parallel requests gain nothing. A successful
login clears the address's record.

It does not stop guessing from many addresses, and behind a reverse proxy every client has the
proxy's address (so one client's failures slow everyone down): put limits in the proxy then.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

BASE_DELAY = 1.0  # seconds after the first failure
MAX_DELAY = 60.0
MAX_TRACKED = 10_000  # addresses remembered; the ones whose wait is long over are forgotten

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


@dataclass
class _Tries:
    failures: int = 0
    next_at: float = 0.0  # monotonic time before which this address is refused
    busy: bool = False  # a login from this address is being checked right now


class LoginThrottle:
    """ASGI middleware: slow down failed logins, per client address, exponentially."""

    def __init__(
        self,
        app: ASGIApp,
        base_delay: float = BASE_DELAY,
        max_delay: float = MAX_DELAY,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.app = app
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.clock = clock
        self.tries: dict[str, _Tries] = {}

    def delay(self, failures: int) -> float:
        """Return the wait after `failures` failed tries in a row."""
        return min(self.base_delay * 2 ** min(failures - 1, 30), self.max_delay)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not _is_login(scope):
            await self.app(scope, receive, send)
            return
        client = (scope.get("client") or ("unknown",))[0]
        now = self.clock()
        tries = self.tries.get(client)
        if tries is not None and (tries.busy or now < tries.next_at):
            await _too_many(send, max(tries.next_at - now, 1.0))
            return
        if tries is None:
            self._forget_old(now)
            tries = self.tries[client] = _Tries()
        tries.busy = True
        status = 0

        async def watch(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, watch)
        finally:
            tries.busy = False
            if 200 <= status < 300:
                self.tries.pop(client, None)
            elif status in (400, 401, 403):  # wrong user or password
                tries.failures += 1
                tries.next_at = self.clock() + self.delay(tries.failures)

    def _forget_old(self, now: float) -> None:
        """Drop addresses whose wait is long over, once too many are remembered."""
        if len(self.tries) < MAX_TRACKED:
            return
        for client, t in list(self.tries.items()):
            if not t.busy and now - t.next_at > self.max_delay:
                del self.tries[client]


def _is_login(scope: Scope) -> bool:
    if scope.get("type") != "http" or scope.get("method") != "POST":
        return False
    path = str(scope.get("path", "")).rstrip("/")
    root = str(scope.get("root_path", "")).rstrip("/")
    return path in ("/login", f"{root}/login")


async def _too_many(send: Send, wait: float) -> None:
    seconds = math.ceil(wait)
    body = json.dumps(
        {"detail": f"Too many failed logins from your address: try again in {seconds} s."}
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 429,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"retry-after", str(seconds).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})

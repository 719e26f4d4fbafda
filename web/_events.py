"""Live updates for open consoles: one LISTEN connection per app hears every alert change (the
trigger in migration 0020) and pokes each open stream whose viewer may see that household.

A poke says only "something changed": the page then fetches the queue again through the
ordinary, access-checked route, so a stream never carries personal data and a poke missed
while one is already pending loses nothing.

Each keep-alive also asks whether the stream's session is still signed in (and so marks it as
used: a console left open on a duty desk is in use, though nobody touches it). Once it is not
(its 12 hours are up, the user was disabled or signed out elsewhere) the stream says
`signed-out` and ends, and the page says so instead of sitting there looking live.
"""

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator

import psycopg

log = logging.getLogger(__name__)

ALERTS_CHANNEL = "telecare_alerts"
# After losing the database: the console shows stale data meanwhile, so retry soon.
RECONNECT_SECONDS = 2.0
# A comment line this often keeps proxies from closing a quiet stream and shows a dead one.
KEEPALIVE_SECONDS = 15.0
SIGNED_OUT_EVENT = "event: signed-out\ndata: sign in again\n\n"


class AlertEvents:
    def __init__(self, *, database_url: str) -> None:
        self._database_url = database_url
        # Each open stream's queue, and which households its viewer may see.
        self._streams: dict[asyncio.Queue[None], Callable[[str], bool]] = {}

    async def listen(self) -> None:
        """Until cancelled: forward every alert change to the streams it concerns."""
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(
                    self._database_url, autocommit=True, application_name="telecare-web-events"
                ) as conn:
                    await conn.execute(f"LISTEN {ALERTS_CHANNEL}")
                    self._poke_all()  # changes made while we were not listening
                    async for notify in conn.notifies():
                        self._forward(notify.payload)
            except psycopg.OperationalError as exc:
                log.warning("alert events paused: database unavailable sqlstate=%s", exc.sqlstate)
                await asyncio.sleep(RECONNECT_SECONDS)

    @contextlib.contextmanager
    def _subscription(self, allows: Callable[[str], bool]) -> Iterator[asyncio.Queue[None]]:
        # Size one: pokes arriving while one waits are the same news.
        queue: asyncio.Queue[None] = asyncio.Queue(maxsize=1)
        self._streams[queue] = allows
        try:
            yield queue
        finally:
            del self._streams[queue]

    async def stream(
        self,
        allows: Callable[[str], bool],
        *,
        signed_in: Callable[[], Awaitable[bool]],
        keepalive_seconds: float = KEEPALIVE_SECONDS,
    ) -> AsyncIterator[str]:
        """Server-sent events for one console: `alerts` on each relevant change, comments between,
        each comment once `signed_in` (which also marks the session used) says the session lives;
        `signed-out`, and the end, when it does not."""
        with self._subscription(allows) as queue:
            yield "retry: 2000\n\n"
            while True:
                try:
                    await asyncio.wait_for(queue.get(), keepalive_seconds)
                except TimeoutError:
                    if not await signed_in():
                        yield SIGNED_OUT_EVENT
                        return
                    yield ": keepalive\n\n"
                    continue
                yield "event: alerts\ndata: changed\n\n"

    def _forward(self, payload: str) -> None:
        try:
            household = str(json.loads(payload)["household"])
        except (ValueError, KeyError, TypeError):
            log.warning("alert events: unreadable notification ignored")
            return
        for queue, allows in self._streams.items():
            if allows(household):
                _poke(queue)

    def _poke_all(self) -> None:
        for queue in self._streams:
            _poke(queue)


def _poke(queue: asyncio.Queue[None]) -> None:
    with contextlib.suppress(asyncio.QueueFull):
        queue.put_nowait(None)

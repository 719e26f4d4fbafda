"""The alerts service: the router and escalation timer on one thread, daily digests on a second,
the dispatcher on a third; each woken by the database at commit or looking again every tick.

Scaled out, each alerts worker does all of that for its own share of the households only
(telecare/_workers.py): it routes their findings, runs their timers and check-in windows,
writes their digests and sends their messages. Each worker asks the database for its own rows.
"""

import datetime as dt
import logging
import threading
from collections.abc import Callable

import psycopg
from psycopg import sql
from psycopg.rows import TupleRow

import store
from alerts._away import end_expired_pauses
from alerts._config import AlertConfig
from alerts._digests import send_due_digests
from alerts._dispatcher import Dispatcher
from alerts._outbox import OUTBOX_CHANNEL
from alerts._router import FINDINGS_CHANNEL, route_findings
from alerts._timer import run_timers
from telecare._workers import EVERY_HOUSEHOLD, WorkerShare

log = logging.getLogger(__name__)

# How often each loop looks even when not woken. Acknowledge deadlines are a minute long and
# retries seconds apart, so one second keeps every timer within a second of its due time.
TICK_SECONDS = 1.0
# Digests are due at a minute of the clock; looking every few seconds sends each within moments
# of its time, at the cost of one small query.
DIGEST_TICK_SECONDS = 5.0
# After losing the database: nothing is lost meanwhile (all state is stored), so a short wait
# before reconnecting only spares the logs.
RECONNECT_SECONDS = 5.0


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class AlertService:
    def __init__(
        self, *, database_url: str, config: AlertConfig, worker: WorkerShare = EVERY_HOUSEHOLD
    ) -> None:
        """With `worker`, only that worker's share of the households is looked after."""
        self._database_url = database_url
        self._config = config
        self._worker = worker
        # Shown in pg_stat_activity: which worker holds a lock or runs a slow query.
        self._application_name = "telecare-alerts" + ("" if worker.everything else f"-{worker}")

    def run(self, stop: threading.Event) -> None:
        """Route, escalate, write digests and deliver until `stop` is set; if one loop fails,
        all end."""
        if not self._config.teams.duty_team:
            log.warning("no duty team channels configured: urgent alerts reach families and the console only")
        if not self._worker.everything:
            log.info("alerts worker started worker=%s", self._worker)
        dispatcher = Dispatcher(config=self._config, worker=self._worker)
        # Digests have a thread of their own: a council's 6 p.m. rush of them (each reads a day
        # of its home's readings) never holds up an urgent alert behind it.
        others = [
            threading.Thread(target=self._deliver, args=(stop, dispatcher), name="alerts-dispatcher"),
            threading.Thread(target=self._digest, args=(stop,), name="alerts-digests"),
        ]
        for thread in others:
            thread.start()
        try:
            self._route(stop)
        finally:
            stop.set()
            for thread in others:
                thread.join()

    def _route(self, stop: threading.Event) -> None:
        def one_pass(conn: psycopg.Connection[TupleRow]) -> None:
            while route_findings(conn, self._config, _now(), worker=self._worker):
                pass
            timers = run_timers(conn, self._config, _now(), worker=self._worker)
            if timers.raised or timers.escalated:
                log.info("timers raised=%d escalated=%d", timers.raised, timers.escalated)

        self._loop(stop, FINDINGS_CHANNEL, one_pass)

    def _digest(self, stop: threading.Event) -> None:
        def one_pass(conn: psycopg.Connection[TupleRow]) -> None:
            end_expired_pauses(conn, _now(), worker=self._worker)  # an ended pause gets its digest too
            while send_due_digests(conn, self._config, _now(), worker=self._worker) and not stop.is_set():
                pass

        try:
            self._loop(stop, None, one_pass, tick=DIGEST_TICK_SECONDS)
        finally:
            stop.set()

    def _deliver(self, stop: threading.Event, dispatcher: Dispatcher) -> None:
        def one_pass(conn: psycopg.Connection[TupleRow]) -> None:
            while dispatcher.dispatch_due(conn, _now()).claimed and not stop.is_set():
                pass

        try:
            self._loop(stop, OUTBOX_CHANNEL, one_pass)
        finally:
            stop.set()  # the router stops with the dispatcher, as the dispatcher does with it

    def _loop(
        self,
        stop: threading.Event,
        channel: str | None,
        one_pass: Callable[[psycopg.Connection[TupleRow]], None],
        *,
        tick: float = TICK_SECONDS,
    ) -> None:
        """Make passes until `stop`: after each, wait for a notification on `channel` (sent at
        a commit) or the tick, whichever is first; with no channel, for the tick."""
        while not stop.is_set():
            try:
                with store.connect(self._database_url, application_name=self._application_name) as conn:
                    conn.autocommit = True
                    if channel is not None:
                        conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(channel)))
                    while not stop.is_set():
                        one_pass(conn)
                        if channel is None:
                            stop.wait(tick)
                            continue
                        for _ in conn.notifies(timeout=tick, stop_after=1):
                            pass
            except psycopg.OperationalError as exc:
                log.warning(
                    "alerts loop paused: database unavailable channel=%s sqlstate=%s", channel, exc.sqlstate
                )
                stop.wait(RECONNECT_SECONDS)

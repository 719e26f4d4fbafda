"""The alerts service: the router and escalation timer on one thread, the dispatcher on another,
each woken by the database at commit and otherwise looking again every tick."""

import datetime as dt
import logging
import threading
from collections.abc import Callable

import psycopg
from psycopg import sql
from psycopg.rows import TupleRow

import store
from alerts._config import AlertConfig
from alerts._dispatcher import Dispatcher
from alerts._outbox import OUTBOX_CHANNEL
from alerts._router import FINDINGS_CHANNEL, route_findings
from alerts._timer import run_timers

log = logging.getLogger(__name__)

# How often each loop looks even when not woken. Acknowledge deadlines are a minute long and
# retries seconds apart, so one second keeps every timer within a second of its due time.
TICK_SECONDS = 1.0
# After losing the database: nothing is lost meanwhile (all state is stored), so a short wait
# before reconnecting only spares the logs.
RECONNECT_SECONDS = 5.0


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class AlertService:
    def __init__(self, *, database_url: str, config: AlertConfig) -> None:
        self._database_url = database_url
        self._config = config

    def run(self, stop: threading.Event) -> None:
        """Route, escalate and deliver until `stop` is set; if either loop fails, both end."""
        if not self._config.teams.duty_team:
            log.warning("no duty team channels configured: urgent alerts reach families and the console only")
        dispatcher = Dispatcher(config=self._config)
        delivering = threading.Thread(target=self._deliver, args=(stop, dispatcher), name="alerts-dispatcher")
        delivering.start()
        try:
            self._route(stop)
        finally:
            stop.set()
            delivering.join()

    def _route(self, stop: threading.Event) -> None:
        def one_pass(conn: psycopg.Connection[TupleRow]) -> None:
            while route_findings(conn, self._config, _now()):
                pass
            timers = run_timers(conn, self._config, _now())
            if timers.raised or timers.escalated:
                log.info("timers raised=%d escalated=%d", timers.raised, timers.escalated)

        self._loop(stop, FINDINGS_CHANNEL, one_pass)

    def _deliver(self, stop: threading.Event, dispatcher: Dispatcher) -> None:
        def one_pass(conn: psycopg.Connection[TupleRow]) -> None:
            while dispatcher.dispatch_due(conn, _now()).claimed and not stop.is_set():
                pass

        try:
            self._loop(stop, OUTBOX_CHANNEL, one_pass)
        finally:
            stop.set()  # the router stops with the dispatcher, as the dispatcher does with it

    def _loop(
        self, stop: threading.Event, channel: str, one_pass: Callable[[psycopg.Connection[TupleRow]], None]
    ) -> None:
        while not stop.is_set():
            try:
                with store.connect(self._database_url, application_name="telecare-alerts") as conn:
                    conn.autocommit = True
                    conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(channel)))
                    while not stop.is_set():
                        one_pass(conn)
                        # Returns at the first notification (sent at a commit) or after a tick.
                        for _ in conn.notifies(timeout=TICK_SECONDS, stop_after=1):
                            pass
            except psycopg.OperationalError as exc:
                log.warning(
                    "alerts loop paused: database unavailable channel=%s sqlstate=%s", channel, exc.sqlstate
                )
                stop.wait(RECONNECT_SECONDS)

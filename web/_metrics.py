"""Prometheus metrics: requests by route and status, time to the response's first byte, and
the open alerts by severity, read from the store at each scrape (so they are never stale)."""

import logging
import time
from collections.abc import Iterator

import psycopg
import psycopg_pool
from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from psycopg.rows import TupleRow
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger(__name__)
Pool = psycopg_pool.ConnectionPool[psycopg.Connection[TupleRow]]


class _OpenAlerts(Collector):
    def __init__(self) -> None:
        self.pool: Pool | None = None

    def collect(self) -> Iterator[Metric]:
        if self.pool is None:
            return
        up = GaugeMetricFamily("telecare_web_database_up", "1 if the web service can reach the database.")
        alerts = GaugeMetricFamily(
            "telecare_open_alerts", "Unresolved alerts by severity.", labels=["severity"]
        )
        try:
            with self.pool.connection(timeout=2) as conn:
                counts: dict[str, int] = dict(
                    conn.execute(
                        "SELECT severity, count(*) FROM alerts WHERE state <> 'resolved' GROUP BY severity"
                    ).fetchall()
                )
        except (psycopg.OperationalError, psycopg_pool.PoolTimeout):
            log.warning("metrics: database unreachable")
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        for severity in ("urgent", "high", "routine"):
            alerts.add_metric([severity], counts.get(severity, 0))
        yield up
        yield alerts


class Metrics:
    """One registry per app (tests build many apps in one process)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "telecare_http_requests", "HTTP requests answered.", ["method", "route", "status"],
            registry=self.registry,
        )  # fmt: skip
        self.latency = Histogram(
            "telecare_http_request_seconds", "Time from request to the first byte of the response.",
            ["method", "route"], registry=self.registry,
        )  # fmt: skip
        self._open_alerts = _OpenAlerts()
        self.registry.register(self._open_alerts)

    def watch_alerts(self, pool: Pool | None) -> None:
        self._open_alerts.pool = pool


class MetricsMiddleware:
    """Counts every HTTP request under its route's template ('/console/alerts/{alert_id}'), so
    the label set stays small whatever ids are asked for."""

    def __init__(self, app: ASGIApp, *, metrics: Metrics) -> None:
        self._app = app
        self._metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        started = time.perf_counter()
        method = scope["method"]

        async def send_timed(message: Message) -> None:
            if message["type"] == "http.response.start":
                # The router has put the matched route in the (shared) scope by now.
                route = str(getattr(scope.get("route"), "path", "unmatched"))
                self._metrics.latency.labels(method, route).observe(time.perf_counter() - started)
                self._metrics.requests.labels(method, route, str(message["status"])).inc()
            await send(message)

        await self._app(scope, receive, send_timed)

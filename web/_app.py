"""The app factory: routers, middleware and error pages assembled around one runtime (pool,
settings, clock, templates, metrics, live events) that lives as long as the app's lifespan."""

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import AsyncIterator
from urllib.parse import quote

import psycopg
import psycopg_pool
from fastapi import FastAPI, Request, status
from fastapi.exception_handlers import http_exception_handler, request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from psycopg.rows import TupleRow
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from alerts.cli import alert_config
from telecare.settings import Settings
from web import (
    _admin,
    _api,
    _carer,
    _console,
    _devices_health,
    _health,
    _home,
    _reports,
    _reports_api,
    _signin,
)
from web._auth import SignInRequired
from web._events import AlertEvents
from web._metrics import Metrics, MetricsMiddleware
from web._runtime import Clock, Runtime, WebConfig
from web._sessions import LoginLimits, SessionLimits
from web._templates import make_templates, render

log = logging.getLogger(__name__)

DATABASE_DOWN = "The database cannot be reached just now; nothing was changed. Try again in a moment."
# Pages show personal data: nothing is cached, framed, or loaded from anywhere but here.
_SECURITY_HEADERS = [
    (b"content-security-policy",
     b"default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; "
     b"form-action 'self'"),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
]  # fmt: skip


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def web_config(settings: Settings) -> WebConfig:
    """The web service's share of the platform settings."""
    return WebConfig(
        sessions=SessionLimits(
            idle=dt.timedelta(seconds=settings.web_session_idle_seconds),
            lifetime=dt.timedelta(seconds=settings.web_session_lifetime_seconds),
        ),
        logins=LoginLimits(
            window=dt.timedelta(seconds=settings.web_login_window_seconds),
            failures_per_user=settings.web_login_max_failures_per_user,
            failures_per_address=settings.web_login_max_failures_per_address,
        ),
        secure_cookies=settings.web_secure_cookies,
        alerts=alert_config(settings),
        broker_dir=settings.data_dir / "mosquitto",
    )


def create_app(*, database_url: str, settings: Settings, clock: Clock = _utc_now) -> FastAPI:
    """The whole web service for this database. `clock` is for tests that move time on."""
    rt = Runtime(
        config=web_config(settings),
        clock=clock,
        templates=make_templates(),
        metrics=Metrics(),
        events=AlertEvents(database_url=database_url),
    )

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        pool: psycopg_pool.ConnectionPool[psycopg.Connection[TupleRow]] = psycopg_pool.ConnectionPool(
            database_url,
            kwargs={"autocommit": True, "application_name": "telecare-web"},
            configure=_utc_session,
            min_size=1,
            max_size=8,
            timeout=5,
            open=False,
        )
        # Not waiting: the process answers /healthz (and /readyz says why not) while the
        # database is still coming up.
        pool.open(wait=False)
        rt.pool = pool
        rt.metrics.watch_alerts(pool)
        try:
            async with asyncio.TaskGroup() as tasks:
                listening = tasks.create_task(rt.events.listen(), name="alert-events")
                yield
                listening.cancel()
        finally:
            rt.metrics.watch_alerts(None)
            await asyncio.to_thread(pool.close)

    app = FastAPI(
        title="Telecare",
        summary="The responder console's API: the alert queue, alert detail and the actions on alerts.",
        version="1",
        lifespan=lifespan,
        openapi_url="/api/openapi.json",
        # The interactive docs load scripts from a CDN; the description itself is enough.
        docs_url=None,
        redoc_url=None,
    )
    app.state.runtime = rt
    for module in (
        _health,
        _signin,
        _home,
        _console,
        _api,
        _carer,
        _admin,
        _devices_health,
        _reports,
        _reports_api,
    ):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(packages=[("web", "static")]), name="static")
    app.add_exception_handler(SignInRequired, _sign_in_first)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_exception_handler(psycopg.OperationalError, _database_down)
    app.add_exception_handler(psycopg_pool.PoolTimeout, _database_down)
    app.add_middleware(_SecurityHeaders)
    app.add_middleware(MetricsMiddleware, metrics=rt.metrics)
    return app


def _utc_session(conn: psycopg.Connection[TupleRow]) -> None:
    conn.execute("SET TIME ZONE 'UTC'")


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path in ("/healthz", "/readyz")


async def _sign_in_first(request: Request, exc: Exception) -> Response:
    if "text/event-stream" in request.headers.get("accept", ""):
        # A live stream cannot follow a redirect to the sign-in form: 401 ends it for good (an
        # EventSource does not retry it) and the page says "signed out, sign in again".
        return PlainTextResponse("Signed out: sign in again.", status_code=status.HTTP_401_UNAUTHORIZED)
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    if request.method != "GET":
        target = "/"
    return RedirectResponse(f"/login?next={quote(target)}", status.HTTP_303_SEE_OTHER)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if _wants_json(request):
        return await http_exception_handler(request, exc)
    return render(
        request, "error.html", {"status": exc.status_code, "message": exc.detail}, status_code=exc.status_code
    )


async def _invalid_request(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    if _wants_json(request):
        return await request_validation_exception_handler(request, exc)
    problems = "; ".join(f"{'.'.join(map(str, e['loc'][1:]))}: {e['msg']}" for e in exc.errors())
    return render(
        request,
        "error.html",
        {"status": 422, "message": f"That request was not understood ({problems})."},
        status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
    )


async def _database_down(request: Request, exc: Exception) -> Response:
    log.warning("request failed: database unavailable error=%s", type(exc).__name__)
    if _wants_json(request):
        return JSONResponse({"detail": DATABASE_DOWN}, status_code=status.HTTP_503_SERVICE_UNAVAILABLE)
    return render(request, "error.html", {"status": 503, "message": DATABASE_DOWN}, status_code=503)


class _SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        static = scope["path"].startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                # A route may set its own policy (the framed report's); every other gets these.
                own = {name for name, _ in headers}
                headers += [header for header in _SECURITY_HEADERS if header[0] not in own]
                if not static:
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self._app(scope, receive, send_with_headers)

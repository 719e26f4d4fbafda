"""What every request can reach: the connection pool, the web settings, the clock, the templates
(kept on the app, built in its lifespan, typed here so routes never touch `app.state` directly)."""

import dataclasses
import datetime as dt
import pathlib
from collections.abc import Callable, Iterator
from typing import Annotated, cast

import psycopg
from fastapi import Depends, Request
from fastapi.templating import Jinja2Templates
from psycopg.rows import TupleRow
from psycopg_pool import ConnectionPool

from alerts import AlertConfig
from web._events import AlertEvents
from web._metrics import Metrics
from web._sessions import LoginLimits, SessionLimits

Clock = Callable[[], dt.datetime]


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class WebConfig:
    sessions: SessionLimits
    logins: LoginLimits
    # Mark cookies Secure even when the request does not look like https (a proxy that does
    # not forward the scheme).
    secure_cookies: bool
    alerts: AlertConfig
    # Where provisioning a hub rewrites Mosquitto's passwd and acl files.
    broker_dir: pathlib.Path


@dataclasses.dataclass(slots=True, kw_only=True)
class Runtime:
    config: WebConfig
    clock: Clock
    templates: Jinja2Templates
    metrics: Metrics
    events: AlertEvents
    pool: ConnectionPool[psycopg.Connection[TupleRow]] | None = None  # open while the app runs


def runtime(request: Request) -> Runtime:
    return cast(Runtime, request.app.state.runtime)


def connection(request: Request) -> Iterator[psycopg.Connection[TupleRow]]:
    """A pooled connection for this request, in autocommit: each change commits in its own
    explicit transaction before the response leaves, so a redirect never outruns its write."""
    pool = runtime(request).pool
    assert pool is not None, "the app's lifespan opens the pool"
    with pool.connection() as conn:
        yield conn


ConnDep = Annotated[psycopg.Connection[TupleRow], Depends(connection)]
RuntimeDep = Annotated[Runtime, Depends(runtime)]

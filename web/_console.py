"""The responder console's pages: the live alert queue, an alert's detail, and the actions on it
(forms, each guarded by the session's CSRF token, each answered with a redirect)."""

import asyncio
from typing import Annotated

import psycopg
import psycopg_pool
from fastapi import APIRouter, Form, HTTPException, Query, Request, status
from fastapi.responses import RedirectResponse, StreamingResponse
from starlette.responses import Response

from alerts import RESPONDER_OUTCOMES, Outcome, Severity
from web import _alert_actions as actions
from web._access import ConsolePageViewer, Viewer
from web._alert_detail import alert_detail
from web._auth import SESSION_COOKIE, CsrfChecked
from web._events import KEEPALIVE_SECONDS
from web._queue import QueueFilter, alert_queue, filter_choices
from web._runtime import ConnDep, Runtime, RuntimeDep
from web._schemas import WITHOUT_NUL, AlertId
from web._sessions import current_session
from web._templates import render

router = APIRouter(prefix="/console", include_in_schema=False)
# In the order a responder thinks of them; digits 1-7 on the detail page pick them.
OUTCOMES = [outcome for outcome in Outcome if outcome in RESPONDER_OUTCOMES]
FilterText = Annotated[str | None, Query(max_length=64, pattern=WITHOUT_NUL)]
NoteText = Annotated[str | None, Form(max_length=actions.NOTE_MAX_LENGTH, pattern=WITHOUT_NUL)]


def _queue_filter(severity: str | None, kind: str | None, team: str | None) -> QueueFilter:
    # An empty select means "any".
    return QueueFilter(
        severity=Severity(severity) if severity in set(Severity) else None,
        kind=kind or None,
        team=team or None,
    )


def _page(viewer: Viewer, **context: object) -> dict[str, object]:
    return {"viewer": viewer, "user": viewer.user, "csrf_token": viewer.csrf_token, **context}


@router.get("")
def queue_page(
    request: Request,
    viewer: ConsolePageViewer,
    conn: ConnDep,
    rt: RuntimeDep,
    severity: FilterText = None,
    kind: FilterText = None,
    team: FilterText = None,
) -> Response:
    wanted = _queue_filter(severity, kind, team)
    kinds, teams = filter_choices(conn, viewer.scope)
    items = alert_queue(conn, viewer.scope, wanted)
    return render(
        request,
        "queue.html",
        _page(
            viewer,
            items=items,
            wanted=wanted,
            kinds=kinds,
            teams=teams,
            severities=list(Severity),
            now=rt.clock(),
        ),
    )


@router.get("/queue")
def queue_rows(
    request: Request,
    viewer: ConsolePageViewer,
    conn: ConnDep,
    rt: RuntimeDep,
    severity: FilterText = None,
    kind: FilterText = None,
    team: FilterText = None,
) -> Response:
    """The queue's rows alone, fetched by the page whenever the live stream says something changed."""
    items = alert_queue(conn, viewer.scope, _queue_filter(severity, kind, team))
    return render(request, "_queue_rows.html", _page(viewer, items=items, now=rt.clock()))


@router.get("/events")
def queue_events(request: Request, viewer: ConsolePageViewer, rt: RuntimeDep) -> StreamingResponse:
    """Server-sent events: `alerts` whenever an alert in the viewer's households changes. The open
    stream keeps its session in use, and says `signed-out` once the session has ended."""
    token = request.cookies[SESSION_COOKIE]  # the viewer was found by it

    async def signed_in() -> bool:
        return await _session_lives(rt, token)

    # Several keep-alives within each idle period, so one lost to a slow database ends nothing.
    keepalive = min(KEEPALIVE_SECONDS, rt.config.sessions.idle.total_seconds() / 4)
    return StreamingResponse(
        rt.events.stream(viewer.scope.allows, signed_in=signed_in, keepalive_seconds=keepalive),
        media_type="text/event-stream",
        headers={"X-Accel-Buffering": "no"},  # nginx would otherwise hold events back
    )


async def _session_lives(rt: Runtime, token: str) -> bool:
    """Whether the session is still signed in, marking it used now (its lifetime still ends it)."""

    def check() -> bool:
        assert rt.pool is not None, "the app's lifespan opens the pool"
        with rt.pool.connection() as conn:
            return current_session(conn, token, now=rt.clock(), limits=rt.config.sessions) is not None

    try:
        return await asyncio.to_thread(check)
    except (psycopg.OperationalError, psycopg_pool.PoolTimeout):
        # The database cannot say: a hiccup must not sign a duty desk out, so the stream goes on
        # and the next keep-alive asks again.
        return True


@router.get("/alerts/{alert_id}")
def alert_page(
    request: Request, alert_id: AlertId, viewer: ConsolePageViewer, conn: ConnDep, rt: RuntimeDep
) -> Response:
    now = rt.clock()
    detail = alert_detail(conn, viewer, alert_id, now=now, via="console")
    return render(request, "alert.html", _page(viewer, detail=detail, outcomes=OUTCOMES, now=now))


@router.post("/alerts/{alert_id}/acknowledge", dependencies=[CsrfChecked])
def acknowledge(
    alert_id: AlertId, viewer: ConsolePageViewer, conn: ConnDep, rt: RuntimeDep, note: NoteText = None
) -> Response:
    actions.acknowledge(conn, viewer, alert_id, note=note or None, now=rt.clock(), config=rt.config.alerts)
    return _back_to(alert_id)


@router.post("/alerts/{alert_id}/escalate", dependencies=[CsrfChecked])
def escalate(
    alert_id: AlertId, viewer: ConsolePageViewer, conn: ConnDep, rt: RuntimeDep, note: NoteText = None
) -> Response:
    actions.escalate(conn, viewer, alert_id, note=note or None, now=rt.clock(), config=rt.config.alerts)
    return _back_to(alert_id)


@router.post("/alerts/{alert_id}/notes", dependencies=[CsrfChecked])
def add_note(
    alert_id: AlertId,
    viewer: ConsolePageViewer,
    conn: ConnDep,
    rt: RuntimeDep,
    note: Annotated[str, Form(min_length=1, max_length=actions.NOTE_MAX_LENGTH, pattern=WITHOUT_NUL)],
) -> Response:
    actions.add_note(conn, viewer, alert_id, note, now=rt.clock())
    return _back_to(alert_id)


@router.post("/alerts/{alert_id}/resolve", dependencies=[CsrfChecked])
def resolve(
    alert_id: AlertId,
    viewer: ConsolePageViewer,
    conn: ConnDep,
    rt: RuntimeDep,
    outcome: Annotated[Outcome, Form()],
    note: NoteText = None,
) -> Response:
    if outcome not in RESPONDER_OUTCOMES:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            f"{outcome} is recorded by the platform, not chosen by a responder",
        )
    actions.resolve(
        conn, viewer, alert_id, outcome, note=note or None, now=rt.clock(), config=rt.config.alerts
    )
    # Resolved, the responder's next job is back in the queue.
    return RedirectResponse("/console", status.HTTP_303_SEE_OTHER)


def _back_to(alert_id: int) -> Response:
    return RedirectResponse(f"/console/alerts/{alert_id}", status.HTTP_303_SEE_OTHER)

"""The JSON API (bearer tokens only, so no cookie and no CSRF): who am I, the alert queue, an
alert's detail, and the actions on it. Same rules and records as the console's pages."""

from typing import Annotated

from fastapi import APIRouter, Query, status

from alerts import Severity
from web import _alert_actions as actions
from web._access import ConsoleApiViewer
from web._alert_detail import alert_detail
from web._auth import ApiUser
from web._queue import QueueFilter, alert_queue
from web._runtime import ConnDep, RuntimeDep
from web._schemas import (
    WITHOUT_NUL,
    AcknowledgeRequest,
    AlertDetailPublic,
    AlertId,
    AlertStatePublic,
    EscalateRequest,
    HistoryEntryPublic,
    MePublic,
    NoteRequest,
    QueueItemPublic,
    ResolveRequest,
    alert_detail_public,
    alert_state_public,
    me_public,
    queue_item_public,
)

_errors: dict[int | str, dict[str, object]] = {
    status.HTTP_401_UNAUTHORIZED: {"description": "No API token, or one unknown, expired or revoked."},
    status.HTTP_403_FORBIDDEN: {"description": "The token's role has no access to this."},
}
_not_found: dict[int | str, dict[str, object]] = {
    **_errors,
    status.HTTP_404_NOT_FOUND: {"description": "No such alert among the households you may see."},
}
_conflict: dict[int | str, dict[str, object]] = {
    **_not_found,
    status.HTTP_400_BAD_REQUEST: {"description": "The body is not JSON."},
    status.HTTP_409_CONFLICT: {
        "description": "The alert's state does not allow this (e.g. already resolved)."
    },
}
router = APIRouter(prefix="/api", tags=["alerts"], responses=_errors)


@router.get("/me", tags=["accounts"])
def me(user: ApiUser) -> MePublic:
    """The account the token belongs to."""
    return me_public(user)


@router.get("/alerts")
def list_alerts(
    viewer: ConsoleApiViewer,
    conn: ConnDep,
    severity: Severity | None = None,
    kind: Annotated[str | None, Query(max_length=64, pattern=WITHOUT_NUL)] = None,
    team: Annotated[str | None, Query(max_length=64, pattern=WITHOUT_NUL)] = None,
    include_resolved: bool = False,
) -> list[QueueItemPublic]:
    """The alert queue for your households: urgent first, then what waits for someone, oldest first."""
    wanted = QueueFilter(severity=severity, kind=kind, team=team, include_resolved=include_resolved)
    return [queue_item_public(item) for item in alert_queue(conn, viewer.scope, wanted)]


@router.get("/alerts/{alert_id}", responses=_not_found)
def get_alert(
    alert_id: AlertId, viewer: ConsoleApiViewer, conn: ConnDep, rt: RuntimeDep
) -> AlertDetailPublic:
    """Everything about one alert: evidence, household, contacts, notes, history, readings, activity.
    A read of personal data: recorded in the audit trail."""
    return alert_detail_public(alert_detail(conn, viewer, alert_id, now=rt.clock(), via="api"))


@router.post("/alerts/{alert_id}/acknowledge", responses=_conflict)
def acknowledge(
    alert_id: AlertId, body: AcknowledgeRequest, viewer: ConsoleApiViewer, conn: ConnDep, rt: RuntimeDep
) -> AlertStatePublic:
    """You are dealing with it: stops its escalation."""
    alert = actions.acknowledge(
        conn, viewer, alert_id, note=body.note, now=rt.clock(), config=rt.config.alerts
    )
    return alert_state_public(alert)


@router.post("/alerts/{alert_id}/escalate", responses=_conflict)
def escalate(
    alert_id: AlertId, body: EscalateRequest, viewer: ConsoleApiViewer, conn: ConnDep, rt: RuntimeDep
) -> AlertStatePublic:
    """Hand it to the supervisor now; they and the duty team are told."""
    alert = actions.escalate(conn, viewer, alert_id, note=body.note, now=rt.clock(), config=rt.config.alerts)
    return alert_state_public(alert)


@router.post("/alerts/{alert_id}/resolve", responses=_conflict)
def resolve(
    alert_id: AlertId, body: ResolveRequest, viewer: ConsoleApiViewer, conn: ConnDep, rt: RuntimeDep
) -> AlertStatePublic:
    """Close it with its outcome; whoever was told of it hears how it ended."""
    alert = actions.resolve(
        conn, viewer, alert_id, body.outcome, note=body.note, now=rt.clock(), config=rt.config.alerts
    )
    return alert_state_public(alert)


@router.post(
    "/alerts/{alert_id}/notes",
    status_code=status.HTTP_201_CREATED,
    responses={**_not_found, status.HTTP_400_BAD_REQUEST: {"description": "The body is not JSON."}},
)
def add_note(
    alert_id: AlertId, body: NoteRequest, viewer: ConsoleApiViewer, conn: ConnDep, rt: RuntimeDep
) -> HistoryEntryPublic:
    """Add a note to the alert's record."""
    now = rt.clock()
    actions.add_note(conn, viewer, alert_id, body.text, now=now)
    return HistoryEntryPublic(at=now, actor=viewer.actor, action="alert.note", detail={"note": body.text})

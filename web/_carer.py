"""The carer view, made for a phone: a family carer's households, each with today in a sentence,
recent alerts and what was done, the week's routine, their own notification preferences, and
"we are visiting" / "away until" where consent allows. Someone else's household is a 404."""

import datetime as dt
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Request, status
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from alerts import record_audit
from devices import MonitoringState
from web._access import CarerPageViewer, Viewer, require_household
from web._admin_forms import HouseholdId
from web._auth import CsrfChecked
from web._carer_pause import (
    MAX_PAUSE,
    Monitoring,
    PauseError,
    PauseReason,
    check_pause_end,
    consent_in_force,
    local_instant,
    monitoring,
    pause_refusal,
    set_monitoring,
)
from web._carer_preferences import (
    PreferencesError,
    parse_channels,
    parse_digest_at,
    parse_quiet_hours,
    save_preferences,
)
from web._carer_view import carer_household, linked_households, own_contact
from web._runtime import ConnDep, RuntimeDep
from web._schemas import WITHOUT_NUL
from web._templates import render

router = APIRouter(prefix="/carer", include_in_schema=False)
# What a finished change says at the top of the page (the query names one of these, nothing else).
DONE = {
    "paused": "Routine alerts are paused.",
    "resumed": "Alerts are back to normal.",
    "preferences": "Your notification preferences are saved.",
}
FormText = Annotated[str, Form(max_length=400, pattern=WITHOUT_NUL)]
ChannelsText = Annotated[str, Form(max_length=2000, pattern=WITHOUT_NUL)]


@router.get("")
def households_page(request: Request, viewer: CarerPageViewer, conn: ConnDep, rt: RuntimeDep) -> Response:
    households = linked_households(conn, viewer)
    if len(households) == 1:
        return RedirectResponse(f"/carer/households/{households[0][0]}", status.HTTP_303_SEE_OTHER)
    for household, _ in households:
        record_audit(
            conn, actor=viewer.actor, action="read.household_name", subject_type="household",
            subject_id=household, household=household, detail={"via": "carer"}, at=rt.clock(),
        )  # fmt: skip
    return render(request, "carer_households.html", _page(viewer, households=households))


@router.get("/households/{household}")
def household_page(
    request: Request,
    household: HouseholdId,
    viewer: CarerPageViewer,
    conn: ConnDep,
    rt: RuntimeDep,
    done: str | None = None,
) -> Response:
    require_household(viewer, household, f"household {household}")
    return _household(request, viewer, conn, household, now=rt.clock(), notice=DONE.get(done or ""))


@router.post("/households/{household}/pause", dependencies=[CsrfChecked])
def pause(
    request: Request,
    household: HouseholdId,
    viewer: CarerPageViewer,
    conn: ConnDep,
    rt: RuntimeDep,
    reason: Annotated[PauseReason, Form()],
    until: FormText,
) -> Response:
    require_household(viewer, household, f"household {household}")
    now = rt.clock()
    watched = monitoring(conn, household, now=now)
    try:
        _may_change(watched)
        refusal = pause_refusal(
            consent_in_force(conn, household), now.astimezone(ZoneInfo(watched.timezone)).date()
        )
        if refusal is not None:
            raise PauseError(refusal)
        end = local_instant(until, watched.timezone)
        check_pause_end(end, now, limit=MAX_PAUSE)
    except PauseError as exc:
        return _household(request, viewer, conn, household, now=now, error=str(exc))
    set_monitoring(
        conn,
        household,
        MonitoringState.AWAY,
        away_until=end,
        reason=reason,
        by=viewer.actor,
        via="carer",
        now=now,
    )
    return _done(household, "paused")


@router.post("/households/{household}/resume", dependencies=[CsrfChecked])
def resume(
    request: Request, household: HouseholdId, viewer: CarerPageViewer, conn: ConnDep, rt: RuntimeDep
) -> Response:
    """Ends a pause early (whoever set it: the home's own routine is back to normal)."""
    require_household(viewer, household, f"household {household}")
    now = rt.clock()
    if monitoring(conn, household, now=now).state is not MonitoringState.AWAY:
        return _household(request, viewer, conn, household, now=now, error="Alerts are not paused.")
    set_monitoring(
        conn,
        household,
        MonitoringState.ACTIVE,
        away_until=None,
        reason=None,
        by=viewer.actor,
        via="carer",
        now=now,
    )
    return _done(household, "resumed")


@router.post("/households/{household}/preferences", dependencies=[CsrfChecked])
def preferences(
    request: Request,
    household: HouseholdId,
    viewer: CarerPageViewer,
    conn: ConnDep,
    rt: RuntimeDep,
    channels: ChannelsText = "",
    quiet_from: FormText = "",
    quiet_until: FormText = "",
    digest_at: FormText = "",
) -> Response:
    require_household(viewer, household, f"household {household}")
    now = rt.clock()
    contact = own_contact(conn, viewer, household)
    try:
        if contact is None:
            raise PreferencesError(_NOT_A_CONTACT)
        save_preferences(
            conn,
            contact.id,
            channels=parse_channels(channels),
            quiet_hours=parse_quiet_hours(quiet_from, quiet_until),
            digest_at=parse_digest_at(digest_at),
            by=viewer.actor,
            now=now,
        )
    except PreferencesError as exc:
        return _household(request, viewer, conn, household, now=now, error=str(exc))
    return _done(household, "preferences")


_NOT_A_CONTACT = "You are not one of this home's contacts yet; please ask the care team to add you."


def _may_change(watched: Monitoring) -> None:
    # Paused (e.g. in hospital) or ended by the care team: theirs to undo, not the family's.
    if watched.state not in (MonitoringState.ACTIVE, MonitoringState.AWAY):
        raise PauseError(f"Monitoring of this home is {watched.state} by the care team.")


def _household(
    request: Request,
    viewer: Viewer,
    conn: ConnDep,
    household: HouseholdId,
    *,
    now: dt.datetime,
    notice: str | None = None,
    error: str | None = None,
) -> Response:
    view = carer_household(conn, viewer, household, now=now)
    return render(
        request,
        "carer_household.html",
        _page(
            viewer,
            home=view,
            now=now,
            max_pause=MAX_PAUSE,
            reasons=list(PauseReason),
            notice=notice,
            error=error,
        ),
        status_code=status.HTTP_422_UNPROCESSABLE_CONTENT if error else status.HTTP_200_OK,
    )


def _done(household: str, what: str) -> Response:
    return RedirectResponse(f"/carer/households/{household}?done={what}", status.HTTP_303_SEE_OTHER)


def _page(viewer: Viewer, **context: object) -> dict[str, object]:
    return {"viewer": viewer, "user": viewer.user, "csrf_token": viewer.csrf_token, **context}

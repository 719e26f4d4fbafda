"""Administration of households: the list, a new household, and one household's page with its
details, monitoring state, consent records, contacts, devices, routing policy and hub. Admins
change; supervisors read. Every form is CSRF-checked, every change audited; a refused change
shows the page again with what to fix, and changes nothing."""

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request, status
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from alerts import DEFAULT_AUDIENCES, Audience, PolicyError, Severity, routing_policy, set_routes
from devices import (
    ConsentBasis,
    ConsentEntry,
    ContactEntry,
    DeviceEntry,
    DeviceRole,
    Dialect,
    HouseholdEntry,
    MonitoringState,
    SensorKind,
)
from web._access import AdminPageViewer, AdminReadPageViewer, Viewer
from web._accounts import Role
from web._admin_forms import (
    ROUTE_ROWS,
    DeviceId,
    FormList,
    FormText,
    HouseholdId,
    LongText,
    cleared,
    entry,
    given,
    lines,
    minutes,
    routes_from_form,
)
from web._admin_hub import provision_hub
from web._admin_records import (
    AdminError,
    create_household,
    household_exists,
    household_record,
    household_rows,
    record_consent,
    remove_device,
    save_contact,
    save_device,
    update_household,
)
from web._auth import CsrfChecked
from web._carer_pause import PauseError, check_pause_end, local_instant, set_monitoring
from web._runtime import ConnDep, RuntimeDep
from web._templates import render

router = APIRouter(prefix="/admin", include_in_schema=False)
Checkbox = Annotated[str | None, Form(max_length=8)]


@router.get("")
def households_page(request: Request, viewer: AdminReadPageViewer, conn: ConnDep) -> Response:
    return _list_page(request, viewer, conn)


@router.post("/households", dependencies=[CsrfChecked])
def create(
    request: Request,
    viewer: AdminPageViewer,
    conn: ConnDep,
    rt: RuntimeDep,
    household: FormText,
    timezone: FormText,
    display_name: FormText = "",
    address_area: FormText = "",
    referred_on: FormText = "",
    known_to_wander: Checkbox = None,
    checkin_minutes: FormText = "",
) -> Response:
    try:
        details = given(id=household, timezone=timezone, display_name=display_name, address_area=address_area)
        details |= given(referred_on=referred_on)
        window = minutes(checkin_minutes, what="check-in window")
        fields: dict[str, object] = {**details, "known_to_wander": known_to_wander is not None}
        if window is not None:
            fields["checkin_window"] = window
        create_household(conn, entry(HouseholdEntry, fields), by=viewer.actor, now=rt.clock())
    except AdminError as exc:
        return _list_page(request, viewer, conn, error=str(exc))
    return _to(household.strip())


@router.get("/households/{household}")
def household_page(
    request: Request, household: HouseholdId, viewer: AdminReadPageViewer, conn: ConnDep, rt: RuntimeDep
) -> Response:
    return _household_page(request, viewer, conn, rt, household)


@router.post("/households/{household}", dependencies=[CsrfChecked])
def edit(
    request: Request,
    household: HouseholdId,
    viewer: AdminPageViewer,
    conn: ConnDep,
    rt: RuntimeDep,
    timezone: FormText,
    display_name: FormText = "",
    address_area: FormText = "",
    referred_on: FormText = "",
    known_to_wander: Checkbox = None,
    checkin_minutes: FormText = "",
) -> Response:
    _require(conn, household)
    try:
        fields: dict[str, object] = {
            "id": household,
            "timezone": timezone.strip(),
            **cleared(display_name=display_name, address_area=address_area, referred_on=referred_on),
            "known_to_wander": known_to_wander is not None,
            "checkin_window": minutes(checkin_minutes, what="check-in window"),
        }
        update_household(conn, entry(HouseholdEntry, fields), by=viewer.actor, now=rt.clock())
    except AdminError as exc:
        return _household_page(request, viewer, conn, rt, household, error=str(exc))
    return _to(household)


@router.post("/households/{household}/state", dependencies=[CsrfChecked])
def state(
    request: Request,
    household: HouseholdId,
    viewer: AdminPageViewer,
    conn: ConnDep,
    rt: RuntimeDep,
    monitoring_state: Annotated[MonitoringState, Form()],
    until: FormText = "",
) -> Response:
    timezone = _require(conn, household)
    now = rt.clock()
    away_until = None
    try:
        if monitoring_state is MonitoringState.AWAY:
            if not until.strip():
                raise PauseError("'away' needs the time they are back")
            away_until = local_instant(until, timezone)
            check_pause_end(away_until, now, limit=None)
    except PauseError as exc:
        return _household_page(request, viewer, conn, rt, household, error=str(exc))
    set_monitoring(
        conn,
        household,
        monitoring_state,
        away_until=away_until,
        reason=None,
        by=viewer.actor,
        via="admin",
        now=now,
    )
    return _to(household)


@router.post("/households/{household}/consents", dependencies=[CsrfChecked])
def consent(
    request: Request,
    household: HouseholdId,
    viewer: AdminPageViewer,
    conn: ConnDep,
    rt: RuntimeDep,
    basis: FormText,
    given_by: FormText,
    given_on: FormText,
    decision_maker: FormText = "",
    review_on: FormText = "",
) -> Response:
    _require(conn, household)
    try:
        fields = given(
            basis=basis,
            given_by=given_by,
            given_on=given_on,
            decision_maker=decision_maker,
            review_on=review_on,
        )
        record_consent(conn, household, entry(ConsentEntry, fields), by=viewer.actor, now=rt.clock())
    except AdminError as exc:
        return _household_page(request, viewer, conn, rt, household, error=str(exc))
    return _to(household)


@router.post("/households/{household}/contacts", dependencies=[CsrfChecked])
def contact(
    request: Request,
    household: HouseholdId,
    viewer: AdminPageViewer,
    conn: ConnDep,
    rt: RuntimeDep,
    name: FormText,
    relationship: FormText = "",
    channels: LongText = "",
    quiet_hours: FormText = "",
    digest_at: FormText = "",
) -> Response:
    _require(conn, household)
    try:
        fields: dict[str, object] = given(
            name=name, relationship=relationship, quiet_hours=quiet_hours, digest_at=digest_at
        )
        fields["channels"] = lines(channels)
        save_contact(conn, household, entry(ContactEntry, fields), by=viewer.actor, now=rt.clock())
    except AdminError as exc:
        return _household_page(request, viewer, conn, rt, household, error=str(exc))
    return _to(household)


@router.post("/households/{household}/devices", dependencies=[CsrfChecked])
def device(
    request: Request,
    household: HouseholdId,
    viewer: AdminPageViewer,
    conn: ConnDep,
    rt: RuntimeDep,
    device: FormText,
    role: FormText,
    room: FormText,
    sensors: FormList,
    dialect: FormText = "native",
    vendor_id: FormText = "",
    interval_minutes: FormText = "",
) -> Response:
    _require(conn, household)
    try:
        fields: dict[str, object] = {
            "household": household,
            "sensors": sensors,
            **given(id=device, role=role, room=room, dialect=dialect, vendor_id=vendor_id),
        }
        interval = minutes(interval_minutes, what="expected interval")
        if interval is not None:
            fields["expected_interval"] = interval
        save_device(conn, entry(DeviceEntry, fields), by=viewer.actor, now=rt.clock())
    except AdminError as exc:
        return _household_page(request, viewer, conn, rt, household, error=str(exc))
    return _to(household)


@router.post("/households/{household}/devices/{device}/remove", dependencies=[CsrfChecked])
def remove(
    request: Request,
    household: HouseholdId,
    device: DeviceId,
    viewer: AdminPageViewer,
    conn: ConnDep,
    rt: RuntimeDep,
) -> Response:
    _require(conn, household)
    try:
        remove_device(conn, household, device, by=viewer.actor, now=rt.clock())
    except AdminError as exc:
        return _household_page(request, viewer, conn, rt, household, error=str(exc))
    return _to(household)


@router.post("/households/{household}/routes", dependencies=[CsrfChecked])
def routes(
    request: Request,
    household: HouseholdId,
    viewer: AdminPageViewer,
    conn: ConnDep,
    rt: RuntimeDep,
    route: FormList,
    audience: FormList | None = None,
) -> Response:
    _require(conn, household)
    try:
        wanted = routes_from_form(route, audience or [])
        set_routes(conn, household, wanted, by=viewer.actor, now=rt.clock())
    except (AdminError, PolicyError) as exc:
        return _household_page(request, viewer, conn, rt, household, error=str(exc))
    return _to(household)


@router.post("/households/{household}/hub", dependencies=[CsrfChecked])
def hub(
    request: Request, household: HouseholdId, viewer: AdminPageViewer, conn: ConnDep, rt: RuntimeDep
) -> Response:
    """The credentials are in this response only: the page says so, and nothing keeps them."""
    _require(conn, household)
    credentials = provision_hub(
        conn, household, broker_dir=rt.config.broker_dir, by=viewer.actor, now=rt.clock()
    )
    return render(request, "admin_hub.html", _page(viewer, household=household, credentials=credentials))


def _require(conn: ConnDep, household: str) -> str:
    """The household's timezone; 404 if there is no such household."""
    row = conn.execute("SELECT timezone FROM households WHERE id = %s", (household,)).fetchone()
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"there is no household {household}")
    return str(row[0])


def _list_page(request: Request, viewer: Viewer, conn: ConnDep, *, error: str | None = None) -> Response:
    return render(
        request,
        "admin_households.html",
        _page(viewer, households=household_rows(conn), error=error),
        status_code=status.HTTP_422_UNPROCESSABLE_CONTENT if error else status.HTTP_200_OK,
    )


def _household_page(
    request: Request,
    viewer: Viewer,
    conn: ConnDep,
    rt: RuntimeDep,
    household: HouseholdId,
    *,
    error: str | None = None,
) -> Response:
    if not household_exists(conn, household):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"there is no household {household}")
    now = rt.clock()
    record = household_record(conn, household, by=viewer.actor, via="admin", now=now)
    policy = routing_policy(conn, household)
    return render(
        request,
        "admin_household.html",
        _page(
            viewer,
            record=record,
            policy=policy,
            route_rows=ROUTE_ROWS,
            severities=list(Severity),
            default_audiences=DEFAULT_AUDIENCES,
            audiences=list(Audience),
            states=list(MonitoringState),
            bases=list(ConsentBasis),
            roles=list(DeviceRole),
            sensor_kinds=list(SensorKind),
            dialects=list(Dialect),
            now=now,
            error=error,
        ),
        status_code=status.HTTP_422_UNPROCESSABLE_CONTENT if error else status.HTTP_200_OK,
    )


def _to(household: str) -> Response:
    return RedirectResponse(f"/admin/households/{household}", status.HTTP_303_SEE_OTHER)


def _page(viewer: Viewer, **context: object) -> dict[str, object]:
    return {
        "viewer": viewer,
        "user": viewer.user,
        "csrf_token": viewer.csrf_token,
        "can_edit": viewer.user.role is Role.ADMIN,
        **context,
    }

"""The device health view: homes with offline hubs, offline or silent sensors and low batteries,
assessed now from the devices' live state by the same pure rules the health service runs, over
the households the viewer may see. Household ids and devices only: nothing personal is shown."""

import dataclasses
import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query, Request, status
from pydantic import BaseModel, Field
from starlette.responses import Response

import store
from devices import BATTERY_LOW_PERCENT, HealthFinding, assess_device_health
from web._access import DeviceHealthApiViewer, DeviceHealthPageViewer, HouseholdScope, require_household
from web._accounts import Conn
from web._runtime import ConnDep, RuntimeDep
from web._templates import render

# Worst first: a hub down blinds a whole home; a flat battery can wait for the next visit.
KIND_ORDER = ("hub_offline", "device_offline", "sensor_silent", "battery_low")
KIND_WORDS = {
    "hub_offline": "Hub offline",
    "device_offline": "Sensor offline",
    "sensor_silent": "Sensor sees no movement",
    "battery_low": "Battery low",
}

pages = APIRouter(include_in_schema=False)
api = APIRouter(
    prefix="/api",
    tags=["devices"],
    responses={
        status.HTTP_401_UNAUTHORIZED: {"description": "No API token, or one unknown, expired or revoked."},
        status.HTTP_403_FORBIDDEN: {"description": "The token's role has no access to this."},
    },
)
router = APIRouter()


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class DeviceHealthReport:
    checked_at: dt.datetime
    homes_checked: int
    problems: tuple[HealthFinding, ...]

    def count(self, kind: str) -> int:
        return sum(1 for p in self.problems if p.kind == kind)

    def homes_with(self, kind: str) -> int:
        return len({p.household for p in self.problems if p.kind == kind})


def device_health(conn: Conn, scope: HouseholdScope, *, now: dt.datetime) -> DeviceHealthReport:
    """Every device problem now in the households of `scope` that are being monitored."""
    devices = [d for d in store.load_device_health(conn) if scope.allows(d.household)]
    problems = sorted(
        assess_device_health(devices, now),
        key=lambda p: (KIND_ORDER.index(p.kind), p.household, p.onset, p.device),
    )
    return DeviceHealthReport(
        checked_at=now, homes_checked=len({d.household for d in devices}), problems=tuple(problems)
    )


@pages.get("/devices/health")
def health_page(request: Request, viewer: DeviceHealthPageViewer, conn: ConnDep, rt: RuntimeDep) -> Response:
    report = device_health(conn, viewer.scope, now=rt.clock())
    return render(
        request,
        "devices_health.html",
        {
            "viewer": viewer,
            "user": viewer.user,
            "csrf_token": viewer.csrf_token,
            "report": report,
            "kinds": KIND_ORDER,
            "kind_words": KIND_WORDS,
            "battery_low": BATTERY_LOW_PERCENT,
        },
    )


class DeviceProblemPublic(BaseModel):
    household: str
    device: str
    kind: str = Field(description="hub_offline, device_offline, sensor_silent or battery_low.")
    since: dt.datetime
    message: str
    evidence: dict[str, object]


class DeviceHealthPublic(BaseModel):
    checked_at: dt.datetime
    homes_checked: int = Field(description="Monitored homes (active or away) among those you may see.")
    problems: list[DeviceProblemPublic] = Field(description="Worst first: hubs, sensors, silence, batteries.")


@api.get(
    "/devices/health",
    responses={status.HTTP_404_NOT_FOUND: {"description": "No such household among those you may see."}},
)
def health(
    viewer: DeviceHealthApiViewer,
    conn: ConnDep,
    rt: RuntimeDep,
    household: Annotated[str | None, Query(max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")] = None,
) -> DeviceHealthPublic:
    """Device problems now in the households you may see (one, with `household`)."""
    if household is not None:
        require_household(viewer, household, f"household {household}")
    report = device_health(conn, viewer.scope, now=rt.clock())
    return DeviceHealthPublic(
        checked_at=report.checked_at,
        homes_checked=report.homes_checked,
        problems=[
            DeviceProblemPublic(
                household=p.household, device=p.device, kind=p.kind, since=p.onset, message=p.message,
                evidence=dict(p.evidence),
            )
            for p in report.problems
            if household is None or p.household == household
        ],
    )  # fmt: skip


router.include_router(pages)
router.include_router(api)

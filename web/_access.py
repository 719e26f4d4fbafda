"""Who may see what: the one place that decides which roles reach which pages and API endpoints,
and which households a user may see. Routes ask here; none decides for itself.

| role         | console and its API | reports | households seen                                    |
| ------------ | ------------------- | ------- | -------------------------------------------------- |
| admin        | yes                 | yes     | every household                                    |
| supervisor   | yes                 | yes     | every household (escalations reach them from all)  |
| responder    | yes                 | no      | the households their teams cover                   |
| carer        | no                  | no      | the households they are linked to                  |
| commissioner | no                  | yes     | none: aggregate reports only                       |

Someone else's household is answered as if it did not exist (404), never "forbidden".
"""

import dataclasses
from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, HTTPException, status

from web._accounts import Conn, Role, User
from web._auth import ApiUser, PageSession
from web._runtime import ConnDep

CONSOLE_ROLES = frozenset({Role.ADMIN, Role.SUPERVISOR, Role.RESPONDER})
# The carer view: a family carer's own households, nobody else's.
CARER_ROLES = frozenset({Role.CARER})
# Administration: admins change things; supervisors may look (they answer for the service).
ADMIN_ROLES = frozenset({Role.ADMIN})
ADMIN_READ_ROLES = frozenset({Role.ADMIN, Role.SUPERVISOR})
# Device health: whoever works the console, each over the households they see.
DEVICE_HEALTH_ROLES = CONSOLE_ROLES
# Commissioner reports hold aggregates only, yet least access still applies: those who answer for
# the service (commissioners, supervisors, admins) read them; responders and carers have no need.
REPORT_ROLES = frozenset({Role.COMMISSIONER, Role.SUPERVISOR, Role.ADMIN})
_EVERY_HOUSEHOLD = frozenset({Role.ADMIN, Role.SUPERVISOR})


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class HouseholdScope:
    """The households a user may see: every one, or those listed."""

    every: bool
    households: frozenset[str]

    def allows(self, household: str) -> bool:
        return self.every or household in self.households

    def sql(self, column: str) -> str:
        """A condition on `column` for queries; bind `scope_params()` with it."""
        return f"(%(scope_every)s OR {column} = ANY(%(scope_households)s))"

    def params(self) -> dict[str, object]:
        return {"scope_every": self.every, "scope_households": sorted(self.households)}


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Viewer:
    """The signed-in user a request acts for, with what they may see. `csrf_token` is the
    session's (pages) or None (API, which takes no cookies)."""

    user: User
    scope: HouseholdScope
    csrf_token: str | None

    @property
    def actor(self) -> str:
        """How the audit trail names them."""
        return self.user.username


def household_scope(conn: Conn, user: User) -> HouseholdScope:
    if user.role in _EVERY_HOUSEHOLD:
        return HouseholdScope(every=True, households=frozenset())
    if user.role is Role.RESPONDER:
        query = """SELECT DISTINCT th.household_id FROM team_members m
                   JOIN team_households th ON th.team_id = m.team_id WHERE m.user_id = %s"""
    elif user.role is Role.CARER:
        query = "SELECT household_id FROM carer_households WHERE user_id = %s"
    else:
        return HouseholdScope(every=False, households=frozenset())
    return HouseholdScope(
        every=False, households=frozenset(row[0] for row in conn.execute(query, (user.id,)))
    )


def require_household(viewer: Viewer, household: str, what: str) -> None:
    """404 (naming `what`, e.g. "alert 12") unless the viewer may see this household."""
    if not viewer.scope.allows(household):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"there is no {what}")


def _refuse_role(user: User, roles: frozenset[Role]) -> None:
    if user.role not in roles:
        raise HTTPException(status.HTTP_403_FORBIDDEN, f"a {user.role} account has no access to this")


def page_viewer(roles: frozenset[Role]) -> Callable[[PageSession, Conn], Viewer]:
    """A dependency: the signed-in browser's user, refused (403) unless their role is in `roles`."""

    def dependency(session: PageSession, conn: ConnDep) -> Viewer:
        _refuse_role(session.user, roles)
        return Viewer(
            user=session.user, scope=household_scope(conn, session.user), csrf_token=session.csrf_token
        )

    return dependency


def api_viewer(roles: frozenset[Role]) -> Callable[[User, Conn], Viewer]:
    """A dependency: the bearer token's user, refused (403) unless their role is in `roles`."""

    def dependency(user: ApiUser, conn: ConnDep) -> Viewer:
        _refuse_role(user, roles)
        return Viewer(user=user, scope=household_scope(conn, user), csrf_token=None)

    return dependency


ConsolePageViewer = Annotated[Viewer, Depends(page_viewer(CONSOLE_ROLES))]
ConsoleApiViewer = Annotated[Viewer, Depends(api_viewer(CONSOLE_ROLES))]
ReportPageViewer = Annotated[Viewer, Depends(page_viewer(REPORT_ROLES))]
ReportApiViewer = Annotated[Viewer, Depends(api_viewer(REPORT_ROLES))]
CarerPageViewer = Annotated[Viewer, Depends(page_viewer(CARER_ROLES))]
AdminPageViewer = Annotated[Viewer, Depends(page_viewer(ADMIN_ROLES))]
AdminReadPageViewer = Annotated[Viewer, Depends(page_viewer(ADMIN_READ_ROLES))]
DeviceHealthPageViewer = Annotated[Viewer, Depends(page_viewer(DEVICE_HEALTH_ROLES))]
DeviceHealthApiViewer = Annotated[Viewer, Depends(api_viewer(DEVICE_HEALTH_ROLES))]

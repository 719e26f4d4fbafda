"""Administration of people: users (create, reset a password, disable, link a carer to a
household) and teams (create, add a member, cover a household). Admins change; supervisors read.
The list shows names of staff and family carers, so reading it is audited."""

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Form, Request, status
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from alerts import record_audit
from web import _admin_accounts as accounts
from web._access import AdminPageViewer, AdminReadPageViewer, Viewer
from web._accounts import AccountError, Role, list_teams, list_users
from web._admin_forms import FormText, TeamName, Username
from web._auth import CsrfChecked
from web._runtime import ConnDep, RuntimeDep
from web._templates import render

router = APIRouter(prefix="/admin", include_in_schema=False)
Password = Annotated[str, Form(max_length=200)]


@router.get("/people")
def people_page(request: Request, viewer: AdminReadPageViewer, conn: ConnDep, rt: RuntimeDep) -> Response:
    return _people(request, viewer, conn, rt)


@router.post("/users", dependencies=[CsrfChecked])
def create_user(
    request: Request,
    viewer: AdminPageViewer,
    conn: ConnDep,
    rt: RuntimeDep,
    username: FormText,
    display_name: FormText,
    role: Annotated[Role, Form()],
    password: Password,
) -> Response:
    return _change(
        request, viewer, conn, rt,
        lambda: accounts.create_user(
            conn, username=username.strip(), display_name=display_name.strip(), role=role, password=password,
            by=viewer.actor, now=rt.clock(),
        ),
    )  # fmt: skip


@router.post("/users/{username}/password", dependencies=[CsrfChecked])
def reset_password(
    request: Request,
    username: Username,
    viewer: AdminPageViewer,
    conn: ConnDep,
    rt: RuntimeDep,
    password: Password,
) -> Response:
    return _change(
        request, viewer, conn, rt,
        lambda: accounts.reset_password(conn, username, password, by=viewer.actor, now=rt.clock()),
    )  # fmt: skip


@router.post("/users/{username}/disable", dependencies=[CsrfChecked])
def disable(
    request: Request, username: Username, viewer: AdminPageViewer, conn: ConnDep, rt: RuntimeDep
) -> Response:
    return _change(
        request, viewer, conn, rt, lambda: accounts.disable(conn, username, by=viewer.actor, now=rt.clock())
    )


@router.post("/users/{username}/households", dependencies=[CsrfChecked])
def link_household(
    request: Request,
    username: Username,
    viewer: AdminPageViewer,
    conn: ConnDep,
    rt: RuntimeDep,
    household: FormText,
    contact_name: FormText = "",
) -> Response:
    return _change(
        request, viewer, conn, rt,
        lambda: accounts.link(
            conn, username, household.strip(), contact_name=contact_name.strip() or None, by=viewer.actor,
            now=rt.clock(),
        ),
    )  # fmt: skip


@router.post("/users/{username}/households/remove", dependencies=[CsrfChecked])
def unlink_household(
    request: Request,
    username: Username,
    viewer: AdminPageViewer,
    conn: ConnDep,
    rt: RuntimeDep,
    household: FormText,
) -> Response:
    return _change(
        request, viewer, conn, rt,
        lambda: accounts.unlink(conn, username, household.strip(), by=viewer.actor, now=rt.clock()),
    )  # fmt: skip


@router.post("/teams", dependencies=[CsrfChecked])
def create_team(
    request: Request, viewer: AdminPageViewer, conn: ConnDep, rt: RuntimeDep, name: FormText
) -> Response:
    return _change(
        request, viewer, conn, rt, lambda: accounts.create_team(conn, name, by=viewer.actor, now=rt.clock())
    )


@router.post("/teams/{team}/members", dependencies=[CsrfChecked])
def add_member(
    request: Request,
    team: TeamName,
    viewer: AdminPageViewer,
    conn: ConnDep,
    rt: RuntimeDep,
    username: FormText,
) -> Response:
    return _change(
        request, viewer, conn, rt,
        lambda: accounts.add_member(conn, team, username.strip(), by=viewer.actor, now=rt.clock()),
    )  # fmt: skip


@router.post("/teams/{team}/members/remove", dependencies=[CsrfChecked])
def remove_member(
    request: Request,
    team: TeamName,
    viewer: AdminPageViewer,
    conn: ConnDep,
    rt: RuntimeDep,
    username: FormText,
) -> Response:
    return _change(
        request, viewer, conn, rt,
        lambda: accounts.remove_member(conn, team, username.strip(), by=viewer.actor, now=rt.clock()),
    )  # fmt: skip


@router.post("/teams/{team}/households", dependencies=[CsrfChecked])
def cover_household(
    request: Request,
    team: TeamName,
    viewer: AdminPageViewer,
    conn: ConnDep,
    rt: RuntimeDep,
    household: FormText,
) -> Response:
    return _change(
        request, viewer, conn, rt,
        lambda: accounts.cover_household(conn, team, household.strip(), by=viewer.actor, now=rt.clock()),
    )  # fmt: skip


def _change(
    request: Request, viewer: Viewer, conn: ConnDep, rt: RuntimeDep, change: Callable[[], None]
) -> Response:
    try:
        change()
    except AccountError as exc:
        return _people(request, viewer, conn, rt, error=str(exc))
    return RedirectResponse("/admin/people", status.HTTP_303_SEE_OTHER)


def _people(
    request: Request, viewer: Viewer, conn: ConnDep, rt: RuntimeDep, *, error: str | None = None
) -> Response:
    users = list_users(conn)
    record_audit(
        conn,
        actor=viewer.actor,
        action="read.users",
        subject_type="users",
        subject_id="all",
        household=None,
        detail={"via": "admin", "count": len(users)},
        at=rt.clock(),
    )
    return render(
        request,
        "admin_people.html",
        {
            "viewer": viewer,
            "user": viewer.user,
            "csrf_token": viewer.csrf_token,
            "can_edit": viewer.user.role is Role.ADMIN,
            "users": users,
            "teams": list_teams(conn),
            "roles": list(Role),
            "error": error,
        },
        status_code=status.HTTP_422_UNPROCESSABLE_CONTENT if error else status.HTTP_200_OK,
    )

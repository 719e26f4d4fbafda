"""The front door: each role lands on the page its work starts from."""

from fastapi import APIRouter, status
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from web._accounts import Role
from web._auth import PageSession

router = APIRouter(include_in_schema=False)

# Where each role's work starts. Admins keep the households and people; supervisors and
# responders work the queue; a carer looks in on their own household; a commissioner reads the
# reports (the only pages they have). Every role has one, so nobody lands on an empty page.
HOME_PAGES: dict[Role, str] = {
    Role.ADMIN: "/admin",
    Role.SUPERVISOR: "/console",
    Role.RESPONDER: "/console",
    Role.CARER: "/carer",
    Role.COMMISSIONER: "/reports",
}


def home_page(role: Role) -> str:
    return HOME_PAGES[role]


@router.get("/")
def home(session: PageSession) -> Response:
    return RedirectResponse(home_page(session.user.role), status.HTTP_303_SEE_OTHER)

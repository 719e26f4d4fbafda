"""The front door: each role lands on its own page."""

from fastapi import APIRouter, Request, status
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from web._access import CARER_ROLES, CONSOLE_ROLES
from web._auth import PageSession
from web._templates import render

router = APIRouter(include_in_schema=False)


@router.get("/")
def home(request: Request, session: PageSession) -> Response:
    if session.user.role in CONSOLE_ROLES:
        return RedirectResponse("/console", status.HTTP_303_SEE_OTHER)
    if session.user.role in CARER_ROLES:
        return RedirectResponse("/carer", status.HTTP_303_SEE_OTHER)
    # Commissioners' pages are still to be built (see the web issue): say so
    # plainly rather than show an empty page.
    return render(request, "home.html", {"user": session.user, "csrf_token": session.csrf_token})

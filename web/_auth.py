"""Who is asking: the session cookie for pages, a bearer token for the API, and the CSRF check
every form post passes through (one dependency, used by every router that takes forms)."""

import secrets
from typing import Annotated

from fastapi import Depends, HTTPException, Request, Response, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from web._accounts import User, user_for_api_token
from web._runtime import ConnDep, Runtime, RuntimeDep
from web._sessions import WebSession, current_session

SESSION_COOKIE = "telecare_session"
# Before there is a session, the sign-in form is tied to the browser by a cookie holding the
# same random value as the form (double submit), so another site cannot sign you in as them.
LOGIN_CSRF_COOKIE = "telecare_login_csrf"
CSRF_FIELD = "csrf_token"
CSRF_REFUSED = "This form has expired or did not come from this site. Reload the page and try again."


class SignInRequired(Exception):
    """A page needs a signed-in user and there is none: the app answers with the sign-in page."""


def _optional_session(request: Request, conn: ConnDep, rt: RuntimeDep) -> WebSession | None:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    return current_session(conn, token, now=rt.clock(), limits=rt.config.sessions)


OptionalSession = Annotated[WebSession | None, Depends(_optional_session)]


def _page_session(session: OptionalSession) -> WebSession:
    if session is None:
        raise SignInRequired
    return session


PageSession = Annotated[WebSession, Depends(_page_session)]

_bearer = HTTPBearer(auto_error=False, description="A token from `telecare users token USERNAME`.")


def _api_user(
    conn: ConnDep,
    rt: RuntimeDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> User:
    challenge = {"WWW-Authenticate": "Bearer"}
    if credentials is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, "send an API token: Authorization: Bearer ...", challenge
        )
    user = user_for_api_token(conn, credentials.credentials, now=rt.clock())
    if user is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, "this API token is unknown, expired or revoked", challenge
        )
    return user


ApiUser = Annotated[User, Depends(_api_user)]


async def verify_csrf(request: Request, session: OptionalSession) -> None:
    """Refuse (403) a form post without the session's CSRF token (or, signing in, the form's cookie)."""
    form = await request.form()
    sent = form.get(CSRF_FIELD)
    expected = session.csrf_token if session is not None else request.cookies.get(LOGIN_CSRF_COOKIE)
    if not isinstance(sent, str) or not expected or not secrets.compare_digest(sent, expected):
        raise HTTPException(status.HTTP_403_FORBIDDEN, CSRF_REFUSED)


CsrfChecked = Depends(verify_csrf)


def set_cookie(response: Response, request: Request, rt: Runtime, name: str, value: str) -> None:
    """HttpOnly, SameSite=Lax (a link from an email still opens the console signed in; other
    sites' posts carry no cookie), Secure over https or when the settings say so."""
    response.set_cookie(
        name,
        value,
        httponly=True,
        samesite="lax",
        secure=rt.config.secure_cookies or request.url.scheme == "https",
        path="/",
    )

"""Signing in and out: the sign-in page, rate-limited password checks, the session cookie."""

import logging
import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request, status
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from alerts import record_audit
from web._accounts import verify_password
from web._auth import LOGIN_CSRF_COOKIE, SESSION_COOKIE, CsrfChecked, OptionalSession, set_cookie
from web._home import home_page
from web._runtime import ConnDep, RuntimeDep
from web._sessions import close_session, login_refusal, open_session, record_login_attempt
from web._templates import render

log = logging.getLogger(__name__)
router = APIRouter(include_in_schema=False)


def safe_next(target: str | None) -> str | None:
    """Only a path on this site: never another host ('//evil.example', 'https://...')."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return None


@router.get("/login")
def login_page(request: Request, rt: RuntimeDep, next: str | None = None) -> Response:
    return _login_form(request, rt, next=safe_next(next), error=None, status_code=status.HTTP_200_OK)


@router.post("/login", dependencies=[CsrfChecked])
def login(
    request: Request,
    conn: ConnDep,
    rt: RuntimeDep,
    username: Annotated[str, Form(max_length=200)],
    password: Annotated[str, Form(max_length=1000)],
    next: Annotated[str | None, Form()] = None,
) -> Response:
    username = username.strip().lower()
    address = request.client.host if request.client else "unknown"
    now = rt.clock()
    refusal = login_refusal(conn, username=username, address=address, now=now, limits=rt.config.logins)
    if refusal is not None:
        log.info("sign-in refused: rate limit")
        return _login_form(
            request, rt, next=next, error=refusal, status_code=status.HTTP_429_TOO_MANY_REQUESTS
        )
    user = verify_password(conn, username, password)
    record_login_attempt(conn, username=username, address=address, now=now, succeeded=user is not None)
    if user is None:
        log.info("sign-in failed")
        return _login_form(
            request,
            rt,
            next=next,
            error="Wrong username or password.",
            status_code=status.HTTP_401_UNAUTHORIZED,
        )
    token, _ = open_session(conn, user, now=now, limits=rt.config.sessions)
    record_audit(
        conn, actor=user.username, action="session.signed_in", subject_type="user",
        subject_id=str(user.id), household=None, detail={}, at=now,
    )  # fmt: skip
    log.info("signed in user_id=%d role=%s", user.id, user.role)
    landing = safe_next(next) or home_page(user.role)
    response = RedirectResponse(landing, status.HTTP_303_SEE_OTHER)
    set_cookie(response, request, rt, SESSION_COOKIE, token)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/")
    return response


@router.post("/logout", dependencies=[CsrfChecked])
def logout(request: Request, conn: ConnDep, rt: RuntimeDep, session: OptionalSession) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        close_session(conn, token)
    if session is not None:
        record_audit(
            conn, actor=session.user.username, action="session.signed_out", subject_type="user",
            subject_id=str(session.user.id), household=None, detail={}, at=rt.clock(),
        )  # fmt: skip
    response = RedirectResponse("/login", status.HTTP_303_SEE_OTHER)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


def _login_form(
    request: Request, rt: RuntimeDep, *, next: str | None, error: str | None, status_code: int
) -> Response:
    form_token = request.cookies.get(LOGIN_CSRF_COOKIE) or secrets.token_urlsafe(32)
    response = render(
        request,
        "login.html",
        {"csrf_token": form_token, "next": safe_next(next), "error": error},
        status_code=status_code,
    )
    set_cookie(response, request, rt, LOGIN_CSRF_COOKIE, form_token)
    return response

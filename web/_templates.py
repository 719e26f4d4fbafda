"""Server-rendered pages: the Jinja2 environment (autoescaped, strict about missing names), its
filters for times and durations, and `render`, which gives every page the viewer and CSRF token."""

import datetime as dt
import zoneinfo

import jinja2
from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.responses import Response

from web._runtime import runtime


def make_templates() -> Jinja2Templates:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("web", "templates"),
        autoescape=jinja2.select_autoescape(default=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["local"] = local_time
    env.filters["duration"] = duration
    env.filters["words"] = words
    return Jinja2Templates(env=env)


def local_time(instant: dt.datetime | None, timezone: str, fmt: str = "%H:%M %a %d %b") -> str:
    """An instant as the household's own clock shows it."""
    if instant is None:
        return "-"
    return instant.astimezone(zoneinfo.ZoneInfo(timezone)).strftime(fmt)


def duration(span: dt.timedelta) -> str:
    """'1 h 05 m', '12 m', '40 s'."""
    seconds = int(span.total_seconds())
    if seconds < 60:
        return f"{seconds} s"
    hours, minutes = divmod(seconds // 60, 60)
    return f"{hours} h {minutes:02d} m" if hours else f"{minutes} m"


def words(identifier: str) -> str:
    """'alarm_pressed' -> 'alarm pressed'."""
    return identifier.replace("_", " ")


def render(request: Request, name: str, context: dict[str, object], *, status_code: int = 200) -> Response:
    rt = runtime(request)
    return rt.templates.TemplateResponse(
        request, name, {"viewer": None, "csrf_token": None, **context}, status_code=status_code
    )

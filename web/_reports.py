"""Commissioner reports in the web service: the page (a form for period and area, the report, its
downloads) and what the page and the API share: checking the request, building the report from
one snapshot, and recording who read which report."""

import dataclasses
import datetime as dt
import io
import pathlib
import re
import tempfile
import zipfile
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Query, Request, status
from fastapi.exceptions import RequestValidationError
from starlette.responses import Response

from alerts import record_audit
from reports import Report, areas, build_report, period_problem, render_csv, render_html, render_json
from web._access import ReportPageViewer, Viewer
from web._accounts import Conn
from web._runtime import ConnDep, RuntimeDep
from web._schemas import WITHOUT_NUL
from web._templates import render

router = APIRouter(prefix="/reports", include_in_schema=False)

# The report is one self-contained document: its <style> and its charts' SVG `style` attributes
# are inline, so it may use inline styles and nothing else at all (no script, no fetch, no
# font, images only from data: URLs), which leaves injected CSS no way to send anything out.
# The report page frames it, so only this site may.
REPORT_DOCUMENT_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    "frame-ancestors 'self'; base-uri 'none'; form-action 'none'",
    "X-Frame-Options": "SAMEORIGIN",
}

From = Annotated[dt.date | None, Query(alias="from", description="The first day, YYYY-MM-DD.")]
To = Annotated[dt.date | None, Query(alias="to", description="The last day (included), YYYY-MM-DD.")]
AreaName = Annotated[str | None, Query(max_length=200, pattern=WITHOUT_NUL)]


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class ReportRequest:
    """A period (days start..end, inclusive) and one area, or every area (None)."""

    start: dt.date
    end: dt.date
    area: str | None

    def query(self) -> str:
        """The request as a URL query, for links to the report and its downloads."""
        return urlencode({"from": self.start, "to": self.end} | ({"area": self.area} if self.area else {}))

    def file_name(self, suffix: str) -> str:
        area = f"-{re.sub(r'[^A-Za-z0-9]+', '-', self.area).strip('-').lower()}" if self.area else ""
        return f"telecare-report-{self.start}-to-{self.end}{area}.{suffix}"


class ReportRefused(ValueError):
    """A report request that cannot be met, naming the query parameter at fault."""

    def __init__(self, parameter: str, value: object, problem: str) -> None:
        super().__init__(problem)
        self.parameter = parameter
        self.value = value

    def as_validation_error(self) -> RequestValidationError:
        """As FastAPI words a bad parameter (422, in the shape the OpenAPI schema declares)."""
        return RequestValidationError(
            [{"type": "value_error", "loc": ("query", self.parameter), "msg": str(self), "input": self.value}]
        )


def report_request(conn: Conn, start: dt.date, end: dt.date, area: str | None) -> ReportRequest:
    """The request, or ReportRefused saying what is wrong with it (an empty area means every area)."""
    if problem := period_problem(start, end):
        raise ReportRefused(*problem)
    known = areas(conn)
    if area and area not in known:
        raise ReportRefused(
            "area", area, f"there is no area {area!r} on the service; areas: {', '.join(known) or 'none'}"
        )
    return ReportRequest(start=start, end=end, area=area or None)


def read_report(conn: Conn, viewer: Viewer, wanted: ReportRequest, *, form: str, at: dt.datetime) -> Report:
    """The report, its queries all reading one snapshot of the store; the read is audited (who,
    period, area, in what form) although the report holds no personal data."""
    with conn.transaction():
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        report = build_report(conn, wanted.start, wanted.end, wanted.area)
    with conn.transaction():
        record_audit(
            conn,
            actor=viewer.actor,
            action="read.report",
            subject_type="report",
            subject_id=f"{wanted.start}..{wanted.end}",
            household=None,
            detail={
                "from": wanted.start.isoformat(),
                "to": wanted.end.isoformat(),
                "area": wanted.area,
                "format": form,
            },
            at=at,
        )
    return report


def _last_month(today: dt.date) -> tuple[dt.date, dt.date]:
    end = today.replace(day=1) - dt.timedelta(days=1)
    return end.replace(day=1), end


@router.get("")
def report_page(
    request: Request,
    viewer: ReportPageViewer,
    conn: ConnDep,
    rt: RuntimeDep,
    start: From = None,
    end: To = None,
    area: AreaName = None,
) -> Response:
    """The form; once a period is chosen, the report (framed: it is its own document) and its
    downloads. The report is built, and its reading audited, by the framed document's request."""
    default_start, default_end = _last_month(rt.clock().date())
    context: dict[str, object] = {
        "user": viewer.user,
        "csrf_token": viewer.csrf_token,
        "areas": areas(conn),
        "start": start or default_start,
        "end": end or default_end,
        "area": area or "",
        "wanted": None,
        "problem": None,
    }
    if start is None or end is None:
        return render(request, "reports.html", context)
    try:
        context["wanted"] = report_request(conn, start, end, area)
    except ReportRefused as refused:
        context["problem"] = str(refused)
        return render(request, "reports.html", context, status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)
    return render(request, "reports.html", context)


def _wanted(conn: Conn, start: dt.date | None, end: dt.date | None, area: str | None) -> ReportRequest:
    if start is None or end is None:
        missing = "from" if start is None else "to"
        raise ReportRefused(missing, None, "give the period: from and to").as_validation_error()
    try:
        return report_request(conn, start, end, area)
    except ReportRefused as refused:
        raise refused.as_validation_error() from None


@router.get("/view")
def report_document(
    viewer: ReportPageViewer,
    conn: ConnDep,
    rt: RuntimeDep,
    start: From = None,
    end: To = None,
    area: AreaName = None,
) -> Response:
    """The report as its own page: the printable document `telecare report --format html` writes."""
    wanted = _wanted(conn, start, end, area)
    report = read_report(conn, viewer, wanted, form="html", at=rt.clock())
    return Response(render_html(report), media_type="text/html", headers=REPORT_DOCUMENT_HEADERS)


@router.get("/report.{form}")
def download(
    form: str,
    viewer: ReportPageViewer,
    conn: ConnDep,
    rt: RuntimeDep,
    start: From = None,
    end: To = None,
    area: AreaName = None,
) -> Response:
    """The report as a file: html (the printable document), json (the whole report) or zip (one
    CSV per table)."""
    if form not in ("html", "json", "zip"):
        raise HTTPException(status.HTTP_404_NOT_FOUND, "reports download as report.html, .json or .zip")
    wanted = _wanted(conn, start, end, area)
    report = read_report(conn, viewer, wanted, form=form, at=rt.clock())
    attachment = {"Content-Disposition": f'attachment; filename="{wanted.file_name(form)}"'}
    match form:
        case "html":
            body, media_type = render_html(report).encode(), "text/html"
            attachment |= REPORT_DOCUMENT_HEADERS
        case "json":
            body, media_type = render_json(report).encode(), "application/json"
        case _:
            body, media_type = (
                csv_zip(report, folder=wanted.file_name("csv")[: -len(".csv")]),
                "application/zip",
            )
    return Response(body, media_type=media_type, headers=attachment)


def csv_zip(report: Report, *, folder: str) -> bytes:
    """Every table's CSV (`render_csv`) in one zip, under `folder/`."""
    buffer = io.BytesIO()
    with tempfile.TemporaryDirectory() as directory, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for path in render_csv(report, pathlib.Path(directory)):
            z.write(path, f"{folder}/{path.name}")
    return buffer.getvalue()

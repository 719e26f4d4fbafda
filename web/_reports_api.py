"""The commissioner report over the JSON API (bearer tokens): the same report, rules and audit as the
page, in the shape `telecare report --format json` writes."""

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query, status
from pydantic import BaseModel, Field

from reports import Unit, Withheld, render_json
from web._access import ReportApiViewer
from web._reports import AreaName, ReportRefused, read_report, report_request
from web._runtime import ConnDep, RuntimeDep

router = APIRouter(
    prefix="/api",
    tags=["reports"],
    responses={
        status.HTTP_401_UNAUTHORIZED: {"description": "No API token, or one unknown, expired or revoked."},
        status.HTTP_403_FORBIDDEN: {
            "description": "Only commissioners, supervisors and admins read reports."
        },
    },
)


class ColumnPublic(BaseModel):
    label: str
    unit: Unit


class CellPublic(BaseModel):
    value: float | None = Field(description="The figure; null when withheld or not applicable.")
    withheld: Withheld | None = Field(description="Why there is no figure: the mark printed in its place.")


class RowPublic(BaseModel):
    label: str
    cells: list[CellPublic]


class TablePublic(BaseModel):
    key: str
    section: str
    title: str
    note: str
    row_header: str
    columns: list[ColumnPublic]
    rows: list[RowPublic]


class ReportPublic(BaseModel):
    start: dt.date
    end: dt.date
    area: str | None = Field(description="The one area reported on; null: every area.")
    generated_at: dt.datetime
    summary: list[str]
    marks: dict[str, str] = Field(description="What each mark in place of a figure means.")
    tables: list[TablePublic]


@router.get(
    "/reports",
    responses={
        status.HTTP_422_UNPROCESSABLE_CONTENT: {
            "description": "A period that is backwards, longer than two years or outside 2000-2099, "
            "or an area unknown to the service."
        }
    },
)
def get_report(
    viewer: ReportApiViewer,
    conn: ConnDep,
    rt: RuntimeDep,
    start: Annotated[dt.date, Query(alias="from", description="The first day, YYYY-MM-DD.")],
    end: Annotated[dt.date, Query(alias="to", description="The last day (included), YYYY-MM-DD.")],
    area: AreaName = None,
) -> ReportPublic:
    """Uptake, service health, alerts, response times and outcomes for the period, month by month:
    aggregates only, every count under 5 withheld. Each read is recorded in the audit trail."""
    try:
        wanted = report_request(conn, start, end, area)
    except ReportRefused as refused:
        raise refused.as_validation_error() from None
    report = read_report(conn, viewer, wanted, form="api", at=rt.clock())
    return ReportPublic.model_validate_json(render_json(report))

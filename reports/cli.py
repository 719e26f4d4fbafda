"""`telecare report`: a commissioner's report for a period, as HTML, CSV files or JSON."""

import datetime as dt
import enum
import pathlib
from typing import Annotated

import typer

import store
from reports._build import UnknownArea, build_report
from reports._html import render_html
from reports._period import period_problem
from reports._render import render_csv, render_json
from telecare._logging import configure_logging
from telecare._platform import database
from telecare.settings import Settings


class Format(enum.StrEnum):
    HTML = "html"
    CSV = "csv"
    JSON = "json"


def _day(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise typer.BadParameter(f"{value!r} is not a date: give YYYY-MM-DD") from exc


def report(
    start: Annotated[dt.date, typer.Option("--from", parser=_day, help="First day (YYYY-MM-DD).")],
    end: Annotated[dt.date, typer.Option("--to", parser=_day, help="Last day, included (YYYY-MM-DD).")],
    out: Annotated[
        pathlib.Path, typer.Option(help="The file to write; for csv, a directory (made if missing).")
    ],
    output_format: Annotated[Format, typer.Option("--format", help="html, csv or json.")] = Format.HTML,
    area: Annotated[str | None, typer.Option(help="One area (as in the registry); default: all.")] = None,
) -> None:
    """Uptake, service health, alerts, response times and outcomes for commissioners: aggregates
    only, every count under 5 shown as "<5"."""
    if problem := period_problem(start, end):
        which, _, why = problem
        raise typer.BadParameter(why, param_hint=f"--{which}")
    if output_format is not Format.CSV and not out.parent.is_dir():
        raise typer.BadParameter(f"the folder {out.parent} does not exist", param_hint="--out")
    if output_format is Format.CSV and out.exists() and not out.is_dir():
        raise typer.BadParameter(f"{out} is a file: csv needs a directory", param_hint="--out")
    settings = Settings()
    configure_logging(settings.log_level)
    try:
        with database(settings) as url, store.connect(url, application_name="telecare-report") as conn:
            made = build_report(conn, start, end, area)
    except UnknownArea as exc:
        raise typer.BadParameter(str(exc), param_hint="--area") from exc
    except store.SchemaBehind as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    match output_format:
        case Format.HTML:
            out.write_text(render_html(made), encoding="utf-8")
            typer.echo(f"wrote {out}")
        case Format.JSON:
            out.write_text(render_json(made), encoding="utf-8")
            typer.echo(f"wrote {out}")
        case Format.CSV:
            files = render_csv(made, out)
            typer.echo(f"wrote {len(files)} tables to {out}/")

"""Commissioner reports: uptake, service performance and outcomes, aggregates only."""

from reports._build import UnknownArea, build_report
from reports._html import render_html
from reports._model import Cell, Column, Report, Row, Table, Unit, Withheld
from reports._period import LONGEST_PERIOD, period_problem
from reports._queries import areas
from reports._render import render_csv, render_json
from reports._suppression import Suppression, recoverable, suppress

__all__ = [
    "LONGEST_PERIOD",
    "Cell",
    "Column",
    "Report",
    "Row",
    "Suppression",
    "Table",
    "Unit",
    "UnknownArea",
    "Withheld",
    "areas",
    "build_report",
    "period_problem",
    "recoverable",
    "render_csv",
    "render_html",
    "render_json",
    "suppress",
]

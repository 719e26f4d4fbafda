"""The report's charts, drawn on the server with matplotlib as inline SVG, from published cells only
(a withheld figure is a gap, never a bar)."""

import contextlib
import io
import re
from collections.abc import Iterator

import matplotlib
import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from reports._build import ANSWER_TARGETS
from reports._model import Report, Table

# Drawn in memory, never on a screen: the web service renders reports in worker threads.
matplotlib.use("Agg")

_INK, _ACCENT, _TARGET = "#1f3b57", "#3f88c5", "#c0392b"


@contextlib.contextmanager
def _drawing(height: float) -> Iterator[tuple[Figure, Axes]]:
    # Text stays text (smaller, selectable, crisp in print); a fixed salt gives the same SVG
    # for the same report.
    with plt.rc_context({"svg.fonttype": "none", "svg.hashsalt": "telecare-report", "font.size": 9}):
        figure, axes = plt.subplots(figsize=(7, height))
        yield figure, axes


def charts(report: Report) -> list[tuple[str, str]]:
    """(caption, inline SVG) for each chart that has anything published to draw."""
    drawn = [
        _bars(report.table("households_monitored"), "Homes monitored each month"),
        _bars(report.table("alerts_per_100"), "Alerts per 100 homes per month (all alerts)"),
        _answer_times(report.table("urgent_answer")),
        _outcomes(report.table("outcomes")),
    ]
    return [chart for chart in drawn if chart is not None]


def _last_row_by_month(t: Table) -> list[tuple[str, float | None]]:
    if not t.rows:
        return []
    return [
        (c.label, cell.value)
        for c, cell in zip(t.columns, t.rows[-1].cells, strict=True)
        if c.label != "Period"
    ]


def _bars(t: Table, caption: str) -> tuple[str, str] | None:
    points = _last_row_by_month(t)
    if not any(v is not None for _, v in points):
        return None
    with _drawing(2.6) as (figure, axes):
        labels = [label for label, _ in points]
        axes.bar(labels, [v or 0 for _, v in points], color=_ACCENT)
        for x, (_, v) in enumerate(points):
            if v is None:
                axes.annotate("withheld", (x, 0), ha="center", va="bottom", color=_INK)
        _tidy(axes)
        return caption, _svg(figure)


def _answer_times(t: Table) -> tuple[str, str] | None:
    rows = [r for r in t.rows if r.label != "Period"]
    if not any(cell.value is not None for r in rows for cell in r.cells):
        return None
    with _drawing(2.6) as (figure, axes):
        months = [r.label for r in rows]
        # Each line and its target (dashed) share a colour.
        colours = (_TARGET, _ACCENT)
        for i, (column, (_, target), colour) in enumerate(
            zip(t.columns, ANSWER_TARGETS, colours, strict=True)
        ):
            shares = [_or_gap(r.cells[i].value) for r in rows]
            axes.plot(months, shares, marker="o", color=colour, label=column.label)
            axes.axhline(target, linestyle="--", linewidth=1, color=colour)
        axes.set_ylabel("% of urgent alerts")
        axes.legend(loc="lower left", frameon=False)
        _tidy(axes)
        return "Urgent alerts answered in time, against the targets (dashed)", _svg(figure)


def _outcomes(t: Table) -> tuple[str, str] | None:
    points = [(r.label, r.cells[-1].value) for r in t.rows if r.label != "All alerts"]
    shown = [(label, v) for label, v in points if v is not None]
    if not shown:
        return None
    with _drawing(0.3 * len(shown) + 0.8) as (figure, axes):
        axes.barh([label for label, _ in shown][::-1], [v for _, v in shown][::-1], color=_ACCENT)
        _tidy(axes)
        return "How alerts ended over the period (outcomes under 5 not shown)", _svg(figure)


def _or_gap(value: float | None) -> float:
    return float("nan") if value is None else value


def _tidy(axes: Axes) -> None:
    axes.spines[["top", "right"]].set_visible(False)
    axes.tick_params(colors=_INK)


def _svg(figure: Figure) -> str:
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(figure)
    # Inline in HTML: drop the XML declaration and doctype.
    return re.sub(r"^.*?(?=<svg)", "", buffer.getvalue(), flags=re.DOTALL)

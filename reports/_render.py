"""The report as JSON (the whole report) and as CSV (one file per table), from published cells only."""

import csv
import json
import pathlib

from reports._model import MARK_MEANINGS, Cell, Report, Table, Unit


def cell_text(cell: Cell, unit: Unit, *, not_applicable: str = "") -> str:
    """A cell as printed: the figure, the mark of why it is withheld, or `not_applicable`."""
    if cell.withheld is not None:
        return cell.withheld.value
    if cell.value is None:
        return not_applicable
    return f"{cell.value:.0f}" if unit is Unit.COUNT else f"{cell.value:.1f}"


def _json_value(cell: Cell, unit: Unit) -> float | int | None:
    if cell.value is None:
        return None
    return round(cell.value) if unit is Unit.COUNT else round(cell.value, 2)


def _table_json(t: Table) -> dict[str, object]:
    return {
        "key": t.key,
        "section": t.section,
        "title": t.title,
        "note": t.note,
        "row_header": t.row_header,
        "columns": [{"label": c.label, "unit": c.unit.value} for c in t.columns],
        "rows": [
            {
                "label": r.label,
                "cells": [
                    {"value": _json_value(cell, c.unit), "withheld": cell.withheld and cell.withheld.value}
                    for cell, c in zip(r.cells, t.columns, strict=True)
                ],
            }
            for r in t.rows
        ],
    }


def render_json(report: Report) -> str:
    """The whole report as one JSON document."""
    return json.dumps(
        {
            "start": report.start.isoformat(),
            "end": report.end.isoformat(),
            "area": report.area,
            "generated_at": report.generated_at.isoformat(),
            "summary": list(report.summary),
            "marks": {mark.value: meaning for mark, meaning in MARK_MEANINGS.items()},
            "tables": [_table_json(t) for t in report.tables],
        },
        indent=2,
        ensure_ascii=False,
    )


def render_csv(report: Report, directory: pathlib.Path) -> list[pathlib.Path]:
    """One CSV per table, `<key>.csv`, in `directory` (made if missing); returns the files written.

    Figures are plain numbers (no thousands separators); a withheld cell holds its mark ("<5",
    "*", "n<5"), a cell that does not apply is empty."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for t in report.tables:
        path = directory / f"{t.key}.csv"
        with path.open("w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out)
            writer.writerow([t.row_header, *(_header(c.label, c.unit) for c in t.columns)])
            for r in t.rows:
                writer.writerow(
                    [r.label, *(cell_text(cell, c.unit) for cell, c in zip(r.cells, t.columns, strict=True))]
                )
        written.append(path)
    return written


def _header(label: str, unit: Unit) -> str:
    suffix = {
        Unit.SECONDS: " (s)",
        Unit.MINUTES: " (min)",
        Unit.DAYS: "",
        Unit.PER_100_HOUSEHOLDS: " (per 100 homes)",
    }
    return label + suffix.get(unit, "")

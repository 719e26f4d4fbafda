"""What a report is: sections of tables of cells, each cell a figure or the reason it is withheld."""

import dataclasses
import datetime as dt
import enum


class Unit(enum.StrEnum):
    COUNT = "count"
    PERCENT = "percent"
    PER_100_HOUSEHOLDS = "per 100 households per month"
    SECONDS = "seconds"
    MINUTES = "minutes"
    DAYS = "days"


class Withheld(enum.StrEnum):
    """Why a cell shows no figure; the value is the mark printed in its place."""

    SMALL = "<5"  # a count under 5
    COMPLEMENT = "*"  # withheld so that a count under 5 cannot be worked out from the totals
    FEW = "n<5"  # a rate, share or time resting on fewer than 5 cases, or on a withheld count


MARK_MEANINGS = {
    Withheld.SMALL: "fewer than 5",
    Withheld.COMPLEMENT: "withheld so that a figure under 5 cannot be worked out from the totals",
    Withheld.FEW: "rests on fewer than 5 cases (or on a withheld count)",
}


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Cell:
    """A published figure, or the reason there is none. A withheld cell never holds its value,
    so nothing downstream of the report can leak it. Neither: not applicable."""

    value: float | None = None
    withheld: Withheld | None = None

    def __post_init__(self) -> None:
        if self.value is not None and self.withheld is not None:
            raise ValueError("a withheld cell holds no value")


NOT_APPLICABLE = Cell()


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Column:
    label: str
    unit: Unit


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Row:
    label: str
    cells: tuple[Cell, ...]


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Table:
    key: str  # stable, file-name safe: the CSV is `<key>.csv`
    section: str
    title: str
    note: str
    row_header: str
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]

    def cell(self, row: str, column: str) -> Cell:
        index = [c.label for c in self.columns].index(column)
        return next(r for r in self.rows if r.label == row).cells[index]


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Report:
    start: dt.date
    end: dt.date
    area: str | None  # None: every area
    generated_at: dt.datetime
    summary: tuple[str, ...]
    tables: tuple[Table, ...]

    def table(self, key: str) -> Table:
        return next(t for t in self.tables if t.key == key)

    @property
    def scope(self) -> str:
        return self.area if self.area is not None else "all areas"

"""Building tables: counts with the relations a reader can use, protected together, and figures
derived from the protected counts.

Tables that share figures (the month's alerts appear by kind, by area and by outcome) are
protected as one family, their shared figures tied by equality relations, so a count
withheld in one table is never printed in another.
"""

import dataclasses
from collections.abc import Collection, Iterable, Mapping, Sequence

from reports._model import NOT_APPLICABLE, Cell, Column, Row, Table, Withheld
from reports._suppression import THRESHOLD, suppress

Key = tuple[str, str, str]  # (table key, row label, column label)


@dataclasses.dataclass(frozen=True, slots=True)
class Counts:
    """Counts by key, the relations a reader knows hold between them, and which are totals."""

    values: Mapping[Key, int]
    relations: Sequence[Mapping[Key, int]] = ()
    totals: Collection[Key] = frozenset()

    def __or__(self, other: "Counts") -> "Counts":
        return Counts(
            values=dict(self.values) | dict(other.values),
            relations=[*self.relations, *other.relations],
            totals=set(self.totals) | set(other.totals),
        )

    def total_of(self, totals: Iterable[tuple[Key, Sequence[Key]]]) -> "Counts":
        """These counts with more totals, each (total, its members)."""
        values, relations, known = dict(self.values), list(self.relations), set(self.totals)
        for total, members in totals:
            values[total] = sum(values[m] for m in members)
            relations.append({total: 1} | {m: -1 for m in members})
            known.add(total)
        return Counts(values=values, relations=relations, totals=known)

    def tie(self, pairs: Iterable[tuple[Key, Key]]) -> "Counts":
        """These counts with each pair declared the same figure, printed in two tables."""
        ties = []
        for a, b in pairs:
            if self.values[a] != self.values[b]:
                raise ValueError(f"{a} and {b} differ ({self.values[a]} and {self.values[b]})")
            ties.append({a: 1, b: -1})
        return dataclasses.replace(self, relations=[*self.relations, *ties])


def crosstab(
    table: str,
    counts: Mapping[tuple[str, str], int],
    rows: Sequence[str],
    columns: Sequence[str],
    *,
    row_total: str | None = None,
    column_total: str | None = None,
) -> Counts:
    """Counts by (row, column) with a total column (summing each row) and a total row (summing
    each column), each only where there are two or more things to add."""
    counts_ = Counts(values={(table, r, c): counts.get((r, c), 0) for r in rows for c in columns})
    all_columns = list(columns)
    if column_total is not None and len(columns) >= 2:
        all_columns.append(column_total)
        counts_ = counts_.total_of(((table, r, column_total), [(table, r, c) for c in columns]) for r in rows)
    if row_total is not None and len(rows) >= 2:
        counts_ = counts_.total_of(
            ((table, row_total, c), [(table, r, c) for r in rows]) for c in all_columns
        )
    return counts_


def protect(counts: Counts) -> dict[Key, Cell]:
    """Each count as a published cell: under 5 shown as "<5", others withheld where needed."""
    keys = list(counts.values)
    index = {key: i for i, key in enumerate(keys)}
    result = suppress(
        [counts.values[k] for k in keys],
        [{index[k]: coefficient for k, coefficient in r.items()} for r in counts.relations],
        totals={index[k] for k in counts.totals},
    )
    cells = {}
    for i, key in enumerate(keys):
        if i in result.primary:
            cells[key] = Cell(withheld=Withheld.SMALL)
        elif i in result.secondary:
            cells[key] = Cell(withheld=Withheld.COMPLEMENT)
        else:
            cells[key] = Cell(value=counts.values[key])
    return cells


def ratio(numerator: Cell, denominator: Cell, *, scale: float = 100.0) -> Cell:
    """A share or rate of published cells: withheld when either is."""
    for part in (numerator, denominator):
        if part.withheld is Withheld.COMPLEMENT:
            return Cell(withheld=Withheld.COMPLEMENT)
        if part.withheld is not None:
            return Cell(withheld=Withheld.FEW)
    if numerator.value is None or denominator.value is None or denominator.value == 0:
        return NOT_APPLICABLE
    return Cell(value=scale * numerator.value / denominator.value)


def measure(value: float | None, cases: int) -> Cell:
    """A figure resting on `cases` cases (a median, a share): shown only for 5 or more."""
    if cases < THRESHOLD:
        return Cell(withheld=Withheld.FEW)
    return NOT_APPLICABLE if value is None else Cell(value=value)


def table(
    *,
    key: str,
    section: str,
    title: str,
    note: str,
    row_header: str,
    columns: Sequence[Column],
    rows: Sequence[str],
    cells: Mapping[Key, Cell],
) -> Table:
    """This table's cells laid out in rows; a (row, column) with no cell is not applicable."""
    return Table(
        key=key,
        section=section,
        title=title,
        note=note,
        row_header=row_header,
        columns=tuple(columns),
        rows=tuple(
            Row(label=r, cells=tuple(cells.get((key, r, c.label), NOT_APPLICABLE) for c in columns))
            for r in rows
        ),
    )

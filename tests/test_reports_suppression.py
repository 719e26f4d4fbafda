"""Small-number suppression: every count under 5 hidden, and none recoverable from what is published."""

from collections.abc import Mapping, Sequence

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from reports import recoverable, suppress

# Counts as a council's tables have them: many small, some large.
counts = st.one_of(st.integers(0, 4), st.integers(5, 12), st.integers(13, 400))


def grid_with_margins(inner: list[list[int]]) -> tuple[list[int], list[dict[int, int]], set[int]]:
    """Cells of an r x c table, then its row totals, column totals and grand total; the sums as relations."""
    rows, columns = len(inner), len(inner[0])
    cells = [v for row in inner for v in row]
    relations: list[dict[int, int]] = []
    totals: set[int] = set()

    def add(members: list[int]) -> int:
        cells.append(sum(cells[m] for m in members))
        total = len(cells) - 1
        relations.append({total: 1} | {m: -1 for m in members})
        totals.add(total)
        return total

    row_totals = [add([r * columns + c for c in range(columns)]) for r in range(rows)]
    column_totals = [add([r * columns + c for r in range(rows)]) for c in range(columns)]
    add(row_totals)
    add(column_totals)  # the grand total again, as a reader would add it up the other way
    return cells, relations, totals


def subtraction_attack(
    published: Mapping[int, int], relations: Sequence[Mapping[int, int]]
) -> dict[int, float]:
    """What a reader with a pencil works out: any relation with one unknown left gives it; repeat."""
    known: dict[int, float] = dict(published)
    found: dict[int, float] = {}
    progress = True
    while progress:
        progress = False
        for relation in relations:
            unknown = [cell for cell, k in relation.items() if k and cell not in known]
            if len(unknown) == 1:
                (cell,) = unknown
                rest = sum(k * known[c] for c, k in relation.items() if c != cell and k)
                found[cell] = known[cell] = -rest / relation[cell]
                progress = True
    return found


def other_table(
    cells: list[int], hidden: frozenset[int], relations: Sequence[Mapping[int, int]], cell: int
) -> list[float]:
    """A different table that agrees with every published cell and every relation, but not at `cell`."""
    unknowns = sorted(hidden)
    matrix = np.zeros((len(relations) + 1, len(unknowns)))
    for row, relation in enumerate(relations):
        for c, k in relation.items():
            if c in hidden:
                matrix[row, unknowns.index(c)] = k
    matrix[-1, unknowns.index(cell)] = 1  # ...and moves `cell` by exactly 1
    target = np.zeros(len(relations) + 1)
    target[-1] = 1
    step, *_ = np.linalg.lstsq(matrix, target, rcond=None)
    assert np.allclose(matrix @ step, target), f"cell {cell} is fixed by what is published"
    changed = [float(v) for v in cells]
    for c, delta in zip(unknowns, step, strict=True):
        changed[c] += delta
    return changed


@settings(max_examples=150, deadline=None)
@given(
    st.integers(2, 6).flatmap(
        lambda c: st.lists(st.lists(counts, min_size=c, max_size=c), min_size=2, max_size=6)
    )
)
def test_no_small_count_in_a_table_with_totals_is_shown_or_recoverable(inner: list[list[int]]) -> None:
    cells, relations, totals = grid_with_margins(inner)

    result = suppress(cells, relations, totals=totals)

    assert {i for i, v in enumerate(cells) if v < 5} == result.primary
    assert all(cells[i] >= 5 for i in result.secondary)
    assert recoverable(result.hidden, relations) == frozenset()
    published = {i: v for i, v in enumerate(cells) if i not in result.hidden}
    assert subtraction_attack(published, relations) == {}
    for cell in result.hidden:
        alternative = other_table(cells, result.hidden, relations, cell)
        assert all(alternative[i] == v for i, v in published.items())
        assert all(abs(sum(k * alternative[c] for c, k in r.items())) < 1e-6 for r in relations)
        assert abs(alternative[cell] - cells[cell]) > 0.5
    # Inner cells suffice in a table of 2 x 2 or more: a large total is hidden only to cover a
    # small one (which the other totals would otherwise give away).
    assert not (result.secondary & totals) or result.primary & totals


@settings(max_examples=100, deadline=None)
@given(st.integers(0, 40), st.lists(st.tuples(st.integers(0, 9), st.integers(0, 9)), min_size=2, max_size=6))
def test_stock_and_flow_cannot_give_away_who_joined_or_left(first: int, flows: list[tuple[int, int]]) -> None:
    """Homes this month = last month's - those who left + those who joined: a reader can do it too."""
    monitored: list[int] = []
    joined: list[int] = []
    left: list[int] = []
    for j, lft in flows:
        monitored.append((monitored[-1] - left[-1] if monitored else first) + j)
        joined.append(j)
        left.append(min(lft, monitored[-1]))
    n = len(flows)
    cells = [*monitored, *joined, *left]
    relations: list[dict[int, int]] = [{k + 1: 1, k: -1, 2 * n + k: 1, n + k + 1: -1} for k in range(n - 1)]
    for offset in (n, 2 * n):  # period totals of joined and left
        cells.append(sum(cells[offset : offset + n]))
        relations.append({len(cells) - 1: 1} | {offset + k: -1 for k in range(n)})

    result = suppress(cells, relations, totals={len(cells) - 2, len(cells) - 1})

    assert {i for i, v in enumerate(cells) if v < 5} == result.primary
    assert recoverable(result.hidden, relations) == frozenset()
    published = {i: v for i, v in enumerate(cells) if i not in result.hidden}
    assert subtraction_attack(published, relations) == {}


def test_one_small_cell_takes_a_partner_in_its_row_and_column() -> None:
    inner = [[3, 20, 30], [40, 50, 60], [70, 80, 90]]
    cells, relations, totals = grid_with_margins(inner)

    result = suppress(cells, relations, totals=totals)

    assert result.primary == {0}
    # The cheapest loop through it: 20 (its row), 40 (its column), 50 (closing the rectangle).
    assert result.secondary == {1, 3, 4}
    assert recoverable({0, 1}, relations) == {0, 1}


def test_a_table_without_relations_hides_only_small_counts() -> None:
    assert suppress([1, 7, 4, 100], []).hidden == {0, 2}

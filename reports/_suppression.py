"""Small-number suppression: which counts to withhold so no count under 5 is shown or can be worked out.

A table is a list of counts and the relations a reader knows hold between them (a total is
the sum of its members; this month's homes are last month's, less those who left, plus those
who joined). Primary suppression hides every count under the threshold. While a reader solving
every equation they have (subtraction is the simplest case) could still pin a hidden count
down, secondary suppression hides the cheapest further counts that leave it a free unknown:
the support of a least-cost direction the hidden counts could all move in together unseen (a
small linear programme; in a table with totals, the cheapest "rectangle" through the cell).
"""

import dataclasses
from collections.abc import Collection, Mapping, Sequence

import numpy as np

# The usual threshold in UK health and care statistics: fewer than 5 people could be recognised.
THRESHOLD = 5
# Relation coefficients are small integers, so the singular values of a relation matrix are
# either 0 or far from it; anything below this is rounding.
_TOLERANCE = 1e-9

# A relation maps cell indexes to coefficients whose weighted sum is zero, e.g. a total:
# {total: 1, member_a: -1, member_b: -1}.
Relation = Mapping[int, int]


@dataclasses.dataclass(frozen=True, slots=True)
class Suppression:
    primary: frozenset[int]  # counts under the threshold
    secondary: frozenset[int]  # withheld so that no primary one can be worked out

    @property
    def hidden(self) -> frozenset[int]:
        return self.primary | self.secondary


class CannotProtect(ValueError):
    """The relations fix a hidden count even with every count hidden: a table defined wrongly."""


def suppress(
    counts: Sequence[int],
    relations: Sequence[Relation],
    *,
    totals: Collection[int] = (),
    threshold: int = THRESHOLD,
) -> Suppression:
    """Cells to withhold. `totals` are hidden for protection only when nothing else will do,
    because the same totals are published in other tables of a report."""
    primary = frozenset(i for i, count in enumerate(counts) if count < threshold)
    hidden = set(primary)
    while exposed := recoverable(hidden, relations):
        hidden |= _complement(min(exposed), hidden, counts, relations, totals)
    return Suppression(primary=primary, secondary=frozenset(hidden - primary))


def recoverable(hidden: Collection[int], relations: Sequence[Relation]) -> frozenset[int]:
    """Hidden cells whose value the published cells and the relations determine.

    A hidden cell is determined when every solution of the relations, with the published cells
    fixed, gives it the same value: when the null space of the relations restricted to the
    hidden cells is zero at that cell.
    """
    unknowns = sorted(hidden)
    position = {cell: column for column, cell in enumerate(unknowns)}
    rows = [r for r in relations if any(cell in position for cell in r)]
    if not rows:
        return frozenset()
    matrix = np.zeros((len(rows), len(unknowns)))
    for row, relation in enumerate(rows):
        for cell, coefficient in relation.items():
            if cell in position:
                matrix[row, position[cell]] = coefficient
    _, singular, basis = np.linalg.svd(matrix)
    rank = int((singular > _TOLERANCE).sum())
    null_space = basis[rank:]
    free = (np.abs(null_space) > _TOLERANCE).any(axis=0)
    return frozenset(cell for cell, is_free in zip(unknowns, free, strict=True) if not is_free)


def _complement(
    exposed: int,
    hidden: Collection[int],
    counts: Sequence[int],
    relations: Sequence[Relation],
    totals: Collection[int],
) -> set[int]:
    """The least costly published cells to hide so that `exposed` becomes a free unknown.

    Finds a direction v that every relation allows (A v = 0) moving the exposed cell (v = 1 there),
    minimising the counts it would have to hide (the weighted size of v off the hidden cells);
    hiding its support frees the cell. Small counts cost least (least information lost); a total
    costs more than every other cell together, so one is hidden only when nothing else will do.
    """
    size = len(counts)
    matrix = np.zeros((len(relations) + 1, size))
    for row, relation in enumerate(relations):
        for cell, coefficient in relation.items():
            matrix[row, cell] = coefficient
    matrix[-1, exposed] = 1
    target = np.zeros(len(relations) + 1)
    target[-1] = 1
    last_resort = 1.0 + sum(counts) + size
    cost = np.array(
        [0.0 if i in hidden else counts[i] + 1.0 + (last_resort if i in totals else 0.0) for i in range(size)]
    )
    # SciPy is imported here, when a table needs it: not by every `telecare` command.
    from scipy.optimize import linprog

    # v = up - down with both parts non-negative, so the cost of |v| is linear.
    result = linprog(
        np.concatenate([cost, cost]),
        A_eq=np.hstack([matrix, -matrix]),
        b_eq=target,
        bounds=(0, None),
        method="highs",
    )
    if result.status != 0:
        raise CannotProtect(f"cell {exposed} is fixed by the relations alone")
    direction = result.x[:size] - result.x[size:]
    return {i for i in range(size) if i not in hidden and abs(direction[i]) > _TOLERANCE}

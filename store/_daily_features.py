"""Detection's daily features in the store: one row per household per day, upserted by the
daily pass, read back for routine-change detection and the weekly picture."""

import dataclasses
import datetime as dt
from collections.abc import Iterable, Sequence

import psycopg
from psycopg.rows import TupleRow

# The feature columns, in detection's feature order (detection.Feature).
FEATURE_COLUMNS = (
    "rising",
    "bedtime",
    "time_in_bed",
    "night_bathroom",
    "night_up",
    "kitchen_visits",
    "meals",
    "kettle",
    "time_out",
    "outings",
    "active",
    "transitions",
)
UNUSABLE_REASONS = ("no_data", "hub_outage", "out_all_day", "not_monitored")


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class FeatureDay:
    """One household's features for one day; `unusable` says why it is not compared (None: it is)."""

    household: str
    day: dt.date
    anchor_s: float
    unusable: str | None
    values: tuple[float | None, ...]  # in FEATURE_COLUMNS order


_COLUMNS = ", ".join(FEATURE_COLUMNS)


def save_feature_days(conn: psycopg.Connection[TupleRow], days: Iterable[FeatureDay], at: dt.datetime) -> int:
    """Insert or replace these days; a day already marked not monitored stays so (the mark is
    what the household's state was when the day was first seen). Returns rows written."""
    rows = [
        (d.household, d.day, d.unusable, d.anchor_s, *d.values, at)
        for d in days
        if len(d.values) == len(FEATURE_COLUMNS)
    ]
    placeholders = ", ".join(["%s"] * (4 + len(FEATURE_COLUMNS) + 1))
    updates = ", ".join(f"{c} = excluded.{c}" for c in FEATURE_COLUMNS)
    with conn.transaction(), conn.cursor() as cur:
        cur.executemany(
            f"""INSERT INTO daily_features (household_id, day, unusable, anchor_s, {_COLUMNS}, computed_at)
                VALUES ({placeholders})
                ON CONFLICT (household_id, day) DO UPDATE SET
                    unusable = CASE WHEN daily_features.unusable = 'not_monitored' THEN 'not_monitored'
                                    ELSE excluded.unusable END,
                    anchor_s = excluded.anchor_s, {updates}, computed_at = excluded.computed_at""",
            rows,
        )
    return len(rows)


def load_feature_days(
    conn: psycopg.Connection[TupleRow], households: Sequence[str] | None, since: dt.date, until: dt.date
) -> list[FeatureDay]:
    """Stored days in [since, until] of these households (None: all), by household and day."""
    rows = conn.execute(
        f"""SELECT household_id, day, anchor_s, unusable, {_COLUMNS} FROM daily_features
            WHERE day >= %s AND day <= %s AND (%s::text[] IS NULL OR household_id = ANY(%s))
            ORDER BY household_id, day""",
        (
            since,
            until,
            None if households is None else list(households),
            None if households is None else list(households),
        ),
    ).fetchall()
    return [
        FeatureDay(household=row[0], day=row[1], anchor_s=row[2], unusable=row[3], values=tuple(row[4:]))
        for row in rows
    ]


def last_feature_days(conn: psycopg.Connection[TupleRow]) -> dict[str, dt.date]:
    """The latest stored day of each household."""
    rows = conn.execute("SELECT household_id, max(day) FROM daily_features GROUP BY household_id").fetchall()
    return {household: day for household, day in rows}

"""Responders' outcomes as detection learns from them: resolved alerts read back in order,
the lessons (threshold adjustments) written and read, false alarms counted per month."""

import datetime as dt
from collections.abc import Iterable

import psycopg
from psycopg.rows import TupleRow

Adjustment = tuple[str, str, int, float, int, int]  # household, detector, band, factor, false, real


def resolved_outcomes(
    conn: psycopg.Connection[TupleRow], since: dt.datetime
) -> list[tuple[str, str, str, dt.datetime, str]]:
    """(household, timezone, kind, raised at, outcome) of alerts resolved since then, in the
    order they were resolved."""
    rows = conn.execute(
        """SELECT a.household_id, h.timezone, a.kind, coalesce(a.raised_at, a.created_at), a.outcome
           FROM alerts a JOIN households h ON h.id = a.household_id
           WHERE a.state = 'resolved' AND a.resolved_at >= %s
           ORDER BY a.resolved_at, a.id""",
        (since,),
    ).fetchall()
    return [(h, tz, kind, at, outcome) for h, tz, kind, at, outcome in rows]


def save_threshold_adjustments(
    conn: psycopg.Connection[TupleRow], adjustments: Iterable[Adjustment], at: dt.datetime
) -> None:
    """Replace every stored adjustment with these (they are recomputed from the outcomes)."""
    with conn.transaction(), conn.cursor() as cur:
        cur.execute("DELETE FROM threshold_adjustments")
        cur.executemany(
            """INSERT INTO threshold_adjustments
                   (household_id, detector, band, factor, false_alarms, real_incidents, updated_at)
               VALUES (%s, %s, %s, %s, %s, %s, %s)""",
            [(*adjustment, at) for adjustment in adjustments],
        )


def threshold_adjustments(
    conn: psycopg.Connection[TupleRow], household: str | None = None
) -> list[Adjustment]:
    """Stored adjustments (of one household, or all), by household, detector and band."""
    rows = conn.execute(
        """SELECT household_id, detector, band, factor, false_alarms, real_incidents
           FROM threshold_adjustments WHERE %(h)s::text IS NULL OR household_id = %(h)s
           ORDER BY household_id, detector, band""",
        {"h": household},
    ).fetchall()
    return [(h, d, b, f, n, r) for h, d, b, f, n, r in rows]


def false_alarms_by_month(
    conn: psycopg.Connection[TupleRow], household: str, *, months: int = 12, now: dt.datetime | None = None
) -> list[tuple[dt.date, int]]:
    """(first day of the month, alerts resolved as false alarms) for this household's last
    `months` calendar months (UTC), oldest first, months without any included."""
    rows = conn.execute(
        """WITH this AS (SELECT date_trunc('month', coalesce(%(now)s, now()) AT TIME ZONE 'UTC') AS month),
           span AS (
               SELECT generate_series(this.month - make_interval(months => %(m)s - 1), this.month,
                                      interval '1 month') AS month FROM this)
           SELECT span.month::date, count(a.id)
           FROM span LEFT JOIN alerts a
             ON a.household_id = %(h)s AND a.outcome = 'false_alarm'
            AND date_trunc('month', a.resolved_at AT TIME ZONE 'UTC') = span.month
           GROUP BY span.month ORDER BY span.month""",
        {"h": household, "m": months, "now": now},
    ).fetchall()
    return [(month, count) for month, count in rows]

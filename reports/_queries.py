"""The report's aggregates from the store: one set-based query per subject, counts and times only.

Every figure is placed in time by the household's own calendar (its timezone): an alert at
00:30 on 1 November in London belongs to November. A household is on the service from its
first device's installation (`devices.installed_on`, else when the device was registered)
until `households.ended_at`; households never installed, or ended before installation, are not.
"""

import dataclasses
import datetime as dt
from collections.abc import Sequence

import psycopg
from psycopg.rows import TupleRow

from alerts import RESPONDER_OUTCOMES
from devices import DeviceRole
from devices._health import default_interval

NOT_RECORDED = "Not recorded"  # the area of a household with none in the registry


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Span:
    """A report column: a calendar month, cut to the report's period at either end."""

    label: str
    start: dt.date
    end: dt.date  # inclusive
    month_days: int  # days in the whole calendar month, for household-months


_SCOPE = """
cols AS (
    SELECT c.i::int AS i, c.s, c.e, c.month_days
    FROM unnest(%(starts)s::date[], %(ends)s::date[], %(month_days)s::int[])
        WITH ORDINALITY AS c(s, e, month_days, i)
),
home AS (
    SELECT h.id, coalesce(h.address_area, %(not_recorded)s) AS area, h.timezone, h.referred_on,
           h.ended_at, (h.ended_at AT TIME ZONE h.timezone)::date AS ended_on,
           min(coalesce(d.installed_on, (d.created_at AT TIME ZONE h.timezone)::date)) AS installed_on
    FROM households h
    JOIN devices d ON d.household_id = h.id
    WHERE %(area)s::text IS NULL OR coalesce(h.address_area, %(not_recorded)s) = %(area)s
    GROUP BY h.id
    HAVING h.ended_at IS NULL
        OR (h.ended_at AT TIME ZONE h.timezone)::date
           >= min(coalesce(d.installed_on, (d.created_at AT TIME ZONE h.timezone)::date))
)"""


def _params(spans: Sequence[Span], area: str | None) -> dict[str, object]:
    return {
        "starts": [s.start for s in spans],
        "ends": [s.end for s in spans],
        "month_days": [s.month_days for s in spans],
        "area": area,
        "not_recorded": NOT_RECORDED,
    }


def _rows(
    conn: psycopg.Connection[TupleRow], query: str, spans: Sequence[Span], area: str | None, **extra: object
) -> list[TupleRow]:
    return conn.execute(f"WITH {_SCOPE}\n{query}", _params(spans, area) | extra).fetchall()


def areas(conn: psycopg.Connection[TupleRow]) -> list[str]:
    """Every area a household on the service has, in order."""
    rows = _rows(conn, "SELECT DISTINCT area FROM home ORDER BY area", [], None)
    return [area for (area,) in rows]


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class HouseholdFlow:
    area: str
    column: int  # index into the spans
    monitored: int  # on the service on at least one day of the column
    joined: int  # installed in the column
    left: int  # ended in the column
    household_months: float  # days on the service / days in the calendar month


def household_flows(
    conn: psycopg.Connection[TupleRow], spans: Sequence[Span], area: str | None
) -> list[HouseholdFlow]:
    rows = _rows(
        conn,
        """SELECT home.area, c.i,
                   count(*) FILTER (WHERE installed_on <= c.e AND (ended_on IS NULL OR ended_on >= c.s)),
                   count(*) FILTER (WHERE installed_on BETWEEN c.s AND c.e),
                   count(*) FILTER (WHERE ended_on BETWEEN c.s AND c.e),
                   sum(greatest(0, least(c.e, coalesce(ended_on, c.e)) - greatest(c.s, installed_on) + 1)
                       ::float8 / c.month_days)
        FROM home CROSS JOIN cols c
        GROUP BY home.area, c.i""",
        spans,
        area,
    )
    return [
        HouseholdFlow(area=a, column=i - 1, monitored=m, joined=j, left=lft, household_months=hm)
        for a, i, m, j, lft, hm in rows
    ]


def devices_by_role(
    conn: psycopg.Connection[TupleRow], on: dt.date, area: str | None
) -> dict[tuple[str, str], int]:
    """Installed devices by (role, area) on this day, in households on the service that day."""
    rows = _rows(
        conn,
        """, installed AS (
            SELECT d.role, home.area
            FROM devices d JOIN home ON home.id = d.household_id
            WHERE coalesce(d.installed_on, (d.created_at AT TIME ZONE home.timezone)::date) <= %(on)s
              AND (d.removed_on IS NULL OR d.removed_on > %(on)s)
              AND home.installed_on <= %(on)s AND (home.ended_on IS NULL OR home.ended_on >= %(on)s)
        )
        SELECT role, area, count(*) FROM installed GROUP BY role, area""",
        [],
        area,
        on=on,
    )
    return {(role, a): n for role, a, n in rows}


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class WaitForInstallation:
    area: str | None  # None: every area together
    households: int
    median_days: float | None
    p90_days: float | None


def referral_to_installation(
    conn: psycopg.Connection[TupleRow], start: dt.date, end: dt.date, area: str | None
) -> list[WaitForInstallation]:
    """Days from referral to installation, for households installed in the period."""
    rows = _rows(
        conn,
        """, waits AS (
            SELECT area, installed_on - referred_on AS days FROM home
            WHERE installed_on BETWEEN %(start)s AND %(end)s AND referred_on <= installed_on
        )
        SELECT area, count(*), percentile_cont(0.5) WITHIN GROUP (ORDER BY days),
               percentile_cont(0.9) WITHIN GROUP (ORDER BY days)
        FROM waits GROUP BY GROUPING SETS ((area), ())""",
        [],
        area,
        start=start,
        end=end,
    )
    return [
        WaitForInstallation(area=a, households=n, median_days=p50, p90_days=p90) for a, n, p50, p90 in rows
    ]


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Uptime:
    area: str | None  # None: every area together
    column: int
    reports_expected: int
    reports_heard: int
    households: int


def uptime(conn: psycopg.Connection[TupleRow], spans: Sequence[Span], area: str | None) -> list[Uptime]:
    """Sensors' expected report intervals (registry, else the role's default) in which at least one
    reading arrived. Hubs are left out: they report their status, not readings (see hub outages).

    This reads every reading of the period, so it goes home by home: one range scan of a home's
    readings (the key leads with household and time) serves all its sensors at once, where a
    scan per sensor would read the home's readings once for each. Seconds are float8: numeric
    arithmetic over millions of readings costs more than the rest of the report."""
    roles = [r for r in DeviceRole if r is not DeviceRole.HUB]
    rows = _rows(
        conn,
        """, span AS (
            SELECT home.area, c.i, d.household_id, d.id AS device_id,
                   greatest(
                       c.s::timestamp AT TIME ZONE home.timezone,
                       coalesce(d.installed_on::timestamp AT TIME ZONE home.timezone, d.created_at)
                   ) AS t0,
                   least((c.e + 1)::timestamp AT TIME ZONE home.timezone,
                         coalesce(d.removed_on::timestamp AT TIME ZONE home.timezone, 'infinity'),
                         coalesce(home.ended_at, 'infinity')) AS t1,
                   date_part('epoch', coalesce(d.expected_interval, r.every)) AS every_s
            FROM devices d
            JOIN home ON home.id = d.household_id
            JOIN unnest(%(roles)s::text[], %(intervals)s::interval[]) AS r(role, every) ON r.role = d.role
            CROSS JOIN cols c
        ),
        watched AS (SELECT * FROM span WHERE t1 > t0),
        home_watched AS (
            SELECT household_id, i, min(t0) AS t0, max(t1) AS t1, array_agg(device_id) AS device_ids,
                   array_agg(t0) AS t0s, array_agg(t1) AS t1s, array_agg(every_s) AS everys
            FROM watched GROUP BY household_id, i
        ),
        heard AS (
            SELECT hw.household_id, sensor.device_id, hw.i, sensor.intervals
            FROM home_watched hw CROSS JOIN LATERAL (
                SELECT d.device_id,
                       count(DISTINCT floor(date_part('epoch', r.ts - d.t0) / d.every_s)) AS intervals
                FROM readings r
                JOIN unnest(hw.device_ids, hw.t0s, hw.t1s, hw.everys) AS d(device_id, t0, t1, every_s)
                  ON r.device_id = d.device_id AND r.ts >= d.t0 AND r.ts < d.t1
                WHERE r.household_id = hw.household_id AND r.ts >= hw.t0 AND r.ts < hw.t1
                GROUP BY d.device_id
            ) sensor
        )
        SELECT w.area, w.i, sum(ceil(date_part('epoch', w.t1 - w.t0) / w.every_s))::bigint,
               coalesce(sum(h.intervals), 0)::bigint, count(DISTINCT w.household_id)
        FROM watched w LEFT JOIN heard h USING (household_id, device_id, i)
        GROUP BY GROUPING SETS ((w.area, w.i), (w.i))""",
        spans,
        area,
        roles=[str(r) for r in roles],
        intervals=[default_interval(r) for r in roles],
    )
    return [
        Uptime(area=a, column=i - 1, reports_expected=expected, reports_heard=heard, households=n)
        for a, i, expected, heard, n in rows
    ]


def device_problems(
    conn: psycopg.Connection[TupleRow], spans: Sequence[Span], area: str | None
) -> dict[tuple[str, str, int], int]:
    """Hub outages and batteries due for replacement, by (kind, area, column) of their onset.

    Device health and detection may both report one hub outage (each its own finding): an
    outage starting while an earlier one in the home is still open is the same outage."""
    rows = _rows(
        conn,
        """, problems AS (
            SELECT f.kind, home.area, c.i
            FROM findings f
            JOIN home ON home.id = f.household_id
            JOIN cols c ON (f.onset AT TIME ZONE home.timezone)::date BETWEEN c.s AND c.e
            WHERE f.kind = 'battery_low'
               OR (f.kind = 'hub_offline' AND NOT EXISTS (
                   SELECT 1 FROM findings g
                   WHERE g.household_id = f.household_id AND g.kind = 'hub_offline'
                     AND (g.onset, g.id) < (f.onset, f.id) AND coalesce(g.cleared_at, 'infinity') >= f.onset))
        )
        SELECT kind, area, i, count(*) FROM problems GROUP BY kind, area, i""",
        spans,
        area,
    )
    return {(kind, a, i - 1): n for kind, a, i, n in rows}


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class AlertCount:
    area: str
    kind: str
    severity: str
    outcome: str  # an Outcome, or "unresolved"
    column: int
    alerts: int


def alert_counts(
    conn: psycopg.Connection[TupleRow], spans: Sequence[Span], area: str | None
) -> list[AlertCount]:
    """Alerts opened in each column, by area, kind, severity and how they ended (so far)."""
    rows = _rows(
        conn,
        """, opened AS (
            SELECT home.area, a.kind, a.severity, coalesce(a.outcome, 'unresolved') AS outcome, c.i
            FROM alerts a
            JOIN home ON home.id = a.household_id
            JOIN cols c ON (a.created_at AT TIME ZONE home.timezone)::date BETWEEN c.s AND c.e
        )
        SELECT area, kind, severity, outcome, i, count(*)
        FROM opened GROUP BY area, kind, severity, outcome, i""",
        spans,
        area,
    )
    return [
        AlertCount(area=a, kind=k, severity=s, outcome=o, column=i - 1, alerts=n) for a, k, s, o, i, n in rows
    ]


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Response:
    severity: str | None  # None: every severity together
    column: int | None  # None: the whole period
    raised: int  # people were told
    answered: int
    within_60s: int
    within_180s: int
    answer_seconds: tuple[float, float, float] | None  # p50, p90, p99
    resolved: int
    resolve_seconds: tuple[float, float, float] | None
    escalated: int


def responses(conn: psycopg.Connection[TupleRow], spans: Sequence[Span], area: str | None) -> list[Response]:
    """How fast people answered (acknowledged, or resolved straight away) and resolved raised
    alerts, by severity over the period and by severity and column."""
    rows = _rows(
        conn,
        """, raised AS (
            SELECT a.severity, c.i,
                   extract(epoch FROM coalesce(
                       a.acknowledged_at, CASE WHEN a.outcome = ANY(%(responder)s) THEN a.resolved_at END
                   ) - a.raised_at) AS answer_s,
                   extract(epoch FROM a.resolved_at - a.raised_at) AS resolve_s,
                   a.escalation_level > 0 AS escalated
            FROM alerts a
            JOIN home ON home.id = a.household_id
            JOIN cols c ON (a.created_at AT TIME ZONE home.timezone)::date BETWEEN c.s AND c.e
            WHERE a.raised_at IS NOT NULL
        )
        SELECT severity, i, count(*), count(answer_s),
               count(*) FILTER (WHERE answer_s <= 60), count(*) FILTER (WHERE answer_s <= 180),
               percentile_cont(ARRAY[0.5, 0.9, 0.99]) WITHIN GROUP (ORDER BY answer_s),
               count(resolve_s),
               percentile_cont(ARRAY[0.5, 0.9, 0.99]) WITHIN GROUP (ORDER BY resolve_s),
               count(*) FILTER (WHERE escalated)
        FROM raised GROUP BY GROUPING SETS ((severity), (), (severity, i))""",
        spans,
        area,
        responder=[str(o) for o in RESPONDER_OUTCOMES],
    )
    return [
        Response(
            severity=severity,
            column=None if i is None else i - 1,
            raised=n,
            answered=answered,
            within_60s=in_60,
            within_180s=in_180,
            answer_seconds=_percentiles(answer),
            resolved=resolved,
            resolve_seconds=_percentiles(resolve),
            escalated=escalated,
        )
        for severity, i, n, answered, in_60, in_180, answer, resolved, resolve, escalated in rows
    ]


def _percentiles(values: list[float | None] | None) -> tuple[float, float, float] | None:
    if values is None or any(v is None for v in values):
        return None
    p50, p90, p99 = (float(v) for v in values if v is not None)
    return p50, p90, p99

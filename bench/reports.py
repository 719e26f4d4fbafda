"""Commissioner reports: the time to build one month's report for a service of HOMES homes.

The store is seeded once, on a fresh database: HOMES homes in AREAS areas, each with a hub and
seven sensors installed before the month, a month of their readings written by COPY (SENSORS:
about 250 a home a day; one sensor in ten falls silent for some days), alerts of each kind with
their handling, and device findings. report_build_month is the median of RUNS builds of the whole
report (every table, suppression, charts' data) for all areas; report_uptime_month the median of
the sensor-uptime query alone, the one that reads every reading.
Set TELECARE_BENCH_DATABASE_URL to use another PostgreSQL server (default: the local one).
"""

import datetime as dt
import io
import statistics
import sys
import time
from collections.abc import Iterator

import numpy as np
import psycopg
from psycopg.rows import TupleRow

import store
from reports import build_report
from reports._build import month_spans
from reports._queries import uptime
from tests.services import bench_server_url, fresh_database

RUNS = 3
HOMES = 1_000
AREAS = 10
MONTH_START, MONTH_END = dt.date(2026, 11, 1), dt.date(2026, 11, 30)
# (device, role, sensor, readings a day, between these hours): motion every 20-40 min over the
# waking day, the front door a few times, the kettle's plug reporting its power every ~15 min day
# and night, the pendant's battery once at noon.
SENSORS = (
    ("kitchen", "kitchen_motion", "motion", 48, (7, 23)),
    ("lounge", "lounge_motion", "motion", 48, (7, 23)),
    ("bedroom", "bedroom_motion", "motion", 24, (7, 23)),
    ("bathroom", "bathroom_motion", "motion", 24, (7, 23)),
    ("front-door", "front_door", "contact", 6, (7, 23)),
    ("kettle", "kettle", "power", 96, (0, 24)),
    ("pendant", "pendant", "battery", 1, (12, 12)),
)
# Alerts per home in the month: (kind, severity, outcome) drawn with these weights.
ALERTS_PER_HOME = 3
ALERT_KINDS = (
    ("alarm_pressed", "urgent", "false_alarm", 0.3),
    ("alarm_pressed", "urgent", "resolved_by_phone", 0.25),
    ("no_movement", "high", "responder_visit", 0.15),
    ("not_up", "high", "resolved_by_phone", 0.15),
    ("night_exit", "high", "family_attended", 0.1),
    ("routine_change", "routine", None, 0.05),
)

Conn = psycopg.Connection[TupleRow]


def run() -> Iterator[str]:
    builds, uptimes = [], []
    with (
        fresh_database(bench_server_url(), "bench_reports") as database_url,
        store.connect(database_url) as conn,
    ):
        started = time.monotonic()
        readings = _seed(conn)
        print(
            f"# reports: seeded {readings:,} readings in {time.monotonic() - started:.0f} s", file=sys.stderr
        )
        for _ in range(RUNS):
            started = time.monotonic()
            report = build_report(conn, MONTH_START, MONTH_END)
            builds.append(time.monotonic() - started)
            started = time.monotonic()
            uptime(conn, month_spans(MONTH_START, MONTH_END), None)
            uptimes.append(time.monotonic() - started)
            conn.rollback()
        print(f"# reports: {report.summary[0]} {report.summary[-1]}", file=sys.stderr)
    scale = f"{HOMES} homes, {readings / 1e6:.1f} M readings"
    yield f"report_build_month {statistics.median(builds):.1f} s ({scale})"
    yield f"report_uptime_month {statistics.median(uptimes):.1f} s ({scale})"


def _seed(conn: Conn) -> int:
    """Homes, devices, a month of readings, alerts and findings; returns the readings written."""
    rng = np.random.default_rng(2026)
    homes = [f"bench-{n:04d}" for n in range(HOMES)]
    with conn.cursor() as cur:
        with cur.copy("COPY households (id, timezone, address_area, referred_on) FROM STDIN") as copy:
            for n, home in enumerate(homes):
                copy.write_row((home, "Europe/London", f"Area {n % AREAS + 1:02d}", dt.date(2026, 3, 1)))
        with cur.copy(
            "COPY devices (household_id, id, role, room, installed_on, expected_interval) FROM STDIN"
        ) as copy:
            for home in homes:
                copy.write_row((home, "hub", "hub", "hall", dt.date(2026, 4, 1), None))
                for device, role, *_ in SENSORS:
                    every = dt.timedelta(days=1) if role == "pendant" else None
                    copy.write_row((home, device, role, device, dt.date(2026, 4, 1), every))
    conn.execute(
        "SELECT ensure_reading_partitions(%s, %s)",
        (_instant(MONTH_START), _instant(MONTH_END + dt.timedelta(days=1)) - dt.timedelta(seconds=1)),
    )
    written = 0
    with conn.cursor() as cur, cur.copy("COPY readings FROM STDIN") as copy:
        for home in homes:
            block = _readings(rng, home)
            copy.write(block.getvalue())
            written += block.getvalue().count("\n")
    _alerts(conn, rng, homes)
    _findings(conn, rng, homes)
    conn.commit()
    # What autovacuum does soon after a bulk load (planner statistics, the visibility map).
    conn.autocommit = True
    conn.execute("VACUUM ANALYZE")
    conn.autocommit = False
    return written


def _instant(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)


def _readings(rng: np.random.Generator, home: str) -> io.StringIO:
    """One home's month of readings as COPY text (columns in table order)."""
    start = _instant(MONTH_START).timestamp()
    days = (MONTH_END - MONTH_START).days + 1
    block = io.StringIO()
    for device, _, sensor, per_day, (first_hour, last_hour) in SENSORS:
        count = per_day * days
        day = rng.integers(0, days, count)
        second = rng.integers(first_hour * 3600, last_hour * 3600, count, endpoint=first_hour == last_hour)
        stamps = np.unique(start + day * 86_400 + second)
        if rng.random() < 0.1:  # this sensor falls silent for 2-6 days
            gap_start = start + rng.integers(0, days - 6) * 86_400
            stamps = stamps[(stamps < gap_start) | (stamps >= gap_start + rng.integers(2, 7) * 86_400)]
        value = "90" if sensor == "battery" else "1"
        for ts in stamps.tolist():
            at = dt.datetime.fromtimestamp(ts, dt.UTC).isoformat()
            block.write(f"{at}\t{home}\t{device}\t{sensor}\t{value}\t{at}\n")
    return block


def _alerts(conn: Conn, rng: np.random.Generator, homes: list[str]) -> None:
    weights = np.array([w for *_, w in ALERT_KINDS])
    picks = rng.choice(len(ALERT_KINDS), size=(len(homes), ALERTS_PER_HOME), p=weights / weights.sum())
    start = _instant(MONTH_START)
    with (
        conn.cursor() as cur,
        cur.copy(
            """COPY alerts (household_id, condition_key, kind, severity, state, onset, created_at, updated_at,
                        message, evidence, last_finding_id, raised_at, acknowledged_at, acknowledged_by,
                        resolved_at, resolved_by, outcome, escalation_level) FROM STDIN"""
        ) as copy,
    ):
        for home, kinds in zip(homes, picks, strict=True):
            for n, pick in enumerate(kinds.tolist()):
                kind, severity, outcome, _ = ALERT_KINDS[pick]
                created = start + dt.timedelta(seconds=int(rng.integers(0, 29 * 86_400)))
                answered = created + dt.timedelta(seconds=float(rng.gamma(2.0, 20.0)))
                resolved = answered + dt.timedelta(minutes=float(rng.gamma(2.0, 15.0)))
                done = outcome is not None
                copy.write_row(
                    (
                        home, f"{kind}:{n}", kind, severity, "resolved" if done else "acknowledged",
                        created, created, resolved, "Found.", "{}", 0, created, answered, "bench",
                        resolved if done else None, "bench" if done else None, outcome,
                        int(rng.random() < 0.05),
                    )
                )  # fmt: skip


def _findings(conn: Conn, rng: np.random.Generator, homes: list[str]) -> None:
    start = _instant(MONTH_START)
    with (
        conn.cursor() as cur,
        cur.copy(
            """COPY findings (household_id, condition_key, kind, severity, onset, detected_at, updated_at,
                          cleared_at, message) FROM STDIN"""
        ) as copy,
    ):
        for home in homes:
            for kind in ("hub_offline", "battery_low"):
                if rng.random() < 0.1:
                    onset = start + dt.timedelta(seconds=int(rng.integers(0, 29 * 86_400)))
                    cleared = onset + dt.timedelta(hours=float(rng.gamma(2.0, 3.0)))
                    copy.write_row(
                        (home, f"{kind}:hub", kind, "high", onset, onset, cleared, cleared, "Found.")
                    )

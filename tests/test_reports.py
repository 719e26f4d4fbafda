"""Commissioner reports against a seeded service whose true figures are known: every number checked,
small counts withheld and not derivable, and no personal data in any output."""

import datetime as dt
import json
import pathlib
from collections.abc import Iterator, Mapping, Sequence

import numpy as np
import psycopg
import pytest
from psycopg import sql
from psycopg.rows import TupleRow
from typer.testing import CliRunner, Result

from reports import Report, Table, Withheld, build_report, render_csv, render_html, render_json
from telecare.cli import app

Conn = psycopg.Connection[TupleRow]
UTC = dt.UTC
START, END = dt.date(2026, 11, 1), dt.date(2026, 12, 31)
NOV, DEC, PERIOD = "Nov 2026", "Dec 2026", "Period"
NORTH, SOUTH, ALL = "Northside", "Southside", "All areas"
JUNE = dt.date(2026, 6, 1)


def _at(day: dt.date | str, hour: int = 10) -> dt.datetime:
    day = dt.date.fromisoformat(day) if isinstance(day, str) else day
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


# The homes. North: n01-n30 since June, n31-n36 installed 10 Nov (referred 5-30 days before),
# n01 and n02 ended 15 Dec; e01 ended in October; x01 referred but never installed.
# South: s01-s08 since June (s08 in New York, with a hub only), s09 installed 5 Dec.
NORTH_HOMES = [f"hh-north-{i:02}" for i in range(1, 37)]
SOUTH_HOMES = [f"hh-south-{i:02}" for i in range(1, 10)]
ENDED_BEFORE, NEVER_INSTALLED = "hh-north-e01", "hh-north-x01"
NEW_YORK = "hh-south-08"


def _display_name(household: str) -> str:
    return f"Winifred {household.split('-')[-1].upper()} Quennell"


def _insert_household(
    conn: Conn,
    household: str,
    area: str,
    *,
    installed: dt.date | None = JUNE,
    referred: dt.date | None = None,
    ended_at: dt.datetime | None = None,
    timezone: str = "Europe/London",
    pendant: bool = True,
) -> None:
    conn.execute(
        """INSERT INTO households (id, timezone, display_name, address_area, referred_on, ended_at,
                                   monitoring_state)
           VALUES (%s, %s, %s, %s, %s, %s, %s)""",
        (
            household,
            timezone,
            _display_name(household),
            area,
            referred,
            ended_at,
            "ended" if ended_at else "active",
        ),
    )
    tag = household.split("-")[-1]
    conn.execute(
        "INSERT INTO contacts (household_id, name, channels) VALUES (%s, %s, %s)",
        (
            household,
            f"Bartholomew {tag} Quennell",
            [f"mailto://carer-{tag}@example.org", f"tel://0770090{tag}"],
        ),
    )
    conn.execute(
        "INSERT INTO consents (household_id, basis, given_by, given_on) VALUES (%s, 'self', %s, %s)",
        (household, _display_name(household), JUNE),
    )
    if installed is None:
        return
    devices = [("hub", "hub", None)] + ([("pendant", "pendant", "P1D")] if pendant else [])
    for device, role, interval in devices:
        conn.execute(
            """INSERT INTO devices (household_id, id, role, room, installed_on, expected_interval)
               VALUES (%s, %s, %s, 'home', %s, %s)""",
            (household, device, role, installed, interval),
        )


def _insert_readings(conn: Conn, household: str, first: dt.date, last: dt.date) -> None:
    """The pendant's battery report at noon UTC each day from first to last."""
    conn.execute(
        """INSERT INTO readings (ts, household_id, device_id, sensor, value, received_at)
           SELECT d + interval '12 hours', %s, 'pendant', 'battery', 90, d + interval '12 hours'
           FROM generate_series(%s::timestamptz, %s::timestamptz, interval '1 day') AS d""",
        (household, _at(first, 0), _at(last, 0)),
    )


def _insert_finding(conn: Conn, household: str, kind: str, key: str, onset: dt.datetime) -> None:
    conn.execute(
        """INSERT INTO findings (household_id, condition_key, kind, severity, onset, detected_at, updated_at,
                                 cleared_at, message)
           VALUES (%s, %s, %s, 'high', %s, %s, %s, %s, %s)""",
        (
            household,
            key,
            kind,
            onset,
            onset,
            onset,
            onset + dt.timedelta(hours=1),
            f"{_display_name(household)}",
        ),
    )


_alert_count = 0


def _insert_alert(
    conn: Conn,
    household: str,
    kind: str,
    severity: str,
    created: dt.datetime,
    outcome: str | None,
    *,
    answer: float | None = None,
    resolve: float | None = None,
    direct: bool = False,
    raised: bool = True,
    escalated: bool = False,
) -> None:
    """An alert raised at `created`, answered `answer` s later (acknowledged, or resolved at once when
    `direct`), resolved `resolve` s after it was raised with `outcome` (None: still open)."""
    global _alert_count
    _alert_count += 1
    raised_at = created if raised else None
    acknowledged = None if answer is None or direct else created + dt.timedelta(seconds=answer)
    resolved = None if outcome is None else created + dt.timedelta(seconds=resolve or 0)
    conn.execute(
        """INSERT INTO alerts (household_id, condition_key, kind, severity, state, onset, created_at,
                               updated_at, message, evidence, last_finding_id, raised_at, checkin_until,
                               acknowledged_at, acknowledged_by, resolved_at, resolved_by, outcome,
                               escalation_level)
           VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, '{}', 0, %s, %s, %s, %s, %s, %s, %s, %s)""",
        (
            household,
            f"{kind}:{_alert_count}",
            kind,
            severity,
            "resolved" if outcome else "open",
            created,
            created,
            created,
            f"{_display_name(household)} needs help",
            raised_at,
            None if raised else created + dt.timedelta(minutes=10),
            acknowledged,
            "Responder Ophelia Quennell" if acknowledged else None,
            resolved,
            "Responder Ophelia Quennell" if resolved else None,
            outcome,
            1 if escalated else 0,
        ),
    )


def _day(month: int, i: int, year: int = 2026) -> dt.datetime:
    return _at(dt.date(year, month, 1 + i % 28))


# The alerts, with the times that are their truth. Answer and resolve times in seconds.
URGENT_NOV_ANSWERS = [15.0] * 18 + [90.0, 200.0]
NOV_ALARM_OUTCOMES = (
    ["false_alarm"] * 6 + ["resolved_by_phone"] * 8 + ["responder_visit"] * 4 + ["family_attended"] * 2
)
DEC_ALARM_OUTCOMES = (
    ["false_alarm"] * 5 + ["resolved_by_phone"] * 9 + ["responder_visit"] * 5 + ["hospital_admission"]
)


def _seed_alerts(conn: Conn) -> None:
    north, south = NORTH_HOMES, SOUTH_HOMES
    nov_alarm_homes = north[:15] + south[:5]
    for i, (home, answer, outcome) in enumerate(
        zip(nov_alarm_homes, URGENT_NOV_ANSWERS, NOV_ALARM_OUTCOMES, strict=True)
    ):
        _insert_alert(
            conn,
            home,
            "alarm_pressed",
            "urgent",
            _day(11, i),
            outcome,
            answer=answer,
            resolve=answer + 600,
            escalated=answer > 60,
        )
    for i, (home, outcome) in enumerate(
        zip(north[15:18], ["emergency_services"] * 2 + ["hospital_admission"], strict=True)
    ):
        _insert_alert(conn, home, "fall_detected", "urgent", _day(11, i), outcome, answer=40, resolve=640)
    dec_alarm_homes = north[:16] + south[:4]
    for i, (home, outcome) in enumerate(zip(dec_alarm_homes, DEC_ALARM_OUTCOMES, strict=True)):
        direct = i == DEC_ALARM_OUTCOMES.index("responder_visit")  # resolved at once, never acknowledged
        _insert_alert(
            conn,
            home,
            "alarm_pressed",
            "urgent",
            _day(12, i),
            outcome,
            answer=30 if direct else 20,
            resolve=30 if direct else 620,
            direct=direct,
        )
    # Not up in November: north 6, south 6, the New York home's at 02:00 UTC on 1 Dec, 30 Nov there.
    nov_not_up = ["resolved_by_phone"] * 10 + ["false_alarm"] * 2
    for i, (home, outcome) in enumerate(zip(north[18:24] + south[2:8], nov_not_up, strict=True)):
        created = dt.datetime(2026, 12, 1, 2, tzinfo=UTC) if home == NEW_YORK else _day(11, i)
        _insert_alert(conn, home, "not_up", "high", created, outcome, answer=120, resolve=1020)
    for i, (home, outcome) in enumerate(
        zip(north[24:32], ["resolved_by_phone"] * 6 + ["family_attended"] * 2, strict=True)
    ):
        _insert_alert(conn, home, "not_up", "high", _day(12, i), outcome, answer=120, resolve=1020)
    for i, home in enumerate(south[:2]):
        _insert_alert(
            conn, home, "night_exit", "high", _day(12, i), "resolved_by_phone", answer=120, resolve=1020
        )
    routine: list[str | None] = ["resolved_by_phone", "resolved_by_phone", "responder_visit", "false_alarm"]
    for i, (home, ending) in enumerate(zip(north[:6], [*routine, None, None], strict=True)):
        _insert_alert(
            conn,
            home,
            "routine_change",
            "routine",
            _day(12, i),
            ending,
            answer=300 if ending else None,
            resolve=900,
        )
    for i, home in enumerate(north[6:10] + south[5:8]):
        _insert_alert(conn, home, "device_offline", "routine", _day(11, i), "condition_cleared", resolve=3600)
    _insert_alert(
        conn, north[10], "cold_home", "high", _day(12, 3), "person_checked_in", resolve=300, raised=False
    )
    # Outside the period: 23:30 on 31 Oct in London (GMT) is October; 1 Jan is next year.
    _insert_alert(
        conn,
        north[11],
        "alarm_pressed",
        "urgent",
        dt.datetime(2026, 10, 31, 23, 30, tzinfo=UTC),
        "false_alarm",
        answer=10,
        resolve=100,
    )
    _insert_alert(
        conn,
        north[12],
        "alarm_pressed",
        "urgent",
        dt.datetime(2027, 1, 1, 0, 30, tzinfo=UTC),
        "false_alarm",
        answer=10,
        resolve=100,
    )
    # The previous period (September and October): 30 alarms and 10 not-ups.
    for i, home in enumerate(north[:30]):
        _insert_alert(
            conn,
            home,
            "alarm_pressed",
            "urgent",
            _day(9 if i < 15 else 10, i),
            "resolved_by_phone",
            answer=20,
            resolve=600,
        )
    for i, home in enumerate(south[:8] + north[:2]):
        _insert_alert(conn, home, "not_up", "high", _day(10, i), "resolved_by_phone", answer=100, resolve=600)


@pytest.fixture
def seeded(conn: Conn) -> Conn:
    for home in NORTH_HOMES[:30]:
        ended = _at("2026-12-15", 12) if home in NORTH_HOMES[:2] else None
        _insert_household(conn, home, NORTH, ended_at=ended)
    for days, home in zip([5, 10, 15, 20, 25, 30], NORTH_HOMES[30:], strict=True):
        installed = dt.date(2026, 11, 10)
        _insert_household(
            conn, home, NORTH, installed=installed, referred=installed - dt.timedelta(days=days)
        )
    _insert_household(conn, ENDED_BEFORE, NORTH, ended_at=_at("2026-10-15"))
    _insert_household(conn, NEVER_INSTALLED, NORTH, installed=None, referred=dt.date(2026, 11, 20))
    for home in SOUTH_HOMES[:8]:
        new_york = home == NEW_YORK
        _insert_household(
            conn,
            home,
            SOUTH,
            timezone="America/New_York" if new_york else "Europe/London",
            pendant=not new_york,
        )
    _insert_household(
        conn, SOUTH_HOMES[8], SOUTH, installed=dt.date(2026, 12, 5), referred=dt.date(2026, 12, 2)
    )
    conn.execute(
        "INSERT INTO devices (household_id, id, role, room, installed_on, removed_on) "
        "VALUES (%s, 'pendant-old', 'pendant', 'home', %s, '2026-10-01')",
        (NORTH_HOMES[2], JUNE),
    )

    conn.execute("SELECT ensure_reading_partitions(%s, %s)", (_at("2026-11-01", 0), _at("2026-12-31", 23)))
    for home in NORTH_HOMES + [h for h in SOUTH_HOMES if h != NEW_YORK]:
        first = {NORTH_HOMES[i]: dt.date(2026, 11, 10) for i in range(30, 36)} | {
            SOUTH_HOMES[8]: dt.date(2026, 12, 5)
        }
        if home == NORTH_HOMES[4]:  # silent 11-20 Nov
            _insert_readings(conn, home, START, dt.date(2026, 11, 10))
            _insert_readings(conn, home, dt.date(2026, 11, 21), END)
        elif home == SOUTH_HOMES[0]:  # silent all December
            _insert_readings(conn, home, START, dt.date(2026, 11, 30))
        else:
            _insert_readings(conn, home, first.get(home, START), END)

    # Hub outages: n01's reported by device health and by detection at once is one outage.
    _insert_finding(conn, NORTH_HOMES[0], "hub_offline", "hub_offline:hub", _at("2026-11-03"))
    _insert_finding(
        conn, NORTH_HOMES[0], "hub_offline", "hub_offline", _at("2026-11-03") + dt.timedelta(minutes=10)
    )
    _insert_finding(conn, NORTH_HOMES[1], "hub_offline", "hub_offline:hub", _at("2026-11-20"))
    for home in NORTH_HOMES[2:8]:
        _insert_finding(conn, home, "hub_offline", "hub_offline:hub", _at("2026-12-05"))
    _insert_finding(conn, SOUTH_HOMES[1], "hub_offline", "hub_offline:hub", _at("2026-12-02"))
    _insert_finding(conn, SOUTH_HOMES[1], "hub_offline", "hub_offline:hub", _at("2026-10-02"))
    for home in NORTH_HOMES[9:16]:
        _insert_finding(conn, home, "battery_low", "battery_low:pendant", _at("2026-11-08"))
    _insert_finding(conn, SOUTH_HOMES[2], "battery_low", "battery_low:pendant", _at("2026-12-09"))
    _seed_alerts(conn)
    conn.commit()
    return conn


@pytest.fixture
def report(seeded: Conn) -> Report:
    return build_report(seeded, START, END)


def _counts_match(t: Table, truth: dict[tuple[str, str], int]) -> None:
    """Every cell of a count table is its true figure, or "<5" when that is under 5, or withheld
    to protect one ("*") when it is not."""
    seen = {}
    for row in t.rows:
        for column, cell in zip(t.columns, row.cells, strict=True):
            true = truth[(row.label, column.label)]
            seen[(row.label, column.label)] = true
            if true < 5:
                assert cell.withheld is Withheld.SMALL, (t.key, row.label, column.label, cell)
            elif cell.withheld is not None:
                assert cell.withheld is Withheld.COMPLEMENT, (t.key, row.label, column.label, cell)
            else:
                assert cell.value == true, (t.key, row.label, column.label, cell.value, true)
    assert seen == truth, f"{t.key} has other cells than expected"


def _shown(t: Table, row: str, column: str) -> float:
    value = t.cell(row, column).value
    assert value is not None, f"{t.key} {row} {column} should be shown: {t.cell(row, column)}"
    return value


def _grid(rows: Mapping[str, Sequence[int]], columns: Sequence[str]) -> dict[tuple[str, str], int]:
    return {(r, c): v for r, values in rows.items() for c, v in zip(columns, values, strict=True)}


def test_uptake_figures_are_the_true_ones(report: Report) -> None:
    _counts_match(
        report.table("households_monitored"),
        _grid({NORTH: [36, 36], SOUTH: [8, 9], ALL: [44, 45]}, [NOV, DEC]),
    )
    months = [NOV, DEC, PERIOD]
    _counts_match(
        report.table("households_joined"), _grid({NORTH: [6, 0, 6], SOUTH: [0, 1, 1], ALL: [6, 1, 7]}, months)
    )
    _counts_match(
        report.table("households_left"), _grid({NORTH: [0, 2, 2], SOUTH: [0, 0, 0], ALL: [0, 2, 2]}, months)
    )
    _counts_match(
        report.table("devices_by_role"),
        _grid({"pendant": [34, 8, 42], "hub": [34, 9, 43], "All devices": [68, 17, 85]}, [NORTH, SOUTH, ALL]),
    )
    monitored = report.table("households_monitored")
    assert [_shown(monitored, ALL, m) for m in (NOV, DEC)] == [44, 45]
    assert [_shown(monitored, NORTH, m) for m in (NOV, DEC)] == [36, 36]

    waits = report.table("referral_to_installation")
    assert [c.label for c in waits.columns] == ["Homes installed", "Median days", "90th percentile days"]
    assert waits.cell(SOUTH, "Homes installed").withheld is Withheld.SMALL
    assert waits.cell(SOUTH, "Median days").withheld is Withheld.FEW
    assert _shown(waits, ALL, "Homes installed") == 7
    # North's 6 must be withheld too, or 7 - 6 gives the South's 1 away.
    assert waits.cell(NORTH, "Homes installed").withheld is Withheld.COMPLEMENT
    assert _shown(waits, NORTH, "Median days") == 17.5
    assert _shown(waits, NORTH, "90th percentile days") == pytest.approx(27.5)
    assert _shown(waits, ALL, "Median days") == 15
    assert _shown(waits, ALL, "90th percentile days") == pytest.approx(27)


def test_service_health_figures_are_the_true_ones(report: Report) -> None:
    uptime = report.table("device_uptime")
    expected = {
        NORTH: (1016 / 1026, 1082 / 1084, 2098 / 2110),
        SOUTH: (210 / 210, 213 / 244, 423 / 454),
        ALL: (1226 / 1236, 1295 / 1328, 2521 / 2564),
    }
    for area, shares in expected.items():
        for month, share in zip((NOV, DEC, PERIOD), shares, strict=True):
            assert _shown(uptime, area, month) == pytest.approx(100 * share), (area, month)
    months = [NOV, DEC, PERIOD]
    _counts_match(
        report.table("hub_outages"), _grid({NORTH: [2, 6, 8], SOUTH: [0, 1, 1], ALL: [2, 7, 9]}, months)
    )
    _counts_match(
        report.table("battery_replacements_due"),
        _grid({NORTH: [7, 0, 7], SOUTH: [0, 1, 1], ALL: [7, 1, 8]}, months),
    )


KINDS = {  # Nov, Dec, Period, false alarms
    "Alarm pressed (urgent)": [20, 20, 40, 11],
    "Fall detected (urgent)": [3, 0, 3, 0],
    "All urgent": [23, 20, 43, 11],
    "Cold home (high)": [0, 1, 1, 0],
    "Night exit (high)": [0, 2, 2, 0],
    "Not up (high)": [12, 8, 20, 2],
    "All high": [12, 11, 23, 2],
    "Device offline (routine)": [7, 0, 7, 0],
    "Routine change (routine)": [0, 6, 6, 1],
    "All routine": [7, 6, 13, 1],
    "All alerts": [42, 37, 79, 14],
}
HOUSEHOLD_MONTHS = {NOV: 30 + 6 * 21 / 30 + 8, DEC: 34 + 8 + 2 * 15 / 31 + 27 / 31}
HOUSEHOLD_MONTHS[PERIOD] = HOUSEHOLD_MONTHS[NOV] + HOUSEHOLD_MONTHS[DEC]


def test_alert_figures_are_the_true_ones(report: Report) -> None:
    by_kind = report.table("alerts_by_kind")
    counts = [c.label for c in by_kind.columns][:-1]
    assert counts == [NOV, DEC, PERIOD, "False alarms"]
    _counts_match(
        _without_last_column(by_kind),
        _grid(KINDS, counts),
    )
    assert [_shown(by_kind, "All alerts", m) for m in (NOV, DEC, PERIOD)] == [42, 37, 79]
    # A share is shown when both its counts are, and then it is the true one.
    for kind, (_, _, alerts, false_alarms) in KINDS.items():
        share = by_kind.cell(kind, "False-alarm share (%)")
        parts = [by_kind.cell(kind, PERIOD), by_kind.cell(kind, "False alarms")]
        if all(part.value is not None for part in parts):
            assert share.value == pytest.approx(100 * false_alarms / alerts), kind
        else:
            assert share.withheld is not None, kind
    assert _shown(by_kind, "All alerts", "False-alarm share (%)") == pytest.approx(100 * 14 / 79)
    # The alarms must be withheld: with the falls (3, 0) under 5, "All urgent" less alarms gives them.
    assert by_kind.cell("Alarm pressed (urgent)", NOV).withheld is Withheld.COMPLEMENT
    assert by_kind.cell("Routine change (routine)", "False-alarm share (%)").withheld is Withheld.FEW

    rates = report.table("alerts_per_100")
    for month in (NOV, DEC, PERIOD):
        alerts = KINDS["All alerts"][[NOV, DEC, PERIOD].index(month)]
        assert _shown(rates, "All alerts", month) == pytest.approx(100 * alerts / HOUSEHOLD_MONTHS[month])
    for row in rates.rows:
        for column, cell in zip(rates.columns, row.cells, strict=True):
            count = by_kind.cell(row.label, column.label)
            assert (cell.value is None) == (count.value is None), (row.label, column.label)

    _counts_match(
        report.table("alerts_by_area"),
        _grid({NORTH: [28, 31, 59], SOUTH: [14, 6, 20], ALL: [42, 37, 79]}, [NOV, DEC, PERIOD]),
    )
    previous_months = 39 + 38 + 15 / 31  # Sep: 39 homes; Oct: 38 and the one that ended on the 15th
    trend = report.table("alert_trend")
    expected = {"Urgent": (31, 43), "High": (10, 23), "All alerts": (41, 79)}
    for severity, (before, now) in expected.items():
        rate_before = 100 * before / previous_months
        rate_now = 100 * now / HOUSEHOLD_MONTHS[PERIOD]
        assert _shown(trend, severity, "Previous period") == pytest.approx(rate_before)
        assert _shown(trend, severity, "This period") == pytest.approx(rate_now)
        assert _shown(trend, severity, "Change (%)") == pytest.approx(
            100 * (rate_now - rate_before) / rate_before
        )
    assert trend.cell("Routine", "Previous period").withheld is Withheld.FEW
    assert trend.cell("Routine", "Change (%)").withheld is Withheld.FEW


def _without_last_column(t: Table) -> Table:
    return Table(
        key=t.key,
        section=t.section,
        title=t.title,
        note=t.note,
        row_header=t.row_header,
        columns=t.columns[:-1],
        rows=tuple(type(r)(label=r.label, cells=r.cells[:-1]) for r in t.rows),
    )


def test_outcome_figures_are_the_true_ones(report: Report) -> None:
    months = [NOV, DEC, PERIOD]
    _counts_match(
        report.table("outcomes"),
        _grid(
            {
                "False alarm": [8, 6, 14],
                "Resolved by phone": [18, 19, 37],
                "Responder visit": [4, 6, 10],
                "Family attended": [2, 2, 4],
                "Emergency services": [2, 0, 2],
                "Hospital admission": [1, 1, 2],
                "Other": [0, 0, 0],
                "Condition cleared": [7, 0, 7],
                "Person checked in": [0, 1, 1],
                "Not yet resolved": [0, 2, 2],
                "All alerts": [42, 37, 79],
            },
            months,
        ),
    )
    _counts_match(
        report.table("routine_changes"),
        {
            ("False alarm", "Alerts"): 1,
            ("Resolved by phone", "Alerts"): 2,
            ("Responder visit", "Alerts"): 1,
            ("Family attended", "Alerts"): 0,
            ("Emergency services", "Alerts"): 0,
            ("Hospital admission", "Alerts"): 0,
            ("Other", "Alerts"): 0,
            ("Condition cleared", "Alerts"): 0,
            ("Person checked in", "Alerts"): 0,
            ("Not yet resolved", "Alerts"): 2,
            ("All routine changes", "Alerts"): 6,
        },
    )


def test_response_figures_are_the_true_ones(report: Report) -> None:
    urgent_answers = URGENT_NOV_ANSWERS + [40.0] * 3 + [20.0] * 19 + [30.0]
    urgent_resolves = [a + 600 for a in URGENT_NOV_ANSWERS] + [640.0] * 3 + [620.0] * 19 + [30.0]
    high_answers, high_resolves = [120.0] * 22, [1020.0] * 22
    routine_resolves = [900.0] * 4 + [3600.0] * 7
    times = report.table("response_times")
    for severity, answers, resolves in (
        ("Urgent", urgent_answers, urgent_resolves),
        ("High", high_answers, high_resolves),
        (
            "All alerts",
            urgent_answers + high_answers + [300.0] * 4,
            urgent_resolves + high_resolves + routine_resolves,
        ),
    ):
        for p, answer, resolve in zip(
            ("p50", "p90", "p99"),
            np.percentile(answers, [50, 90, 99]),
            np.percentile(resolves, [50, 90, 99]),
            strict=True,
        ):
            assert _shown(times, severity, f"Answer {p}") == pytest.approx(answer), (severity, p)
            assert _shown(times, severity, f"Resolve {p}") == pytest.approx(resolve / 60), (severity, p)
    assert times.cell("Routine", "Answer p50").withheld is Withheld.FEW  # 4 answered
    assert _shown(times, "Routine", "Resolve p50") == pytest.approx(60.0)
    shares = {
        "Urgent": (41 / 43, 42 / 43),
        "High": (0, 1),
        "Routine": (0, 0),
        "All alerts": (41 / 78, 64 / 78),
    }
    for severity, (in_60, in_180) in shares.items():
        assert _shown(times, severity, "Answered within 60 s (%)") == pytest.approx(100 * in_60)
        assert _shown(times, severity, "Answered within 180 s (%)") == pytest.approx(100 * in_180)
    for severity in ("Urgent", "High", "Routine", "All alerts"):
        assert times.cell(severity, "Escalated").withheld is Withheld.SMALL  # 2, 0, 0, 2
    by_month = report.table("urgent_answer")
    for month, (in_60, in_180) in {NOV: (21 / 23, 22 / 23), DEC: (1, 1), PERIOD: (41 / 43, 42 / 43)}.items():
        assert _shown(by_month, month, "Within 60 s (%)") == pytest.approx(100 * in_60)
        assert _shown(by_month, month, "Within 180 s (%)") == pytest.approx(100 * in_180)


def test_the_summary_speaks_first_in_plain_words(report: Report) -> None:
    assert (
        report.summary[0]
        == "In Dec 2026, the last month of the period, 45 homes were monitored in all areas."
    )
    assert report.summary[1] == (
        "95.3% of urgent alerts were answered within 60 s, against a 97.5% target, and 97.7% within 180 s, "
        "against 99%."
    )
    assert report.summary[2].startswith(
        "There were 91.8 alerts per 100 homes per month, up 74% on the previous"
    )
    assert report.summary[3] == "Sensors sent 98.3% of the reports expected of them."


def test_one_area_alone(seeded: Conn) -> None:
    south = build_report(seeded, START, END, "Southside")

    _counts_match(south.table("households_monitored"), _grid({SOUTH: [8, 9]}, [NOV, DEC]))
    _counts_match(south.table("alerts_by_area"), _grid({SOUTH: [14, 6, 20]}, [NOV, DEC, PERIOD]))
    by_kind = _without_last_column(south.table("alerts_by_kind"))
    _counts_match(
        by_kind,
        _grid(
            {
                "Alarm pressed (urgent)": [5, 4, 9, 2],
                "Night exit (high)": [0, 2, 2, 0],
                "Not up (high)": [6, 0, 6, 0],
                "All high": [6, 2, 8, 0],
                "Device offline (routine)": [3, 0, 3, 0],
                "All alerts": [14, 6, 20, 2],
            },
            [NOV, DEC, PERIOD, "False alarms"],
        ),
    )
    assert (
        south.summary[0] == "In Dec 2026, the last month of the period, 9 homes were monitored in Southside."
    )


def test_an_unknown_area_or_a_backwards_period_is_refused(seeded: Conn) -> None:
    from reports import UnknownArea

    with pytest.raises(UnknownArea, match="'Westside'; areas: Northside, Southside"):
        build_report(seeded, START, END, "Westside")
    with pytest.raises(ValueError, match=r"ends .* before it starts"):
        build_report(seeded, END, START)
    with pytest.raises(ValueError, match="too near the calendar's ends"):
        build_report(seeded, dt.date.min, dt.date(1, 1, 31))


def _published_equations(report: Report) -> Iterator[dict[tuple[str, str, str], int]]:
    """What a reader can add up from the report: each table's totals, this month's homes from last
    month's, and the same figure in two tables."""
    for t in report.tables:
        if all(c.unit.value == "count" for c in t.columns if c.label != "False alarms") or t.key in (
            "alerts_by_kind",
            "referral_to_installation",
            "response_times",
        ):
            counted = [c.label for c in t.columns if c.unit.value == "count"]
            months = [c for c in counted if c not in (PERIOD, "False alarms", "Homes installed", "Escalated")]
            body = [r.label for r in t.rows if not r.label.startswith("All ")]
            if PERIOD in counted:
                for r in t.rows:
                    yield {(t.key, r.label, PERIOD): 1} | {(t.key, r.label, m): -1 for m in months}
            totals = [r.label for r in t.rows if r.label.startswith("All ")]
            if len(totals) == 1 and len(body) >= 2 and t.key != "alerts_by_kind":
                for c in counted:
                    yield {(t.key, totals[0], c): 1} | {(t.key, r, c): -1 for r in body}
    for area in (NORTH, SOUTH):
        yield {
            ("households_monitored", area, DEC): 1,
            ("households_monitored", area, NOV): -1,
            ("households_left", area, NOV): 1,
            ("households_joined", area, DEC): -1,
        }
    for month in (NOV, DEC, PERIOD):
        yield {("alerts_by_kind", "All alerts", month): 1, ("alerts_by_area", ALL, month): -1}
        yield {("alerts_by_kind", "All alerts", month): 1, ("outcomes", "All alerts", month): -1}


def test_no_withheld_count_can_be_worked_out_from_the_published_ones(report: Report) -> None:
    from tests.test_reports_suppression import subtraction_attack

    cells: dict[tuple[str, str, str], int] = {}
    published: dict[int, int] = {}
    for t in report.tables:
        for r in t.rows:
            for c, cell in zip(t.columns, r.cells, strict=True):
                index = cells.setdefault((t.key, r.label, c.label), len(cells))
                if cell.value is not None:
                    published[index] = round(cell.value)
    equations = [{cells[k]: v for k, v in eq.items()} for eq in _published_equations(report)]
    assert len(equations) > 40
    worked_out = subtraction_attack(published, equations)
    names = {i: k for k, i in cells.items()}
    assert {names[i]: v for i, v in worked_out.items()} == {}


def _personal_data(conn: Conn) -> list[str]:
    """Every identifier and piece of personal data in the store, for searching the outputs."""
    rows = conn.execute(
        """SELECT id FROM households UNION SELECT display_name FROM households
           UNION SELECT name FROM contacts UNION SELECT unnest(channels) FROM contacts
           UNION SELECT given_by FROM consents
           UNION SELECT acknowledged_by FROM alerts WHERE acknowledged_by IS NOT NULL
           UNION SELECT message FROM alerts"""
    ).fetchall()
    found = [value for (value,) in rows]
    assert len(found) > 100
    return [*found, "Quennell", "example.org", "hh-"]


def test_no_output_holds_a_household_id_name_or_contact(
    report: Report, seeded: Conn, tmp_path: pathlib.Path
) -> None:
    outputs = {"html": render_html(report), "json": render_json(report)}
    for path in render_csv(report, tmp_path / "csv"):
        outputs[path.name] = path.read_text(encoding="utf-8")
    assert len(outputs) == 2 + len(report.tables)
    for name, text in outputs.items():
        for personal in _personal_data(seeded):
            assert personal not in text, f"{personal!r} appears in {name}"
    assert "Northside" in outputs["html"]  # the reporting dimension is meant to be there


def test_html_is_one_printable_page_summary_then_charts_then_tables(report: Report) -> None:
    html = render_html(report)

    summary, chart, table = html.index(report.summary[0]), html.index("<svg"), html.index("<table")
    assert summary < chart < table
    assert html.count("<svg") == 4
    assert "@media print" in html
    assert "@page" in html
    assert "<script" not in html
    assert "src=" not in html
    assert "<link" not in html
    assert "&lt;5" in html  # the small counts, marked
    assert "<td>44</td>" in html


def test_json_and_csv_carry_the_same_published_cells(report: Report, tmp_path: pathlib.Path) -> None:
    document = json.loads(render_json(report))
    assert document["summary"] == list(report.summary)
    monitored = next(t for t in document["tables"] if t["key"] == "households_monitored")
    assert monitored["rows"][-1] == {
        "label": ALL,
        "cells": [{"value": 44, "withheld": None}, {"value": 45, "withheld": None}],
    }
    south = monitored["rows"][1]["cells"]
    assert south == [{"value": 8, "withheld": None}, {"value": 9, "withheld": None}]
    files = render_csv(report, tmp_path)
    assert sorted(p.name for p in files) == sorted(f"{t.key}.csv" for t in report.tables)
    joined = (tmp_path / "households_joined.csv").read_text().splitlines()
    assert joined[0] == "Area,Nov 2026,Dec 2026,Period"
    assert joined[2] == "Southside,<5,<5,<5"


def _telecare(database_url: str, *args: str) -> Result:
    """The command in this process (starting Python six times over would take most of a minute)."""
    return CliRunner().invoke(app, list(args), env={"TELECARE_DATABASE_URL": database_url})


def test_the_report_command_writes_each_format_and_refuses_bad_requests(
    seeded: Conn, database_url: str, tmp_path: pathlib.Path
) -> None:
    period = ["report", "--from", "2026-11-01", "--to", "2026-12-31"]
    for output_format, out in (
        ("html", tmp_path / "r.html"),
        ("json", tmp_path / "r.json"),
        ("csv", tmp_path / "csv"),
    ):
        done = _telecare(database_url, *period, "--format", output_format, "--out", str(out))
        assert done.exit_code == 0, done.output
    assert "homes were monitored" in (tmp_path / "r.html").read_text()
    assert json.loads((tmp_path / "r.json").read_text())["start"] == "2026-11-01"
    assert (tmp_path / "csv" / "outcomes.csv").exists()

    backwards = _telecare(
        database_url, "report", "--from", "2026-12-31", "--to", "2026-11-01", "--out", "x.html"
    )
    assert backwards.exit_code == 2
    assert "before it starts" in backwards.output
    too_long = _telecare(
        database_url, "report", "--from", "2024-01-01", "--to", "2026-12-31", "--out", "x.html"
    )
    assert too_long.exit_code == 2
    assert "at most 731 days" in too_long.output
    unknown = _telecare(database_url, *period, "--area", "Westside", "--out", str(tmp_path / "w.html"))
    assert unknown.exit_code == 2
    assert "areas: Northside, Southside" in unknown.output
    assert not (tmp_path / "w.html").exists()
    not_a_date = _telecare(
        database_url, "report", "--from", "1st November", "--to", "2026-12-31", "--out", "x.html"
    )
    assert not_a_date.exit_code == 2
    assert "give YYYY-MM-DD" in not_a_date.output


def test_the_report_runs_on_a_read_only_server_and_says_when_its_schema_is_behind(
    seeded: Conn, database_url: str, tmp_path: pathlib.Path
) -> None:
    # A streaming replica is read-only: the command must not try to migrate it, only read.
    name = seeded.info.dbname
    seeded.execute(
        sql.SQL("ALTER DATABASE {} SET default_transaction_read_only = on").format(sql.Identifier(name))
    )
    seeded.commit()
    out = tmp_path / "r.json"
    done = _telecare(
        database_url,
        "report",
        "--from",
        "2026-11-01",
        "--to",
        "2026-12-31",
        "--format",
        "json",
        "--out",
        str(out),
    )
    assert done.exit_code == 0, done.output
    assert json.loads(out.read_text())["start"] == "2026-11-01"

    # A replica whose primary has not been migrated to this version yet: a clear error.
    seeded.execute("SET default_transaction_read_only = off")
    seeded.execute(
        "DELETE FROM schema_migrations WHERE version = (SELECT max(version) FROM schema_migrations)"
    )
    seeded.commit()
    behind = _telecare(
        database_url, "report", "--from", "2026-11-01", "--to", "2026-12-31", "--out", str(out)
    )
    assert behind.exit_code == 2
    assert "read-only" in behind.output
    assert "run `telecare migrate` against the primary" in behind.output
    seeded.execute(
        sql.SQL("ALTER DATABASE {} RESET default_transaction_read_only").format(sql.Identifier(name))
    )
    seeded.commit()

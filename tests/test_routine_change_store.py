"""The detection service's daily pass against the store: a simulated household's readings in,
daily features stored, a routine-change finding (routine severity) out, and its weekly picture."""

import datetime as dt

import psycopg
import pytest

import store
from alerts import route_findings
from alerts.cli import alert_config
from detection import weekly_picture
from detection._service import DetectionService
from devices import MonitoringState, Reading
from simulator import Scenario, SpecEntry, simulate_population
from telecare.settings import Settings

Conn = psycopg.Connection[psycopg.rows.TupleRow]
HOUSEHOLD = "h-0001"


@pytest.fixture(scope="module")
def declining() -> Scenario:
    """One early riser over 63 days whose decline begins on day 35 and is complete in a week."""
    return simulate_population(
        households=1,
        days=63,
        seed=11,
        spec=[SpecEntry(kind="decline", household=HOUSEHOLD, day=35, hours=7 * 24)],
    )


def _load(conn: Conn, scenario: Scenario) -> dt.datetime:
    """Register the scenario's home and store its readings as if received when taken."""
    store.import_registry(conn, scenario.registry)
    writer = store.ReadingWriter(conn)
    batch: list[Reading] = []
    for ts, household, device, sensor, value in scenario.readings.rows():
        batch.append(
            Reading(household=household, device=device, sensor=sensor, value=value, ts=ts, received_at=ts)
        )
        if len(batch) == 20_000:
            writer.write(batch)
            batch = []
    writer.write(batch)
    return dt.datetime.fromtimestamp(float(scenario.readings.ts[-1]), dt.UTC)


def _routine_findings(conn: Conn) -> list[tuple[str, str, bool, str]]:
    rows = conn.execute(
        """SELECT kind, severity, cleared_at IS NULL, message FROM findings
           WHERE kind = 'routine_change' ORDER BY id"""
    ).fetchall()
    conn.commit()
    return [(k, s, o, m) for k, s, o, m in rows]


def test_the_daily_pass_stores_features_and_finds_the_decline_once(
    conn: Conn, database_url: str, declining: Scenario
) -> None:
    end = _load(conn, declining)
    service = DetectionService(database_url=database_url)
    service.pass_once(conn, end, tick=False)

    stored = conn.execute(
        "SELECT count(*), count(*) FILTER (WHERE unusable IS NULL), min(day), max(day) FROM daily_features"
    ).fetchone()
    assert stored is not None
    days, usable, _first, last = stored
    assert days >= 55, "every complete day of the home is stored"
    assert usable >= 50, "nearly all of them comparable"
    assert last == (end - dt.timedelta(days=1)).date() or last == (end - dt.timedelta(days=2)).date()

    found = _routine_findings(conn)
    assert len(found) == 1
    kind, severity, still_open, message = found[0]
    assert (kind, severity, still_open) == ("routine_change", "routine", True)
    assert message.startswith("A change in the daily routine: ")
    assert any(
        words in message for words in ("Night-time bathroom visits have risen", "Getting up has moved later")
    )

    # Alerts take it as routine news: the family's digest, the care team's review list.
    route_findings(conn, alert_config(Settings()), end)
    alert = conn.execute("SELECT kind, severity FROM alerts").fetchone()
    assert alert == ("routine_change", "routine")

    # A restart a day later recomputes nothing it has stored and keeps the one finding.
    restarted = DetectionService(database_url=database_url)
    restarted.pass_once(conn, end + dt.timedelta(days=1), tick=False)
    assert [f[:3] for f in _routine_findings(conn)] == [("routine_change", "routine", True)]
    count = conn.execute("SELECT count(*) FROM daily_features").fetchone()
    assert count is not None
    assert count[0] == days + 1

    picture = weekly_picture(conn, HOUSEHOLD, last)
    assert picture.household == HOUSEHOLD
    assert picture.sentences[0].startswith(f"The week {last - dt.timedelta(days=6):%-d %b} to {last:%-d %b}")
    assert "some things were different" in picture.sentences[0]
    assert any("a night this week" in s or "later" in s for s in picture.sentences[1:])


def test_a_home_away_has_its_new_days_marked_and_no_routine_finding(
    conn: Conn, database_url: str, declining: Scenario
) -> None:
    end = _load(conn, declining)
    store.set_monitoring_state(conn, HOUSEHOLD, MonitoringState.AWAY, away_until=end + dt.timedelta(days=3))
    DetectionService(database_url=database_url).pass_once(conn, end, tick=False)
    marked = conn.execute(
        "SELECT day FROM daily_features WHERE unusable = 'not_monitored' ORDER BY day"
    ).fetchall()
    conn.commit()
    assert 1 <= len(marked) <= 2, "only the days seen while away are marked, not the whole history"
    assert _routine_findings(conn) == []

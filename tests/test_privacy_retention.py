"""Retention against real PostgreSQL (and TimescaleDB where node can run it): raw readings
dropped a whole month partition at a time once past the period, daily features and dead letters
after theirs, ended households named when their care records are due for erasure; a dry run
changes nothing; the daily job in the running platform does the same."""

import datetime as dt
import os
import subprocess
import sys
import threading
from collections.abc import Iterator

import psycopg
import pytest
from psycopg.rows import TupleRow

import store
from devices import Reading, SensorKind, parse_registry_yaml
from store._retention import ReadingsPartition, partitions_to_drop
from telecare._retention_job import RetentionJob, retention_policy
from telecare.settings import Settings
from tests.services import wait_until
from tests.timescale_server import TimescaleUnavailable, timescale_server

Conn = psycopg.Connection[TupleRow]
NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)
DAY = dt.timedelta(days=1)
# The defaults (tests/test_privacy_settings.py checks they are the settings' own).
POLICY = store.RetentionPolicy(
    readings=395 * DAY, daily_features=6 * 366 * DAY, dead_letters=90 * DAY, care_records=8 * 366 * DAY
)
HOMES = """
households:
  - id: h-old
    timezone: Europe/London
    devices:
      - {id: kitchen-pir, role: kitchen_motion, room: kitchen, sensors: [motion]}
  - id: h-now
    timezone: Europe/London
    devices:
      - {id: kitchen-pir, role: kitchen_motion, room: kitchen, sensors: [motion]}
"""


def _partition(month: int, *, year: int = 2025) -> ReadingsPartition:
    start = dt.datetime(year, month, 1, tzinfo=dt.UTC)
    end = dt.datetime(year + month // 12, month % 12 + 1, 1, tzinfo=dt.UTC)
    return ReadingsPartition(name=f"readings_{year}_{month:02d}", start=start, end=end, bytes=0)


def test_a_partition_goes_only_once_every_reading_in_it_is_past_the_period() -> None:
    partitions = [_partition(9), _partition(10), _partition(11)]
    cutoff = dt.datetime(2025, 11, 1, tzinfo=dt.UTC)
    assert [p.name for p in partitions_to_drop(partitions, cutoff)] == [
        "readings_2025_09",
        "readings_2025_10",
    ]
    assert [p.name for p in partitions_to_drop(partitions, cutoff - dt.timedelta(seconds=1))] == [
        "readings_2025_09"
    ]


def _reading(household: str, ts: dt.datetime) -> Reading:
    return Reading(
        household=household, device="kitchen-pir", sensor=SensorKind.MOTION, value=1, ts=ts, received_at=ts
    )


def _seed(conn: Conn) -> None:
    store.import_registry(conn, parse_registry_yaml(HOMES))
    store.ReadingWriter(conn).write(
        [
            _reading("h-old", NOW - 430 * DAY),  # its month ended more than 395 days ago
            _reading("h-old", NOW - 380 * DAY),
            _reading("h-now", NOW - DAY),
        ],
        dead_letters=[
            store.DeadLetter(
                topic="telecare/v1/h-old/x/motion", payload=b"{}", reason="old", received_at=NOW - 100 * DAY
            ),
            store.DeadLetter(
                topic="telecare/v1/h-now/x/motion", payload=b"{}", reason="new", received_at=NOW - DAY
            ),
        ],
    )
    store.save_feature_days(
        conn,
        [
            store.FeatureDay(
                household="h-old",
                day=(NOW - years * 366 * DAY).date(),
                anchor_s=21600.0,
                unusable=None,
                values=tuple(None for _ in store.FEATURE_COLUMNS),
            )
            for years in (7, 1)
        ],
        NOW,
    )
    conn.execute(
        "UPDATE households SET monitoring_state = 'ended', ended_at = %s WHERE id = 'h-old'",
        (NOW - 9 * 366 * DAY,),
    )
    conn.commit()


def _partitions(conn: Conn) -> list[str]:
    rows = conn.execute(
        "SELECT c.relname::text FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "WHERE i.inhparent = 'readings'::regclass ORDER BY 1"
    ).fetchall()
    conn.commit()
    return [name for (name,) in rows]


def _old_month(conn: Conn) -> str:
    return f"readings_{(NOW - 430 * DAY):%Y_%m}"


def test_a_pass_drops_old_partitions_features_and_dead_letters_and_names_households_due(conn: Conn) -> None:
    _seed(conn)
    before = _partitions(conn)
    old_month = _old_month(conn)
    assert old_month in before

    dry = store.apply_retention(conn, POLICY, NOW, dry_run=True)
    assert _partitions(conn) == before, "a dry run drops nothing"
    done = store.apply_retention(conn, POLICY, NOW)
    again = store.apply_retention(conn, POLICY, NOW)

    for result in (dry, done):
        assert [p.name for p in result.partitions] == [old_month]
        assert (result.daily_features, result.dead_letters) == (1, 1)
        assert result.due_for_erasure == ("h-old",)
    assert _partitions(conn) == [p for p in before if p != old_month]
    assert sorted(ts.date() for ts, *_ in store.iter_readings(conn)) == [
        (NOW - 380 * DAY).date(),
        (NOW - DAY).date(),
    ]
    assert conn.execute("SELECT count(*) FROM daily_features").fetchone() == (1,)
    assert conn.execute("SELECT reason FROM dead_letters").fetchall() == [("new",)]
    assert (again.partitions, again.daily_features, again.dead_letters) == ((), 0, 0)


def test_ingest_refuses_what_retention_would_drop(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "TELECARE_MAX_READING_AGE_DAYS",
        "TELECARE_FEATURES_RETENTION_DAYS",
        "TELECARE_DEAD_LETTER_RETENTION_DAYS",
        "TELECARE_CARE_RECORDS_RETENTION_DAYS",
    ):
        monkeypatch.delenv(name, raising=False)
    assert retention_policy(Settings()) == POLICY
    monkeypatch.setenv("TELECARE_READINGS_RETENTION_DAYS", "30")
    settings = Settings()
    assert retention_policy(settings).readings == dt.timedelta(days=settings.max_reading_age_days) == 30 * DAY


def test_the_command_says_what_it_would_drop_then_drops_it(database_url: str, conn: Conn) -> None:
    _seed(conn)
    env = dict(os.environ, TELECARE_DATABASE_URL=database_url)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "telecare", "retention", "run", *args]
        return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)

    dry, real = run("--dry-run"), run()

    assert dry.returncode == 0, dry.stderr
    assert f"would drop partition {_old_month(conn)}" in dry.stdout
    assert "daily features older than 2196 days: would drop 1" in dry.stdout
    assert "care records due for erasure (`telecare households erase ID`): h-old" in dry.stdout
    assert real.returncode == 0, real.stderr
    assert f"dropped partition {_old_month(conn)}" in real.stdout
    assert _old_month(conn) not in _partitions(conn)


def test_the_platform_runs_a_retention_pass_when_it_starts(database_url: str, conn: Conn) -> None:
    _seed(conn)
    stop = threading.Event()
    job = threading.Thread(target=RetentionJob(database_url=database_url, policy=POLICY).run, args=(stop,))
    job.start()
    try:
        wait_until(
            lambda: _old_month(conn) not in _partitions(conn), timeout=30, what="the old partition dropped"
        )
    finally:
        stop.set()
        job.join(10)
    assert not job.is_alive(), "the job stops when asked"


@pytest.fixture(scope="module")
def timescale_url() -> Iterator[str]:
    try:
        with timescale_server() as url:
            yield url
    except TimescaleUnavailable as exc:
        pytest.skip(str(exc))


@pytest.mark.slow
def test_on_timescaledb_the_policy_follows_the_setting_and_old_chunks_are_dropped(timescale_url: str) -> None:
    shorter = store.RetentionPolicy(
        readings=200 * DAY,
        daily_features=POLICY.daily_features,
        dead_letters=POLICY.dead_letters,
        care_records=POLICY.care_records,
    )
    with store.connect(timescale_url) as conn:
        store.migrate(conn)
        _seed(conn)
        chunks_before = conn.execute("SELECT count(*) FROM show_chunks('readings')").fetchone()

        dry = store.apply_retention(conn, shorter, NOW, dry_run=True)
        done = store.apply_retention(conn, shorter, NOW)
        again = store.apply_retention(conn, shorter, NOW)

        drop_after = conn.execute(
            """SELECT config->>'drop_after' FROM timescaledb_information.jobs
               WHERE proc_name = 'policy_retention' AND hypertable_name = 'readings'"""
        ).fetchall()
        kept = [ts.date() for ts, *_ in store.iter_readings(conn)]
        chunks_after = conn.execute("SELECT count(*) FROM show_chunks('readings')").fetchone()
        # Erasure reaches into compressed chunks too.
        conn.execute("SELECT compress_chunk(c) FROM show_chunks('readings') c")
        erased = store.erase_household(conn, "h-now", by="dpo", now=NOW)
        left = conn.execute("SELECT count(*) FROM readings WHERE household_id = 'h-now'").fetchone()
    assert chunks_before == (3,)
    assert dry.policy_changed_to == done.policy_changed_to == 200 * DAY
    assert again.policy_changed_to is None
    assert len(dry.chunks) == len(done.chunks) == 2, "the 430- and 380-day-old readings' chunks"
    assert drop_after == [("200 days",)]
    assert kept == [(NOW - DAY).date()]
    assert chunks_after == (1,)
    assert erased["readings"] == 1
    assert left == (0,)

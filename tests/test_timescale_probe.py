"""TimescaleDB: what our migrations and queries rely on, against PGlite + TimescaleDB 2.23 over the
wire (tests/timescale_server.py). Skipped, saying why, where node or its npm packages are missing."""

import contextlib
import datetime as dt
import threading
from collections.abc import Iterator

import psycopg
import pytest
from psycopg import errors, sql
from psycopg.rows import TupleRow
from psycopg_pool import ConnectionPool

from tests.timescale_server import TimescaleUnavailable, timescale_server

pytestmark = pytest.mark.slow

Connection = psycopg.Connection[TupleRow]

CREATE_EXTENSION_IF_AVAILABLE = """
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb') THEN
        EXECUTE 'CREATE EXTENSION IF NOT EXISTS timescaledb';
    END IF;
END
$$
"""

READINGS_TABLE = """
CREATE TABLE {} (
    ts timestamptz NOT NULL,
    household_id text NOT NULL,
    device_id text NOT NULL,
    sensor text NOT NULL,
    value double precision NOT NULL,
    received_at timestamptz NOT NULL,
    PRIMARY KEY (household_id, device_id, sensor, ts)
)
"""

INSERT_READING = "INSERT INTO {} VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING"

NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)

Reading = tuple[dt.datetime, str, str, str, float, dt.datetime]


def reading(days_ago: float, value: float, household: str = "h1") -> Reading:
    return (NOW - dt.timedelta(days=days_ago), household, "d1", "temperature", value, NOW)


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    with contextlib.ExitStack() as stack:
        try:
            server_url = stack.enter_context(timescale_server())
        except TimescaleUnavailable as unavailable:
            pytest.skip(str(unavailable))
        with psycopg.connect(server_url, autocommit=True) as conn:
            conn.execute(CREATE_EXTENSION_IF_AVAILABLE)
        yield server_url


@pytest.fixture
def conn(url: str) -> Iterator[Connection]:
    with psycopg.connect(url) as connection:
        yield connection


def create_readings(conn: Connection, table: str) -> str:
    """The readings hypertable as a migration makes it, in one transaction; returns the call used."""
    name = sql.Identifier(table)
    with conn.transaction():
        conn.execute(sql.SQL(READINGS_TABLE).format(name))
        try:
            with conn.transaction():  # a savepoint: on failure, try the pre-2.13 signature
                conn.execute("SELECT create_hypertable(%s, by_range('ts', INTERVAL '1 day'))", (table,))
            used = "by_range"
        except errors.UndefinedFunction:
            conn.execute(
                "SELECT create_hypertable(%s, 'ts', chunk_time_interval => INTERVAL '1 day')", (table,)
            )
            used = "legacy"
        conn.execute(
            sql.SQL(
                "ALTER TABLE {} SET (timescaledb.compress, timescaledb.compress_segmentby = 'household_id')"
            ).format(name)
        )
        conn.execute("SELECT add_compression_policy(%s, INTERVAL '7 days')", (table,))
        conn.execute("SELECT add_retention_policy(%s, INTERVAL '395 days')", (table,))
    return used


def values(conn: Connection, table: str) -> list[float]:
    query = sql.SQL("SELECT value FROM {} ORDER BY ts").format(sql.Identifier(table))
    return [value for (value,) in conn.execute(query)]


def test_timescaledb_is_available_and_the_migration_block_creates_it(url: str) -> None:
    with psycopg.connect(url) as conn:
        available = conn.execute(
            "SELECT default_version FROM pg_available_extensions WHERE name = 'timescaledb'"
        ).fetchone()
        assert available is not None
        assert available[0].startswith("2.")
        with conn.transaction():  # as a migration runs it: in a transaction, and twice is harmless
            conn.execute(CREATE_EXTENSION_IF_AVAILABLE)
            conn.execute(CREATE_EXTENSION_IF_AVAILABLE)
        installed = conn.execute(
            "SELECT extversion FROM pg_extension WHERE extname = 'timescaledb'"
        ).fetchone()
        assert installed == (available[0],)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS timescaledb")


@pytest.mark.parametrize(
    "call",
    [
        "SELECT create_hypertable(%s, by_range('ts', INTERVAL '1 day'))",
        "SELECT create_hypertable(%s, 'ts', chunk_time_interval => INTERVAL '1 day')",
    ],
    ids=["by_range", "legacy"],
)
def test_both_create_hypertable_signatures(conn: Connection, call: str) -> None:
    table = "signature_" + ("by_range" if "by_range" in call else "legacy")
    conn.execute(sql.SQL(READINGS_TABLE).format(sql.Identifier(table)))
    conn.execute(call, (table,))
    conn.commit()
    interval = conn.execute(
        "SELECT time_interval FROM timescaledb_information.dimensions WHERE hypertable_name = %s", (table,)
    ).fetchone()
    assert interval == (dt.timedelta(days=1),)


def test_readings_hypertable_with_compression_and_retention(conn: Connection) -> None:
    assert create_readings(conn, "readings") == "by_range"
    hypertable = conn.execute(
        "SELECT compression_enabled FROM timescaledb_information.hypertables WHERE hypertable_name = %s",
        ("readings",),
    ).fetchone()
    assert hypertable == (True,)
    jobs: dict[str, dict[str, str]] = dict(
        conn.execute(
            "SELECT proc_name, config FROM timescaledb_information.jobs WHERE hypertable_name = %s",
            ("readings",),
        ).fetchall()
    )
    assert jobs["policy_compression"]["compress_after"] == "7 days"
    assert jobs["policy_retention"]["drop_after"] == "395 days"
    segmentby = conn.execute(
        "SELECT attname FROM timescaledb_information.compression_settings"
        " WHERE hypertable_name = %s AND segmentby_column_index IS NOT NULL",
        ("readings",),
    ).fetchall()
    assert segmentby == [("household_id",)]


def test_insert_on_conflict_and_query_back(conn: Connection) -> None:
    create_readings(conn, "readings_io")
    insert = sql.SQL(INSERT_READING).format(sql.Identifier("readings_io"))
    with conn.transaction(), conn.cursor() as cur:
        cur.execute(insert, reading(0, 21.5))  # server-side binding: extended protocol
        assert cur.rowcount == 1
        cur.execute(insert, reading(0, 99.0))  # same key: ignored
        assert cur.rowcount == 0
        cur.executemany(insert, [reading(1, 20.0), reading(1, 98.0), reading(2, 19.0)])
    assert values(conn, "readings_io") == [19.0, 20.0, 21.5]
    daily = conn.execute(
        "SELECT time_bucket('1 day', ts) AS day, household_id, avg(value) FROM readings_io"
        " WHERE ts > %s GROUP BY day, household_id ORDER BY day",
        (NOW - dt.timedelta(days=30),),
    ).fetchall()
    assert [row[2] for row in daily] == [19.0, 20.0, 21.5]
    assert all(isinstance(row[0], dt.datetime) and row[0].utcoffset() == dt.timedelta(0) for row in daily)


def test_policies_compress_and_drop_chunks_when_run(conn: Connection) -> None:
    """There are no background workers here: the jobs run only when called."""
    create_readings(conn, "readings_jobs")
    insert = sql.SQL(INSERT_READING).format(sql.Identifier("readings_jobs"))
    with conn.cursor() as cur:
        cur.executemany(insert, [reading(d, float(d)) for d in (0, 1, 10, 11, 400)])
    jobs: dict[str, int] = dict(
        conn.execute(
            "SELECT proc_name, job_id FROM timescaledb_information.jobs WHERE hypertable_name = %s",
            ("readings_jobs",),
        ).fetchall()
    )
    conn.commit()
    conn.autocommit = True  # run_job commits inside
    conn.execute("CALL run_job(%s)", (jobs["policy_compression"],))
    conn.execute("CALL run_job(%s)", (jobs["policy_retention"],))
    chunks = conn.execute(
        "SELECT range_start, is_compressed FROM timescaledb_information.chunks"
        " WHERE hypertable_name = %s ORDER BY range_start",
        ("readings_jobs",),
    ).fetchall()
    assert [compressed for _, compressed in chunks] == [True, True, False, False]
    assert values(conn, "readings_jobs") == [11.0, 10.0, 1.0, 0.0]
    # Late readings land in a compressed chunk: duplicates are still ignored, new ones kept.
    with conn.cursor() as cur:
        cur.execute(insert, reading(10, 123.0))
        assert cur.rowcount == 0
        cur.execute(insert, reading(10.5, 10.5))
        assert cur.rowcount == 1
    assert values(conn, "readings_jobs") == [11.0, 10.5, 10.0, 1.0, 0.0]


def test_copy_prepared_statements_and_pipelines(url: str) -> None:
    with psycopg.connect(url) as conn:
        create_readings(conn, "readings_bulk")
        with conn.cursor() as cur:
            # COPY FROM STDIN in binary, as the ingest writer does it
            with cur.copy("COPY readings_bulk FROM STDIN (FORMAT BINARY)") as copy:
                copy.set_types(["timestamptz", "text", "text", "text", "float8", "timestamptz"])
                for minute in range(3000):
                    copy.write_row(reading(minute / 1440, float(minute), household=f"h{minute % 7}"))
            insert = sql.SQL(INSERT_READING).format(sql.Identifier("readings_bulk"))
            # more than a TCP chunk of pipelined statements; half of them duplicates
            cur.executemany(
                insert,
                [reading(minute / 1440, -1.0, household=f"h{minute % 7}") for minute in range(0, 6000, 2)],
            )
            assert cur.rowcount == 1500
        with conn.pipeline():
            for minute in range(6000, 6100):
                conn.execute(insert, reading(minute / 1440, float(minute), household=f"h{minute % 7}"))
        conn.commit()
        for _ in range(10):  # psycopg prepares a statement on its 5th execution
            count = conn.execute("SELECT count(*) FROM readings_bulk WHERE value >= %s", (0.0,)).fetchone()
            assert count == (3100,)
        assert conn.execute("SELECT 1", prepare=True).fetchone() == (1,)
        with conn.cursor() as cur, cur.copy("COPY (SELECT count(*) FROM readings_bulk) TO STDOUT") as copy:
            assert list(copy.rows()) == [("4600",)]
    # A new connection gets a new session: psycopg's statement names are free again.
    with psycopg.connect(url) as conn:
        for _ in range(10):
            assert conn.execute("SELECT %s::int", (7,)).fetchone() == (7,)


def test_each_connection_gets_a_fresh_session(url: str) -> None:
    abandoned = psycopg.connect(url)
    abandoned.execute("CREATE TABLE never_committed (a int)")
    abandoned.execute("CREATE TEMP TABLE scratch (a int)")
    abandoned.execute("SET application_name = 'abandoned'")
    abandoned.close()  # in the middle of its transaction
    with psycopg.connect(url, autocommit=True) as conn:
        assert conn.execute("SELECT to_regclass('never_committed'), to_regclass('scratch')").fetchone() == (
            None,
            None,
        )
        assert conn.execute("SHOW application_name").fetchone() == ("",)
        assert conn.execute("SHOW search_path").fetchone() == ("public",)
        assert conn.execute("SELECT txid_current_if_assigned()").fetchone() == (None,)


def test_a_pool_of_one_connection(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE TABLE pooled (worker int, n int)")
    with ConnectionPool(url, min_size=1, max_size=1, open=True, timeout=30) as pool:

        def work(worker: int) -> None:
            for n in range(10):
                with pool.connection() as conn:
                    conn.execute("INSERT INTO pooled VALUES (%s, %s)", (worker, n))

        workers = [threading.Thread(target=work, args=(worker,)) for worker in range(4)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        with pool.connection() as conn:
            assert conn.execute("SELECT count(*), count(DISTINCT worker) FROM pooled").fetchone() == (40, 4)

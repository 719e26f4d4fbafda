"""The store on TimescaleDB (a WASM PostgreSQL 17 + TimescaleDB 2.23, tests/timescale): the same
migrations make `readings` a hypertable with compression and retention, and the queries work."""

import datetime as dt
from collections.abc import Iterator

import pytest

import store
from devices import DeviceStatus, Reading, SensorKind, parse_registry_yaml
from tests.timescale_server import TimescaleUnavailable, timescale_server

HOME = """
households:
  - id: h1
    timezone: Europe/London
    devices:
      - {id: hub, role: hub, room: hall, sensors: [temperature]}
      - {id: pendant, role: pendant, room: person, sensors: [alarm]}
"""


@pytest.fixture(scope="module")
def timescale_url() -> Iterator[str]:
    try:
        with timescale_server() as url:
            yield url
    except TimescaleUnavailable as exc:
        pytest.skip(str(exc))


@pytest.mark.slow
def test_the_store_runs_on_timescaledb(timescale_url: str) -> None:
    with store.connect(timescale_url) as conn:
        store.migrate(conn)
        assert store.migrate(conn) == [], "a second run applies nothing"
        hypertables = conn.execute(
            "SELECT hypertable_name FROM timescaledb_information.hypertables"
        ).fetchall()
        jobs = {row[0] for row in conn.execute("SELECT proc_name FROM timescaledb_information.jobs")}
        assert hypertables == [("readings",)]
        assert {"policy_compression", "policy_retention"} <= jobs

        store.import_registry(conn, parse_registry_yaml(HOME))
        t0 = dt.datetime(2026, 11, 20, 7, 0, tzinfo=dt.UTC)
        readings = [
            Reading(
                household="h1",
                device="hub",
                sensor=SensorKind.TEMPERATURE,
                value=20.5 + n / 10,
                ts=t0 + dt.timedelta(minutes=n),
                received_at=t0 + dt.timedelta(minutes=n),
            )
            for n in range(50)
        ]
        writer = store.ReadingWriter(conn)
        first = writer.write(
            readings, [DeviceStatus(household="h1", device="hub", online=False, received_at=t0)]
        )
        again = writer.write(readings[:10])
        exported = list(store.iter_readings(conn, household="h1", since=t0 + dt.timedelta(minutes=45)))
        conn.commit()

        assert (first.stored, again.stored, again.duplicates) == (50, 0, 10)
        assert [round(v, 1) for *_, v in exported] == [25.0, 25.1, 25.2, 25.3, 25.4]
        assert store.export_registry(conn).households[0].id == "h1"
        result = store.check_device_health(conn, t0 + dt.timedelta(hours=2))
        assert result.opened >= 1, "the hub's offline status is a finding"

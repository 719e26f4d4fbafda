"""Device health: offline hubs, flat batteries, dead motion sensors, found for all homes at once."""

import datetime as dt

import psycopg

import store
from devices import DeviceStatus, MonitoringState, Reading, SensorKind, parse_registry_yaml
from store import ReadingWriter

Conn = psycopg.Connection[psycopg.rows.TupleRow]
NOW = dt.datetime(2026, 11, 22, 12, 0, tzinfo=dt.UTC)

HOMES = """
households:
""" + "".join(
    f"""
  - id: {home}
    timezone: Europe/London
    devices:
      - {{id: hub, role: hub, room: hall, sensors: [temperature], installed_on: 2026-11-01}}
      - {{id: kitchen-pir, role: kitchen_motion, room: kitchen, sensors: [motion], installed_on: 2026-11-01}}
      - {{id: lounge-pir, role: lounge_motion, room: lounge, sensors: [motion], installed_on: 2026-11-01}}
      - {{id: pendant, role: pendant, room: person, sensors: [alarm], installed_on: 2026-11-01}}
      - {{id: kettle-plug, role: kettle, room: kitchen, sensors: [power], installed_on: 2026-11-01}}
"""
    for home in ("well", "hub-down", "flat", "dead-pir")
)


def _heard(
    writer: ReadingWriter, home: str, device: str, sensor: SensorKind, value: float, ago: dt.timedelta
) -> None:
    at = NOW - ago
    writer.write([Reading(household=home, device=device, sensor=sensor, value=value, ts=at, received_at=at)])


def _all_reporting(writer: ReadingWriter, home: str) -> None:
    minutes = dt.timedelta(minutes=3)
    _heard(writer, home, "hub", SensorKind.TEMPERATURE, 20.5, minutes)
    _heard(writer, home, "kitchen-pir", SensorKind.MOTION, 1, minutes)
    _heard(writer, home, "lounge-pir", SensorKind.MOTION, 1, minutes)
    _heard(writer, home, "pendant", SensorKind.BATTERY, 90, dt.timedelta(hours=3))
    _heard(writer, home, "kettle-plug", SensorKind.POWER, 0, minutes)


def _setup(conn: Conn) -> ReadingWriter:
    store.import_registry(conn, parse_registry_yaml(HOMES))
    writer = ReadingWriter(conn)
    for home in ("well", "hub-down", "flat", "dead-pir"):
        _all_reporting(writer, home)
    return writer


def _open(conn: Conn) -> dict[tuple[str, str], str]:
    rows = conn.execute(
        "SELECT household_id, condition_key, message FROM findings WHERE cleared_at IS NULL"
    ).fetchall()
    conn.commit()
    return {(h, k): m for h, k, m in rows}


def test_each_device_problem_is_found_once_and_a_healthy_home_has_none(conn: Conn) -> None:
    writer = _setup(conn)
    # hub-down: the hub's last will says offline 40 min ago, and nothing has come since.
    writer.write(
        [],
        [
            DeviceStatus(
                household="hub-down", device="hub", online=False, received_at=NOW - dt.timedelta(minutes=40)
            )
        ],
    )
    for device in ("kitchen-pir", "lounge-pir", "kettle-plug"):
        conn.execute(
            "UPDATE device_state SET last_seen_at = %s WHERE household_id = 'hub-down' AND device_id = %s",
            (NOW - dt.timedelta(minutes=41), device),
        )
    # flat: the pendant reports a 4% battery.
    _heard(writer, "flat", "pendant", SensorKind.BATTERY, 4, dt.timedelta(minutes=10))
    # dead-pir: the lounge sensor reports its battery but saw no movement for two days, while
    # the kitchen one saw some minutes ago.
    conn.execute(
        "UPDATE device_state SET last_activity_at = %s"
        " WHERE household_id = 'dead-pir' AND device_id = 'lounge-pir'",
        (NOW - dt.timedelta(days=2),),
    )
    conn.commit()

    result = store.check_device_health(conn, NOW)

    found = _open(conn)
    assert set(found) == {
        ("hub-down", "hub_offline:hub"),
        ("flat", "battery_low:pendant"),
        ("dead-pir", "sensor_silent:lounge-pir"),
    }
    assert result.opened == 3
    assert "hub has been offline for 40 min" in found[("hub-down", "hub_offline:hub")]
    assert "battery is flat (4%)" in found[("flat", "battery_low:pendant")]
    assert "no movement for 2 days while other rooms have" in found[("dead-pir", "sensor_silent:lounge-pir")]


def test_findings_hold_without_duplicates_and_clear_when_the_device_recovers(conn: Conn) -> None:
    writer = _setup(conn)
    _heard(writer, "flat", "pendant", SensorKind.BATTERY, 12, dt.timedelta(minutes=10))

    first = store.check_device_health(conn, NOW)
    again = store.check_device_health(conn, NOW + dt.timedelta(minutes=1))
    _heard(writer, "flat", "pendant", SensorKind.BATTERY, 100, -dt.timedelta(minutes=2))
    recovered = store.check_device_health(conn, NOW + dt.timedelta(minutes=3))

    assert (first.opened, again.opened, again.updated, recovered.cleared) == (1, 0, 1, 1)
    rows = conn.execute("SELECT condition_key, cleared_at FROM findings").fetchall()
    assert rows == [("battery_low:pendant", NOW + dt.timedelta(minutes=3))]


def test_a_device_that_never_reported_and_a_silent_plug_are_offline_but_paused_homes_are_left_alone(
    conn: Conn,
) -> None:
    _setup(conn)
    conn.execute(
        "UPDATE device_state SET last_seen_at = %s WHERE household_id = 'well' AND device_id = 'kettle-plug'",
        (NOW - dt.timedelta(hours=2),),
    )
    conn.execute("DELETE FROM device_state WHERE household_id = 'flat' AND device_id = 'lounge-pir'")
    # In hospital: nothing in the home is watched, so its silent sensor is no finding.
    conn.execute(
        "UPDATE device_state SET last_seen_at = %s, last_activity_at = %s"
        " WHERE household_id = 'dead-pir' AND device_id = 'lounge-pir'",
        (NOW - dt.timedelta(days=2), NOW - dt.timedelta(days=2)),
    )
    conn.commit()
    store.set_monitoring_state(conn, "dead-pir", MonitoringState.PAUSED)

    store.check_device_health(conn, NOW)

    found = _open(conn)
    assert set(found) == {("well", "device_offline:kettle-plug"), ("flat", "device_offline:lounge-pir")}
    plug = found[("well", "device_offline:kettle-plug")]
    assert "has been silent for 2 h (it normally reports at least every 30 min)" in plug
    assert (
        "has not reported since it was installed 21 days ago" in found[("flat", "device_offline:lounge-pir")]
    )

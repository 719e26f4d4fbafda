"""Ingest end to end: real broker, real PostgreSQL, the real service."""

import datetime as dt
import json
import threading
import uuid
from collections.abc import Iterator

import psycopg
import pytest

import store
from devices import parse_registry_csv
from ingest import IngestService
from telecare._platform import Endpoints
from telecare._services import ingest_service
from telecare.settings import Settings
from tests.conftest import register_standard_home
from tests.readings import native_messages
from tests.services import publish, wait_until

Conn = psycopg.Connection[psycopg.rows.TupleRow]


@pytest.fixture
def ingest(database_url: str, mqtt_url: str) -> Iterator[IngestService]:
    """The ingest service in a thread, with a client id (so a session) of this test's own."""
    # A short session: the shared broker need not keep queueing for this test after it ends.
    settings = Settings(
        ingest_client_id=f"test-ingest-{uuid.uuid4().hex[:10]}", ingest_session_expiry_seconds=60
    )
    service = ingest_service(settings, Endpoints(database_url=database_url, mqtt_url=mqtt_url))
    stop = threading.Event()
    thread = threading.Thread(target=service.run, args=(stop,), name="ingest-under-test")
    thread.start()
    assert service.wait_connected(timeout=15), "ingest did not connect to the broker"
    yield service
    stop.set()
    thread.join(timeout=30)
    assert not thread.is_alive()


def _stored(conn: Conn, household: str) -> set[tuple[str, str, dt.datetime, float]]:
    rows = conn.execute(
        "SELECT device_id, sensor, ts, value FROM readings WHERE household_id = %s", (household,)
    ).fetchall()
    conn.commit()
    return {(d, s, ts, v) for d, s, ts, v in rows}


def _count(conn: Conn, household: str) -> int:
    (n,) = conn.execute("SELECT count(*) FROM readings WHERE household_id = %s", (household,)).fetchone() or (
        0,
    )
    conn.commit()
    return int(n)


@pytest.mark.slow
def test_ten_thousand_readings_are_stored_once_with_values_and_times_intact(
    ingest: IngestService, conn: Conn, database_url: str, mqtt_url: str, household_id: str
) -> None:
    register_standard_home(database_url, household_id)
    start = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(hours=1)
    messages, expected = native_messages(household_id, 10_000, start=start)

    publish(mqtt_url, messages)
    wait_until(lambda: ingest.stats.messages >= 10_000, timeout=60, what="10,000 messages ingested")

    assert _count(conn, household_id) == 10_000
    assert _stored(conn, household_id) == expected
    assert ingest.stats.dead_letters == 0


@pytest.mark.slow
def test_the_same_messages_published_twice_are_stored_once(
    ingest: IngestService, conn: Conn, database_url: str, mqtt_url: str, household_id: str
) -> None:
    register_standard_home(database_url, household_id)
    start = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(hours=1)
    messages, expected = native_messages(household_id, 10_000, start=start)

    publish(mqtt_url, messages)
    publish(mqtt_url, messages)
    wait_until(lambda: ingest.stats.messages >= 20_000, timeout=90, what="both rounds ingested")

    assert _count(conn, household_id) == 10_000
    assert _stored(conn, household_id) == expected
    assert ingest.stats.duplicates == 10_000


def _payload(**fields: object) -> bytes:
    return json.dumps(fields).encode()


def test_each_bad_message_becomes_one_dead_letter_with_a_reason_and_ingest_carries_on(
    ingest: IngestService, conn: Conn, database_url: str, mqtt_url: str, household_id: str
) -> None:
    register_standard_home(database_url, household_id)
    now = dt.datetime.now(dt.UTC)
    good_ts = now.isoformat()
    h = household_id
    bad = [
        (f"telecare/v1/{h}/kitchen-pir/motion", b'{"ts": "2026-', "not valid JSON"),
        (f"telecare/v1/{h}/kitchen-pir/motion", b"[1, 2]", "must be a JSON object"),
        (f"telecare/v1/{h}/kitchen-pir/motion", _payload(value=1), "no 'ts'"),
        (f"telecare/v1/{h}/kitchen-pir/motion", _payload(ts="2026-01-01T07:00:00", value=1), "no UTC offset"),
        (f"telecare/v1/{h}/kitchen-pir/motion", _payload(ts="yesterday", value=1), "not an ISO-8601"),
        (
            f"telecare/v1/{h}/kitchen-pir/motion",
            _payload(ts=(now + dt.timedelta(hours=3)).isoformat(), value=1),
            "ahead of the platform clock",
        ),
        (f"telecare/v1/{h}/kitchen-pir/motion", _payload(ts="1970-01-01T00:00:00Z", value=1), "older than"),
        (f"telecare/v1/{h}/kitchen-pir/motion", _payload(ts=good_ts, value="on"), "must be a number"),
        (f"telecare/v1/{h}/kitchen-pir/motion", _payload(ts=good_ts, value=5), "must be 0 or 1"),
        (
            f"telecare/v1/{h}/kettle-plug/power",
            _payload(ts=good_ts, value=-20),
            "outside the plausible range",
        ),
        (f"telecare/v1/{h}/kettle-plug/power", b'{"ts": "%s", "value": NaN}' % good_ts.encode(), "NaN"),
        (f"telecare/v1/{h}/kettle-plug/power", _payload(ts=good_ts, value=1, battery=180), "battery value"),
        (f"telecare/v1/{h}/kitchen-pir/humidity", _payload(ts=good_ts, value=40), "unknown sensor kind"),
        (f"telecare/v1/{h}/kitchen-pir", _payload(ts=good_ts, value=1), "topic must be"),
        (
            f"telecare/v1/{h}/toaster-plug/power",
            _payload(ts=good_ts, value=900),
            "unknown device 'toaster-plug'",
        ),
        (
            f"telecare/v1/{h}/bed-mat/motion",
            _payload(ts=good_ts, value=1),
            "not registered for sensor 'motion'",
        ),
        (f"telecare/v1/nobody-{h}/bed-mat/occupancy", _payload(ts=good_ts, value=1), "unknown household"),
        (f"telecare/v1/{h}/bed-mat/occupancy", b"\xff\xfe\x00garbage", "payload is not valid"),
        (
            f"telecare/v1/{h}/bed-mat/occupancy",
            b'{"ts": "x", "value": ' + b"1" * 5000 + b"}",
            "bytes, more than",
        ),
        (f"telecare/v1/{h}/bed-mat/status", b"sleeping", "status must be 'online' or 'offline'"),
        (f"telecare/v1/{h}/bed-mat/occupancy", b"[" * 2000 + b"]" * 2000, "nested too deeply"),
    ]
    good = (f"telecare/v1/{h}/bed-mat/occupancy", _payload(ts=good_ts, value=True))

    publish(mqtt_url, [(topic, payload) for topic, payload, _ in bad] + [good])
    wait_until(lambda: ingest.stats.messages >= len(bad) + 1, timeout=30, what="all messages handled")

    letters = conn.execute("SELECT topic, payload, reason, occurrences FROM dead_letters").fetchall()
    assert len(letters) == len(bad)
    by_content = {(topic, bytes(payload)): (reason, n) for topic, payload, reason, n in letters}
    for topic, payload, expected_reason in bad:
        reason, occurrences = by_content[(topic, payload)]
        assert expected_reason in reason, (topic, payload[:60], reason)
        assert occurrences == 1
    assert _count(conn, household_id) == 1, "the good message after the bad ones is stored"


def test_live_state_follows_the_latest_activity_and_device_status(
    ingest: IngestService, conn: Conn, database_url: str, mqtt_url: str, household_id: str
) -> None:
    register_standard_home(database_url, household_id)
    t0 = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(minutes=30)
    h = household_id
    publish(
        mqtt_url,
        [
            (f"telecare/v1/{h}/kitchen-pir/motion", _payload(ts=(t0).isoformat(), value=1, battery=81)),
            (
                f"telecare/v1/{h}/bed-mat/occupancy",
                _payload(ts=(t0 + dt.timedelta(minutes=5)).isoformat(), value=0),
            ),
            # Late, out-of-order, and a motion "cleared": none of these is newer activity.
            (
                f"telecare/v1/{h}/kitchen-pir/motion",
                _payload(ts=(t0 - dt.timedelta(minutes=9)).isoformat(), value=1),
            ),
            (
                f"telecare/v1/{h}/kitchen-pir/motion",
                _payload(ts=(t0 + dt.timedelta(minutes=7)).isoformat(), value=0),
            ),
            (
                f"telecare/v1/{h}/kettle-plug/power",
                _payload(ts=(t0 + dt.timedelta(minutes=8)).isoformat(), value=2400),
            ),
            (f"telecare/v1/{h}/pendant/status", b"offline"),
        ],
    )
    wait_until(lambda: ingest.stats.messages >= 6, timeout=30, what="messages ingested")

    state = conn.execute(
        "SELECT last_activity_at, last_activity_device, last_reading_at FROM household_state"
        " WHERE household_id = %s",
        (h,),
    ).fetchone()
    assert state == (t0 + dt.timedelta(minutes=5), "bed-mat", t0 + dt.timedelta(minutes=8))
    devices = {
        device: (online, battery)
        for device, online, battery in conn.execute(
            "SELECT device_id, online, battery FROM device_state WHERE household_id = %s", (h,)
        )
    }
    assert devices["kitchen-pir"] == (None, 81.0)
    assert devices["pendant"] == (False, None)


def test_a_zigbee2mqtt_message_is_stored_under_the_household_its_vendor_id_is_registered_to(
    ingest: IngestService, conn: Conn, database_url: str, mqtt_url: str, household_id: str
) -> None:
    friendly_name = f"door_{household_id}"
    store.import_registry(
        conn,
        parse_registry_csv(
            "household,device,sensor,role,room,timezone,dialect,vendor_id\n"
            f"{household_id},front-door,contact,front_door,hall,Europe/London,zigbee2mqtt,{friendly_name}\n"
        ),
    )
    seen = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(minutes=1)
    payload = json.dumps({"contact": False, "battery": 64, "last_seen": seen.isoformat()}).encode()

    publish(
        mqtt_url,
        [
            (f"zigbee2mqtt/{friendly_name}", payload),
            (f"zigbee2mqtt/{friendly_name}/availability", b'{"state":"online"}'),
        ],
    )
    wait_until(lambda: ingest.stats.messages >= 2, timeout=30, what="both messages ingested")

    assert _stored(conn, household_id) == {
        ("front-door", "contact", seen, 1.0),
        ("front-door", "battery", seen, 64.0),
    }
    assert conn.execute(
        "SELECT online FROM device_state WHERE household_id = %s AND device_id = 'front-door'",
        (household_id,),
    ).fetchone() == (True,)

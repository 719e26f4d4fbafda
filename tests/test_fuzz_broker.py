"""Hostile messages through the real broker and the real ingest process: a hub writing under
another household's topics is refused by Mosquitto's ACL (the files `telecare devices
provision` writes); on a broker without ACLs, ingest's own registry check refuses what it
can, and every hostile message ends as one dead letter with a reason."""

import datetime as dt
import json
import pathlib
import shutil
import threading
import uuid

import paho.mqtt.client as mqtt
import psycopg
import pytest
from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion
from paho.mqtt.reasoncodes import ReasonCode

from devices._provisioning import BrokerAccount, acl_file, hash_password, hub_username, password_file
from telecare.mqtt import new_client, parse_mqtt_url
from tests.conftest import register_standard_home
from tests.services import (
    MosquittoProcess,
    kill_hard,
    publish,
    start_ingest,
    start_mosquitto,
    wait_until,
)

Conn = psycopg.Connection[psycopg.rows.TupleRow]


def _reading(value: float = 1.0, ts: dt.datetime | None = None) -> bytes:
    return json.dumps({"ts": (ts or dt.datetime.now(dt.UTC)).isoformat(), "value": value}).encode()


def _publish_as(url: str, username: str, password: str, messages: list[tuple[str, bytes]]) -> list[int]:
    """Publish at QoS 1 with these credentials; the broker's PUBACK reason code for each."""
    address = parse_mqtt_url(url)
    client = new_client(address)
    client.username_pw_set(username, password)
    reasons: dict[int, int] = {}
    client.on_publish = lambda _c, _u, mid, reason, _p: reasons.__setitem__(mid, reason.value)
    client.connect(address.host, address.port)
    client.loop_start()
    try:
        infos = [client.publish(topic, payload, qos=1) for topic, payload in messages]
        for info in infos:
            info.wait_for_publish(timeout=30)
    finally:
        client.disconnect()
        client.loop_stop()
    return [reasons[info.mid] for info in infos]


def _connect_reason(url: str) -> str:
    """The broker's CONNACK reason to a client that gives no credentials."""
    address = parse_mqtt_url(url)
    client = new_client(address)
    answered = threading.Event()
    reason: list[str] = []

    def on_connect(_c: mqtt.Client, _u: object, _f: object, code: ReasonCode, _p: object) -> None:
        reason.append(str(code))
        answered.set()

    client.on_connect = on_connect
    client.connect(address.host, address.port)
    client.loop_start()
    try:
        assert answered.wait(timeout=30), "the broker never answered the connection"
    finally:
        client.disconnect()
        client.loop_stop()
    return reason[0]


def _stored(database_url: str) -> list[tuple[str, str, str]]:
    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            "SELECT household_id, device_id, sensor FROM readings ORDER BY 1, 2, 3"
        ).fetchall()
    return [(h, d, s) for h, d, s in rows]


def _dead_letters(database_url: str) -> list[tuple[str, str]]:
    with psycopg.connect(database_url) as conn:
        rows = conn.execute("SELECT topic, reason FROM dead_letters ORDER BY id").fetchall()
    return [(t, r) for t, r in rows]


@pytest.mark.slow
def test_a_hub_writing_under_another_households_topic_is_refused_by_the_broker_acl(
    database_url: str, tmp_path: pathlib.Path
) -> None:
    passwords = {name: f"pw-{uuid.uuid4().hex}" for name in ("hub-h-a", "hub-h-b", "svc-ingest")}
    accounts = [
        BrokerAccount(username=name, password_hash=hash_password(passwords[name]), household=household)
        for name, household in (
            (hub_username("h-a"), "h-a"),
            (hub_username("h-b"), "h-b"),
            ("svc-ingest", None),
        )
    ]
    (tmp_path / "passwd").write_text(password_file(accounts))
    (tmp_path / "acl").write_text(acl_file(accounts, []))
    for home in ("h-a", "h-b"):
        register_standard_home(database_url, home)
    if shutil.which("mosquitto") is None:
        pytest.skip("mosquitto is not installed (apt-get install mosquitto)")
    with start_mosquitto(tmp_path, security=(tmp_path / "passwd", tmp_path / "acl")) as broker:
        log = tmp_path / "ingest.log"
        ingest_url = f"mqtt://svc-ingest:{passwords['svc-ingest']}@127.0.0.1:{broker.port}"
        ingest = start_ingest(database_url=database_url, mqtt_url=ingest_url, client_id="acl-ingest", log=log)
        try:
            wait_until(lambda: "subscribed" in log.read_text(), timeout=60, what="ingest subscribed")
            # Hub A writes its own door, then tries B's door and B's pendant.
            reasons = _publish_as(
                broker.url,
                "hub-h-a",
                passwords["hub-h-a"],
                [
                    ("telecare/v1/h-a/front-door/contact", _reading()),
                    ("telecare/v1/h-b/front-door/contact", _reading()),
                    ("telecare/v1/h-b/pendant/alarm", _reading()),
                    ("telecare/v1/h-a/../h-b/pendant/alarm", _reading()),
                ],
            )
            hub_b = [("telecare/v1/h-b/bed-mat/occupancy", _reading())]
            _publish_as(broker.url, "hub-h-b", passwords["hub-h-b"], hub_b)
            wait_until(lambda: len(_stored(database_url)) >= 2, timeout=30, what="the allowed readings")
            # Anonymous clients get nothing: the broker refuses the connection itself.
            assert _connect_reason(broker.url) in ("Not authorized", "Bad user name or password")
        finally:
            kill_hard(ingest)

    assert reasons[0] == 0
    # MQTT 5 "not authorized" (135) for both of B's topics. The path-like topic is a topic of
    # h-a's own (MQTT has no '..'), so the broker lets it by; ingest refuses its shape.
    assert reasons[1:3] == [135, 135]
    assert _stored(database_url) == [("h-a", "front-door", "contact"), ("h-b", "bed-mat", "occupancy")]
    assert [topic for topic, _ in _dead_letters(database_url)] == ["telecare/v1/h-a/../h-b/pendant/alarm"]


@pytest.mark.slow
def test_on_a_broker_without_acls_hostile_messages_become_dead_letters_and_none_lands_in_another_home(
    database_url: str, mosquitto: MosquittoProcess, tmp_path: pathlib.Path
) -> None:
    register_standard_home(database_url, "h-a")
    register_standard_home(database_url, "h-b")
    now = dt.datetime.now(dt.UTC)
    hostile = [
        # h-a's hub naming a device h-b does not have: the registry check refuses it.
        ("telecare/v1/h-b/kettle-plug-of-a/power", _reading(2400)),
        ("telecare/v1/h-a/../h-b/pendant/alarm", _reading()),
        ("telecare/v1/./h-b/pendant/alarm", _reading()),
        ("telecare/v1/h-b/pendant/alarm/extra", _reading()),
        ("telecare/v1//pendant/alarm", _reading()),
        ("telecare/v1/h-b%2F..%2Fh-a/pendant/alarm", _reading()),
        ("telecare/v1/h-b/pendant/alarm", b"\xff\xfe" + b"\x80" * 40),
        ("telecare/v1/h-b/pendant/alarm", b'{"ts": "%s", "value": NaN}' % now.isoformat().encode()),
        ("telecare/v1/h-b/kettle-plug/power", b'{"ts": "%s", "value": Infinity}' % now.isoformat().encode()),
        ("telecare/v1/h-b/pendant/alarm", _reading(ts=dt.datetime(1970, 1, 1, tzinfo=dt.UTC))),
        ("telecare/v1/h-b/pendant/alarm", _reading(ts=dt.datetime(2100, 1, 1, tzinfo=dt.UTC))),
        ("telecare/v1/h-b/pendant/alarm", json.dumps({"ts": now.isoformat(), "value": "pressed"}).encode()),
        ("telecare/v1/h-b/pendant/alarm", json.dumps({"ts": now.isoformat(), "value": [1]}).encode()),
        ("telecare/v1/h-b/pendant/alarm", json.dumps({"ts": 1764000000, "value": 1}).encode()),
        ("telecare/v1/h-b/pendant/alarm", b"[" * 100_000 + b"]" * 100_000),
        ("telecare/v1/h-b/pendant/alarm", b'{"ts": "x", "value": "' + b"9" * 1_000_000 + b'"}'),
        ("zigbee2mqtt/..", b'{"contact": true}'),
        ("tele/../SENSOR", b'{"ENERGY": {"Power": 5}}'),
    ]
    good = ("telecare/v1/h-b/pendant/alarm", _reading(0.0))
    log = tmp_path / "ingest.log"
    ingest = start_ingest(database_url=database_url, mqtt_url=mosquitto.url, client_id="fuzz-ingest", log=log)
    try:
        wait_until(lambda: "subscribed" in log.read_text(), timeout=60, what="ingest subscribed")
        publish(mosquitto.url, [*hostile, good])
        wait_until(lambda: len(_stored(database_url)) >= 1, timeout=30, what="the good reading after them")
        wait_until(lambda: len(_dead_letters(database_url)) >= len(hostile), timeout=30, what="dead letters")
    finally:
        kill_hard(ingest)

    letters = _dead_letters(database_url)
    assert sorted(topic for topic, _ in letters) == sorted(topic for topic, _ in hostile)
    assert all(reason.strip() for _, reason in letters)
    assert (
        "telecare/v1/h-b/kettle-plug-of-a/power",
        "unknown device 'kettle-plug-of-a' in household 'h-b'",
    ) in letters
    assert _stored(database_url) == [("h-b", "pendant", "alarm")]
    assert "Traceback" not in log.read_text()


def test_paho_refuses_to_publish_wildcards_so_no_hub_can_either() -> None:
    """MQTT forbids '+' and '#' in a published topic; clients (and brokers) refuse it, so a
    wildcard never reaches ingest as a topic (the decoders refuse it anyway: test_dialects)."""
    client = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=MQTTProtocolVersion.MQTTv5)
    for topic in ("telecare/v1/+/pendant/alarm", "telecare/v1/#"):
        with pytest.raises(ValueError, match="wildcard"):
            client.publish(topic, b"1")

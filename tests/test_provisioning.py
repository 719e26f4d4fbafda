"""Provisioning against a real Mosquitto: each hub publishes only into its own home."""

import base64
import os
import pathlib
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion

import store
from devices import parse_registry_yaml
from devices._provisioning import hash_password
from tests.services import free_port, own_user_line, wait_for_port

HOMES = """
households:
  - id: h1
    timezone: Europe/London
    devices:
      - {id: pir, role: hall_motion, room: hall, sensors: [motion]}
      - {id: door, role: front_door, room: hall, sensors: [contact], dialect: zigbee2mqtt, vendor_id: door_h1}
  - id: h2
    timezone: Europe/London
    devices:
      - {id: pir, role: hall_motion, room: hall, sensors: [motion]}
"""


def test_the_hash_is_the_one_mosquitto_passwd_writes(tmp_path: pathlib.Path) -> None:
    """Checked against Mosquitto's own tool: same password and salt, same line."""
    if shutil.which("mosquitto_passwd") is None:
        pytest.skip("mosquitto_passwd is not installed (apt-get install mosquitto)")
    password_file = tmp_path / "passwd"
    subprocess.run(["mosquitto_passwd", "-c", "-b", str(password_file), "hub-h1", "s3cret"], check=True)
    username, written = password_file.read_text().strip().split(":", 1)
    salt = base64.b64decode(written.split("$")[3])

    assert username == "hub-h1"
    assert hash_password("s3cret", salt=salt) == written
    assert hash_password("s3cret") != written, "a fresh salt each time"


def _provision(database_url: str, out: pathlib.Path, *args: str) -> tuple[str, str]:
    result = subprocess.run(
        [sys.executable, "-m", "telecare", "devices", "provision", *args, "--out", str(out)],
        env=dict(os.environ, TELECARE_DATABASE_URL=database_url),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    username = re.search(r"username: (\S+)", result.stdout)
    password = re.search(r"password: (\S+)", result.stdout)
    assert username
    assert password
    return username[1], password[1]


@pytest.fixture
def secured_broker(
    tmp_path: pathlib.Path, database_url: str
) -> Iterator[tuple[int, dict[str, tuple[str, str]]]]:
    if shutil.which("mosquitto") is None:
        pytest.skip("mosquitto is not installed")
    with store.connect(database_url) as conn:
        store.import_registry(conn, parse_registry_yaml(HOMES))
    out = tmp_path / "mosquitto"
    accounts = {
        "h1": _provision(database_url, out, "h1"),
        "h2": _provision(database_url, out, "h2"),
        "ingest": _provision(database_url, out, "--service", "ingest"),
    }
    port = free_port()
    config = tmp_path / "mosquitto.conf"
    config.write_text(
        f"listener {port} 127.0.0.1\nallow_anonymous false\n"
        f"password_file {out / 'passwd'}\nacl_file {out / 'acl'}\n" + own_user_line()
    )
    broker = subprocess.Popen(["mosquitto", "-c", str(config)], stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port)
        yield port, accounts
    finally:
        broker.terminate()
        broker.wait(10)


def _client(port: int, credentials: tuple[str, str] | None) -> tuple[mqtt.Client, int]:
    client = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=MQTTProtocolVersion.MQTTv5)
    if credentials:
        client.username_pw_set(*credentials)
    outcome: list[int] = []
    client.on_connect = lambda c, u, f, reason, p: outcome.append(reason.value)
    client.connect("127.0.0.1", port)
    client.loop_start()
    deadline = time.monotonic() + 5
    while not outcome and time.monotonic() < deadline:
        time.sleep(0.02)
    return client, outcome[0] if outcome else -1


def test_hubs_publish_only_into_their_own_home_and_strangers_are_refused(
    secured_broker: tuple[int, dict[str, tuple[str, str]]],
) -> None:
    port, accounts = secured_broker
    received: list[str] = []
    subscribed = threading.Event()
    platform, code = _client(port, accounts["ingest"])
    assert code == 0
    platform.on_message = lambda c, u, m: received.append(m.topic)
    platform.on_subscribe = lambda *_: subscribed.set()
    platform.subscribe([("telecare/v1/#", 1), ("zigbee2mqtt/#", 1)])
    assert subscribed.wait(5)
    hub1, code = _client(port, accounts["h1"])
    assert code == 0

    for topic in (
        "telecare/v1/h1/pir/motion",
        "zigbee2mqtt/door_h1",
        "telecare/v1/h2/pir/motion",  # another home's topic
        "zigbee2mqtt/door_h2",  # a device not registered to h1
    ):
        hub1.publish(topic, b'{"ts": "2026-11-22T07:00:00Z", "value": 1}', qos=1).wait_for_publish(5)
    time.sleep(0.5)

    assert sorted(received) == ["telecare/v1/h1/pir/motion", "zigbee2mqtt/door_h1"]
    _, anonymous = _client(port, None)
    _, wrong_password = _client(port, (accounts["h1"][0], "guess"))
    assert anonymous != 0
    assert wrong_password != 0
    hub1.loop_stop()
    platform.loop_stop()

"""The embedded PostgreSQL and MQTT broker are real servers: data outlives restarts and crashes,
persistent MQTT sessions get what was published while they were away."""

import contextlib
import os
import pathlib
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator

import paho.mqtt.client as mqtt
import psycopg
import pytest
from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion
from paho.mqtt.reasoncodes import ReasonCode

from telecare._embedded_broker import embedded_broker
from telecare._embedded_postgres import EmbeddedServiceError, embedded_postgres

REPO = pathlib.Path(__file__).resolve().parent.parent

# --------------------------------------------------------------------------------------------------
# PostgreSQL


def _postmaster_pid(data_dir: pathlib.Path) -> int:
    return int((data_dir / "pgdata" / "postmaster.pid").read_text().split("\n", 1)[0])


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with contextlib.suppress(OSError):  # a zombie has exited, whoever reaps it
        return pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    return True


def _wait_until_gone(pid: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while _running(pid):
        assert time.monotonic() < deadline, f"process {pid} still running"
        time.sleep(0.05)


def test_postgres_data_persists_across_restarts(tmp_path: pathlib.Path) -> None:
    with embedded_postgres(tmp_path) as url:
        assert urllib.parse.urlsplit(url).hostname == "127.0.0.1"
        with psycopg.connect(url) as conn:
            conn.execute("CREATE TABLE reading (sensor text, value real)")
            conn.execute("INSERT INTO reading VALUES ('hall', 1.5)")
        first_pid = _postmaster_pid(tmp_path)

    assert not _running(first_pid), "stopping must not leave the server running"

    with embedded_postgres(tmp_path) as url, psycopg.connect(url) as conn:
        assert conn.execute("SELECT sensor, value FROM reading").fetchall() == [("hall", 1.5)]
        assert conn.execute("SHOW server_version").fetchone() == ("18.6",)


def test_postgres_starts_after_its_server_crashed(tmp_path: pathlib.Path) -> None:
    with embedded_postgres(tmp_path) as url:
        with psycopg.connect(url) as conn:
            conn.execute("CREATE TABLE t AS SELECT 42 AS answer")
        pid = _postmaster_pid(tmp_path)
        os.kill(pid, signal.SIGKILL)  # the server dies under us, leaving postmaster.pid behind
        _wait_until_gone(pid)
    assert (tmp_path / "pgdata" / "postmaster.pid").exists()

    with embedded_postgres(tmp_path) as url, psycopg.connect(url) as conn:
        assert conn.execute("SELECT answer FROM t").fetchone() == (42,)


def test_postgres_reclaims_the_server_of_a_killed_process(tmp_path: pathlib.Path) -> None:
    # The app is SIGKILLed: no cleanup runs and its server keeps going. The next start must stop it.
    script = (
        "import os, pathlib, sys\n"
        "from telecare._embedded_postgres import embedded_postgres\n"
        "with embedded_postgres(pathlib.Path(sys.argv[1])):\n"
        "    print('up', flush=True)\n"
        "    os.kill(os.getpid(), 9)\n"
    )
    child = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert child.stdout.strip() == "up", child.stderr
    orphan = _postmaster_pid(tmp_path)
    assert _running(orphan)

    with embedded_postgres(tmp_path) as url, psycopg.connect(url) as conn:
        assert not _running(orphan)
        assert conn.execute("SELECT 1").fetchone() == (1,)


def test_postgres_ignores_a_stale_pid_file_naming_another_process(tmp_path: pathlib.Path) -> None:
    with embedded_postgres(tmp_path):
        pass
    # After a reboot the pid in a stale postmaster.pid may belong to anything; PostgreSQL itself
    # would refuse to start over it.
    with subprocess.Popen(["sleep", "60"]) as bystander:
        pid_file = tmp_path / "pgdata" / "postmaster.pid"
        pid_file.write_text(
            f"{bystander.pid}\n{tmp_path / 'pgdata'}\n1700000000\n5432\n\n127.0.0.1\n  1234  5678\nready   \n"
        )
        try:
            with embedded_postgres(tmp_path) as url, psycopg.connect(url) as conn:
                assert conn.execute("SELECT 1").fetchone() == (1,)
            assert bystander.poll() is None, "an unrelated process must not be touched"
        finally:
            bystander.kill()


def test_postgres_refuses_a_data_dir_in_use(tmp_path: pathlib.Path) -> None:
    with (
        embedded_postgres(tmp_path),
        pytest.raises(EmbeddedServiceError, match="in use by another"),
        embedded_postgres(tmp_path),
    ):
        pass


# --------------------------------------------------------------------------------------------------
# MQTT broker


class Subscriber:
    """A paho client (MQTT 3.1.1) on a persistent session, collecting what it receives."""

    def __init__(self, url: str, client_id: str, *, manual_ack: bool = False) -> None:
        address = urllib.parse.urlsplit(url)
        self.messages: list[mqtt.MQTTMessage] = []
        self.session_present: bool | None = None
        self._changed = threading.Condition()
        self.client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=client_id,
            clean_session=False,
            protocol=MQTTProtocolVersion.MQTTv311,
            manual_ack=manual_ack,
        )
        self.client.on_connect = self._on_connect
        self.client.on_subscribe = self._on_subscribe
        self.client.on_message = self._on_message
        self._subscribed = False
        self.client.connect(address.hostname or "", address.port or 1883)
        self.client.loop_start()
        self._wait(lambda: self.session_present is not None, "CONNACK")

    def _on_connect(
        self,
        client: mqtt.Client,
        userdata: object,
        flags: mqtt.ConnectFlags,
        reason: object,
        properties: object,
    ) -> None:
        with self._changed:
            self.session_present = flags.session_present
            self._changed.notify_all()

    def _on_subscribe(
        self, client: mqtt.Client, userdata: object, mid: int, reasons: object, properties: object
    ) -> None:
        with self._changed:
            self._subscribed = True
            self._changed.notify_all()

    def _on_message(self, client: mqtt.Client, userdata: object, message: mqtt.MQTTMessage) -> None:
        with self._changed:
            self.messages.append(message)
            self._changed.notify_all()

    def _wait(self, condition: Callable[[], bool], what: str, timeout: float = 10.0) -> None:
        with self._changed:
            assert self._changed.wait_for(condition, timeout), f"no {what} within {timeout} s"

    def subscribe(self, topic: str) -> None:
        self.client.subscribe(topic, qos=1)
        self._wait(lambda: self._subscribed, "SUBACK")

    def wait_for(self, count: int) -> list[mqtt.MQTTMessage]:
        self._wait(lambda: len(self.messages) >= count, f"{count} messages")
        return self.messages

    def disconnect(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()

    def crash(self) -> None:
        """Vanish without DISCONNECT and without acknowledging anything, like a killed process."""
        self.client.loop_stop()
        sock = self.client.socket()
        assert sock is not None
        sock.close()


@contextlib.contextmanager
def publisher(url: str) -> Iterator[mqtt.Client]:
    address = urllib.parse.urlsplit(url)
    client = mqtt.Client(
        CallbackAPIVersion.VERSION2, client_id="test-publisher", protocol=MQTTProtocolVersion.MQTTv311
    )
    client.connect(address.hostname or "", address.port or 1883)
    client.loop_start()
    try:
        yield client
    finally:
        client.disconnect()
        client.loop_stop()


def publish_numbers(url: str, numbers: range) -> None:
    with publisher(url) as client:
        for n in numbers:
            # Waiting for each PUBACK means the broker holds the message before we go on.
            client.publish("home/1/readings", str(n), qos=1).wait_for_publish(timeout=5)


def payloads(messages: list[mqtt.MQTTMessage]) -> list[int]:
    return [int(m.payload) for m in messages]


def test_broker_queues_qos1_for_a_disconnected_persistent_session() -> None:
    with embedded_broker() as url:
        assert url.startswith("mqtt://127.0.0.1:")
        subscriber = Subscriber(url, "ingest-test")
        assert subscriber.session_present is False
        subscriber.subscribe("home/+/readings")
        subscriber.disconnect()

        publish_numbers(url, range(100))

        subscriber = Subscriber(url, "ingest-test")
        assert subscriber.session_present is True
        received = subscriber.wait_for(100)
        assert payloads(received) == list(range(100))
        assert not any(m.retain for m in received), "queued messages are not retained messages"
        subscriber.disconnect()


@pytest.mark.slow
def test_broker_redelivers_unacknowledged_qos1_after_reconnect() -> None:
    with embedded_broker() as url:
        subscriber = Subscriber(url, "ingest-test", manual_ack=True)
        subscriber.subscribe("home/+/readings")
        publish_numbers(url, range(10))
        assert payloads(subscriber.wait_for(10)) == list(range(10))
        subscriber.crash()  # none of the 10 acknowledged

        subscriber = Subscriber(url, "ingest-test", manual_ack=True)
        redelivered = subscriber.wait_for(10)
        assert payloads(redelivered) == list(range(10))
        assert all(m.dup for m in redelivered)
        for message in redelivered:
            subscriber.client.ack(message.mid, message.qos)
        publish_numbers(url, range(10, 12))  # still flowing after the redelivery
        assert payloads(subscriber.wait_for(12))[10:] == [10, 11]
        for message in subscriber.messages[10:]:
            subscriber.client.ack(message.mid, message.qos)
        time.sleep(0.5)  # let the PUBACKs reach the broker before the connection goes
        subscriber.disconnect()

        subscriber = Subscriber(url, "ingest-test", manual_ack=True)
        time.sleep(1.0)
        assert subscriber.messages == [], "acknowledged messages must not come again"
        subscriber.disconnect()


def test_broker_refuses_mqtt5_clients() -> None:
    # amqtt speaks MQTT 3.1.1 only; clients of the embedded broker must not ask for MQTT 5.
    refused = threading.Event()

    def on_connect(
        client: mqtt.Client, userdata: object, flags: object, reason: ReasonCode, properties: object
    ) -> None:
        if reason.is_failure:
            refused.set()

    with embedded_broker() as url:
        address = urllib.parse.urlsplit(url)
        client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="v5", protocol=MQTTProtocolVersion.MQTTv5)
        client.on_connect = on_connect
        client.connect(address.hostname or "", address.port or 1883)
        client.loop_start()
        try:
            assert refused.wait(5)
        finally:
            client.disconnect()
            client.loop_stop()

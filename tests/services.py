"""Processes tests start for themselves: a Mosquitto broker, and the ingest service."""

import collections
import contextlib
import dataclasses
import getpass
import os
import pathlib
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator

import psycopg
from psycopg import sql

import store

REPO = pathlib.Path(__file__).resolve().parent.parent


def bench_server_url() -> str:
    """The PostgreSQL server benchmarks create their databases on."""
    return os.environ.get("TELECARE_BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")


@contextlib.contextmanager
def fresh_database(server_url: str, name_prefix: str) -> Iterator[str]:
    """A new database on the server, migrated; dropped on exit (even with connections left open)."""
    name = f"{name_prefix}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = psycopg.conninfo.make_conninfo(server_url, dbname=name)
    try:
        with store.connect(url) as conn:
            store.migrate(conn)
        yield url
    finally:
        with psycopg.connect(server_url, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_port(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listening on 127.0.0.1:{port} after {timeout} s")


class MosquittoMissing(RuntimeError):
    pass


@dataclasses.dataclass
class MosquittoProcess:
    port: int
    config: pathlib.Path
    process: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}"

    def restart(self) -> None:
        self.process.terminate()
        self.process.wait(10)
        self.process = _spawn_mosquitto(self.config)
        wait_for_port(self.port)


@contextlib.contextmanager
def start_mosquitto(
    workdir: pathlib.Path, *, security: tuple[pathlib.Path, pathlib.Path] | None = None
) -> Iterator[MosquittoProcess]:
    """Mosquitto with the project's recommended settings, on a free port, persisting in workdir;
    with `security` (a password file and an ACL file), anonymous clients are refused."""
    if shutil.which("mosquitto") is None:
        raise MosquittoMissing("mosquitto is not installed (apt-get install mosquitto)")
    port = free_port()
    config = workdir / "mosquitto.conf"
    access = (
        "allow_anonymous true\n"
        if security is None
        else f"allow_anonymous false\npassword_file {security[0]}\nacl_file {security[1]}\n"
    )
    config.write_text(
        (REPO / "deploy" / "mosquitto.conf").read_text()
        + f"\nlistener {port} 127.0.0.1\n{access}"
        + f"persistence_location {workdir}/\n"
        + own_user_line()
    )
    broker = MosquittoProcess(port=port, config=config, process=_spawn_mosquitto(config))
    try:
        wait_for_port(port)
        yield broker
    finally:
        broker.process.terminate()
        broker.process.wait(10)


def own_user_line() -> str:
    """Mosquitto started as root switches to the `mosquitto` user, who cannot read a test's
    private files: a test-owned broker runs as whoever runs the tests."""
    return f"user {getpass.getuser()}\n"


def _spawn_mosquitto(config: pathlib.Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        ["mosquitto", "-c", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def start_ingest(
    *,
    database_url: str,
    mqtt_url: str,
    client_id: str,
    log: pathlib.Path,
    settings: dict[str, str] | None = None,
) -> subprocess.Popen[bytes]:
    """`telecare ingest` as a separate process, as it runs in production, logging to `log`;
    `settings` are further TELECARE_* variables."""
    env = dict(
        os.environ,
        TELECARE_DATABASE_URL=database_url,
        TELECARE_MQTT_URL=mqtt_url,
        TELECARE_INGEST_CLIENT_ID=client_id,
        **(settings or {}),
    )
    with log.open("ab") as log_file:
        return subprocess.Popen(
            [sys.executable, "-m", "telecare", "ingest"], env=env, stdout=log_file, stderr=log_file
        )


def kill_hard(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGKILL)
    process.wait(10)


def publish(mqtt_url: str, messages: list[tuple[str, bytes]], *, pace_per_s: float | None = None) -> None:
    """Publish at QoS 1 and return once the broker has acknowledged every message."""
    import paho.mqtt.client as mqtt

    from telecare.mqtt import new_client, parse_mqtt_url

    address = parse_mqtt_url(mqtt_url)
    client = new_client(address)
    client.max_inflight_messages_set(1000)
    client.connect(address.host, address.port)
    client.loop_start()
    try:
        started = time.monotonic()
        infos: collections.deque[mqtt.MQTTMessageInfo] = collections.deque()
        for n, (topic, payload) in enumerate(messages):
            if pace_per_s is not None:
                delay = started + n / pace_per_s - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
            infos.append(client.publish(topic, payload, qos=1))
            # Message ids are 16 bits: far fewer than 65,535 may await their acknowledgement.
            if len(infos) > 10_000:
                infos.popleft().wait_for_publish(timeout=60)
        for info in infos:
            info.wait_for_publish(timeout=60)
    finally:
        client.disconnect()
        client.loop_stop()


def wait_until(condition: Callable[[], bool], *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.05)

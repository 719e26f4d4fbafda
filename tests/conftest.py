"""Real services for tests: PostgreSQL and an MQTT broker.

`TELECARE_TEST_DATABASE_URL` / `TELECARE_TEST_MQTT_URL` point at existing servers (CI sets
them to the machine's); unset, the embedded PostgreSQL and broker are started once per run.
Every test gets a database of its own, created fresh and migrated, and unique MQTT ids.
"""

import os
import pathlib
import re
import shutil
import uuid
from collections.abc import Iterator

import psycopg
import pytest

import store
from devices import parse_registry_csv
from tests.receivers import HttpReceiver, SmtpReceiver, http_receiver, smtp_receiver
from tests.services import MosquittoProcess, fresh_database, start_mosquitto

# The web tests' shared fixtures (tokens, web, alerts).
pytest_plugins = ["tests.web_helpers"]


@pytest.fixture(scope="session")
def server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A PostgreSQL server to create per-test databases on."""
    url = os.environ.get("TELECARE_TEST_DATABASE_URL")
    if url:
        yield url
        return
    from telecare._embedded_postgres import embedded_postgres

    with embedded_postgres(tmp_path_factory.mktemp("postgres")) as embedded_url:
        yield embedded_url


@pytest.fixture
def database_url(server_url: str, request: pytest.FixtureRequest) -> Iterator[str]:
    """A new, migrated database for this test alone, dropped afterwards."""
    with fresh_database(server_url, "t_" + re.sub(r"\W", "_", request.node.name.lower())[:40]) as url:
        yield url


@pytest.fixture
def conn(database_url: str) -> Iterator[psycopg.Connection[psycopg.rows.TupleRow]]:
    with store.connect(database_url) as connection:
        yield connection


@pytest.fixture(scope="session")
def mqtt_url() -> Iterator[str]:
    url = os.environ.get("TELECARE_TEST_MQTT_URL")
    if url:
        yield url
        return
    from telecare._embedded_broker import embedded_broker

    with embedded_broker() as embedded_url:
        yield embedded_url


@pytest.fixture
def mosquitto(tmp_path: pathlib.Path) -> Iterator[MosquittoProcess]:
    """A Mosquitto of this test's own (for restarts and queued sessions), from deploy/mosquitto.conf."""
    if shutil.which("mosquitto") is None:
        pytest.skip("mosquitto is not installed (apt-get install mosquitto)")
    with start_mosquitto(tmp_path) as broker:
        yield broker


@pytest.fixture
def household_id(request: pytest.FixtureRequest) -> str:
    """A household id unique to this test, so tests sharing a broker never see each other."""
    return "h-" + uuid.uuid4().hex[:12]


def register_standard_home(database_url: str, household: str) -> None:
    """Register a household with one device per common sensor kind."""
    rows = [
        "household,device,sensor,role,room,timezone",
        f"{household},front-door,contact,front_door,hall,Europe/London",
        f"{household},kitchen-pir,motion,kitchen_motion,kitchen,Europe/London",
        f"{household},kitchen-pir,temperature,kitchen_motion,kitchen,Europe/London",
        f"{household},kettle-plug,power,kettle,kitchen,Europe/London",
        f"{household},bed-mat,occupancy,bed,bedroom,Europe/London",
        f"{household},pendant,alarm,pendant,person,Europe/London",
    ]
    with store.connect(database_url) as conn:
        store.import_registry(conn, parse_registry_csv("\n".join(rows) + "\n"))


@pytest.fixture
def smtp() -> Iterator[SmtpReceiver]:
    """A real SMTP server on loopback (aiosmtpd) that keeps what it receives."""
    with smtp_receiver() as receiver:
        yield receiver


@pytest.fixture
def webhooks() -> Iterator[HttpReceiver]:
    """A real HTTP receiver on loopback that keeps what it receives."""
    with http_receiver() as receiver:
        yield receiver

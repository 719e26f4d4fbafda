"""Bring up what the platform stands on: the configured or embedded database and broker,
migrated and ready, for the lifetime of a `with` block."""

import contextlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass

import store
from telecare.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Endpoints:
    database_url: str
    mqtt_url: str


@contextlib.contextmanager
def database(settings: Settings) -> Iterator[str]:
    """The configured database URL, or an embedded PostgreSQL's; migrated either way."""
    with contextlib.ExitStack() as stack:
        url = settings.database_url
        if url is None:
            log.info("no TELECARE_DATABASE_URL: starting embedded PostgreSQL")
            from telecare._embedded_postgres import embedded_postgres

            url = stack.enter_context(embedded_postgres(settings.data_dir / "postgres"))
        with store.connect(url, application_name="telecare-migrate") as conn:
            store.migrate(conn)
        yield url


@contextlib.contextmanager
def broker(settings: Settings) -> Iterator[str]:
    """The configured broker URL, or an in-process broker's."""
    if settings.mqtt_url is not None:
        yield settings.mqtt_url
        return
    log.info("no TELECARE_MQTT_URL: starting the in-process MQTT broker")
    from telecare._embedded_broker import embedded_broker

    with embedded_broker() as url:
        yield url


@contextlib.contextmanager
def platform(settings: Settings) -> Iterator[Endpoints]:
    with database(settings) as database_url, broker(settings) as mqtt_url:
        yield Endpoints(database_url=database_url, mqtt_url=mqtt_url)

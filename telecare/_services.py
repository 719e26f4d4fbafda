"""Build each long-running service from the settings."""

import datetime as dt

from ingest import IngestConfig, IngestService, Plausibility
from telecare._platform import Endpoints
from telecare.mqtt import parse_mqtt_url
from telecare.settings import Settings


def ingest_service(settings: Settings, endpoints: Endpoints) -> IngestService:
    return IngestService(
        IngestConfig(
            database_url=endpoints.database_url,
            broker=parse_mqtt_url(endpoints.mqtt_url),
            client_id=settings.ingest_client_id,
            batch_size=settings.ingest_batch_size,
            batch_seconds=settings.ingest_batch_seconds,
            receive_maximum=settings.ingest_receive_maximum,
            limits=Plausibility(
                max_clock_skew=dt.timedelta(seconds=settings.max_clock_skew_seconds),
                max_age=dt.timedelta(days=settings.max_reading_age_days),
            ),
        )
    )

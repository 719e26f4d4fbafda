"""Build each long-running service from the settings."""

import datetime as dt
import threading
from collections.abc import Callable

from alerts import AlertService
from alerts.cli import alert_config
from detection._service import DetectionService
from ingest import IngestConfig, IngestService, Plausibility
from telecare._health_monitor import DeviceHealthMonitor
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
            session_expiry_seconds=settings.ingest_session_expiry_seconds,
            limits=Plausibility(
                max_clock_skew=dt.timedelta(seconds=settings.max_clock_skew_seconds),
                max_age=dt.timedelta(days=settings.max_reading_age_days),
            ),
        )
    )


def run_all(settings: Settings, endpoints: Endpoints, stop: threading.Event) -> None:
    """Every service in its own thread until `stop`; one failing stops them all."""
    services = {
        "ingest": ingest_service(settings, endpoints).run,
        "device-health": DeviceHealthMonitor(database_url=endpoints.database_url).run,
        "detection": DetectionService(
            database_url=endpoints.database_url, alert_config=alert_config(settings)
        ).run,
        "alerts": AlertService(database_url=endpoints.database_url, config=alert_config(settings)).run,
    }
    threads = [threading.Thread(target=_guarded(run, stop), name=name) for name, run in services.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def _guarded(run: Callable[[threading.Event], None], stop: threading.Event) -> Callable[[], None]:
    def guarded() -> None:
        try:
            run(stop)
        finally:
            stop.set()  # a service that ends ends the process: a supervisor restarts it whole

    return guarded

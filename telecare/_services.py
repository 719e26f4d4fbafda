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
from telecare._retention_job import RetentionJob, retention_policy
from telecare._workers import WorkerShare, configured_worker
from telecare.mqtt import parse_mqtt_url
from telecare.settings import Settings
from web import create_app, listen, serve


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
            share_group=settings.ingest_share_group,
            limits=Plausibility(
                max_clock_skew=dt.timedelta(seconds=settings.max_clock_skew_seconds),
                max_age=dt.timedelta(days=settings.readings_retention_days),
            ),
        )
    )


def worker_share(settings: Settings) -> WorkerShare:
    """This process's share of the households, for detection and alerts alike."""
    return configured_worker(settings.worker_index, settings.worker_count)


def detection_service(settings: Settings, database_url: str) -> DetectionService:
    """Detection over this worker's share of the households (all of them, unless scaled out)."""
    return DetectionService(
        database_url=database_url, alert_config=alert_config(settings), worker=worker_share(settings)
    )


def detection_services(settings: Settings, database_url: str) -> dict[str, Callable[[threading.Event], None]]:
    """What `telecare detect` runs: detection over this worker's share and, in the first
    worker, device health (one query over every home a minute, so one worker's job) and
    retention."""
    services: dict[str, Callable[[threading.Event], None]] = {
        "detection": detection_service(settings, database_url).run
    }
    if worker_share(settings).first:
        services["device-health"] = DeviceHealthMonitor(database_url=database_url).run
        # Retention (a pass at start, then daily) is one worker's job too.
        services["retention"] = RetentionJob(database_url=database_url, policy=retention_policy(settings)).run
    return services


def alerts_service(settings: Settings, database_url: str) -> AlertService:
    """Alerts for this worker's share of the households (all of them, unless scaled out)."""
    return AlertService(
        database_url=database_url, config=alert_config(settings), worker=worker_share(settings)
    )


def web_service(settings: Settings, database_url: str) -> Callable[[threading.Event], None]:
    """The web service with its port already bound, so a port in use fails here, before anything starts."""
    try:
        sock = listen(settings.web_host, settings.web_port)
    except OSError as exc:
        raise SystemExit(
            f"the web service cannot listen on {settings.web_host}:{settings.web_port}: {exc.strerror}"
        ) from exc
    app = create_app(database_url=database_url, settings=settings)
    return lambda stop: serve(app, sock, stop)


def run_all(settings: Settings, endpoints: Endpoints, stop: threading.Event) -> None:
    """Every service in its own thread until `stop`; one failing stops them all."""
    run_services(
        {
            "ingest": ingest_service(settings, endpoints).run,
            **detection_services(settings, endpoints.database_url),
            "alerts": alerts_service(settings, endpoints.database_url).run,
            "web": web_service(settings, endpoints.database_url),
        },
        stop,
    )


def run_services(services: dict[str, Callable[[threading.Event], None]], stop: threading.Event) -> None:
    """Each service in its own thread until `stop`; one ending stops them all."""
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

"""The device-health service: one pass over every home each minute."""

import datetime as dt
import logging
import threading

import psycopg

import store

log = logging.getLogger(__name__)

# Device problems are measured in tens of minutes (the shortest expected interval is a hub's
# ten): a pass a minute finds them promptly at the cost of one query.
PASS_EVERY_SECONDS = 60.0


class DeviceHealthMonitor:
    def __init__(self, *, database_url: str, every_seconds: float = PASS_EVERY_SECONDS) -> None:
        self._database_url = database_url
        self._every = every_seconds

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                with store.connect(self._database_url, application_name="telecare-health") as conn:
                    result = store.check_device_health(conn, dt.datetime.now(dt.UTC))
                log.info(
                    "device health pass opened=%d updated=%d cleared=%d",
                    result.opened,
                    result.updated,
                    result.cleared,
                )
            except psycopg.OperationalError as exc:
                # Timers are derived from stored state: a pass missed now is simply done next time.
                log.warning("device health pass skipped: database unavailable (%s)", exc.sqlstate)
            stop.wait(self._every)

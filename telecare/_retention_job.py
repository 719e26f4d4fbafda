"""The retention job: one pass at start and then daily, in the long-running platform."""

import datetime as dt
import logging
import threading

import psycopg

import store
from telecare.settings import Settings

log = logging.getLogger(__name__)

# Retention works in months (partitions) and years: a daily pass is prompt enough, and a pass
# missed (database down) is simply done an hour later.
PASS_EVERY_SECONDS = 24 * 3600.0
RETRY_SECONDS = 3600.0


def retention_policy(settings: Settings) -> store.RetentionPolicy:
    return store.RetentionPolicy(
        readings=dt.timedelta(days=settings.readings_retention_days),
        daily_features=dt.timedelta(days=settings.features_retention_days),
        dead_letters=dt.timedelta(days=settings.dead_letter_retention_days),
        care_records=dt.timedelta(days=settings.care_records_retention_days),
    )


class RetentionJob:
    def __init__(self, *, database_url: str, policy: store.RetentionPolicy) -> None:
        self._database_url = database_url
        self._policy = policy

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            wait = PASS_EVERY_SECONDS
            try:
                with store.connect(self._database_url, application_name="telecare-retention") as conn:
                    done = store.apply_retention(conn, self._policy, dt.datetime.now(dt.UTC))
                log.info(
                    "retention pass partitions=%d chunks=%d daily_features=%d dead_letters=%d "
                    "due_for_erasure=%d postponed=%d",
                    len(done.partitions),
                    len(done.chunks),
                    done.daily_features,
                    done.dead_letters,
                    len(done.due_for_erasure),
                    len(done.postponed),
                )
                if done.postponed:
                    wait = RETRY_SECONDS
            except psycopg.OperationalError as exc:
                log.warning("retention pass skipped: database unavailable (%s)", exc.sqlstate)
                wait = RETRY_SECONDS
            stop.wait(wait)

"""The ingest service: take messages off the broker, store them in batches, acknowledge after
commit. A crash at any point loses nothing: unacknowledged messages are redelivered by the
broker and the store ignores what it already holds."""

import dataclasses
import datetime as dt
import functools
import logging
import queue
import threading
import time

import psycopg

import store
from devices import Registry, dialects
from ingest._consumer import Consumer
from ingest._triage import Plausibility, RawMessage, Triage, triage
from telecare.mqtt import BrokerAddress

log = logging.getLogger(__name__)

# A short pause in the stream closes the batch early: at low rates a reading is stored within
# a few milliseconds instead of waiting for the batch timer.
IDLE_GAP_SECONDS = 0.02
# A registry reload is cheap (two queries) but not free; a device registered a moment ago is
# picked up within this time, and at once when a batch meets an unknown device.
REGISTRY_MAX_AGE_SECONDS = 30.0
REGISTRY_MIN_RELOAD_SECONDS = 2.0
SUMMARY_EVERY_SECONDS = 10.0
# While the database is away a reconnect is tried at least this often: one failed connection
# attempt costs nothing, and a database back from an outage is written to within seconds.
_RETRY_CEILING_SECONDS = 5.0


@dataclasses.dataclass(slots=True)
class IngestStats:
    """Running totals, read by the summary log line and the demo's live view."""

    messages: int = 0
    readings_stored: int = 0
    duplicates: int = 0
    dead_letters: int = 0
    batches: int = 0

    def since(self, earlier: "IngestStats") -> "IngestStats":
        """The difference of two snapshots (for rates over an interval)."""
        return IngestStats(
            **{f.name: getattr(self, f.name) - getattr(earlier, f.name) for f in dataclasses.fields(self)}
        )


def _shared(topic: str, group: str | None) -> str:
    return topic if group is None else f"$share/{group}/{topic}"


# Five minutes of hub clock drift is tolerated; readings older than raw-data retention are not.
DEFAULT_LIMITS = Plausibility(max_clock_skew=dt.timedelta(minutes=5), max_age=dt.timedelta(days=395))


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class IngestConfig:
    database_url: str
    broker: BrokerAddress
    client_id: str = "telecare-ingest"
    batch_size: int = 5000
    batch_seconds: float = 0.2
    receive_maximum: int = 20_000
    session_expiry_seconds: int = 7 * 24 * 3600
    limits: Plausibility = DEFAULT_LIMITS
    # Workers with the same share group split the messages (MQTT 5 `$share/<group>/<filter>`).
    share_group: str | None = None


class IngestService:
    """Run with `run(stop)`; returns once `stop` is set and the last batch is stored."""

    def __init__(self, config: IngestConfig) -> None:
        self.config = config
        self.stats = IngestStats()
        self._consumer = Consumer(
            address=config.broker,
            client_id=config.client_id,
            subscriptions=[_shared(topic, config.share_group) for topic in dialects.subscriptions()],
            receive_maximum=config.receive_maximum,
            session_expiry_seconds=config.session_expiry_seconds,
        )
        self._conn: psycopg.Connection[psycopg.rows.TupleRow] | None = None
        self._writer: store.ReadingWriter | None = None
        self._registry = Registry(frozenset(), {})
        self._registry_loaded_at = float("-inf")
        self._summarised = (time.monotonic(), dataclasses.replace(self.stats))

    def run(self, stop: threading.Event) -> None:
        self._consumer.start()
        next_summary = time.monotonic() + SUMMARY_EVERY_SECONDS
        self._summarised = (time.monotonic(), dataclasses.replace(self.stats))
        try:
            while not stop.is_set():
                batch = self._collect(stop)
                if batch:
                    self._store_until_done(batch, stop)
                if time.monotonic() >= next_summary:
                    self._log_summary()
                    next_summary = time.monotonic() + SUMMARY_EVERY_SECONDS
        finally:
            self._consumer.stop()
            if self._conn is not None:
                self._conn.close()
            self._log_summary()

    def wait_connected(self, timeout: float) -> bool:
        return self._consumer.connected.wait(timeout)

    def _collect(self, stop: threading.Event) -> list[RawMessage]:
        inbox = self._consumer.inbox
        try:
            batch = [inbox.get(timeout=0.25)]
        except queue.Empty:
            return []
        deadline = time.monotonic() + self.config.batch_seconds
        while len(batch) < self.config.batch_size:
            try:
                batch.append(inbox.get_nowait())
                continue
            except queue.Empty:
                pass
            wait = min(deadline - time.monotonic(), IDLE_GAP_SECONDS)
            if wait <= 0 or stop.is_set():
                break
            try:
                batch.append(inbox.get(timeout=wait))
            except queue.Empty:
                break
        return batch

    def _store_until_done(self, batch: list[RawMessage], stop: threading.Event) -> None:
        """Store the batch, retrying through database outages; acknowledge only after commit.

        While this retries, nothing is acknowledged, so the broker stops sending at the
        receive maximum and keeps the rest: backpressure without dropping anything.
        """
        delay = 0.5
        while True:
            try:
                self._store(batch)
            except psycopg.OperationalError as exc:
                self._reset_connection()
                if stop.is_set():
                    log.warning("stopping with a batch unstored; the broker will redeliver it")
                    return
                log.warning("database unavailable (%s); retrying in %.1f s", exc.sqlstate, delay)
                stop.wait(delay)
                delay = min(delay * 2, _RETRY_CEILING_SECONDS)
                continue
            except psycopg.Error as exc:
                # Not an outage but a row the database refuses, which triage should have
                # caught: find it by storing message by message, so one bad row cannot
                # hold back the rest of the stream.
                log.error("batch refused by the database (%s); storing one by one", exc.sqlstate)
                self._reset_connection()
                self._store_one_by_one(batch)
            self._consumer.acknowledge(batch)
            return

    def _store_one_by_one(self, batch: list[RawMessage]) -> None:
        for message in batch:
            try:
                self._store([message])
            except psycopg.OperationalError:
                raise
            except psycopg.Error as exc:
                self._reset_connection()
                reason = f"the database refused it: {exc.diag.message_primary or exc.sqlstate}"
                self._ensure_writer().write(
                    [],
                    [],
                    [
                        store.DeadLetter(
                            topic=message.topic,
                            payload=message.payload,
                            reason=reason,
                            received_at=message.received_at,
                        )
                    ],
                )
                self.stats.dead_letters += 1

    def _store(self, batch: list[RawMessage]) -> None:
        writer = self._ensure_writer()
        sorted_out = self._triage(batch)
        outcome = writer.write(sorted_out.readings, sorted_out.statuses, sorted_out.dead_letters)
        stats = self.stats
        stats.messages += len(batch)
        stats.readings_stored += outcome.stored
        stats.duplicates += outcome.duplicates
        stats.dead_letters += len(sorted_out.dead_letters)
        stats.batches += 1

    def _triage(self, batch: list[RawMessage]) -> Triage:
        self._refresh_registry(max_age=REGISTRY_MAX_AGE_SECONDS)
        sorted_out = self._triage_against_registry(batch)
        if sorted_out.unknown_devices and self._refresh_registry(max_age=REGISTRY_MIN_RELOAD_SECONDS):
            sorted_out = self._triage_against_registry(batch)
        return sorted_out

    def _triage_against_registry(self, batch: list[RawMessage]) -> Triage:
        decode = functools.partial(dialects.decode_message, lookup=self._registry.vendor_device)
        return triage(batch, self._registry, decode, self.config.limits)

    def _refresh_registry(self, *, max_age: float) -> bool:
        if time.monotonic() - self._registry_loaded_at < max_age:
            return False
        assert self._conn is not None
        self._registry = store.load_registry(self._conn)
        self._conn.commit()
        self._registry_loaded_at = time.monotonic()
        return True

    def _ensure_writer(self) -> store.ReadingWriter:
        if self._writer is None:
            self._conn = store.connect(self.config.database_url, application_name="telecare-ingest")
            self._writer = store.ReadingWriter(self._conn)
            self._registry_loaded_at = float("-inf")
        return self._writer

    def _reset_connection(self) -> None:
        if self._conn is not None:
            self._conn.close()
        self._conn, self._writer = None, None

    def _log_summary(self) -> None:
        then, earlier = self._summarised
        now = time.monotonic()
        interval = self.stats.since(earlier)
        seconds = max(now - then, 1e-9)
        log.info(
            "ingest summary readings_per_s=%.0f messages=%d stored=%d duplicates=%d "
            "dead_letters=%d batches=%d mean_batch=%.0f backlog=%d",
            interval.readings_stored / seconds,
            interval.messages,
            interval.readings_stored,
            interval.duplicates,
            interval.dead_letters,
            interval.batches,
            interval.messages / interval.batches if interval.batches else 0,
            self._consumer.inbox.qsize(),
        )
        self._summarised = (now, dataclasses.replace(self.stats))

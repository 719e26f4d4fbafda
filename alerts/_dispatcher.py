"""The dispatcher: sends what the outbox holds, records every attempt, retries with capped
backoff, and tells the duty team when someone has been unreachable too long."""

import concurrent.futures
import dataclasses
import datetime as dt
import logging

import psycopg
from psycopg.rows import TupleRow

from alerts import _channels, _outbox
from alerts._alert_store import ALERT_COLUMNS, Cursor, alert_from_row, load_households
from alerts._audit import record_audit, with_worker
from alerts._config import AlertConfig
from alerts._records import Alert
from alerts._retry import after_failure
from alerts._routing import Told, plan_delivery_problem
from telecare._workers import EVERY_HOUSEHOLD, WorkerShare

log = logging.getLogger(__name__)

# Messages sent at once. A slow receiver (SMTP can take seconds) then holds up only its own
# message; eight keeps a burst of alerts moving without hammering a shared mail relay.
SEND_CONCURRENCY = 8


@dataclasses.dataclass(frozen=True, slots=True)
class DispatchPass:
    claimed: int
    sent: int
    failed: int
    in_doubt: int


class Dispatcher:
    """Exactly once, and where that stops. A message is claimed (state 'sending', a lease, an
    attempt row) and committed before it is sent, and marked sent right after. Nothing is sent
    unclaimed, so two dispatchers never send the same message, and a crash before the claim
    commits sends nothing. The one window left is a crash after the receiver accepted the
    message and before 'sent' was committed: no sender can know whether that message arrived.
    It is then sent again (never dropped: an alert must not be lost) once the lease has run
    out, its earlier attempt recorded as 'in_doubt', under the same idempotency key. A receiver
    that keeps the keys it has seen (webhooks by the `Idempotency-Key` header, mail by the same
    header) shows it once; a channel with nowhere to carry a key (SMS, push) may show that one
    message twice.

    Scaled out, each worker's dispatcher sends its own households' messages, as its router and
    timer write them. Any dispatcher could safely send any message (the claim above is what
    makes sending once true, not the split), but by owner a household's whole alert, from
    finding to last message, is in one worker's logs and audit, and a slow receiver or a burst
    in one share holds up only that share's send slots. The price is that a stopped worker's
    messages wait for it to be restarted, as its routing and escalations already do; messages
    the web writes (a responder resolving an alert) are sent by the household's worker too."""

    def __init__(
        self,
        *,
        config: AlertConfig,
        concurrency: int = SEND_CONCURRENCY,
        worker: WorkerShare = EVERY_HOUSEHOLD,
    ) -> None:
        self._config = config
        self._concurrency = concurrency
        self._worker = worker
        _channels.load_plugins()

    def dispatch_due(self, conn: psycopg.Connection[TupleRow], now: dt.datetime) -> DispatchPass:
        """Claim up to `concurrency` due messages, send them side by side, record each result."""
        batch = _outbox.claim_due(conn, now, self._concurrency, worker=self._worker)
        for notification_id in batch.in_doubt:
            log.warning(
                "resending in doubt (its sender stopped before recording) notification=%d", notification_id
            )
        sent = failed = 0
        if not batch.messages:
            return DispatchPass(0, 0, 0, 0)
        with concurrent.futures.ThreadPoolExecutor(
            self._concurrency, thread_name_prefix="alerts-send"
        ) as pool:
            sending = {
                pool.submit(_channels.send, m.channel, title=m.title, body=m.body, key=m.key): m
                for m in batch.messages
            }
            # Results are recorded here, on this thread's connection, as each send finishes.
            for done in concurrent.futures.as_completed(sending):
                message, outcome = sending[done], done.result()
                with conn.transaction(), conn.cursor() as cur:
                    if outcome is _channels.SendOutcome.SENT:
                        _outbox.record_sent(cur, message, now)
                        sent += 1
                    else:
                        self._record_failure(cur, message, outcome, now)
                        failed += 1
                log.info(
                    "notification=%d attempt=%d event=%s audience=%s outcome=%s worker=%s",
                    message.id,
                    message.attempt,
                    message.event,
                    message.audience,
                    outcome.value,
                    self._worker,
                )
        return DispatchPass(len(batch.messages), sent, failed, len(batch.in_doubt))

    def _record_failure(
        self, cur: Cursor, message: _outbox.Claimed, outcome: _channels.SendOutcome, now: dt.datetime
    ) -> None:
        unusable = outcome is _channels.SendOutcome.UNUSABLE
        verdict = after_failure(
            key=message.key,
            event=message.event,
            attempts=message.attempt,
            deliver_after=message.deliver_after,
            problem_raised=message.problem_raised,
            unusable=unusable,
            unreachable_after=self._config.unreachable_after,
            now=now,
        )
        still_ours = _outbox.record_failed(
            cur, message, unusable=unusable, retry_at=verdict.retry_at, now=now
        )
        if not still_ours:
            return
        if verdict.retry_at is None:
            _audit_delivery(cur, message, "notification.undeliverable", now, self._worker)
        if verdict.raise_problem:
            self._raise_problem(cur, message, now)

    def _raise_problem(self, cur: Cursor, message: _outbox.Claimed, now: dt.datetime) -> None:
        household = load_households(cur, [message.household])[message.household]
        deliveries = plan_delivery_problem(
            _subject(cur, message),
            household,
            self._config,
            notification_id=message.id,
            failed=Told(audience=message.audience, contact_id=message.contact_id, channel=message.channel),
            unreachable_for=now - message.deliver_after,
            now=now,
        )
        _outbox.enqueue(
            cur, message.household, deliveries, now, alert_id=message.alert_id, digest_id=message.digest_id
        )
        _outbox.mark_problem_raised(cur, message.id, now)
        _audit_delivery(cur, message, "notification.unreachable", now, self._worker)


def _subject(cur: Cursor, message: _outbox.Claimed) -> Alert | dt.date:
    """The alert a message was about, or the day of the digest it was."""
    if message.alert_id is not None:
        row = cur.execute(f"SELECT {ALERT_COLUMNS} FROM alerts WHERE id = %s", (message.alert_id,)).fetchone()
    else:
        row = cur.execute("SELECT day FROM digests WHERE id = %s", (message.digest_id,)).fetchone()
    assert row is not None  # notifications go with what they are about
    return alert_from_row(row) if message.alert_id is not None else row[0]


def _audit_delivery(
    cur: Cursor, message: _outbox.Claimed, action: str, now: dt.datetime, worker: WorkerShare
) -> None:
    record_audit(
        cur,
        actor="system:dispatcher",
        action=action,
        subject_type="notification",
        subject_id=str(message.id),
        household=message.household,
        detail=with_worker(
            {
                "alert_id": message.alert_id,
                "digest_id": message.digest_id,
                "audience": message.audience,
                "contact_id": message.contact_id,
                "attempts": message.attempt,
                "since": message.deliver_after,
            },
            worker,
        ),
        at=now,
    )

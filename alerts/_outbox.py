"""The notification outbox in SQL: messages written with the alert change that causes them,
claimed under a lease for sending, and each attempt's result recorded."""

import dataclasses
import datetime as dt
import uuid
from collections.abc import Collection, Sequence

import psycopg
from psycopg import sql
from psycopg.rows import TupleRow

from alerts._retry import LEASE
from alerts._routing import Delivery, Told
from alerts._vocabulary import Audience, Event
from telecare._workers import EVERY_HOUSEHOLD, WorkerShare

OUTBOX_CHANNEL = "telecare_outbox"

Cursor = psycopg.Cursor[TupleRow]


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Claimed:
    """A message this dispatcher now holds (under a lease) and must send."""

    id: int
    key: uuid.UUID
    # What the message is about: an alert, or a family contact's daily digest.
    alert_id: int | None
    digest_id: int | None
    household: str
    event: Event
    audience: Audience
    contact_id: int | None
    channel: str
    title: str
    body: str
    attempt: int
    deliver_after: dt.datetime
    problem_raised: bool


@dataclasses.dataclass(frozen=True, slots=True)
class ClaimedBatch:
    messages: tuple[Claimed, ...]
    # Messages whose previous sender stopped between claiming and recording: they may or may
    # not have arrived, and are sent again under the same idempotency key.
    in_doubt: tuple[int, ...]


def enqueue(
    cur: Cursor,
    household: str,
    deliveries: Sequence[Delivery],
    now: dt.datetime,
    *,
    alert_id: int | None = None,
    digest_id: int | None = None,
) -> None:
    """Add messages about an alert or a digest (one of the two) in the caller's transaction; a
    key already in the outbox is left as it is."""
    if not deliveries:
        return
    cur.executemany(
        """INSERT INTO notifications (idempotency_key, alert_id, digest_id, household_id, event, audience,
                                      contact_id, channel, title, body, created_at, deliver_after,
                                      next_attempt_at)
           VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
           ON CONFLICT (idempotency_key) DO NOTHING""",
        [
            (
                d.key,
                alert_id,
                digest_id,
                household,
                d.event,
                d.audience,
                d.contact_id,
                d.channel,
                d.message.title,
                d.message.body,
                now,
                d.deliver_after,
                d.deliver_after,
            )
            for d in deliveries
        ],
    )
    # Delivered at commit: the dispatcher wakes only once the messages are there to claim.
    cur.execute("SELECT pg_notify(%s, '')", (OUTBOX_CHANNEL,))


def queue_for_digest(cur: Cursor, alert_id: int, contact_ids: Collection[int], now: dt.datetime) -> None:
    cur.executemany(
        """INSERT INTO digest_entries (contact_id, alert_id, queued_at) VALUES (%s, %s, %s)
           ON CONFLICT (contact_id, alert_id) DO NOTHING""",
        [(contact_id, alert_id, now) for contact_id in contact_ids],
    )


def withdraw_unsent(cur: Cursor, alert_id: int) -> None:
    """News of an alert that has ended and has not gone out yet (held by quiet hours, or still
    being retried) is withdrawn: nobody needs to hear of it now only to hear it is over."""
    cur.execute(
        """UPDATE notifications SET state = 'withdrawn'
           WHERE alert_id = %s AND state = 'pending' AND event IN ('raised', 'escalated')""",
        (alert_id,),
    )


def told(cur: Cursor, alert_id: int) -> list[Told]:
    """The channels that were sent news of the alert, or are being sent it now."""
    rows = cur.execute(
        """SELECT DISTINCT audience, contact_id, channel FROM notifications
           WHERE alert_id = %s AND event IN ('raised', 'escalated') AND state IN ('sent', 'sending')
           ORDER BY audience, contact_id, channel""",
        (alert_id,),
    ).fetchall()
    return [
        Told(audience=Audience(audience), contact_id=contact, channel=channel)
        for audience, contact, channel in rows
    ]


_DUE = """
    SELECT n.id, n.state FROM notifications n
    WHERE n.state IN ('pending', 'sending') AND n.next_attempt_at <= %s AND {owned}
      AND NOT EXISTS (
          SELECT 1 FROM notifications earlier
          WHERE earlier.alert_id = n.alert_id AND earlier.channel = n.channel
            AND earlier.id < n.id AND earlier.state IN ('pending', 'sending'))
    ORDER BY n.next_attempt_at, n.id
    LIMIT %s
    FOR UPDATE OF n SKIP LOCKED"""


def claim_due(
    conn: psycopg.Connection[TupleRow],
    now: dt.datetime,
    limit: int,
    *,
    worker: WorkerShare = EVERY_HOUSEHOLD,
) -> ClaimedBatch:
    """Take up to `limit` due messages of `worker`'s households, committed before anything is
    sent: a pending one whose time has come, or one whose sender's lease ran out. Messages about
    one alert to one channel go in order (no "resolved" before its "raised"). Two dispatchers
    never take the same one, whichever households each believes are its own."""
    with conn.transaction(), conn.cursor() as cur:
        due = cur.execute(sql.SQL(_DUE).format(owned=worker.owned("n.household_id")), (now, limit)).fetchall()
        ids = [id_ for id_, _ in due]
        in_doubt = tuple(id_ for id_, state in due if state == "sending")
        cur.execute(
            """UPDATE notification_attempts SET outcome = 'in_doubt', finished_at = %s
               WHERE notification_id = ANY(%s) AND outcome IS NULL""",
            (now, list(in_doubt)),
        )
        rows = cur.execute(
            """UPDATE notifications
               SET state = 'sending', attempts = attempts + 1, next_attempt_at = %s
               WHERE id = ANY(%s)
               RETURNING id, idempotency_key, alert_id, digest_id, household_id, event, audience, contact_id,
                         channel, title, body, attempts, deliver_after, problem_raised_at IS NOT NULL""",
            (now + LEASE, ids),
        ).fetchall()
        cur.executemany(
            "INSERT INTO notification_attempts (notification_id, attempt, started_at) VALUES (%s, %s, %s)",
            [(row[0], row[11], now) for row in rows],
        )
    return ClaimedBatch(messages=tuple(map(_claimed, sorted(rows))), in_doubt=in_doubt)


def _claimed(row: TupleRow) -> Claimed:
    (id_, key, alert_id, digest_id, household, event, audience, contact_id, channel, title, body, attempt,
     deliver_after, problem_raised) = row  # fmt: skip
    return Claimed(
        id=id_,
        key=key,
        alert_id=alert_id,
        digest_id=digest_id,
        household=household,
        event=Event(event),
        audience=Audience(audience),
        contact_id=contact_id,
        channel=channel,
        title=title,
        body=body,
        attempt=attempt,
        deliver_after=deliver_after,
        problem_raised=problem_raised,
    )


def record_sent(cur: Cursor, message: Claimed, now: dt.datetime) -> None:
    # Sent is the truth whatever happened meanwhile (even if a slow send's lease ran out and
    # another dispatcher took the message over), so this is unconditional.
    cur.execute(
        "UPDATE notifications SET state = 'sent', sent_at = %s WHERE id = %s AND state <> 'sent'",
        (now, message.id),
    )
    _finish_attempt(cur, message, "sent", now)


def record_failed(
    cur: Cursor, message: Claimed, *, unusable: bool, retry_at: dt.datetime | None, now: dt.datetime
) -> bool:
    """Schedule the retry, or give up when `retry_at` is None. False if the message is no longer
    ours (another dispatcher took it over after our lease ran out): then its claim decides."""
    _finish_attempt(cur, message, "unusable" if unusable else "failed", now)
    updated = cur.execute(
        """UPDATE notifications SET state = %s, next_attempt_at = coalesce(%s, next_attempt_at)
           WHERE id = %s AND state = 'sending' AND attempts = %s""",
        ("undeliverable" if retry_at is None else "pending", retry_at, message.id, message.attempt),
    )
    return updated.rowcount == 1


def mark_problem_raised(cur: Cursor, notification_id: int, now: dt.datetime) -> None:
    cur.execute("UPDATE notifications SET problem_raised_at = %s WHERE id = %s", (now, notification_id))


def _finish_attempt(cur: Cursor, message: Claimed, outcome: str, now: dt.datetime) -> None:
    cur.execute(
        """UPDATE notification_attempts SET outcome = %s, finished_at = %s
           WHERE notification_id = %s AND attempt = %s""",
        (outcome, now, message.id, message.attempt),
    )

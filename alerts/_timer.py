"""The escalation timer: acts on every deadline that has passed, read from the alerts themselves.
A process that was down acts on what fell due meanwhile, once; two processes never both do."""

import dataclasses
import datetime as dt

import psycopg
from psycopg import sql
from psycopg.rows import TupleRow

from alerts._alert_store import ALERT_COLUMNS, alert_from_row, load_households
from alerts._apply import apply_transition
from alerts._config import AlertConfig
from alerts._lifecycle import TIMER, escalate, raise_alert
from telecare._workers import EVERY_HOUSEHOLD, WorkerShare

# Deadlines acted on per transaction; a backlog is worked through in several.
TIMER_BATCH = 200


@dataclasses.dataclass(frozen=True, slots=True)
class TimerPass:
    raised: int  # check-in windows that passed with no word from the person
    escalated: int


def run_timers(
    conn: psycopg.Connection[TupleRow],
    config: AlertConfig,
    now: dt.datetime,
    *,
    worker: WorkerShare = EVERY_HOUSEHOLD,
) -> TimerPass:
    """Act on every deadline of `worker`'s households that has passed by `now`."""
    raised = escalated = 0
    while (batch := _one_batch(conn, config, now, worker)) != TimerPass(0, 0):
        raised += batch.raised
        escalated += batch.escalated
    return TimerPass(raised, escalated)


def _one_batch(
    conn: psycopg.Connection[TupleRow], config: AlertConfig, now: dt.datetime, worker: WorkerShare
) -> TimerPass:
    # Only the worker's own households' deadlines, so each alert has one timer watching it. The
    # locks keep that safe whatever the configuration: SKIP LOCKED leaves an alert another
    # process is escalating (or a responder acknowledging) to it, and FOR UPDATE re-reads each
    # row's latest version, so an alert escalated by another process a moment ago no longer
    # matches (its deadline moved on) and is not escalated twice.
    with conn.transaction(), conn.cursor() as cur:
        waiting = list(
            map(
                alert_from_row,
                cur.execute(
                    sql.SQL(
                        f"""SELECT {ALERT_COLUMNS} FROM alerts
                            WHERE state = 'checking' AND checkin_until <= %s AND {{owned}}
                            ORDER BY checkin_until LIMIT %s FOR UPDATE SKIP LOCKED"""
                    ).format(owned=worker.owned("household_id")),
                    (now, TIMER_BATCH),
                ),
            )
        )
        overdue = list(
            map(
                alert_from_row,
                cur.execute(
                    sql.SQL(
                        f"""SELECT {ALERT_COLUMNS} FROM alerts
                            WHERE state IN ('open', 'escalated') AND ack_deadline <= %s AND {{owned}}
                            ORDER BY ack_deadline LIMIT %s FOR UPDATE SKIP LOCKED"""
                    ).format(owned=worker.owned("household_id")),
                    (now, TIMER_BATCH),
                ),
            )
        )
        households = load_households(cur, {a.household for a in waiting + overdue})
        for alert in waiting:
            change = raise_alert(alert, now, config, actor=TIMER)
            apply_transition(cur, change, households[alert.household], config, now, worker=worker)
        for alert in overdue:
            change = escalate(alert, now, config)
            apply_transition(cur, change, households[alert.household], config, now, worker=worker)
    return TimerPass(len(waiting), len(overdue))

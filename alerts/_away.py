"""An "away until" pause ends by itself when its time comes. Readers ask `monitoring_state_at`,
so a pause whose time has passed never applies, even before anything has been written; the
alerts service's digest loop calls `end_expired_pauses` every few seconds to mark such pauses
ended in the registry (audited), so detection's watchdogs and the digests, which read the
stored state, watch the home again too."""

import datetime as dt

import psycopg
from psycopg import sql
from psycopg.rows import TupleRow

from alerts._audit import record_audit
from devices import MonitoringState
from telecare._workers import EVERY_HOUSEHOLD, WorkerShare

# Who the audit trail says ended the pause: nobody did, its time came.
AWAY_EXPIRY = "system:away-expiry"
# The same action a person's change of monitoring state records, so a household's history of
# pauses reads as one list.
MONITORING_STATE_SET = "household.monitoring_state_set"


def monitoring_state_at(
    state: MonitoringState, away_until: dt.datetime | None, now: dt.datetime
) -> MonitoringState:
    """What is watched at `now`: an away pause whose end has come is active again (pure)."""
    if state is MonitoringState.AWAY and away_until is not None and away_until <= now:
        return MonitoringState.ACTIVE
    return state


def end_expired_pauses(
    conn: psycopg.Connection[TupleRow], now: dt.datetime, *, worker: WorkerShare = EVERY_HOUSEHOLD
) -> list[str]:
    """Mark every away pause (of this worker's households) whose end has come as over: the home is
    active again, each change audited. Returns the households, in id order."""
    query = sql.SQL(
        """SELECT id, monitoring_state, away_until FROM households
           WHERE monitoring_state = 'away' AND away_until <= %s AND {owned}
           ORDER BY id FOR NO KEY UPDATE SKIP LOCKED"""
    ).format(owned=worker.owned("id"))
    ended = []
    with conn.transaction():
        for household, state, until in conn.execute(query, (now,)).fetchall():
            if monitoring_state_at(MonitoringState(state), until, now) is not MonitoringState.ACTIVE:
                continue
            conn.execute(
                "UPDATE households SET monitoring_state = 'active', away_until = NULL WHERE id = %s",
                (household,),
            )
            record_audit(
                conn,
                actor=AWAY_EXPIRY,
                action=MONITORING_STATE_SET,
                subject_type="household",
                subject_id=household,
                household=household,
                detail={
                    "before": {"state": state, "away_until": until},
                    "after": {"state": MonitoringState.ACTIVE, "away_until": None},
                    "reason": None,
                    "via": "away_until passed",
                },
                at=now,
            )
            ended.append(household)
    return ended

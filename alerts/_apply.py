"""Carry out a decided transition in one transaction: the alert row, its audit trail and the
messages it announces, so no change is ever stored without its notifications or the reverse."""

import datetime as dt
import logging

from alerts import _outbox
from alerts._alert_store import Cursor, link_finding, save_alert, stored_id
from alerts._audit import record_audit, with_worker
from alerts._config import AlertConfig
from alerts._lifecycle import Transition
from alerts._records import Alert, Household
from alerts._routing import plan_escalated, plan_raised, plan_resolved
from alerts._vocabulary import Event, Severity
from telecare._workers import WorkerShare

log = logging.getLogger(__name__)


def apply_transition(
    cur: Cursor,
    change: Transition,
    household: Household,
    config: AlertConfig,
    now: dt.datetime,
    *,
    worker: WorkerShare | None = None,
) -> Alert:
    """`worker`: the alerts worker making the change, if one is (not a person at the console)."""
    alert = save_alert(cur, change.alert)
    if change.takes_finding is not None:
        link_finding(cur, change.takes_finding, stored_id(alert))
    for entry in change.audit:
        record_audit(
            cur,
            actor=entry.actor,
            action=f"alert.{entry.action}",
            subject_type="alert",
            subject_id=str(stored_id(alert)),
            household=alert.household,
            detail=with_worker(entry.detail, worker),
            at=entry.at,
        )
    for event in change.announce:
        _announce(cur, alert, event, household, config, now)
    return alert


def _announce(
    cur: Cursor, alert: Alert, event: Event, household: Household, config: AlertConfig, now: dt.datetime
) -> None:
    alert_id = stored_id(alert)
    if event is Event.RAISED:
        plan = plan_raised(alert, household, config, now)
        if alert.severity is Severity.URGENT and not plan.deliveries:
            log.warning(
                "urgent alert has no one to tell (no channels): only the console shows it alert=%d", alert_id
            )
        _outbox.enqueue(cur, alert.household, plan.deliveries, now, alert_id=alert_id)
        _outbox.queue_for_digest(cur, alert_id, plan.digest_contacts, now)
    elif event is Event.ESCALATED:
        escalated = plan_escalated(alert, household, config, now)
        _outbox.enqueue(cur, alert.household, escalated, now, alert_id=alert_id)
    elif event is Event.RESOLVED:
        _outbox.withdraw_unsent(cur, alert_id)
        told = _outbox.told(cur, alert_id)
        resolved = plan_resolved(alert, household, told, now)
        _outbox.enqueue(cur, alert.household, resolved, now, alert_id=alert_id)

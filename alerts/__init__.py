"""Alerts: findings routed, escalated and delivered to carers and the duty team (see the alerts issue)."""

from alerts._audit import AuditRecord, audit_trail, record_audit
from alerts._checkins import checkin_by_token, issue_checkin_token, record_checkin
from alerts._config import AlertConfig, TeamChannels
from alerts._dispatcher import Dispatcher, DispatchPass
from alerts._lifecycle import LifecycleError
from alerts._records import Alert
from alerts._responder import (
    AlertHistory,
    AlertNotFound,
    NotificationStatus,
    acknowledge_alert,
    alert_history,
    list_alerts,
    resolve_alert,
)
from alerts._router import route_findings
from alerts._service import AlertService
from alerts._timer import TimerPass, run_timers
from alerts._vocabulary import RESPONDER_OUTCOMES, AlertState, Audience, CheckinSource, Outcome, Severity

__all__ = [
    "RESPONDER_OUTCOMES",
    "Alert",
    "AlertConfig",
    "AlertHistory",
    "AlertNotFound",
    "AlertService",
    "AlertState",
    "Audience",
    "AuditRecord",
    "CheckinSource",
    "DispatchPass",
    "Dispatcher",
    "LifecycleError",
    "NotificationStatus",
    "Outcome",
    "Severity",
    "TeamChannels",
    "TimerPass",
    "acknowledge_alert",
    "alert_history",
    "audit_trail",
    "checkin_by_token",
    "issue_checkin_token",
    "list_alerts",
    "record_audit",
    "record_checkin",
    "resolve_alert",
    "route_findings",
    "run_timers",
]

"""Alerts: findings routed, escalated and delivered to carers and the duty team (see the alerts issue)."""

from alerts._actions import NOTE_MAX_LENGTH, add_alert_note, escalate_alert
from alerts._alert_store import HouseholdNotFound
from alerts._audit import AuditRecord, audit_trail, record_audit
from alerts._away import end_expired_pauses, monitoring_state_at
from alerts._checkins import checkin_by_token, issue_checkin_token, record_checkin
from alerts._config import AlertConfig, TeamChannels
from alerts._digests import household_day_status, send_due_digests
from alerts._dispatcher import Dispatcher, DispatchPass
from alerts._family import FamilyAlert, family_alerts
from alerts._lifecycle import LifecycleError
from alerts._policy import (
    DEFAULT_DIGEST_AT,
    ContactNotFound,
    ContactPreferences,
    PolicyError,
    QuietHours,
    Route,
    RoutingPolicy,
    find_contact,
    routing_policy,
    set_contact_preferences,
    set_route,
    set_routes,
)
from alerts._policy_file import export_routing_policies, import_routing_policies
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
from alerts._routing import DEFAULT_AUDIENCES
from alerts._service import AlertService
from alerts._timer import TimerPass, run_timers
from alerts._vocabulary import (
    KNOWN_KINDS,
    RESPONDER_OUTCOMES,
    AlertState,
    Audience,
    CheckinSource,
    Outcome,
    Severity,
)

__all__ = [
    "DEFAULT_AUDIENCES",
    "DEFAULT_DIGEST_AT",
    "KNOWN_KINDS",
    "NOTE_MAX_LENGTH",
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
    "ContactNotFound",
    "ContactPreferences",
    "DispatchPass",
    "Dispatcher",
    "FamilyAlert",
    "HouseholdNotFound",
    "LifecycleError",
    "NotificationStatus",
    "Outcome",
    "PolicyError",
    "QuietHours",
    "Route",
    "RoutingPolicy",
    "Severity",
    "TeamChannels",
    "TimerPass",
    "acknowledge_alert",
    "add_alert_note",
    "alert_history",
    "audit_trail",
    "checkin_by_token",
    "end_expired_pauses",
    "escalate_alert",
    "export_routing_policies",
    "family_alerts",
    "find_contact",
    "household_day_status",
    "import_routing_policies",
    "issue_checkin_token",
    "list_alerts",
    "monitoring_state_at",
    "record_audit",
    "record_checkin",
    "resolve_alert",
    "route_findings",
    "routing_policy",
    "run_timers",
    "send_due_digests",
    "set_contact_preferences",
    "set_route",
    "set_routes",
]

"""The system of record: schema and migrations, the ingest write path, registry and queries."""

from store._accounts import broker_accounts, save_account
from store._baselines import latest_baselines, save_baselines
from store._connect import connect
from store._daily_features import (
    FEATURE_COLUMNS,
    UNUSABLE_REASONS,
    FeatureDay,
    last_feature_days,
    load_feature_days,
    save_feature_days,
)
from store._feedback import (
    false_alarms_by_month,
    resolved_outcomes,
    save_threshold_adjustments,
    threshold_adjustments,
)
from store._findings import Finding, Reconciled, open_findings, reconcile_findings
from store._health import HEALTH_KINDS, check_device_health, load_device_health
from store._migrations import SchemaBehind, migrate, missing_migrations
from store._privacy import (
    NothingHeld,
    UnknownHouseholdData,
    erase_household,
    export_household,
    household_tables,
    unclassified_tables,
)
from store._readings import READINGS_CHANNEL, BatchOutcome, DeadLetter, ReadingWriter, iter_readings
from store._registry import (
    RegistryConflict,
    export_registry,
    import_registry,
    load_registry,
    remove_device,
    set_monitoring_state,
)
from store._retention import ReadingsPartition, RetentionPass, RetentionPolicy, apply_retention

__all__ = [
    "FEATURE_COLUMNS",
    "HEALTH_KINDS",
    "READINGS_CHANNEL",
    "UNUSABLE_REASONS",
    "BatchOutcome",
    "DeadLetter",
    "FeatureDay",
    "Finding",
    "NothingHeld",
    "ReadingWriter",
    "ReadingsPartition",
    "Reconciled",
    "RegistryConflict",
    "RetentionPass",
    "RetentionPolicy",
    "SchemaBehind",
    "UnknownHouseholdData",
    "apply_retention",
    "broker_accounts",
    "check_device_health",
    "connect",
    "erase_household",
    "export_household",
    "export_registry",
    "false_alarms_by_month",
    "household_tables",
    "import_registry",
    "iter_readings",
    "last_feature_days",
    "latest_baselines",
    "load_device_health",
    "load_feature_days",
    "load_registry",
    "migrate",
    "missing_migrations",
    "open_findings",
    "reconcile_findings",
    "remove_device",
    "resolved_outcomes",
    "save_account",
    "save_baselines",
    "save_feature_days",
    "save_threshold_adjustments",
    "set_monitoring_state",
    "threshold_adjustments",
    "unclassified_tables",
]

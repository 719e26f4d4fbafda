"""The system of record: schema and migrations, the ingest write path, registry and queries."""

from store._accounts import broker_accounts, save_account
from store._baselines import latest_baselines, save_baselines
from store._connect import connect
from store._findings import Finding, Reconciled, open_findings, reconcile_findings
from store._health import HEALTH_KINDS, check_device_health, load_device_health
from store._migrations import migrate
from store._readings import READINGS_CHANNEL, BatchOutcome, DeadLetter, ReadingWriter, iter_readings
from store._registry import (
    RegistryConflict,
    export_registry,
    import_registry,
    load_registry,
    remove_device,
    set_monitoring_state,
)

__all__ = [
    "HEALTH_KINDS",
    "READINGS_CHANNEL",
    "BatchOutcome",
    "DeadLetter",
    "Finding",
    "ReadingWriter",
    "Reconciled",
    "RegistryConflict",
    "broker_accounts",
    "check_device_health",
    "connect",
    "export_registry",
    "import_registry",
    "iter_readings",
    "latest_baselines",
    "load_device_health",
    "load_registry",
    "migrate",
    "open_findings",
    "reconcile_findings",
    "remove_device",
    "save_account",
    "save_baselines",
    "set_monitoring_state",
]

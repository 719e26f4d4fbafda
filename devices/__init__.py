"""Households' devices: the sensor vocabulary, the canonical reading, the registry and decoders."""

from devices._appliance import DEFAULT_USAGE_THRESHOLDS, UsageEvent, UsageThresholds, usage_events
from devices._entries import (
    ConsentBasis,
    ConsentEntry,
    ContactEntry,
    DeviceEntry,
    Dialect,
    HouseholdEntry,
    MonitoringState,
    RegistryFile,
)
from devices._errors import RegistryFileError
from devices._errors import describe as describe_validation_error
from devices._health import BATTERY_LOW_PERCENT, HealthFinding
from devices._health import assess as assess_device_health
from devices._reading import DeviceStatus, Reading
from devices._registry import Registry
from devices._registry_csv import format_registry_csv, parse_registry_csv
from devices._registry_yaml import format_registry_yaml, parse_registry_yaml
from devices._vocabulary import BINARY_KINDS, DeviceRole, SensorKind, value_problem

__all__ = [
    "BATTERY_LOW_PERCENT",
    "BINARY_KINDS",
    "DEFAULT_USAGE_THRESHOLDS",
    "BrokerCredentials",
    "ConsentBasis",
    "ConsentEntry",
    "ContactEntry",
    "DeviceEntry",
    "DeviceRole",
    "DeviceStatus",
    "Dialect",
    "HealthFinding",
    "HouseholdEntry",
    "MonitoringState",
    "Reading",
    "Registry",
    "RegistryFile",
    "RegistryFileError",
    "SensorKind",
    "UsageEvent",
    "UsageThresholds",
    "assess_device_health",
    "describe_validation_error",
    "format_registry_csv",
    "format_registry_yaml",
    "parse_registry_csv",
    "parse_registry_yaml",
    "provision_account",
    "provision_hub",
    "usage_events",
    "value_problem",
]

# Last: provisioning uses the store, which imports the names above from this package.
from devices._hub import BrokerCredentials, provision_account, provision_hub

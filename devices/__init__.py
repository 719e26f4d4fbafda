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
from devices._reading import DeviceStatus, Reading
from devices._registry import Registry
from devices._registry_csv import format_registry_csv, parse_registry_csv
from devices._registry_yaml import format_registry_yaml, parse_registry_yaml
from devices._vocabulary import BINARY_KINDS, DeviceRole, SensorKind, value_problem

__all__ = [
    "BINARY_KINDS",
    "DEFAULT_USAGE_THRESHOLDS",
    "ConsentBasis",
    "ConsentEntry",
    "ContactEntry",
    "DeviceEntry",
    "DeviceRole",
    "DeviceStatus",
    "Dialect",
    "HouseholdEntry",
    "MonitoringState",
    "Reading",
    "Registry",
    "RegistryFile",
    "RegistryFileError",
    "SensorKind",
    "UsageEvent",
    "UsageThresholds",
    "format_registry_csv",
    "format_registry_yaml",
    "parse_registry_csv",
    "parse_registry_yaml",
    "usage_events",
    "value_problem",
]

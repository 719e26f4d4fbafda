"""Households' devices: the sensor vocabulary, the canonical reading, the registry and decoders."""

from devices._reading import DeviceStatus, Reading
from devices._registry import Registry
from devices._registry_file import (
    DeviceEntry,
    HouseholdEntry,
    RegistryFile,
    RegistryFileError,
    parse_registry_csv,
)
from devices._vocabulary import BINARY_KINDS, DeviceRole, SensorKind, value_problem

__all__ = [
    "BINARY_KINDS",
    "DeviceEntry",
    "DeviceRole",
    "DeviceStatus",
    "HouseholdEntry",
    "Reading",
    "Registry",
    "RegistryFile",
    "RegistryFileError",
    "SensorKind",
    "parse_registry_csv",
    "value_problem",
]

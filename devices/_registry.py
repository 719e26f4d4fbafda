"""What ingest needs to know of the registry: which households, devices and sensors exist."""

import dataclasses

from devices._reading import DeviceStatus, Reading
from devices._vocabulary import SensorKind
from devices.dialects import VendorDevice


@dataclasses.dataclass(frozen=True, slots=True)
class Registry:
    """A snapshot of registered households and each device's sensors."""

    households: frozenset[str]
    sensors: dict[tuple[str, str], frozenset[SensorKind]]
    # (dialect, vendor id) -> our device, for messages in a vendor's own dialect.
    vendors: dict[tuple[str, str], VendorDevice] = dataclasses.field(default_factory=dict)

    def vendor_device(self, dialect: str, vendor_id: str) -> VendorDevice | None:
        return self.vendors.get((dialect, vendor_id))

    def problem(self, item: Reading | DeviceStatus) -> str | None:
        """Why this reading or status cannot be accepted from this registry, or None."""
        if item.household not in self.households:
            return f"unknown household {item.household!r}: register it before its devices report"
        sensors = self.sensors.get((item.household, item.device))
        if sensors is None:
            return f"unknown device {item.device!r} in household {item.household!r}"
        # Any device may report its own battery level alongside what it measures.
        if isinstance(item, Reading) and item.sensor not in sensors and item.sensor != SensorKind.BATTERY:
            registered = ", ".join(sorted(sensors))
            return (
                f"device {item.device!r} in household {item.household!r} is not registered for "
                f"sensor {item.sensor.value!r} (registered: {registered})"
            )
        return None

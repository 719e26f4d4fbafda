"""The standard simulated home: its rooms, devices and sensor channels, and its registry rows."""

import dataclasses
import enum

from devices import DeviceEntry, DeviceRole, HouseholdEntry, RegistryFile, SensorKind


class Room(enum.IntEnum):
    OUT = 0  # not at home
    HALL = 1
    KITCHEN = 2
    LOUNGE = 3
    BEDROOM = 4
    BATHROOM = 5


@dataclasses.dataclass(frozen=True, slots=True)
class Device:
    id: str
    role: DeviceRole
    room: str
    sensors: tuple[SensorKind, ...]
    # Battery drain in percent per day: a PIR reports far more often than a door contact.
    # None means mains powered.
    drain_per_day: float | None


KIT: tuple[Device, ...] = (
    Device("front-door", DeviceRole.FRONT_DOOR, "hall", (SensorKind.CONTACT,), 0.05),
    Device("hall-pir", DeviceRole.HALL_MOTION, "hall", (SensorKind.MOTION,), 0.12),
    Device(
        "kitchen-pir", DeviceRole.KITCHEN_MOTION, "kitchen", (SensorKind.MOTION, SensorKind.TEMPERATURE), 0.12
    ),
    Device(
        "lounge-pir", DeviceRole.LOUNGE_MOTION, "lounge", (SensorKind.MOTION, SensorKind.TEMPERATURE), 0.12
    ),
    Device(
        "bedroom-pir", DeviceRole.BEDROOM_MOTION, "bedroom", (SensorKind.MOTION, SensorKind.TEMPERATURE), 0.12
    ),
    Device("bathroom-pir", DeviceRole.BATHROOM_MOTION, "bathroom", (SensorKind.MOTION,), 0.12),
    Device("bathroom-door", DeviceRole.BATHROOM_DOOR, "bathroom", (SensorKind.CONTACT,), 0.05),
    Device("fridge-door", DeviceRole.FRIDGE, "kitchen", (SensorKind.CONTACT,), 0.05),
    Device("kettle-plug", DeviceRole.KETTLE, "kitchen", (SensorKind.POWER,), None),
    Device("bed-mat", DeviceRole.BED, "bedroom", (SensorKind.OCCUPANCY,), 0.08),
    Device("chair-mat", DeviceRole.CHAIR, "lounge", (SensorKind.OCCUPANCY,), 0.08),
    Device("pendant", DeviceRole.PENDANT, "person", (SensorKind.ALARM,), 0.03),
)

DEVICE_INDEX = {device.id: n for n, device in enumerate(KIT)}

# A channel is one sensor of one device; readings are generated per channel.
CHANNELS: tuple[tuple[str, SensorKind], ...] = tuple(
    [(device.id, sensor) for device in KIT for sensor in device.sensors]
    + [(device.id, SensorKind.BATTERY) for device in KIT if device.drain_per_day is not None]
)
CHANNEL_INDEX = {channel: n for n, channel in enumerate(CHANNELS)}
CHANNEL_DEVICE = tuple(DEVICE_INDEX[device] for device, _ in CHANNELS)

PIR_OF_ROOM: dict[Room, int] = {
    Room.HALL: CHANNEL_INDEX["hall-pir", SensorKind.MOTION],
    Room.KITCHEN: CHANNEL_INDEX["kitchen-pir", SensorKind.MOTION],
    Room.LOUNGE: CHANNEL_INDEX["lounge-pir", SensorKind.MOTION],
    Room.BEDROOM: CHANNEL_INDEX["bedroom-pir", SensorKind.MOTION],
    Room.BATHROOM: CHANNEL_INDEX["bathroom-pir", SensorKind.MOTION],
}
THERMOMETERS: dict[Room, int] = {
    Room.KITCHEN: CHANNEL_INDEX["kitchen-pir", SensorKind.TEMPERATURE],
    Room.LOUNGE: CHANNEL_INDEX["lounge-pir", SensorKind.TEMPERATURE],
    Room.BEDROOM: CHANNEL_INDEX["bedroom-pir", SensorKind.TEMPERATURE],
}
FRONT_DOOR = CHANNEL_INDEX["front-door", SensorKind.CONTACT]
BATHROOM_DOOR = CHANNEL_INDEX["bathroom-door", SensorKind.CONTACT]
FRIDGE_DOOR = CHANNEL_INDEX["fridge-door", SensorKind.CONTACT]
KETTLE = CHANNEL_INDEX["kettle-plug", SensorKind.POWER]
BED = CHANNEL_INDEX["bed-mat", SensorKind.OCCUPANCY]
CHAIR = CHANNEL_INDEX["chair-mat", SensorKind.OCCUPANCY]
BATTERY_DEVICES: tuple[int, ...] = tuple(
    n for n, device in enumerate(KIT) if device.drain_per_day is not None
)


def kit_registry(households: list[str], timezone: str) -> RegistryFile:
    """Every household with the standard kit, as the registry would hold it."""
    return RegistryFile(
        households=tuple(HouseholdEntry(id=h, timezone=timezone) for h in households),
        devices=tuple(
            DeviceEntry(
                household=h,
                id=device.id,
                role=device.role,
                room=device.room,
                sensors=frozenset(
                    device.sensors + ((SensorKind.BATTERY,) if device.drain_per_day is not None else ())
                ),
            )
            for h in households
            for device in KIT
        ),
    )

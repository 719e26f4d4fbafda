"""What each reading says about the person, by the role of the device that sent it.

A signal is a sign of the person (movement, a door or cupboard, a bed or chair, an appliance
switched on), an outside door, or neither (a fridge compressor cycling, a battery report).
"""

import enum

from devices import DeviceRole, SensorKind

OUTSIDE_DOORS = frozenset({DeviceRole.FRONT_DOOR, DeviceRole.BACK_DOOR})

# Appliances a person switches on; power above this means someone is using it. Fridges and
# freezers cycle on their own and washing machines heat mid-cycle unattended: no sign of anyone.
PERSON_APPLIANCES = frozenset(
    {DeviceRole.KETTLE, DeviceRole.MICROWAVE, DeviceRole.TOASTER, DeviceRole.COOKTOP}
)
# Above a standby draw and a fridge compressor (~100-200 W), below every heating appliance.
APPLIANCE_ON_WATTS = 500.0

KITCHEN_ROLES = frozenset(
    {DeviceRole.KITCHEN_MOTION, DeviceRole.FRIDGE, DeviceRole.FREEZER, DeviceRole.CUPBOARD}
    | PERSON_APPLIANCES
)
BATHROOM_ROLES = frozenset(
    {
        DeviceRole.BATHROOM_MOTION,
        DeviceRole.BATHROOM_DOOR,
        DeviceRole.TOILET,
        DeviceRole.SHOWER,
        DeviceRole.BASIN,
    }
)
# Where a person is while asleep or just woken: activity here alone is not "up for the day".
SLEEP_ROLES = frozenset({DeviceRole.BED, DeviceRole.BEDROOM_MOTION, DeviceRole.BEDROOM_DOOR})
TRANSIT_ROLES = frozenset({DeviceRole.HALL_MOTION, DeviceRole.INTERNAL_DOOR})
SAFETY_KINDS = frozenset(
    {SensorKind.ALARM, SensorKind.FALL, SensorKind.SMOKE, SensorKind.CARBON_MONOXIDE, SensorKind.WATER_LEAK}
)


# A person on a bed or chair mat is resting: still, and safe to be still. A collapse empties
# the mat, so stillness with no mat occupied is the one that matters.
REST_MATS = frozenset({DeviceRole.BED, DeviceRole.CHAIR})


class Place(enum.IntEnum):
    """Where a sign of the person puts them, as far as detection needs to know."""

    NONE = 0  # not a sign of the person
    SLEEP = 1  # bed, bedroom
    BATHROOM = 2
    KITCHEN = 3
    ELSEWHERE = 4  # lounge, chair, other rooms
    OUTSIDE_DOOR = 5  # leaving or coming home
    TRANSIT = 6  # hall, landing, internal doors: passing through, e.g. to the toilet at night


def place_of(role: DeviceRole, room: str, sensor: SensorKind, value: float) -> Place:
    """Where this reading shows the person, or Place.NONE if it shows nobody."""
    if not _is_person(role, sensor, value):
        return Place.NONE
    if role in OUTSIDE_DOORS:
        return Place.OUTSIDE_DOOR
    if role in BATHROOM_ROLES or room == "bathroom":
        return Place.BATHROOM
    if role in SLEEP_ROLES or room == "bedroom":
        return Place.SLEEP
    if role in KITCHEN_ROLES or room == "kitchen":
        return Place.KITCHEN
    if role in TRANSIT_ROLES or room in ("hall", "landing", "stairs"):
        return Place.TRANSIT
    return Place.ELSEWHERE


def _is_person(role: DeviceRole, sensor: SensorKind, value: float) -> bool:
    if sensor is SensorKind.MOTION:
        return value == 1  # "cleared" is the sensor's timer, not a person
    if sensor in (SensorKind.CONTACT, SensorKind.OCCUPANCY):
        return True  # opening and closing, sitting down and getting up: both are someone
    if sensor is SensorKind.POWER:
        return role in PERSON_APPLIANCES and value >= APPLIANCE_ON_WATTS
    return sensor is SensorKind.ALARM and value == 1

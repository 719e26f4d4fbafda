"""The closed vocabulary of sensor kinds and device roles, with each kind's value semantics.

Everything downstream of the decoders relies on these meanings; a new kind or role is added
here, documented, and nowhere else.
"""

import enum
import math


class SensorKind(enum.StrEnum):
    """What a sensor measures. The value of a reading always means the same for a kind."""

    MOTION = "motion"  # 1 = movement detected, 0 = cleared
    CONTACT = "contact"  # 1 = open, 0 = closed (doors, windows, cupboards, fridge)
    OCCUPANCY = "occupancy"  # bed/chair pressure mat: 1 = occupied, 0 = empty
    POWER = "power"  # watts drawn by an appliance plug, >= 0
    TEMPERATURE = "temperature"  # degrees Celsius
    ALARM = "alarm"  # pendant or pull-cord: 1 = pressed (0 = cancel/reset)
    FALL = "fall"  # fall detector: 1 = fall detected
    SMOKE = "smoke"  # 1 = smoke detected
    CARBON_MONOXIDE = "carbon_monoxide"  # 1 = CO detected
    WATER_LEAK = "water_leak"  # 1 = leak detected
    BATTERY = "battery"  # battery charge in percent, 0..100


BINARY_KINDS = frozenset(
    {
        SensorKind.MOTION,
        SensorKind.CONTACT,
        SensorKind.OCCUPANCY,
        SensorKind.ALARM,
        SensorKind.FALL,
        SensorKind.SMOKE,
        SensorKind.CARBON_MONOXIDE,
        SensorKind.WATER_LEAK,
    }
)

# Plausible physical ranges. A value outside is a faulty sensor or a wrong dialect mapping,
# and is refused rather than stored as if it were true. Temperatures cover a cold loft to a
# hot cooktop probe; appliance plugs in UK/EU homes are fused at 13 A (about 3.1 kW), the
# margin allows for meters that overshoot on switch-on.
VALUE_RANGES: dict[SensorKind, tuple[float, float]] = {
    SensorKind.POWER: (0.0, 10_000.0),
    SensorKind.TEMPERATURE: (-40.0, 85.0),
    SensorKind.BATTERY: (0.0, 100.0),
}


class DeviceRole(enum.StrEnum):
    """Where a device is and what it watches. `other` is anything else (its room says where)."""

    # Doors to the outside: the person leaving or coming home.
    FRONT_DOOR = "front_door"
    BACK_DOOR = "back_door"
    # Doors and cupboards inside the home.
    BATHROOM_DOOR = "bathroom_door"
    BEDROOM_DOOR = "bedroom_door"
    INTERNAL_DOOR = "internal_door"
    CUPBOARD = "cupboard"
    # Movement in a room.
    KITCHEN_MOTION = "kitchen_motion"
    LOUNGE_MOTION = "lounge_motion"
    BEDROOM_MOTION = "bedroom_motion"
    BATHROOM_MOTION = "bathroom_motion"
    HALL_MOTION = "hall_motion"
    # Appliances (plugs measuring power, or contacts on their doors).
    KETTLE = "kettle"
    FRIDGE = "fridge"
    FREEZER = "freezer"
    MICROWAVE = "microwave"
    COOKTOP = "cooktop"
    TOASTER = "toaster"
    WASHING_MACHINE = "washing_machine"
    DISHWASHER = "dishwasher"
    # Bathroom fittings (flush, flow or presence sensors).
    TOILET = "toilet"
    SHOWER = "shower"
    BASIN = "basin"
    # Furniture with pressure mats.
    BED = "bed"
    CHAIR = "chair"
    # Safety.
    PENDANT = "pendant"
    FALL_DETECTOR = "fall_detector"
    SMOKE = "smoke"
    CARBON_MONOXIDE = "carbon_monoxide"
    WATER_LEAK = "water_leak"
    TEMPERATURE = "temperature"
    # The home's gateway, which reports its own online/offline status.
    HUB = "hub"
    OTHER = "other"


def value_problem(kind: SensorKind, value: float) -> str | None:
    """Say why a value cannot be a reading of this kind, or None when it can."""
    if not math.isfinite(value):
        return f"{kind} value must be a finite number, got {value}"
    if kind in BINARY_KINDS:
        if value not in (0.0, 1.0):
            return f"{kind} value must be 0 or 1 (or true/false), got {value:g}"
        return None
    low, high = VALUE_RANGES[kind]
    if not low <= value <= high:
        return f"{kind} value {value:g} is outside the plausible range {low:g}..{high:g}"
    return None

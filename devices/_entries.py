"""Registry entries as they are imported and exported: households with their consent and
contacts, and devices. Validated on construction, so a bad entry never reaches the store."""

import datetime as dt
import enum
import re
import zoneinfo
from typing import Annotated, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from devices._vocabulary import DeviceRole, SensorKind
from devices.dialects.native import ID_PATTERN


def _identifier(value: str) -> str:
    if not ID_PATTERN.fullmatch(value):
        raise ValueError(f"{value!r} must be 1-64 letters, digits, '_', '.' or '-'")
    return value


def _timezone(value: str) -> str:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown timezone {value!r} (use an IANA name such as Europe/London)") from None
    return value


Identifier = Annotated[str, AfterValidator(_identifier)]
Timezone = Annotated[str, AfterValidator(_timezone)]


class MonitoringState(enum.StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"  # e.g. in hospital: nothing is watched, nothing is alerted
    AWAY = "away"  # away until a date: routine alerts suppressed, door and safety still watched
    ENDED = "ended"  # service ended: kept only as long as records must be


class ConsentBasis(enum.StrEnum):
    SELF = "self"  # the person consented themselves
    BEST_INTEREST = "best_interest"  # a best-interest decision (Mental Capacity Act 2005)


class Dialect(enum.StrEnum):
    NATIVE = "native"
    ZIGBEE2MQTT = "zigbee2mqtt"
    TASMOTA = "tasmota"
    SHELLY = "shelly"


class _Entry(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", use_enum_values=False)


class ConsentEntry(_Entry):
    basis: ConsentBasis
    given_by: str = Field(min_length=1)
    given_on: dt.date
    decision_maker: str | None = None
    review_on: dt.date | None = None

    @model_validator(mode="after")
    def _best_interest_is_accountable(self) -> Self:
        if self.basis is ConsentBasis.BEST_INTEREST and not (self.decision_maker and self.review_on):
            raise ValueError("a best-interest decision needs decision_maker and review_on")
        return self


_QUIET_HOURS = re.compile(r"([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)")


class ContactEntry(_Entry):
    name: str = Field(min_length=1, max_length=120)
    relationship: str | None = None
    # Apprise URLs: mailto://, ntfy://, json:// (webhook), an SMS gateway's URL, ...
    channels: tuple[str, ...] = ()
    # Local hours ("22:00-07:00") during which routine news waits; urgent alerts do not.
    quiet_hours: str | None = None
    digest_at: dt.time | None = None

    @field_validator("quiet_hours")
    @classmethod
    def _quiet_hours_shape(cls, value: str | None) -> str | None:
        if value is not None and not _QUIET_HOURS.fullmatch(value):
            raise ValueError(f"quiet_hours must look like 22:00-07:00, got {value!r}")
        return value

    @field_validator("digest_at", mode="before")
    @classmethod
    def _digest_at_is_a_time(cls, value: object) -> object:
        # YAML 1.1 reads an unquoted 18:00 as the base-60 number 1080, which pydantic would
        # take as seconds and turn into 00:18: refuse it rather than send a digest at midnight.
        if isinstance(value, int | float):
            raise ValueError(f"digest_at must be a time such as '18:00' (in YAML, quote it), got {value!r}")
        return value

    @field_validator("channels")
    @classmethod
    def _channels_are_urls(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for channel in value:
            if "://" not in channel:
                raise ValueError(
                    f"channel {channel!r} is not an Apprise URL such as mailto://name@example.org"
                )
        return value


class HouseholdEntry(_Entry):
    id: Identifier
    timezone: Timezone
    # Personal data: shown to the people caring for this home, never logged or reported.
    display_name: str | None = None
    # A postcode district or ward for reports, never a full address.
    address_area: str | None = None
    monitoring_state: MonitoringState = MonitoringState.ACTIVE
    away_until: dt.datetime | None = None
    referred_on: dt.date | None = None
    # A person known to wander: a night-time exit is then urgent, not just high.
    known_to_wander: bool = False
    # How long a non-urgent alert waits for the person's "I'm fine" (pendant cancel, web link)
    # before anyone is told; unset, nobody waits.
    checkin_window: dt.timedelta | None = None
    consent: ConsentEntry | None = None
    contacts: tuple[ContactEntry, ...] = ()

    @model_validator(mode="after")
    def _away_has_an_end(self) -> Self:
        if self.monitoring_state is MonitoringState.AWAY and self.away_until is None:
            raise ValueError("monitoring_state 'away' needs away_until")
        if self.away_until is not None and self.away_until.tzinfo is None:
            raise ValueError("away_until needs a UTC offset")
        return self


class DeviceEntry(_Entry):
    household: Identifier
    id: Identifier
    role: DeviceRole
    room: str = Field(min_length=1, max_length=60)
    sensors: frozenset[SensorKind] = Field(min_length=1)
    dialect: Dialect = Dialect.NATIVE
    vendor_id: str | None = Field(default=None, min_length=1, max_length=200)
    expected_interval: dt.timedelta | None = None
    installed_on: dt.date | None = None
    removed_on: dt.date | None = None

    @model_validator(mode="after")
    def _foreign_devices_name_their_vendor_id(self) -> Self:
        if self.dialect is not Dialect.NATIVE and not self.vendor_id:
            raise ValueError(f"a {self.dialect} device needs the vendor_id it reports under")
        if self.vendor_id and ("+" in self.vendor_id or "#" in self.vendor_id):
            raise ValueError("vendor_id cannot contain MQTT wildcards '+' or '#'")
        return self


class RegistryFile(_Entry):
    """Households and devices to import together, all or nothing."""

    households: tuple[HouseholdEntry, ...] = ()
    devices: tuple[DeviceEntry, ...] = ()

    @model_validator(mode="after")
    def _devices_belong_to_listed_households(self) -> Self:
        listed = {h.id for h in self.households}
        seen: set[tuple[str, str]] = set()
        for device in self.devices:
            if device.household not in listed:
                raise ValueError(f"device {device.id} names household {device.household}, not in the file")
            if (device.household, device.id) in seen:
                raise ValueError(f"device {device.id} of household {device.household} is listed twice")
            seen.add((device.household, device.id))
        return self

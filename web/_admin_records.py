"""The registry as administration reads and changes it: households with their consent history,
contacts and devices. Reads of personal data and every change are audited, the change and its
audit row in one transaction; the store's own import does the writing, so the web and the
`telecare households` commands keep one set of rules."""

import dataclasses
import datetime as dt
import zoneinfo

import store
from alerts import record_audit
from devices import ConsentEntry, ContactEntry, DeviceEntry, HouseholdEntry, RegistryFile
from web._accounts import Conn


class AdminError(ValueError):
    """A change that cannot be made; the message says what to fix. Nothing was changed."""


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class HouseholdRow:
    """One line of the households list: pseudonymous, so reading it is not audited."""

    id: str
    monitoring_state: str
    away_until: dt.datetime | None
    address_area: str | None
    timezone: str
    devices: int
    consent: str | None  # the basis of the consent in force
    hub_provisioned: bool
    teams: tuple[str, ...]


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class ConsentRecord:
    entry: ConsentEntry
    recorded_at: dt.datetime


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class HubAccount:
    username: str
    created_at: dt.datetime  # when its password was last set


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class HouseholdRecord:
    entry: HouseholdEntry  # as exported: details, consent in force, contacts
    consents: tuple[ConsentRecord, ...]  # newest first
    devices: tuple[DeviceEntry, ...]  # installed and removed
    hub: HubAccount | None
    teams: tuple[str, ...]
    carers: tuple[str, ...]  # usernames of linked carers


def household_rows(conn: Conn) -> list[HouseholdRow]:
    rows = conn.execute(
        """SELECT h.id, h.monitoring_state, h.away_until, h.address_area, h.timezone,
                  (SELECT count(*) FROM devices d WHERE d.household_id = h.id AND d.removed_on IS NULL),
                  (SELECT c.basis FROM consents c WHERE c.household_id = h.id
                   ORDER BY c.recorded_at DESC, c.id DESC LIMIT 1),
                  EXISTS (SELECT 1 FROM mqtt_accounts a WHERE a.household_id = h.id),
                  coalesce((SELECT array_agg(t.name ORDER BY t.name) FROM team_households th
                            JOIN teams t ON t.id = th.team_id WHERE th.household_id = h.id), '{}')
           FROM households h ORDER BY h.id"""
    ).fetchall()
    return [
        HouseholdRow(
            id=r[0], monitoring_state=r[1], away_until=r[2], address_area=r[3], timezone=r[4], devices=r[5],
            consent=r[6], hub_provisioned=r[7], teams=tuple(r[8]),
        )
        for r in rows
    ]  # fmt: skip


def household_exists(conn: Conn, household: str) -> bool:
    return conn.execute("SELECT 1 FROM households WHERE id = %s", (household,)).fetchone() is not None


def household_record(conn: Conn, household: str, *, by: str, via: str, now: dt.datetime) -> HouseholdRecord:
    """Everything registered about one household (which must exist); the read is audited."""
    registry = store.export_registry(conn, household=household)
    consents = tuple(
        ConsentRecord(
            entry=ConsentEntry(
                basis=basis, given_by=given_by, decision_maker=maker, review_on=review, given_on=given_on
            ),
            recorded_at=recorded_at,
        )
        for basis, given_by, maker, review, given_on, recorded_at in conn.execute(
            """SELECT basis, given_by, decision_maker, review_on, given_on, recorded_at FROM consents
               WHERE household_id = %s ORDER BY recorded_at DESC, id DESC""",
            (household,),
        )
    )
    hub = conn.execute(
        "SELECT username, created_at FROM mqtt_accounts WHERE household_id = %s AND role = 'hub'",
        (household,),
    ).fetchone()
    teams = conn.execute(
        """SELECT t.name FROM team_households th JOIN teams t ON t.id = th.team_id
           WHERE th.household_id = %s ORDER BY t.name""",
        (household,),
    ).fetchall()
    carers = conn.execute(
        """SELECT u.username FROM carer_households c JOIN users u ON u.id = c.user_id
           WHERE c.household_id = %s ORDER BY u.username""",
        (household,),
    ).fetchall()
    record_audit(
        conn,
        actor=by,
        action="read.household_record",
        subject_type="household",
        subject_id=household,
        household=household,
        detail={"via": via, "shown": ["details", "consents", "contacts", "devices", "routing"]},
        at=now,
    )
    return HouseholdRecord(
        entry=registry.households[0],
        consents=consents,
        devices=registry.devices,
        hub=HubAccount(username=hub[0], created_at=hub[1]) if hub else None,
        teams=tuple(t for (t,) in teams),
        carers=tuple(c for (c,) in carers),
    )


def create_household(conn: Conn, entry: HouseholdEntry, *, by: str, now: dt.datetime) -> None:
    with conn.transaction():
        if household_exists(conn, entry.id):
            raise AdminError(f"there is already a household {entry.id}")
        _import(conn, RegistryFile(households=(entry,)))
        _audit(conn, by, "household.created", entry.id, now, fields=sorted(entry.model_fields_set - {"id"}))


def update_household(conn: Conn, entry: HouseholdEntry, *, by: str, now: dt.datetime) -> None:
    """Only the fields the entry states change (a field stated as None is cleared)."""
    with conn.transaction():
        _import(conn, RegistryFile(households=(entry,)))
        _audit(conn, by, "household.updated", entry.id, now, fields=sorted(entry.model_fields_set - {"id"}))


def record_consent(conn: Conn, household: str, consent: ConsentEntry, *, by: str, now: dt.datetime) -> None:
    """A new consent record in force (the earlier ones stay as history)."""
    with conn.transaction():
        _import(conn, RegistryFile(households=(_stated_only(conn, household, consent=consent),)))
        _audit(
            conn, by, "consent.recorded", household, now, basis=consent.basis,
            given_on=consent.given_on.isoformat(),
            review_on=consent.review_on.isoformat() if consent.review_on else None,
        )  # fmt: skip


def save_contact(conn: Conn, household: str, contact: ContactEntry, *, by: str, now: dt.datetime) -> None:
    """Add the contact, or replace the one of the same name."""
    with conn.transaction():
        _import(conn, RegistryFile(households=(_stated_only(conn, household, contacts=(contact,)),)))
        _audit(
            conn, by, "contact.saved", household, now,
            channel_kinds=[c.split("://", 1)[0] for c in contact.channels],
            quiet_hours=contact.quiet_hours,
            digest_at=contact.digest_at.isoformat() if contact.digest_at else None,
        )  # fmt: skip


def save_device(conn: Conn, device: DeviceEntry, *, by: str, now: dt.datetime) -> None:
    """Install the device, or change the one of the same id."""
    with conn.transaction():
        home = _stated_only(conn, device.household)
        if device.installed_on is None:
            device = device.model_copy(update={"installed_on": _local_today(home.timezone, now)})
        _import(conn, RegistryFile(households=(home,), devices=(device,)))
        _audit(
            conn, by, "device.saved", device.household, now, device=device.id, role=device.role,
            sensors=sorted(device.sensors), dialect=device.dialect,
        )  # fmt: skip


def remove_device(conn: Conn, household: str, device: str, *, by: str, now: dt.datetime) -> None:
    """Marked removed today on the home's calendar; its readings are kept."""
    with conn.transaction():
        today = _local_today(_stated_only(conn, household).timezone, now)
        if not store.remove_device(conn, household, device, today):
            raise AdminError(f"there is no installed device {device} in household {household}")
        _audit(conn, by, "device.removed", household, now, device=device, on=today.isoformat())


def import_registry_file(
    conn: Conn, registry: RegistryFile, *, file_format: str, by: str, now: dt.datetime
) -> None:
    with conn.transaction():
        _import(conn, registry)
        record_audit(
            conn,
            actor=by,
            action="registry.imported",
            subject_type="registry",
            subject_id=file_format,
            household=None,
            detail={
                "households": sorted({h.id for h in registry.households}),
                "devices": len(registry.devices),
                "via": "admin",
            },
            at=now,
        )


def _import(conn: Conn, registry: RegistryFile) -> None:
    try:
        store.import_registry(conn, registry)
    except store.RegistryConflict as exc:
        raise AdminError(str(exc)) from exc


def _stated_only(conn: Conn, household: str, **details: object) -> HouseholdEntry:
    """The household as an import entry stating nothing but its id, timezone and `details`."""
    row = conn.execute("SELECT timezone FROM households WHERE id = %s", (household,)).fetchone()
    if row is None:
        raise AdminError(f"there is no household {household}")
    return HouseholdEntry.model_validate({"id": household, "timezone": row[0], **details})


def _local_today(timezone: str, now: dt.datetime) -> dt.date:
    return now.astimezone(zoneinfo.ZoneInfo(timezone)).date()


def _audit(conn: Conn, by: str, action: str, household: str, now: dt.datetime, **detail: object) -> None:
    record_audit(
        conn,
        actor=by,
        action=action,
        subject_type="household",
        subject_id=household,
        household=household,
        detail={**detail, "via": "admin"},
        at=now,
    )

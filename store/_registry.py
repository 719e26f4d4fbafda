"""Registry rows in the database: import (all or nothing), export, and the ingest snapshot.

An import updates only what the file states: a CSV of devices carries no consent or contacts,
so importing it must not erase those stored from a YAML file or the command line.
"""

import datetime as dt
from collections import defaultdict
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import TupleRow

from devices import (
    ConsentEntry,
    ContactEntry,
    DeviceEntry,
    HouseholdEntry,
    MonitoringState,
    Registry,
    RegistryFile,
    SensorKind,
)
from devices.dialects import VendorDevice

_HOUSEHOLD_COLUMNS = (
    "timezone",
    "display_name",
    "address_area",
    "monitoring_state",
    "away_until",
    "referred_on",
    "known_to_wander",
    "checkin_window",
)
_DEVICE_COLUMNS = ("role", "room", "dialect", "vendor_id", "expected_interval", "installed_on", "removed_on")


class RegistryConflict(ValueError):
    """The import contradicts what is stored (e.g. a vendor id already used by another home)."""


def import_registry(conn: psycopg.Connection[TupleRow], registry: RegistryFile) -> None:
    """Store every household and device of the file in one transaction, or none of them."""
    try:
        with conn.transaction(), conn.cursor() as cur:
            for household in registry.households:
                _upsert(cur, "households", {"id": household.id}, _stated(household, _HOUSEHOLD_COLUMNS))
                if household.consent is not None:
                    _record_consent(cur, household.id, household.consent)
                for contact in household.contacts:
                    _upsert_contact(cur, household.id, contact)
            for device in registry.devices:
                key = {"household_id": device.household, "id": device.id}
                _upsert(cur, "devices", key, _stated(device, _DEVICE_COLUMNS))
                cur.executemany(
                    "INSERT INTO device_sensors (household_id, device_id, sensor) VALUES (%s, %s, %s)"
                    " ON CONFLICT DO NOTHING",
                    [(device.household, device.id, str(s)) for s in sorted(device.sensors)],
                )
    except psycopg.errors.UniqueViolation as exc:
        raise RegistryConflict(
            "a device's vendor id is already registered to another device; nothing imported"
        ) from exc


def _stated(entry: HouseholdEntry | DeviceEntry, columns: tuple[str, ...]) -> dict[str, Any]:
    """The columns this entry states: required fields always, optional ones only if given."""
    required = {name for name, field in type(entry).model_fields.items() if field.is_required()}
    return {
        column: getattr(entry, column)
        for column in columns
        if column in required or column in entry.model_fields_set
    }


def _upsert(cur: psycopg.Cursor[TupleRow], table: str, key: dict[str, Any], fields: dict[str, Any]) -> None:
    columns = [*key, *fields]
    statement = sql.SQL(
        "INSERT INTO {table} ({columns}) VALUES ({values}) ON CONFLICT ({key}) "
        + ("DO UPDATE SET ({updated}) = ROW({new})" if fields else "DO NOTHING")
    ).format(
        table=sql.Identifier(table),
        columns=sql.SQL(", ").join(map(sql.Identifier, columns)),
        values=sql.SQL(", ").join(sql.Placeholder(c) for c in columns),
        key=sql.SQL(", ").join(map(sql.Identifier, key)),
        updated=sql.SQL(", ").join(map(sql.Identifier, fields)),
        new=sql.SQL(", ").join(sql.SQL("EXCLUDED.{}").format(sql.Identifier(c)) for c in fields),
    )
    cur.execute(statement, {**key, **fields})


def _record_consent(cur: psycopg.Cursor[TupleRow], household: str, consent: ConsentEntry) -> None:
    # Consent is a history: a new record only when it differs from the one in force.
    cur.execute(
        """INSERT INTO consents (household_id, basis, given_by, decision_maker, review_on, given_on)
           SELECT %(h)s, %(basis)s, %(given_by)s, %(decision_maker)s, %(review_on)s, %(given_on)s
           WHERE NOT EXISTS (
               SELECT 1 FROM (SELECT * FROM consents WHERE household_id = %(h)s
                              ORDER BY recorded_at DESC, id DESC LIMIT 1) latest
               WHERE (latest.basis, latest.given_by, latest.given_on)
                     = (%(basis)s, %(given_by)s, %(given_on)s)
                 AND latest.decision_maker IS NOT DISTINCT FROM %(decision_maker)s
                 AND latest.review_on IS NOT DISTINCT FROM %(review_on)s)""",
        {"h": household, **consent.model_dump(), "basis": str(consent.basis)},
    )


def _upsert_contact(cur: psycopg.Cursor[TupleRow], household: str, contact: ContactEntry) -> None:
    quiet_from, quiet_until = contact.quiet_hours.split("-") if contact.quiet_hours else (None, None)
    cur.execute(
        """INSERT INTO contacts
               (household_id, name, relationship, channels, quiet_from, quiet_until, digest_at)
           VALUES (%s, %s, %s, %s, %s, %s, %s)
           ON CONFLICT (household_id, name) DO UPDATE SET
               relationship = EXCLUDED.relationship, channels = EXCLUDED.channels,
               quiet_from = EXCLUDED.quiet_from, quiet_until = EXCLUDED.quiet_until,
               digest_at = EXCLUDED.digest_at""",
        (
            household,
            contact.name,
            contact.relationship,
            list(contact.channels),
            quiet_from,
            quiet_until,
            contact.digest_at,
        ),
    )


def export_registry(conn: psycopg.Connection[TupleRow], *, household: str | None = None) -> RegistryFile:
    """Everything registered (or one household), as the entries an import takes back."""
    only = {"h": household}
    consents = {
        row[0]: ConsentEntry(
            basis=row[1], given_by=row[2], decision_maker=row[3], review_on=row[4], given_on=row[5]
        )
        for row in conn.execute(
            """SELECT DISTINCT ON (household_id) household_id, basis, given_by, decision_maker,
                      review_on, given_on
               FROM consents WHERE %(h)s::text IS NULL OR household_id = %(h)s
               ORDER BY household_id, recorded_at DESC, id DESC""",
            only,
        )
    }
    contacts: defaultdict[str, list[ContactEntry]] = defaultdict(list)
    for h, name, relationship, channels, quiet_from, quiet_until, digest_at in conn.execute(
        """SELECT household_id, name, relationship, channels, quiet_from, quiet_until, digest_at
           FROM contacts WHERE %(h)s::text IS NULL OR household_id = %(h)s ORDER BY household_id, id""",
        only,
    ):
        quiet = f"{quiet_from:%H:%M}-{quiet_until:%H:%M}" if quiet_from else None
        contacts[h].append(
            ContactEntry(
                name=name,
                relationship=relationship,
                channels=tuple(channels),
                quiet_hours=quiet,
                digest_at=digest_at,
            )
        )
    households = tuple(
        HouseholdEntry.model_validate(
            {
                key: value
                for key, value in zip(("id", *_HOUSEHOLD_COLUMNS), row, strict=True)
                if value is not None
            }
            | {"consent": consents.get(row[0]), "contacts": tuple(contacts[row[0]])}
        )
        for row in conn.execute(
            f"""SELECT id, {", ".join(_HOUSEHOLD_COLUMNS)} FROM households
                WHERE %(h)s::text IS NULL OR id = %(h)s ORDER BY id""",
            only,
        )
    )
    sensors: defaultdict[tuple[str, str], set[str]] = defaultdict(set)
    for h, d, sensor in conn.execute(
        """SELECT household_id, device_id, sensor FROM device_sensors
           WHERE %(h)s::text IS NULL OR household_id = %(h)s""",
        only,
    ):
        sensors[(h, d)].add(sensor)
    devices = tuple(
        DeviceEntry.model_validate(
            {
                key: value
                for key, value in zip(("household", "id", *_DEVICE_COLUMNS), row, strict=True)
                if value is not None
            }
            | {"sensors": sensors[(row[0], row[1])]}
        )
        for row in conn.execute(
            f"""SELECT household_id, id, {", ".join(_DEVICE_COLUMNS)} FROM devices
                WHERE %(h)s::text IS NULL OR household_id = %(h)s ORDER BY household_id, id""",
            only,
        )
    )
    return RegistryFile(households=households, devices=devices)


def load_registry(conn: psycopg.Connection[TupleRow]) -> Registry:
    """One snapshot of the installed registry for ingest (a fixed few queries, whatever its size)."""
    households = frozenset(row[0] for row in conn.execute("SELECT id FROM households"))
    sensors: defaultdict[tuple[str, str], set[SensorKind]] = defaultdict(set)
    for household, device in conn.execute("SELECT household_id, id FROM devices WHERE removed_on IS NULL"):
        sensors.setdefault((household, device), set())
    for household, device, sensor in conn.execute(
        """SELECT s.household_id, s.device_id, s.sensor FROM device_sensors s
           JOIN devices d ON (d.household_id, d.id) = (s.household_id, s.device_id)
           WHERE d.removed_on IS NULL"""
    ):
        sensors[(household, device)].add(SensorKind(sensor))
    frozen = {key: frozenset(kinds) for key, kinds in sensors.items()}
    vendors = {
        (dialect, vendor_id): VendorDevice(
            household=household, device=device, sensors=frozen[(household, device)]
        )
        for household, device, dialect, vendor_id in conn.execute(
            """SELECT household_id, id, dialect, vendor_id FROM devices
               WHERE vendor_id IS NOT NULL AND removed_on IS NULL"""
        )
    }
    return Registry(households, frozen, vendors)


def set_monitoring_state(
    conn: psycopg.Connection[TupleRow],
    household: str,
    state: MonitoringState,
    *,
    away_until: dt.datetime | None = None,
) -> bool:
    """Change what is watched for a household; False if there is no such household."""
    with conn.transaction():
        cur = conn.execute(
            """UPDATE households SET monitoring_state = %s, away_until = %s,
                   ended_at = CASE WHEN %s = 'ended' THEN now() END
               WHERE id = %s""",
            (state, away_until if state is MonitoringState.AWAY else None, state, household),
        )
    return cur.rowcount == 1


def remove_device(conn: psycopg.Connection[TupleRow], household: str, device: str, on: dt.date) -> bool:
    """Mark a device removed from the home (kept for history; ingest stops accepting it)."""
    with conn.transaction():
        cur = conn.execute(
            "UPDATE devices SET removed_on = %s WHERE household_id = %s AND id = %s AND removed_on IS NULL",
            (on, household, device),
        )
    return cur.rowcount == 1

"""Registry rows in the database: import households and devices, load the ingest snapshot."""

from collections import defaultdict

import psycopg
from psycopg.rows import TupleRow

from devices import Registry, RegistryFile, SensorKind


def import_registry(conn: psycopg.Connection[TupleRow], registry_file: RegistryFile) -> None:
    """Upsert every household and device of the file in one transaction (all or nothing)."""
    with conn.transaction(), conn.cursor() as cur:
        cur.executemany(
            """INSERT INTO households (id, timezone) VALUES (%s, %s)
               ON CONFLICT (id) DO UPDATE SET timezone = EXCLUDED.timezone""",
            [(h.id, h.timezone) for h in registry_file.households],
        )
        cur.executemany(
            """INSERT INTO devices (household_id, id, role, room) VALUES (%s, %s, %s, %s)
               ON CONFLICT (household_id, id)
               DO UPDATE SET role = EXCLUDED.role, room = EXCLUDED.room""",
            [(d.household, d.id, str(d.role), d.room) for d in registry_file.devices],
        )
        cur.executemany(
            """INSERT INTO device_sensors (household_id, device_id, sensor) VALUES (%s, %s, %s)
               ON CONFLICT DO NOTHING""",
            [(d.household, d.id, str(s)) for d in registry_file.devices for s in sorted(d.sensors)],
        )


def load_registry(conn: psycopg.Connection[TupleRow]) -> Registry:
    """One snapshot of the whole registry (two queries, whatever its size)."""
    households = frozenset(row[0] for row in conn.execute("SELECT id FROM households"))
    sensors: defaultdict[tuple[str, str], set[SensorKind]] = defaultdict(set)
    for household, device in conn.execute("SELECT household_id, id FROM devices"):
        sensors.setdefault((household, device), set())
    for household, device, sensor in conn.execute(
        "SELECT household_id, device_id, sensor FROM device_sensors"
    ):
        sensors[(household, device)].add(SensorKind(sensor))
    return Registry(households, {key: frozenset(kinds) for key, kinds in sensors.items()})

"""Device health from the store: every installed device's state in one query, then findings."""

import datetime as dt

import psycopg
from psycopg.rows import TupleRow

from devices import DeviceRole
from devices._health import DeviceHealth, assess, default_interval
from store._findings import Finding, Reconciled, reconcile_findings

HEALTH_KINDS = ("hub_offline", "device_offline", "battery_low", "sensor_silent")
# The whole home is unwatched while its hub is down: that cannot wait for a weekly review.
_SEVERITY = {"hub_offline": "high"}


def load_device_health(conn: psycopg.Connection[TupleRow]) -> list[DeviceHealth]:
    """All installed devices of households being monitored (not paused or ended), in one query."""
    roles = list(DeviceRole)
    rows = conn.execute(
        """SELECT d.household_id, d.id, d.role, d.room,
                  coalesce(d.expected_interval, r.interval),
                  coalesce(d.installed_on::timestamptz, d.created_at),
                  s.last_seen_at, s.last_activity_at, s.online, s.status_changed_at, s.battery
           FROM devices d
           JOIN households h ON h.id = d.household_id
           JOIN unnest(%s::text[], %s::interval[]) AS r(role, interval) ON r.role = d.role
           LEFT JOIN device_state s ON (s.household_id, s.device_id) = (d.household_id, d.id)
           WHERE d.removed_on IS NULL AND h.monitoring_state IN ('active', 'away')""",
        ([str(r) for r in roles], [default_interval(r) for r in roles]),
    ).fetchall()
    return [
        DeviceHealth(
            household=h,
            device=d,
            role=DeviceRole(role),
            room=room,
            expected_interval=interval,
            installed_at=installed,
            last_seen_at=seen,
            last_activity_at=active,
            online=online,
            status_changed_at=changed,
            battery=battery,
        )
        for h, d, role, room, interval, installed, seen, active, online, changed, battery in rows
    ]


def check_device_health(conn: psycopg.Connection[TupleRow], now: dt.datetime) -> Reconciled:
    """One pass over every home: store what is wrong now, clear what has recovered."""
    current = [
        Finding(
            household=f.household,
            condition_key=f.condition_key,
            kind=f.kind,
            severity=_SEVERITY.get(f.kind, "routine"),
            device=f.device,
            onset=f.onset,
            message=f.message,
            evidence=f.evidence,
        )
        for f in assess(load_device_health(conn), now)
    ]
    conn.commit()
    return reconcile_findings(conn, HEALTH_KINDS, current, now)

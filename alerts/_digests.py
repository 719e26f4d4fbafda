"""The daily reassurance digest: at each family contact's digest time, the day in one sentence,
the day's alerts and what was done, and the routine news held for it. Once per contact per day.

When a digest is due, derived from stored state alone (so restarts change nothing): a contact
with a digest time and a channel, in an active household, is due once the household's local
clock on day D reaches their digest time, until a digest for D is recorded. A service that was
down at that time sends it when it is back, if it is still day D there; after local midnight
that day's digest is skipped (yesterday's news as today's would mislead) and the routine news
it would have carried waits for the next one. A digest falling in the contact's quiet hours
is held until they end. The `digests` row, unique per contact and day, is written in the
transaction that puts the messages in the outbox, so it is sent exactly once however many
alerts processes run.
"""

import dataclasses
import datetime as dt
import logging
import zoneinfo

import numpy as np
import numpy.typing as npt
import psycopg
from psycopg import sql
from psycopg.rows import TupleRow

from alerts import _messages, _outbox
from alerts._alert_store import ALERT_COLUMNS, Cursor, HouseholdNotFound, alert_from_row, load_households
from alerts._audit import record_audit, with_worker
from alerts._config import AlertConfig
from alerts._records import Alert, Contact, Household
from alerts._routing import audiences_for, plan_digest
from alerts._vocabulary import Audience
from detection import LOOK_BACK, DayStatus, Device, Home, RoutineBaseline, day_status
from devices import DeviceRole, SensorKind
from telecare._workers import EVERY_HOUSEHOLD, WorkerShare

log = logging.getLogger(__name__)

DIGEST_ACTOR = "system:digest"
# Digests written per transaction: a council's 6 p.m. rush is worked through in a few passes,
# each holding its contacts' locks briefly.
DIGEST_BATCH = 100
# Said instead of the day's sentence if it could not be worked out: the rest of the digest
# (alerts, held news) is read from the alerts themselves and is complete.
NO_STATUS = "We could not put together today's summary of the day, sorry; the alerts below are complete."

_ENTRY_ALERT_COLUMNS = ", ".join(f"a.{column.strip()}" for column in ALERT_COLUMNS.split(","))
_DUE = """
    SELECT c.id, c.household_id, local.day
    FROM contacts c
    JOIN households h ON h.id = c.household_id
    CROSS JOIN LATERAL (SELECT (%(now)s::timestamptz AT TIME ZONE h.timezone) AS clock) local_clock
    CROSS JOIN LATERAL (SELECT local_clock.clock::date AS day, local_clock.clock::time AS time) local
    WHERE c.digest_at IS NOT NULL AND cardinality(c.channels) > 0
      AND h.monitoring_state = 'active' AND {owned}
      AND local.time >= c.digest_at
      AND NOT EXISTS (SELECT 1 FROM digests d WHERE d.contact_id = c.id AND d.day = local.day)
    ORDER BY c.id
    LIMIT %(limit)s
    FOR UPDATE OF c SKIP LOCKED"""


def send_due_digests(
    conn: psycopg.Connection[TupleRow],
    config: AlertConfig,
    now: dt.datetime,
    *,
    worker: WorkerShare = EVERY_HOUSEHOLD,
) -> int:
    """Write up to DIGEST_BATCH digests of `worker`'s households due at `now`, with their
    messages, in one transaction; the number written (call again while it is not 0)."""
    due_sql = sql.SQL(_DUE).format(owned=worker.owned("c.household_id"))
    with conn.transaction(), conn.cursor() as cur:
        due = cur.execute(due_sql, {"now": now, "limit": DIGEST_BATCH}).fetchall()
        households = load_households(cur, {household for _, household, _ in due})
        today: dict[str, tuple[str, list[Alert]]] = {}
        written = 0
        for contact_id, household_id, day in due:
            household = households[household_id]
            if household_id not in today:
                today[household_id] = _the_day(cur, household, now)
            status, alerts = today[household_id]
            contact = next(c for c in household.contacts if c.id == contact_id)
            written += _write_digest(cur, household, contact, day, status, alerts, config, now, worker)
    if written:
        log.info("digests written count=%d", written)
    return written


def household_day_status(
    conn: psycopg.Connection[TupleRow] | Cursor, household: str, *, now: dt.datetime
) -> DayStatus:
    """Today's status of a household (its local day at `now`), from the store: the sentence the
    digest opens with, and the facts behind it. HouseholdNotFound if there is none."""
    profile = load_households(conn, [household]).get(household)
    if profile is None:
        raise HouseholdNotFound(f"there is no household {household!r}")
    alerts_today = len(_alerts_today(conn, profile, now))
    return _day_readings(conn, profile, now).status(now, alerts_today=alerts_today)


def _the_day(cur: Cursor, household: Household, now: dt.datetime) -> tuple[str, list[Alert]]:
    """The household's sentence for today and its urgent and high alerts raised today."""
    alerts = _alerts_today(cur, household, now)
    readings = _day_readings(cur, household, now)
    try:
        sentence = readings.status(now, alerts_today=len(alerts)).sentence
    # The sentence is a courtesy; the digest is the promise. A fault in summarising one home's
    # day (its readings are read above, so this is never a database error) must neither stop
    # its digest nor the digests of the homes after it.
    except Exception as exc:
        log.warning(
            "day status failed; digest sent without it household=%s error=%s",
            household.id,
            type(exc).__name__,
        )
        sentence = NO_STATUS
    return sentence, alerts


def _write_digest(
    cur: Cursor,
    household: Household,
    contact: Contact,
    day: dt.date,
    status: str,
    today: list[Alert],
    config: AlertConfig,
    now: dt.datetime,
    worker: WorkerShare,
) -> int:
    row = cur.execute(
        """INSERT INTO digests (contact_id, household_id, day, created_at) VALUES (%s, %s, %s, %s)
           ON CONFLICT (contact_id, day) DO NOTHING RETURNING id""",
        (contact.id, household.id, day, now),
    ).fetchone()
    if row is None:
        return 0  # another process wrote it a moment ago
    digest_id = row[0]
    entries = cur.execute(
        f"""SELECT e.id, {_ENTRY_ALERT_COLUMNS}
            FROM digest_entries e JOIN alerts a ON a.id = e.alert_id
            WHERE e.contact_id = %s AND e.digest_id IS NULL AND e.queued_at <= %s
            ORDER BY e.queued_at, e.id FOR UPDATE OF e""",
        (contact.id, now),
    ).fetchall()
    queued = [alert_from_row(entry[1:]) for entry in entries]
    message = _messages.digest(
        household, day, status, today=today, queued=queued, phone=config.duty_team_phone
    )
    _outbox.enqueue(
        cur, household.id, plan_digest(contact, household, day, message, now), now, digest_id=digest_id
    )
    cur.execute(
        "UPDATE digest_entries SET digest_id = %s, digested_at = %s WHERE id = ANY(%s)",
        (digest_id, now, [entry[0] for entry in entries]),
    )
    record_audit(
        cur,
        actor=DIGEST_ACTOR,
        action="digest.written",
        subject_type="contact",
        subject_id=str(contact.id),
        household=household.id,
        detail=with_worker(
            {"digest_id": digest_id, "day": day.isoformat(), "alerts_today": len(today), "held": len(queued)},
            worker,
        ),
        at=now,
    )
    return 1


def _alerts_today(
    conn: psycopg.Connection[TupleRow] | Cursor, household: Household, now: dt.datetime
) -> list[Alert]:
    """Urgent and high alerts raised (people told) since local midnight that the household's
    routing lets its family hear of, oldest first."""
    rows = conn.execute(
        f"""SELECT {ALERT_COLUMNS} FROM alerts
            WHERE household_id = %s AND severity IN ('urgent', 'high')
              AND raised_at >= %s AND raised_at <= %s
            ORDER BY raised_at, id""",
        (household.id, _midnight(household, now), now),
    ).fetchall()
    return [
        alert for alert in map(alert_from_row, rows) if Audience.FAMILY in audiences_for(alert, household)
    ]


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class _DayReadings:
    """What `day_status` needs of one home, read from the store."""

    home: Home
    t: npt.NDArray[np.float64]
    devices: tuple[str, ...]
    sensors: tuple[str, ...]
    values: npt.NDArray[np.float64]
    baseline: RoutineBaseline | None

    def status(self, now: dt.datetime, *, alerts_today: int) -> DayStatus:
        return day_status(
            self.home,
            self.t,
            self.devices,
            self.sensors,
            self.values,
            now=now,
            baseline=self.baseline,
            alerts_today=alerts_today,
        )


def _day_readings(
    conn: psycopg.Connection[TupleRow] | Cursor, household: Household, now: dt.datetime
) -> _DayReadings:
    rows = conn.execute(
        """SELECT extract(epoch FROM ts)::float8, device_id, sensor, value FROM readings
           WHERE household_id = %s AND ts >= %s AND ts <= %s ORDER BY ts""",
        (household.id, _midnight(household, now) - LOOK_BACK, now),
    ).fetchall()
    t, devices, sensors, values = zip(*rows, strict=True) if rows else ((), (), (), ())
    return _DayReadings(
        home=_home(conn, household),
        t=np.array(t, dtype=np.float64),
        devices=devices,
        sensors=sensors,
        values=np.array(values, dtype=np.float64),
        baseline=_baseline(conn, household.id),
    )


def _home(conn: psycopg.Connection[TupleRow] | Cursor, household: Household) -> Home:
    """The household as detection sees it: its installed devices and what each senses."""
    rows = conn.execute(
        """SELECT d.id, d.role, d.room, array_remove(array_agg(s.sensor), NULL)
           FROM devices d
           LEFT JOIN device_sensors s ON s.household_id = d.household_id AND s.device_id = d.id
           WHERE d.household_id = %s AND d.removed_on IS NULL
           GROUP BY d.id, d.role, d.room""",
        (household.id,),
    ).fetchall()
    devices = {
        device: Device(DeviceRole(role), room, frozenset(map(SensorKind, sensors)))
        for device, role, room, sensors in rows
    }
    return Home(id=household.id, timezone=household.timezone, devices=devices)


def _baseline(conn: psycopg.Connection[TupleRow] | Cursor, household: str) -> RoutineBaseline | None:
    row = conn.execute(
        "SELECT model FROM baselines WHERE household_id = %s ORDER BY version DESC LIMIT 1", (household,)
    ).fetchone()
    return RoutineBaseline.from_json(row[0]) if row is not None else None


def _midnight(household: Household, now: dt.datetime) -> dt.datetime:
    zone = zoneinfo.ZoneInfo(household.timezone)
    return dt.datetime.combine(now.astimezone(zone).date(), dt.time(), tzinfo=zone)

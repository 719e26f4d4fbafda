"""Alerts, the findings behind them and the households they concern, read and written in bulk."""

from collections import defaultdict
from collections.abc import Collection, Iterable

import psycopg
from psycopg.rows import TupleRow
from psycopg.types.json import Jsonb

from alerts._records import Alert, Contact, FindingState, Household
from alerts._vocabulary import AlertState, Audience, Outcome, Severity
from devices import MonitoringState

Cursor = psycopg.Cursor[TupleRow]

ALERT_COLUMNS = """id, household_id, condition_key, kind, severity, state, device_id, onset, created_at,
    updated_at, message, evidence, last_finding_id, occurrences, raised_at, checkin_until, ack_deadline,
    escalation_level, acknowledged_at, acknowledged_by, condition_cleared_at, resolved_at, resolved_by,
    outcome"""
# Every column but the id, in the order of ALERT_COLUMNS, for INSERT and UPDATE alike.
_WRITTEN = [name.strip() for name in ALERT_COLUMNS.split(",")][1:]


class HouseholdNotFound(LookupError):
    pass


def alert_from_row(row: TupleRow) -> Alert:
    (id_, household, key, kind, severity, state, device, onset, created, updated, message, evidence,
     last_finding, occurrences, raised, checkin_until, deadline, level, acked_at, acked_by, cleared,
     resolved_at, resolved_by, outcome) = row  # fmt: skip
    return Alert(
        id=id_,
        household=household,
        condition_key=key,
        kind=kind,
        severity=Severity(severity),
        state=AlertState(state),
        device=device,
        onset=onset,
        created_at=created,
        updated_at=updated,
        message=message,
        evidence=evidence,
        last_finding_id=last_finding,
        occurrences=occurrences,
        raised_at=raised,
        checkin_until=checkin_until,
        ack_deadline=deadline,
        escalation_level=level,
        acknowledged_at=acked_at,
        acknowledged_by=acked_by,
        condition_cleared_at=cleared,
        resolved_at=resolved_at,
        resolved_by=resolved_by,
        outcome=Outcome(outcome) if outcome is not None else None,
    )


def stored_id(alert: Alert) -> int:
    """The id of an alert read from or written to the store (only a new one has none)."""
    if alert.id is None:
        raise ValueError("this alert has not been stored yet")
    return alert.id


def save_alert(cur: Cursor, alert: Alert) -> Alert:
    """Insert a new alert (returning it with its id) or write every field of a stored one."""
    values = [
        alert.household, alert.condition_key, alert.kind, alert.severity, alert.state, alert.device,
        alert.onset, alert.created_at, alert.updated_at, alert.message, Jsonb(alert.evidence),
        alert.last_finding_id, alert.occurrences, alert.raised_at, alert.checkin_until, alert.ack_deadline,
        alert.escalation_level, alert.acknowledged_at, alert.acknowledged_by, alert.condition_cleared_at,
        alert.resolved_at, alert.resolved_by, alert.outcome,
    ]  # fmt: skip
    if alert.id is None:
        placeholders = ", ".join(["%s"] * len(_WRITTEN))
        row = cur.execute(
            f"INSERT INTO alerts ({', '.join(_WRITTEN)}) VALUES ({placeholders}) RETURNING {ALERT_COLUMNS}",
            values,
        ).fetchone()
        assert row is not None
        return alert_from_row(row)
    assignments = ", ".join(f"{name} = %s" for name in _WRITTEN)
    cur.execute(f"UPDATE alerts SET {assignments} WHERE id = %s", [*values, alert.id])
    return alert


def lock_alerts(
    cur: Cursor, ids: Collection[int], conditions: Collection[tuple[str, str]] = ()
) -> dict[int, Alert]:
    """These alerts, and the unresolved alert of each (household, condition key), locked in one
    statement in id order, the order every writer locks in, so writers never deadlock."""
    rows = cur.execute(
        f"""SELECT {ALERT_COLUMNS} FROM alerts
            WHERE id = ANY(%s)
               OR (state <> 'resolved'
                   AND (household_id, condition_key) IN (SELECT * FROM unnest(%s::text[], %s::text[])))
            ORDER BY id FOR UPDATE""",
        (list(ids), [household for household, _ in conditions], [key for _, key in conditions]),
    ).fetchall()
    return {stored_id(alert): alert for alert in map(alert_from_row, rows)}


def link_finding(cur: Cursor, finding_id: int, alert_id: int) -> None:
    cur.execute("INSERT INTO alert_findings (finding_id, alert_id) VALUES (%s, %s)", (finding_id, alert_id))


def finding_links(cur: Cursor, finding_ids: Collection[int]) -> dict[int, int]:
    rows = cur.execute(
        "SELECT finding_id, alert_id FROM alert_findings WHERE finding_id = ANY(%s)", (list(finding_ids),)
    ).fetchall()
    return dict(rows)


def load_findings(cur: Cursor, ids: Collection[int]) -> dict[int, FindingState]:
    rows = cur.execute(
        """SELECT id, household_id, condition_key, kind, severity, device_id, onset, cleared_at, message,
                  evidence
           FROM findings WHERE id = ANY(%s)""",
        (list(ids),),
    ).fetchall()
    return {
        row[0]: FindingState(
            id=row[0],
            household=row[1],
            condition_key=row[2],
            kind=row[3],
            severity=Severity(row[4]),
            device=row[5],
            onset=row[6],
            cleared_at=row[7],
            message=row[8],
            evidence=row[9],
        )
        for row in rows
    }


def load_households(cur: Cursor | psycopg.Connection[TupleRow], ids: Iterable[str]) -> dict[str, Household]:
    """Each household's profile, contacts and routes, in three queries however many there are."""
    wanted = sorted(set(ids))
    contacts: defaultdict[str, list[Contact]] = defaultdict(list)
    for household, *fields in cur.execute(
        """SELECT household_id, id, name, relationship, channels, quiet_from, quiet_until, digest_at
           FROM contacts WHERE household_id = ANY(%s) ORDER BY id""",
        (wanted,),
    ):
        id_, name, relationship, channels, quiet_from, quiet_until, digest_at = fields
        contacts[household].append(
            Contact(
                id=id_,
                name=name,
                relationship=relationship,
                channels=tuple(channels),
                quiet_from=quiet_from,
                quiet_until=quiet_until,
                digest_at=digest_at,
            )
        )
    routes: defaultdict[str, dict[str, frozenset[Audience]]] = defaultdict(dict)
    for household, applies_to, audiences in cur.execute(
        "SELECT household_id, applies_to, audiences FROM alert_routes WHERE household_id = ANY(%s)", (wanted,)
    ):
        routes[household][applies_to] = frozenset(map(Audience, audiences))
    rows = cur.execute(
        """SELECT id, timezone, display_name, monitoring_state, known_to_wander, checkin_window
           FROM households WHERE id = ANY(%s)""",
        (wanted,),
    ).fetchall()
    return {
        id_: Household(
            id=id_,
            timezone=timezone,
            display_name=display_name,
            monitoring_state=MonitoringState(state),
            known_to_wander=wanders,
            checkin_window=window,
            contacts=tuple(contacts[id_]),
            routes=routes[id_],
        )
        for id_, timezone, display_name, state, wanders, window in rows
    }

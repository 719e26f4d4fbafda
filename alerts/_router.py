"""The router: turns every queued finding change into alert changes, in the order detection made them."""

import datetime as dt

import psycopg
from psycopg.rows import TupleRow

from alerts._alert_store import finding_links, load_findings, load_households, lock_alerts, stored_id
from alerts._apply import apply_transition
from alerts._config import AlertConfig
from alerts._lifecycle import on_finding
from alerts._vocabulary import AlertState

FINDINGS_CHANNEL = "telecare_findings"  # notified by the findings trigger (migration 0010)
# Finding changes routed per transaction: big enough that a backlog after an outage drains in
# a few passes, small enough that a pass holds its locks for well under a second.
ROUTER_BATCH = 500
# One router works at a time (others wait their turn): routing is fast, and one writer makes
# "one unresolved alert per condition" a decision rather than a race. Any constant unique to us.
_ROUTER_LOCK = 0x7E1EC4_0A10


def route_findings(conn: psycopg.Connection[TupleRow], config: AlertConfig, now: dt.datetime) -> int:
    """Route up to ROUTER_BATCH queued finding changes in one transaction; the number routed."""
    with conn.transaction(), conn.cursor() as cur:
        locked = cur.execute("SELECT pg_try_advisory_xact_lock(%s)", (_ROUTER_LOCK,)).fetchone()
        if locked is None or not locked[0]:
            return 0
        queued = cur.execute(
            "SELECT id, finding_id FROM alert_finding_inbox ORDER BY id LIMIT %s", (ROUTER_BATCH,)
        ).fetchall()
        if not queued:
            return 0
        order = list(dict.fromkeys(finding_id for _, finding_id in queued))
        # A finding gone since (its household erased) has nothing left to route.
        findings = load_findings(cur, order)
        links = finding_links(cur, order)
        households = load_households(cur, {f.household for f in findings.values()})
        conditions = {(f.household, f.condition_key) for f in findings.values()}
        alerts = lock_alerts(cur, set(links.values()), conditions)
        unresolved = {
            (a.household, a.condition_key): id_
            for id_, a in alerts.items()
            if a.state is not AlertState.RESOLVED
        }
        for finding_id in order:
            finding = findings.get(finding_id)
            if finding is None:
                continue
            condition = (finding.household, finding.condition_key)
            linked, open_id = links.get(finding_id), unresolved.get(condition)
            household = households[finding.household]
            change = on_finding(
                finding,
                linked=alerts[linked] if linked is not None else None,
                unresolved=alerts[open_id] if open_id is not None else None,
                household=household,
                now=now,
                config=config,
            )
            if change is None:
                continue
            alert = apply_transition(cur, change, household, config, now)
            alerts[stored_id(alert)] = alert
            if change.takes_finding is not None:
                links[change.takes_finding] = stored_id(alert)
            if alert.state is AlertState.RESOLVED:
                unresolved.pop(condition, None)
            else:
                unresolved[condition] = stored_id(alert)
        cur.execute("DELETE FROM alert_finding_inbox WHERE id = ANY(%s)", ([id_ for id_, _ in queued],))
    return len(queued)

"""The router: turns every queued finding change into alert changes, in the order detection made them."""

import datetime as dt

import psycopg
from psycopg import sql
from psycopg.rows import TupleRow

from alerts._alert_store import finding_links, load_findings, load_households, lock_alerts, stored_id
from alerts._apply import apply_transition
from alerts._config import AlertConfig
from alerts._lifecycle import on_finding
from alerts._vocabulary import AlertState
from telecare._workers import EVERY_HOUSEHOLD, WorkerShare

FINDINGS_CHANNEL = "telecare_findings"  # notified by the findings trigger (migration 0010)
# Finding changes routed per transaction: big enough that a backlog after an outage drains in
# a few passes, small enough that a pass holds its locks for well under a second.
ROUTER_BATCH = 500
# Which queued changes a router takes: its own households' (see telecare/_workers.py), oldest
# first. The rows are locked in that order and held until the pass commits: each household has
# one owner, so routers of different shares never meet here, and two routers that do claim the
# same household (two copies of one worker, or a moment of a deployment changing the worker
# count) take its changes strictly one after the other, the later one waiting for the earlier
# to commit and then finding those rows gone. That keeps "one unresolved alert per condition" a
# decision rather than a race without one lock for every router. A change whose finding is gone
# (its household erased) is nobody's household: the first worker clears it away.
_QUEUED = """
    SELECT i.id, i.finding_id FROM alert_finding_inbox i LEFT JOIN findings f ON f.id = i.finding_id
    WHERE CASE WHEN f.id IS NULL THEN {first} ELSE {owned} END
    ORDER BY i.id LIMIT {limit}
    FOR UPDATE OF i"""


def route_findings(
    conn: psycopg.Connection[TupleRow],
    config: AlertConfig,
    now: dt.datetime,
    *,
    worker: WorkerShare = EVERY_HOUSEHOLD,
) -> int:
    """Route up to ROUTER_BATCH queued finding changes of `worker`'s households in one
    transaction; the number routed."""
    queued_sql = sql.SQL(_QUEUED).format(
        first=sql.Literal(worker.first), owned=worker.owned("f.household_id"), limit=sql.Literal(ROUTER_BATCH)
    )
    with conn.transaction(), conn.cursor() as cur:
        queued = cur.execute(queued_sql).fetchall()
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
            alert = apply_transition(cur, change, household, config, now, worker=worker)
            alerts[stored_id(alert)] = alert
            if change.takes_finding is not None:
                links[change.takes_finding] = stored_id(alert)
            if alert.state is AlertState.RESOLVED:
                unresolved.pop(condition, None)
            else:
                unresolved[condition] = stored_id(alert)
        cur.execute("DELETE FROM alert_finding_inbox WHERE id = ANY(%s)", ([id_ for id_, _ in queued],))
    return len(queued)

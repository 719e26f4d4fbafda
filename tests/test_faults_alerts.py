"""Alerting through faults: a notification receiver that is down, and detection and alerts
processes killed at random moments. Real PostgreSQL, a real webhook receiver, real processes."""

import collections
import dataclasses

import psycopg
import pytest

from tests.fault_scenarios_alerts import prepare_night, receiver_down, run_night
from tests.receivers import HttpReceiver, http_receiver
from tests.services import fresh_database

Conn = psycopg.Connection[psycopg.rows.TupleRow]


@pytest.mark.slow
def test_a_receiver_down_for_a_while_gets_every_notification_exactly_once_after(database_url: str) -> None:
    figures = receiver_down(database_url, outage_s=6, households=10, escalate=False)

    assert figures.notifications >= 20  # each home's family and the duty team
    assert (figures.missing, figures.duplicated) == (0, 0)
    assert figures.received == figures.notifications


@dataclasses.dataclass(frozen=True)
class Night:
    """What a night left: the alerts, their escalations, and what reached whom (as shown)."""

    alerts: list[tuple[object, ...]]
    escalations: list[tuple[object, ...]]
    shown: collections.Counter[tuple[str, str]]


def _outcome(database_url: str, receiver: HttpReceiver) -> Night:
    with psycopg.connect(database_url) as conn:
        alerts = conn.execute(
            "SELECT household_id, kind, state, escalation_level, occurrences FROM alerts ORDER BY 1, 2"
        ).fetchall()
        escalations = conn.execute(
            """SELECT a.household_id, a.kind, count(*) FROM audit_events e
               JOIN alerts a ON e.subject_id = a.id::text
               WHERE e.action = 'alert.escalated' GROUP BY 1, 2 ORDER BY 1, 2"""
        ).fetchall()
    shown = collections.Counter((m.recipient, m.title) for m in receiver.inbox.delivered)
    return Night([tuple(r) for r in alerts], [tuple(r) for r in escalations], shown)


@pytest.mark.slow
def test_detection_and_alerts_killed_at_random_moments_lose_and_double_no_alert(
    database_url: str, server_url: str
) -> None:
    homes = [f"h-night-{n}" for n in range(6)]
    with http_receiver() as undisturbed, fresh_database(server_url, "t_night_reference") as reference_url:
        prepare_night(reference_url, undisturbed, homes)
        assert run_night(reference_url, undisturbed, kills=0, seed=0) == 0
        expected = _outcome(reference_url, undisturbed)
    with http_receiver() as receiver:
        prepare_night(database_url, receiver, homes)
        landed = run_night(database_url, receiver, kills=5, seed=2026)
        outcome = _outcome(database_url, receiver)
        keys = [m.key for m in receiver.inbox.received]

    assert landed == 5
    assert len(expected.alerts) == 6, "the night must hold alerts to mean anything"
    assert len(expected.escalations) == 6
    assert outcome == expected
    # A message is received twice only when its sender died between sending and recording,
    # and then with the same key, which the receiver shows once.
    assert all(key is not None for key in keys)

"""The alert queue as a viewer may see it: urgent first, then what still waits for someone,
then the longest waiting; filtered by severity, kind and team. Pseudonymous (household ids,
no names), so listing it is not a read of personal data."""

import dataclasses
import datetime as dt

from alerts import AlertState, Severity
from web._access import HouseholdScope
from web._accounts import Conn


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class QueueFilter:
    severity: Severity | None = None
    kind: str | None = None
    team: str | None = None
    include_resolved: bool = False


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class QueueItem:
    id: int
    household: str
    kind: str
    severity: Severity
    state: AlertState
    message: str
    created_at: dt.datetime
    raised_at: dt.datetime | None
    ack_deadline: dt.datetime | None
    acknowledged_by: str | None
    escalation_level: int
    occurrences: int
    teams: tuple[str, ...]


def alert_queue(
    conn: Conn, scope: HouseholdScope, wanted: QueueFilter, *, limit: int = 500
) -> list[QueueItem]:
    rows = conn.execute(
        f"""SELECT a.id, a.household_id, a.kind, a.severity, a.state, a.message, a.created_at, a.raised_at,
                   a.ack_deadline, a.acknowledged_by, a.escalation_level, a.occurrences,
                   coalesce((SELECT array_agg(t.name ORDER BY t.name)
                             FROM team_households th JOIN teams t ON t.id = th.team_id
                             WHERE th.household_id = a.household_id), '{{}}')
            FROM alerts a
            WHERE {scope.sql("a.household_id")}
              AND (%(include_resolved)s OR a.state <> 'resolved')
              AND (%(severity)s::text IS NULL OR a.severity = %(severity)s)
              AND (%(kind)s::text IS NULL OR a.kind = %(kind)s)
              AND (%(team)s::text IS NULL OR EXISTS (
                    SELECT 1 FROM team_households th JOIN teams t ON t.id = th.team_id
                    WHERE th.household_id = a.household_id AND t.name = %(team)s))
            ORDER BY a.state = 'resolved',
                     array_position(ARRAY['urgent', 'high', 'routine'], a.severity),
                     a.state = 'acknowledged', a.created_at, a.id
            LIMIT %(limit)s""",
        {
            **scope.params(),
            "include_resolved": wanted.include_resolved,
            "severity": wanted.severity,
            "kind": wanted.kind,
            "team": wanted.team,
            "limit": limit,
        },
    ).fetchall()
    return [
        QueueItem(
            id=row[0],
            household=row[1],
            kind=row[2],
            severity=Severity(row[3]),
            state=AlertState(row[4]),
            message=row[5],
            created_at=row[6],
            raised_at=row[7],
            ack_deadline=row[8],
            acknowledged_by=row[9],
            escalation_level=row[10],
            occurrences=row[11],
            teams=tuple(row[12]),
        )
        for row in rows
    ]


def filter_choices(conn: Conn, scope: HouseholdScope) -> tuple[list[str], list[str]]:
    """The kinds among the viewer's unresolved alerts, and the teams covering their households."""
    params = scope.params()
    kinds = [
        row[0]
        for row in conn.execute(
            f"""SELECT DISTINCT kind FROM alerts WHERE state <> 'resolved' AND {scope.sql("household_id")}
                ORDER BY kind""",
            params,
        )
    ]
    teams = [
        row[0]
        for row in conn.execute(
            f"""SELECT DISTINCT t.name FROM teams t LEFT JOIN team_households th ON th.team_id = t.id
                WHERE %(scope_every)s OR {scope.sql("th.household_id")} ORDER BY t.name""",
            params,
        )
    ]
    return kinds, teams

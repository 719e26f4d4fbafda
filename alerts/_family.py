"""A household's alerts as its family hears of them: those its routing tells the family of, each
in the words of the family's own messages (what happened, and where it stands now)."""

import dataclasses
import datetime as dt

import psycopg
from psycopg.rows import TupleRow

from alerts._alert_store import ALERT_COLUMNS, HouseholdNotFound, alert_from_row, load_households
from alerts._messages import _progress, what_happened
from alerts._routing import audiences_for
from alerts._vocabulary import AlertState, Audience


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class FamilyAlert:
    what: str  # "The pendant alarm was pressed"
    noticed_at: dt.datetime
    explanation: str  # the finding's own words, with its numbers
    progress: str  # what was done, as the family's messages say it
    resolved: bool


def family_alerts(
    conn: psycopg.Connection[TupleRow], household: str, *, since: dt.datetime, until: dt.datetime, limit: int
) -> list[FamilyAlert]:
    """Alerts people were told of between `since` and `until` that the household's routing lets
    its family hear of, newest first (one still waiting for the person's own "I'm fine" is not
    yet news). HouseholdNotFound if there is no such household."""
    profile = load_households(conn, [household]).get(household)
    if profile is None:
        raise HouseholdNotFound(f"there is no household {household!r}")
    rows = conn.execute(
        f"""SELECT {ALERT_COLUMNS} FROM alerts
            WHERE household_id = %s AND raised_at IS NOT NULL AND raised_at >= %s AND raised_at <= %s
            ORDER BY raised_at DESC, id DESC""",
        (household, since, until),
    ).fetchall()
    heard = [a for a in map(alert_from_row, rows) if Audience.FAMILY in audiences_for(a, profile)]
    return [
        FamilyAlert(
            what=what_happened(alert.kind),
            noticed_at=alert.onset,
            explanation=alert.message,
            progress=_progress(alert, profile),
            resolved=alert.state is AlertState.RESOLVED,
        )
        for alert in heard[:limit]
    ]

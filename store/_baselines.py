"""Detection's baselines in the store: a new version per household per refit, the latest read back."""

import datetime as dt
from collections.abc import Iterable
from typing import Any

import psycopg
from psycopg.rows import TupleRow
from psycopg.types.json import Jsonb

# Enough history to see how a person's learned day changed over a season, no more.
KEEP_VERSIONS = 90


def save_baselines(
    conn: psycopg.Connection[TupleRow], fitted: Iterable[tuple[str, int, dict[str, Any]]], at: dt.datetime
) -> None:
    """(household, days learned, model JSON) each as the household's next version."""
    with conn.transaction(), conn.cursor() as cur:
        cur.executemany(
            """INSERT INTO baselines (household_id, version, fitted_at, days_learned, model)
               SELECT %s, coalesce(max(version), 0) + 1, %s, %s, %s FROM baselines WHERE household_id = %s""",
            [(h, at, days, Jsonb(model), h) for h, days, model in fitted],
        )
        cur.execute(
            """DELETE FROM baselines b USING (
                   SELECT household_id, max(version) AS newest FROM baselines GROUP BY household_id) n
               WHERE b.household_id = n.household_id AND b.version <= n.newest - %s""",
            (KEEP_VERSIONS,),
        )


def latest_baselines(conn: psycopg.Connection[TupleRow]) -> dict[str, dict[str, Any]]:
    rows = conn.execute(
        """SELECT DISTINCT ON (household_id) household_id, model FROM baselines
           ORDER BY household_id, version DESC"""
    ).fetchall()
    return {household: model for household, model in rows}

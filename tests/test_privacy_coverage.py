"""No table escapes export and erasure: every table of the migrated schema is either found to
hold household data (and then covered) or declared unrelated, with a reason; a table added
later is covered if it has a household_id column, and stops export and erasure if it refers
to household data some other way that store/_privacy.py does not know."""

import datetime as dt
import io
import zipfile

import psycopg
import pytest
from psycopg.rows import TupleRow

import store
from devices import parse_registry_yaml
from store._privacy import LINKED_TABLES, UNRELATED_TABLES

Conn = psycopg.Connection[TupleRow]
NOW = dt.datetime(2026, 11, 22, 12, 0, tzinfo=dt.UTC)
HOME = """
households:
  - id: h-1
    timezone: Europe/London
"""


def test_every_table_of_the_schema_is_covered_or_declared_unrelated(conn: Conn) -> None:
    unclassified = store.unclassified_tables(conn)
    assert unclassified == [], (
        f"tables {unclassified} are neither covered by export/erasure nor declared unrelated to "
        "households: add them to store/_privacy.py LINKED_TABLES or UNRELATED_TABLES"
    )


def test_every_table_with_a_household_column_is_covered(conn: Conn) -> None:
    with_household_column = {
        table
        for (table,) in conn.execute(
            """SELECT DISTINCT c.table_name::text FROM information_schema.columns c
               JOIN pg_class k ON k.relname = c.table_name AND k.relnamespace = current_schema()::regnamespace
               WHERE c.table_schema = current_schema() AND NOT k.relispartition
                 AND c.column_name ILIKE '%%household%%'"""
        )
    }
    covered = {t.name for t in store.household_tables(conn)}
    assert with_household_column <= covered
    assert with_household_column, "the schema has household tables"
    assert not covered & set(UNRELATED_TABLES)
    assert set(LINKED_TABLES) <= covered, "every linked table exists"


def test_a_new_table_with_a_household_id_column_is_exported_and_erased_without_being_listed(
    conn: Conn,
) -> None:
    store.import_registry(conn, parse_registry_yaml(HOME))
    conn.execute("CREATE TABLE visit_notes (household_id text NOT NULL, note text NOT NULL)")
    conn.execute("INSERT INTO visit_notes VALUES ('h-1', 'visited, all well')")
    conn.commit()

    out = io.BytesIO()
    store.export_household(conn, "h-1", out, by="dpo", now=NOW)
    erased = store.erase_household(conn, "h-1", by="dpo", now=NOW)

    assert "visited, all well" in zipfile.ZipFile(out).read("visit_notes.csv").decode()
    assert erased["visit_notes"] == 1
    assert conn.execute("SELECT count(*) FROM visit_notes").fetchone() == (0,)


@pytest.mark.parametrize(
    "ddl",
    [
        "CREATE TABLE alert_photos (alert_id bigint REFERENCES alerts (id), photo bytea)",
        "CREATE TABLE visits (household text REFERENCES households (id), at timestamptz)",
    ],
)
def test_a_new_table_holding_household_data_some_other_way_stops_export_and_erasure(
    conn: Conn, ddl: str
) -> None:
    store.import_registry(conn, parse_registry_yaml(HOME))
    conn.execute(ddl)
    conn.commit()

    with pytest.raises(store.UnknownHouseholdData, match=r"store/_privacy\.py"):
        store.export_household(conn, "h-1", io.BytesIO(), by="dpo", now=NOW)
    with pytest.raises(store.UnknownHouseholdData):
        store.erase_household(conn, "h-1", by="dpo", now=NOW)
    assert conn.execute("SELECT count(*) FROM households").fetchone() == (1,), "nothing erased"

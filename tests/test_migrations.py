"""Migrations: applied once, recorded, harmless to run again."""

import psycopg

import store

SCHEMA = """
SELECT c.relname, c.relkind, a.attname, format_type(a.atttypid, a.atttypmod)
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
WHERE n.nspname = 'public'
ORDER BY 1, 3
"""


def test_running_migrations_twice_changes_nothing(conn: psycopg.Connection[psycopg.rows.TupleRow]) -> None:
    before = conn.execute(SCHEMA).fetchall()
    versions = conn.execute("SELECT version, applied_at FROM schema_migrations").fetchall()

    assert store.migrate(conn) == []

    assert conn.execute(SCHEMA).fetchall() == before
    assert conn.execute("SELECT version, applied_at FROM schema_migrations").fetchall() == versions
    assert [v for v, _ in versions] == [v for v, _, _ in store._migrations.available()]


def test_partitions_are_created_for_any_month_a_reading_falls_in(
    conn: psycopg.Connection[psycopg.rows.TupleRow],
) -> None:
    conn.execute("SELECT ensure_reading_partitions('2026-01-15Z', '2026-03-02Z')")
    conn.execute("SELECT ensure_reading_partitions('2026-02-01Z', '2026-02-01Z')")
    names = [
        row[0]
        for row in conn.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = 'readings'::regclass ORDER BY 1"
        )
    ]
    assert names == ["readings_2026_01", "readings_2026_02", "readings_2026_03"]

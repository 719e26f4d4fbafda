"""Connections to the store."""

import psycopg
from psycopg.rows import TupleRow


def connect(database_url: str, *, application_name: str = "telecare") -> psycopg.Connection[TupleRow]:
    """A connection with the session settings every part of the platform assumes."""
    conn = psycopg.connect(database_url, application_name=application_name)
    # Timestamps leave the database as UTC; each household's own timezone is applied in code.
    conn.execute("SET TIME ZONE 'UTC'")
    conn.commit()
    return conn

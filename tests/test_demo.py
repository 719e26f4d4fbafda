"""`telecare demo`: simulated homes published, ingested, summarised, exit 0."""

import os
import subprocess
import sys
import uuid

import psycopg


def test_the_demo_runs_for_its_duration_stores_readings_and_exits_cleanly(
    database_url: str, mqtt_url: str
) -> None:
    env = dict(
        os.environ,
        TELECARE_DATABASE_URL=database_url,
        TELECARE_MQTT_URL=mqtt_url,
        TELECARE_INGEST_CLIENT_ID=f"test-demo-{uuid.uuid4().hex[:8]}",
        TELECARE_INGEST_SESSION_EXPIRY_SECONDS="60",
    )
    result = subprocess.run(
        [sys.executable, "-m", "telecare", "demo", "--households", "3", "--speed", "7200", "--duration", "6"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr[-2000:]
    assert "demo finished after" in result.stdout
    with psycopg.connect(database_url) as conn:
        homes = conn.execute("SELECT count(DISTINCT household_id) FROM readings").fetchone()
        dead = conn.execute("SELECT count(*) FROM dead_letters").fetchone()
    assert homes == (3,), "every demo home has readings stored"
    assert dead == (0,)

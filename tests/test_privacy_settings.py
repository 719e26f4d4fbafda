"""Secrets: production refuses embedded services and default passwords, settings never print a
password, and retention is one setting that ingest's age limit follows."""

import json
import os
import signal
import subprocess
import sys
import threading
import urllib.parse
import uuid

import psycopg
import pytest

from telecare.settings import Settings, SettingsRefused, production_problems, redact_url
from tests.services import free_port, wait_until

SAFE = {
    "environment": "production",
    "database_url": "postgresql://telecare:Xk3-long-random-9f@db.internal:5432/telecare",
    "mqtt_url": "mqtts://telecare-ingest:Qp8-long-random-2c@broker.internal:8883",
    "web_secure_cookies": True,
    "duty_team_channels": ("mailtos://duty:Zr5-long-random-7a@smtp.example.org?to=duty@example.org",),
}


@pytest.fixture(autouse=True)
def no_telecare_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("TELECARE_") and not name.startswith(("TELECARE_TEST_", "TELECARE_BENCH_")):
            monkeypatch.delenv(name)


def test_development_needs_nothing_so_make_demo_runs_on_embedded_defaults() -> None:
    settings = Settings()
    assert settings.environment == "development"
    assert settings.database_url is None
    assert settings.mqtt_url is None


def test_production_with_explicit_non_default_secrets_is_accepted() -> None:
    settings = Settings(**SAFE)  # type: ignore[arg-type]
    assert production_problems(settings) == []


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        ({"database_url": None}, "TELECARE_DATABASE_URL is unset"),
        (
            {"database_url": "postgresql://postgres:postgres@db/telecare"},
            "TELECARE_DATABASE_URL carries a default",
        ),
        ({"database_url": "postgresql://telecare:@db/telecare"}, "TELECARE_DATABASE_URL carries a default"),
        ({"mqtt_url": None}, "TELECARE_MQTT_URL is unset"),
        ({"mqtt_url": "mqtt://broker.internal:1883"}, "TELECARE_MQTT_URL has no user and password"),
        ({"mqtt_url": "mqtt://ingest@broker.internal"}, "TELECARE_MQTT_URL has no user and password"),
        ({"mqtt_url": "mqtt://ingest:ChangeMe@broker.internal"}, "TELECARE_MQTT_URL carries a default"),
        ({"web_secure_cookies": False}, "TELECARE_WEB_SECURE_COOKIES is false"),
        (
            {"supervisor_channels": ("mailtos://sup:password@smtp.example.org",)},
            "TELECARE_SUPERVISOR_CHANNELS has a channel with a default",
        ),
    ],
)
def test_production_refuses_each_unsafe_setting_saying_which(
    change: dict[str, object], complaint: str
) -> None:
    with pytest.raises(SettingsRefused) as refused:
        Settings(**{**SAFE, **change})  # type: ignore[arg-type]
    message = str(refused.value)
    assert message.startswith("TELECARE_ENVIRONMENT=production refuses these settings:")
    assert complaint in message
    assert "Xk3-long-random-9f" not in message
    assert "Qp8-long-random-2c" not in message


def test_production_refusal_from_the_environment_stops_a_command_with_the_message_alone() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TELECARE_")} | {
        "TELECARE_ENVIRONMENT": "production",
        "TELECARE_DATABASE_URL": "postgresql://telecare:s3cr3t-Not-Default@127.0.0.1:9/telecare",
    }
    result = subprocess.run(
        [sys.executable, "-m", "telecare", "migrate"], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 1
    assert "TELECARE_MQTT_URL is unset" in result.stderr
    assert "Traceback" not in result.stderr
    assert "s3cr3t-Not-Default" not in result.stderr + result.stdout


def test_repr_and_str_of_the_settings_mask_every_password() -> None:
    settings = Settings(**SAFE)  # type: ignore[arg-type]
    for shown in (repr(settings), str(settings)):
        assert "Xk3-long-random-9f" not in shown
        assert "Qp8-long-random-2c" not in shown
        assert "Zr5-long-random-7a" not in shown
        assert "postgresql://telecare:***@db.internal:5432/telecare" in shown


def test_redact_url_keeps_everything_but_the_password() -> None:
    assert redact_url("mqtt://hub:pw@host:1883?protocol=3.1.1") == "mqtt://hub:***@host:1883?protocol=3.1.1"
    assert redact_url("mqtt://host:1883") == "mqtt://host:1883"
    assert redact_url("postgresql://u:p%40ss@h/db") == "postgresql://u:***@h/db"


def test_retention_is_one_setting_which_ingest_age_limit_follows(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings().readings_retention_days == 395  # 13 months
    monkeypatch.setenv("TELECARE_READINGS_RETENTION_DAYS", "200")
    assert Settings().max_reading_age_days == 200
    monkeypatch.delenv("TELECARE_READINGS_RETENTION_DAYS")
    monkeypatch.setenv("TELECARE_MAX_READING_AGE_DAYS", "100")  # its earlier name still counts
    assert Settings().readings_retention_days == 100


def test_starting_the_platform_logs_no_password_at_info(database_url: str, mqtt_url: str) -> None:
    password = "Pw-" + uuid.uuid4().hex
    db = psycopg.conninfo.conninfo_to_dict(database_url)
    broker = urllib.parse.urlsplit(mqtt_url)
    env = {k: v for k, v in os.environ.items() if not k.startswith("TELECARE_")} | {
        # The test servers trust every local connection, so any password is let in (and must
        # then be kept out of every log line).
        "TELECARE_DATABASE_URL": f"postgresql://{db.get('user', 'postgres')}:{password}@{db['host']}:"
        f"{db.get('port', 5432)}/{db['dbname']}",
        "TELECARE_MQTT_URL": f"mqtt://telecare:{password}@{broker.hostname}:{broker.port or 1883}",
        "TELECARE_DUTY_TEAM_CHANNELS": json.dumps([f"json://duty:{password}@127.0.0.1:9/duty"]),
        "TELECARE_INGEST_CLIENT_ID": f"telecare-ingest-{uuid.uuid4().hex[:8]}",
        "TELECARE_WEB_PORT": str(free_port()),
        "TELECARE_LOG_LEVEL": "INFO",
    }
    lines: list[str] = []
    with subprocess.Popen(
        [sys.executable, "-m", "telecare", "run"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    ) as platform:
        assert platform.stdout is not None
        reader = threading.Thread(target=lambda: lines.extend(platform.stdout or ()), daemon=True)
        reader.start()
        try:
            wanted = ("web service listening", "subscribed topics=", "retention pass")
            wait_until(
                lambda: all(any(w in line for line in lines) for w in wanted), timeout=60, what=str(wanted)
            )
        finally:
            platform.send_signal(signal.SIGINT)
            platform.wait(30)
        reader.join(10)
    assert any("level=INFO" in line for line in lines)
    assert not [line for line in lines if password in line]

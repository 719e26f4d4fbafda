"""Secrets: production refuses embedded services and default passwords, settings never print a
password, and retention is one setting that ingest's age limit follows."""

import os
import subprocess
import sys

import pytest

from telecare.settings import Settings, SettingsRefused, production_problems, redact_url

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
        if name.startswith("TELECARE_"):
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

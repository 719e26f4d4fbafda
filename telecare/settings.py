"""The one settings object: every tunable of the platform, read from TELECARE_* variables."""

import os
import pathlib
import urllib.parse
from collections.abc import Iterable
from typing import Annotated, Literal, Self

from pydantic import AliasChoices, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Passwords that ship in examples, images and tutorials: a production service using one is as
# open as one with none. Compared case-insensitively.
KNOWN_DEFAULT_PASSWORDS = frozenset(
    {"", "admin", "changeme", "change-me", "example", "guest", "mosquitto", "mqtt", "pass", "password"}
    | {"postgres", "public", "secret", "telecare", "test", "1234", "12345678"}
)


class SettingsRefused(SystemExit):
    """Settings unsafe for production. A SystemExit, so every command stops with the message
    alone: a traceback (or pydantic's own error, which echoes the input) would print secrets."""


def redact_url(url: str) -> str:
    """The URL with any password replaced by `***`, for logs and reprs."""
    parts = urllib.parse.urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rsplit("@", 1)[1]
    user = parts.username or ""
    return urllib.parse.urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))


def _default_data_dir() -> pathlib.Path:
    base = os.environ.get("XDG_DATA_HOME") or pathlib.Path.home() / ".local" / "share"
    return pathlib.Path(base) / "telecare"


class Settings(BaseSettings):
    """Platform settings. Unset URLs mean "start the embedded service" (see the README)."""

    # hide_input_in_errors: a refused value may be a URL with its password in it.
    model_config = SettingsConfigDict(env_prefix="TELECARE_", extra="ignore", hide_input_in_errors=True)

    # `development` (the default, so `make demo` runs on embedded services with no settings)
    # or `production`, which refuses embedded services, anonymous brokers, insecure cookies and
    # known default passwords (see `production_problems`).
    environment: Literal["development", "production"] = "development"

    database_url: str | None = Field(
        default=None,
        description="libpq URL of PostgreSQL; unset starts an embedded PostgreSQL under data_dir.",
    )
    mqtt_url: str | None = Field(
        default=None,
        description="mqtt://[user:password@]host:port of the broker; unset starts an in-process broker.",
    )
    data_dir: pathlib.Path = Field(
        default_factory=_default_data_dir,
        description="Where embedded services keep their files.",
    )
    ingest_client_id: str = Field(
        default="telecare-ingest",
        description="MQTT client id of ingest. Its persistent session holds messages while it is down.",
    )
    # The broker keeps ingest's session, and so every message for it, this long while ingest
    # is away. A week outlasts any outage we would survive without noticing.
    ingest_session_expiry_seconds: Annotated[int, Field(ge=0)] = 7 * 24 * 3600
    # 5,000 rows is where COPY's per-batch overhead is already negligible, yet a batch
    # commits in tens of milliseconds, well inside the latency budget.
    ingest_batch_size: Annotated[int, Field(ge=1, le=100_000)] = 5000
    # Upper bound on how long a received reading waits before its batch is written.
    ingest_batch_seconds: Annotated[float, Field(gt=0, le=10)] = 0.2
    # MQTT 5 Receive Maximum: the broker never has more unacknowledged messages in flight to
    # ingest than this, so it bounds ingest's memory and is how backpressure reaches the
    # broker when the database is slow or down (the broker keeps the rest queued).
    ingest_receive_maximum: Annotated[int, Field(ge=1, le=65535)] = 20_000
    # Hub clocks drift; a reading more than this far ahead of our clock is a wrong clock,
    # not the future, and is refused.
    max_clock_skew_seconds: Annotated[float, Field(ge=0)] = 300.0
    # Raw readings are kept this long (13 months: a year's comparison plus a month's margin),
    # then dropped a whole partition at a time; ingest refuses older ones, which retention
    # would drop anyway. TELECARE_MAX_READING_AGE_DAYS, its earlier name, is still read.
    readings_retention_days: Annotated[int, Field(ge=1)] = Field(
        default=395,
        validation_alias=AliasChoices(
            "readings_retention_days", "TELECARE_READINGS_RETENTION_DAYS", "TELECARE_MAX_READING_AGE_DAYS"
        ),
    )
    # Daily features (one small row per home per day) outlive the readings they summarise, so
    # years-long trends stay visible: 6 years by default.
    features_retention_days: Annotated[int, Field(ge=1)] = 6 * 366
    # Dead letters hold raw payloads and topics naming households; long enough to diagnose a
    # misconfigured device, no longer.
    dead_letter_retention_days: Annotated[int, Field(ge=1)] = 90
    # Alerts, findings, notes, notifications and the audit trail are care records: kept while
    # a home is served and this long after monitoring ended (the Records Management Code of
    # Practice's 8 years for adult social care), then reported as due for erasure.
    care_records_retention_days: Annotated[int, Field(ge=1)] = 8 * 366
    # Scale-out. Ingest workers given the same share group split the broker's messages between
    # them (an MQTT 5 shared subscription, `$share/<group>/...`); each needs its own client id,
    # so its own persistent session. Unset: one ingest with a plain subscription.
    ingest_share_group: Annotated[str | None, Field(pattern=r"^[A-Za-z0-9_-]{1,64}$")] = None
    # Detection and alerts workers split households by a stable hash (telecare/_workers.py):
    # this process looks after the households whose hash modulo `worker_count` is `worker_index`.
    worker_index: Annotated[int, Field(ge=0)] = 0
    worker_count: Annotated[int, Field(ge=1)] = 1
    # Alerts. The platform's own teams, each a list of Apprise URLs (JSON in the environment,
    # e.g. TELECARE_DUTY_TEAM_CHANNELS='["mailtos://user:pass@smtp.example.org?to=duty@example.org"]').
    duty_team_channels: tuple[str, ...] = ()
    supervisor_channels: tuple[str, ...] = ()
    device_team_channels: tuple[str, ...] = ()
    # The number families are given to reach the duty team; unset, messages leave it out.
    duty_team_phone: str | None = None
    # Acknowledge deadlines: urgent 60 s (the TSA's 60-s answer target; escalating then leaves
    # the supervisor the rest of the 180-s one), high 5 min; routine unset: never escalated.
    alert_ack_urgent_seconds: Annotated[float, Field(gt=0)] = 60.0
    alert_ack_high_seconds: Annotated[float, Field(gt=0)] = 300.0
    alert_ack_routine_seconds: Annotated[float | None, Field(gt=0)] = None
    # A contact or team channel failing this long is reported to the duty team (or, for the
    # duty team's own channel, to the supervisor).
    alert_unreachable_seconds: Annotated[float, Field(gt=0)] = 300.0
    # Web. Loopback by default: put a TLS-terminating proxy in front to serve anyone else.
    web_host: str = "127.0.0.1"
    web_port: Annotated[int, Field(ge=0, le=65535)] = 8000
    # Session cookies are marked Secure when the request came over https (directly or via a
    # proxy's X-Forwarded-Proto); True forces it, for a proxy that does not say.
    web_secure_cookies: bool = False
    # A session left idle this long ends (an open console refreshing itself counts as use);
    # none outlives a long shift.
    web_session_idle_seconds: Annotated[float, Field(gt=0)] = 30 * 60
    web_session_lifetime_seconds: Annotated[float, Field(gt=0)] = 12 * 3600
    # Sign-in rate limits over a sliding window: failures per username (slows guessing one
    # password) and per client address (slows trying many usernames).
    web_login_window_seconds: Annotated[float, Field(gt=0)] = 15 * 60
    web_login_max_failures_per_user: Annotated[int, Field(ge=1)] = 5
    web_login_max_failures_per_address: Annotated[int, Field(ge=1)] = 20
    log_level: str = "INFO"

    @property
    def max_reading_age_days(self) -> int:
        """Ingest refuses readings older than raw-data retention: one setting, two uses."""
        return self.readings_retention_days

    @model_validator(mode="after")
    def _refuse_unsafe_production(self) -> Self:
        if self.environment == "production":
            problems = production_problems(self)
            if problems:
                raise SettingsRefused(
                    "TELECARE_ENVIRONMENT=production refuses these settings:\n"
                    + "\n".join(f"  - {problem}" for problem in problems)
                )
        return self

    def __repr_args__(self) -> Iterable[tuple[str | None, object]]:
        # Settings are printed in errors and debugging sessions: never with a password.
        for name, value in super().__repr_args__():
            if isinstance(value, str) and name in _URL_FIELDS:
                yield name, redact_url(value)
            elif isinstance(value, tuple) and name in _URL_FIELDS:
                yield name, tuple(redact_url(v) for v in value)
            else:
                yield name, value


_URL_FIELDS = frozenset(
    {"database_url", "mqtt_url", "duty_team_channels", "supervisor_channels", "device_team_channels"}
)


def production_problems(settings: Settings) -> list[str]:
    """What makes these settings unsafe for a production service, each saying what to set."""
    problems = []
    if settings.database_url is None:
        problems.append("TELECARE_DATABASE_URL is unset (the embedded PostgreSQL is for development)")
    elif _default_password(settings.database_url):
        problems.append("TELECARE_DATABASE_URL carries a default or empty password")
    if settings.mqtt_url is None:
        problems.append("TELECARE_MQTT_URL is unset (the in-process broker is for development)")
    else:
        parts = urllib.parse.urlsplit(settings.mqtt_url)
        if not parts.username or parts.password is None:
            problems.append(
                "TELECARE_MQTT_URL has no user and password (the broker must refuse anonymous clients)"
            )
        elif _default_password(settings.mqtt_url):
            problems.append("TELECARE_MQTT_URL carries a default or empty password")
    for name in ("duty_team_channels", "supervisor_channels", "device_team_channels"):
        if any(_default_password(url) for url in getattr(settings, name)):
            problems.append(f"TELECARE_{name.upper()} has a channel with a default or empty password")
    if not settings.web_secure_cookies:
        problems.append("TELECARE_WEB_SECURE_COOKIES is false (session cookies must only travel over https)")
    return problems


def _default_password(url: str) -> bool:
    try:
        password = urllib.parse.urlsplit(url).password
    except ValueError:  # a malformed netloc: let the code that uses the URL say what is wrong
        return False
    return password is not None and urllib.parse.unquote(password).lower() in KNOWN_DEFAULT_PASSWORDS

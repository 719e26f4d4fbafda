"""The one settings object: every tunable of the platform, read from TELECARE_* variables."""

import os
import pathlib
from typing import Annotated

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def _default_data_dir() -> pathlib.Path:
    base = os.environ.get("XDG_DATA_HOME") or pathlib.Path.home() / ".local" / "share"
    return pathlib.Path(base) / "telecare"


class Settings(BaseSettings):
    """Platform settings. Unset URLs mean "start the embedded service" (see the README)."""

    model_config = SettingsConfigDict(env_prefix="TELECARE_", extra="ignore")

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
    # Older readings are refused: they would fall outside raw-data retention (13 months).
    max_reading_age_days: Annotated[int, Field(ge=1)] = 395
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

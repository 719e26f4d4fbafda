"""What the alerts service is told by the platform's settings: team channels and deadlines."""

import dataclasses
import datetime as dt
from collections.abc import Mapping

from alerts._vocabulary import Audience, Severity

# TSA Quality Standards Framework: 97.5% of alarm calls answered within 60 s, 99% within
# 180 s. An urgent alert not acknowledged in 60 s has already missed the first target, and
# escalating then leaves the supervisor two minutes to meet the second.
URGENT_ACK_WITHIN = dt.timedelta(seconds=60)
# High alerts (not up, cold home) come from watchdogs that have already waited out a grace
# period; five minutes to pick one up keeps them well ahead of the hour-scale harm they warn of.
HIGH_ACK_WITHIN = dt.timedelta(minutes=5)
# A family contact or team channel failing this long is a problem a person must solve
# (phone them instead); five minutes is within the time a responder is still acting on it.
UNREACHABLE_AFTER = dt.timedelta(minutes=5)


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class TeamChannels:
    """Apprise URLs of the teams the platform itself staffs."""

    duty_team: tuple[str, ...] = ()
    supervisor: tuple[str, ...] = ()
    device_team: tuple[str, ...] = ()

    def of(self, audience: Audience) -> tuple[str, ...]:
        return {
            Audience.DUTY_TEAM: self.duty_team,
            Audience.SUPERVISOR: self.supervisor,
            Audience.DEVICE_TEAM: self.device_team,
        }.get(audience, ())


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class AlertConfig:
    teams: TeamChannels = TeamChannels()
    # How long an alert may wait for acknowledgement before it is escalated; a severity
    # missing here is never escalated (routine news is for reading, not for answering).
    ack_within: Mapping[Severity, dt.timedelta] = dataclasses.field(
        default_factory=lambda: {Severity.URGENT: URGENT_ACK_WITHIN, Severity.HIGH: HIGH_ACK_WITHIN}
    )
    unreachable_after: dt.timedelta = UNREACHABLE_AFTER
    # The number families are given to reach the duty team, if there is one.
    duty_team_phone: str | None = None

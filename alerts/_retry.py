"""After a failed delivery: when to try again, when to give up, when a person must be told."""

import dataclasses
import datetime as dt
import random
import uuid

from alerts._vocabulary import Event

# A receiver restarting or a network blip is usually back within seconds.
FIRST_RETRY = dt.timedelta(seconds=5)
# Waits double up to this: once a channel is back, even a message that has been failing for
# hours reaches it within two minutes.
LONGEST_RETRY = dt.timedelta(minutes=2)
# Retries are spread by up to this fraction either way, so messages queued behind one outage
# do not all arrive at the receiver in the same instant when it returns.
JITTER = 0.2
# A message a day late is no longer news; the duty team was told long before (see
# AlertConfig.unreachable_after) and the alert itself is on the console.
GIVE_UP_AFTER = dt.timedelta(days=1)
# How long a dispatcher may hold a message it is sending before another may take it over.
# Far longer than any send can take (Apprise's connect and read timeouts are seconds; SMTP's
# 15 s connect plus the exchange), so a live sender is never overtaken; a dead one's message
# is retried, in doubt, this long after.
LEASE = dt.timedelta(minutes=2)


@dataclasses.dataclass(frozen=True, slots=True)
class AfterFailure:
    retry_at: dt.datetime | None  # None: give up, the message is undeliverable
    raise_problem: bool


def after_failure(
    *,
    key: uuid.UUID,
    event: Event,
    attempts: int,
    deliver_after: dt.datetime,
    problem_raised: bool,
    unusable: bool,
    unreachable_after: dt.timedelta,
    now: dt.datetime,
) -> AfterFailure:
    """`attempts` counts the one that just failed; `unusable` means the channel cannot work at
    all (an address Apprise cannot parse), so waiting would not help."""
    failing_for = now - deliver_after
    # A problem report that cannot be delivered is not itself reported: no loops.
    reportable = event is not Event.DELIVERY_PROBLEM and not problem_raised
    if unusable:
        return AfterFailure(retry_at=None, raise_problem=reportable)
    if failing_for >= GIVE_UP_AFTER:
        return AfterFailure(retry_at=None, raise_problem=reportable)
    # The exponent is bounded so a day of retries cannot overflow a timedelta.
    wait = min(LONGEST_RETRY, FIRST_RETRY * 2 ** min(attempts - 1, 16))
    # Seeded by the message and attempt, so the schedule is reproducible.
    spread = random.Random(f"{key}/{attempts}").uniform(1 - JITTER, 1 + JITTER)
    return AfterFailure(
        retry_at=now + wait * spread,
        raise_problem=reportable and failing_for >= unreachable_after,
    )

"""Instants (UTC seconds) to a household's local clock, vectorised and exact across DST."""

import datetime as dt
import zoneinfo

import numpy as np
import numpy.typing as npt

SECONDS_PER_DAY = 86_400
Seconds = npt.NDArray[np.float64]


def utc_offsets(t: Seconds, timezone: str) -> Seconds:
    """The zone's UTC offset (seconds) at each instant.

    Offsets change only on whole hours, so the offset is looked up per hour of the span and
    each instant takes its hour's: exact, and one zoneinfo call per hour instead of per event.
    """
    if t.size == 0:
        return np.zeros(0)
    tz = zoneinfo.ZoneInfo(timezone)
    first_hour = np.floor(t.min() / 3600) * 3600
    hours = np.arange(first_hour, t.max() + 3600, 3600)
    offsets = np.array(
        [dt.datetime.fromtimestamp(h, dt.UTC).astimezone(tz).utcoffset().total_seconds() for h in hours]  # type: ignore[union-attr]
    )
    looked_up: Seconds = offsets[((t - first_hour) // 3600).astype(np.int64)]
    return looked_up


def local_day_and_time(t: Seconds, timezone: str) -> tuple[npt.NDArray[np.int64], Seconds]:
    """(local calendar day as days since 1970-01-01, seconds since local midnight) per instant."""
    local = t + utc_offsets(t, timezone)
    day = np.floor(local / SECONDS_PER_DAY).astype(np.int64)
    return day, local - day * SECONDS_PER_DAY


def local_instant(day: int, seconds_of_day: float, timezone: str) -> float:
    """The UTC instant of a local wall-clock time on a local day (a non-existent DST time moves on)."""
    # Adding to an aware datetime moves its wall clock, which is what a local time means.
    epoch = dt.datetime(1970, 1, 1, tzinfo=zoneinfo.ZoneInfo(timezone))
    return (epoch + dt.timedelta(days=day, seconds=seconds_of_day)).timestamp()

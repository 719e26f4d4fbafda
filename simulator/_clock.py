"""A household's local clock over a span: wall-clock time to UTC and back, vectorised, and
ISO-8601 formatting with the local offset for many instants at once."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import zoneinfo

import numpy as np
from numpy.typing import NDArray

DAY = 86_400
HOUR = 3_600
MINUTE = 60


@dataclasses.dataclass(frozen=True, slots=True)
class OffsetTable:
    """A timezone's UTC offsets between two instants: `offsets[i]` (seconds east of UTC) holds
    from `changes[i]` (UTC epoch seconds) on; `changes[0]` is the start of the span."""

    timezone: str
    changes: NDArray[np.int64]
    offsets: NDArray[np.int64]

    @classmethod
    def build(cls, timezone: str, start: int, end: int) -> OffsetTable:
        """Offsets from `start` to `end` (UTC epoch seconds), found to the second."""
        tz = zoneinfo.ZoneInfo(timezone)
        # Offsets change at most a few times a year: sample daily, then narrow each change
        # down to the second by bisection.
        changes, offsets = [start - DAY], [_offset(tz, start - DAY)]
        for instant in range(start - DAY, end + DAY, DAY):
            offset = _offset(tz, instant + DAY)
            if offset != offsets[-1]:
                changes.append(_first_with_offset(tz, instant, instant + DAY, offset))
                offsets.append(offset)
        return cls(timezone, np.array(changes, dtype=np.int64), np.array(offsets, dtype=np.int64))

    def offset_at(self, utc: NDArray[np.int64]) -> NDArray[np.int64]:
        index = np.searchsorted(self.changes, utc, side="right") - 1
        return self.offsets[np.clip(index, 0, len(self.offsets) - 1)]

    def to_utc(self, wall: NDArray[np.int64]) -> NDArray[np.int64]:
        """Local wall-clock seconds (the local date and time read as if UTC) to UTC epoch seconds.

        A wall time skipped by a change to summer time maps an hour later; a repeated one maps
        to its first occurrence.
        """
        first_guess = wall - self.offsets[0]
        second_guess = wall - self.offset_at(first_guess)
        return wall - self.offset_at(second_guess)

    def to_wall(self, utc: NDArray[np.int64]) -> NDArray[np.int64]:
        return utc + self.offset_at(utc)


def _offset(tz: zoneinfo.ZoneInfo, instant: int) -> int:
    offset = dt.datetime.fromtimestamp(instant, tz).utcoffset()
    return int(offset.total_seconds()) if offset is not None else 0


def _first_with_offset(tz: zoneinfo.ZoneInfo, low: int, high: int, offset: int) -> int:
    while high - low > 1:
        middle = (low + high) // 2
        if _offset(tz, middle) == offset:
            high = middle
        else:
            low = middle
    return high


def local_midnights(table: OffsetTable, first_day: dt.date, days: int) -> NDArray[np.int64]:
    """UTC epoch seconds of local midnight for `days` consecutive local dates."""
    return table.to_utc(wall_midnights(first_day, days))


def wall_midnights(first_day: dt.date, days: int) -> NDArray[np.int64]:
    """Wall-clock seconds (local time read as if UTC) of midnight of each date."""
    first = (first_day - dt.date(1970, 1, 1)).days * DAY
    return first + np.arange(days, dtype=np.int64) * DAY


def format_local(utc: NDArray[np.int64], table: OffsetTable) -> list[str]:
    """ISO-8601 with the local offset, to the second, e.g. `2026-01-05T07:45:12+00:00`."""
    if len(utc) == 0:
        return []
    offsets = table.offset_at(utc)
    wall = utc + offsets
    # Dates and times of day come from small lookup tables: formatting millions of instants
    # one datetime at a time would dominate the time it takes to write a scenario.
    first_day = int(wall.min() // DAY)
    day_index = wall // DAY - first_day
    dates = np.datetime_as_string(
        np.arange(first_day, first_day + int(day_index.max()) + 1).astype("datetime64[D]")
    ).tolist()
    suffixes = {int(o): _offset_suffix(int(o)) for o in np.unique(offsets)}
    suffix = [suffixes[o] for o in offsets.tolist()]
    times = _times_of_day()
    return [
        f"{dates[d]}T{times[s]}{z}"
        for d, s, z in zip(day_index.tolist(), (wall % DAY).tolist(), suffix, strict=True)
    ]


def _offset_suffix(offset: int) -> str:
    sign = "+" if offset >= 0 else "-"
    hours, minutes = divmod(abs(offset) // MINUTE, 60)
    return f"{sign}{hours:02d}:{minutes:02d}"


@functools.cache
def _times_of_day() -> list[str]:
    return [f"{s // HOUR:02d}:{s // MINUTE % 60:02d}:{s % 60:02d}" for s in range(DAY)]


def format_instant(utc: float, timezone: str) -> str:
    """One instant as ISO-8601 in a timezone, to the second."""
    moment = dt.datetime.fromtimestamp(round(utc), zoneinfo.ZoneInfo(timezone))
    return moment.isoformat()

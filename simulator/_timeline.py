"""Where a person is and what they are doing, as consecutive episodes in UTC epoch seconds.

The routine model writes a timeline, incidents rewrite parts of it, and the sensors are
derived from it; so an incident changes the readings exactly as the person's day changed.
"""

from __future__ import annotations

import dataclasses
import enum

import numpy as np
from numpy.typing import NDArray

from simulator._home import Room


class Activity(enum.IntEnum):
    SLEEP = 0
    NAP_BED = 1
    NAP_CHAIR = 2
    SEATED = 3
    TOILET = 4
    WASH = 5
    DRESS = 6
    MEAL = 7
    TEA = 8
    POTTER = 9
    WANDER = 10
    OUT = 11
    UNWELL_IN_BED = 12  # awake but not getting up (missed wake-up)
    STUCK_IN_BATHROOM = 13
    COLLAPSED = 14  # on the floor after a fall, not moving
    VISITING = 15  # a visitor or responder moving about


# Movements per hour that a PIR in the room could see, by activity. Sleep and naps are the
# turning over that a bedroom PIR sees; sitting is reaching and shifting in the chair.
MOTION_PER_HOUR = np.array(
    [0.4, 0.5, 0.8, 5.0, 25.0, 35.0, 30.0, 35.0, 30.0, 20.0, 30.0, 0.0, 0.6, 1.0, 0.0, 20.0]
)
IN_BED = np.zeros(len(Activity), dtype=bool)
IN_BED[[Activity.SLEEP, Activity.NAP_BED, Activity.UNWELL_IN_BED]] = True
IN_CHAIR = np.zeros(len(Activity), dtype=bool)
IN_CHAIR[[Activity.SEATED, Activity.NAP_CHAIR]] = True


@dataclasses.dataclass(frozen=True, slots=True)
class Episode:
    start: int
    end: int
    room: Room
    activity: Activity
    kettle: bool = False  # boils the kettle during this episode


@dataclasses.dataclass(frozen=True, slots=True)
class Timeline:
    """Episodes in time order. The person's timeline has no gaps; a visitor's may."""

    start: NDArray[np.int64]
    end: NDArray[np.int64]
    room: NDArray[np.int8]
    activity: NDArray[np.int8]
    kettle: NDArray[np.bool_]

    @classmethod
    def of(cls, episodes: list[Episode]) -> Timeline:
        kept = [e for e in episodes if e.end > e.start]
        return cls(
            np.array([e.start for e in kept], dtype=np.int64),
            np.array([e.end for e in kept], dtype=np.int64),
            np.array([e.room for e in kept], dtype=np.int8),
            np.array([e.activity for e in kept], dtype=np.int8),
            np.array([e.kettle for e in kept], dtype=np.bool_),
        )

    def __len__(self) -> int:
        return len(self.start)

    def at(self, instant: int) -> Episode:
        """The episode under way at `instant` (the first one if it is before them all)."""
        n = max(int(np.searchsorted(self.start, instant, side="right")) - 1, 0)
        return Episode(
            int(self.start[n]),
            int(self.end[n]),
            Room(self.room[n]),
            Activity(self.activity[n]),
            bool(self.kettle[n]),
        )

    def occupy(self, start: int, end: int, episodes: list[Episode]) -> Timeline:
        """This timeline with [start, end) given over to `episodes`; what overlaps is cut."""
        before = self.start < start
        after = self.end > end
        inserted = Timeline.of(episodes)
        return Timeline(
            np.concatenate([self.start[before], inserted.start, np.maximum(self.start[after], end)]),
            np.concatenate([np.minimum(self.end[before], start), inserted.end, self.end[after]]),
            np.concatenate([self.room[before], inserted.room, self.room[after]]),
            np.concatenate([self.activity[before], inserted.activity, self.activity[after]]),
            np.concatenate([self.kettle[before], inserted.kettle, self.kettle[after]]),
        )

    def clipped(self, start: int, end: int) -> Timeline:
        keep = (self.end > start) & (self.start < end)
        return Timeline(
            np.maximum(self.start[keep], start),
            np.minimum(self.end[keep], end),
            self.room[keep],
            self.activity[keep],
            self.kettle[keep],
        )

    def plus(self, other: Timeline) -> Timeline:
        """Both timelines' episodes, in time order (for visitors, whose visits do not overlap)."""
        order = np.argsort(np.concatenate([self.start, other.start]), kind="stable")
        return Timeline(
            np.concatenate([self.start, other.start])[order],
            np.concatenate([self.end, other.end])[order],
            np.concatenate([self.room, other.room])[order],
            np.concatenate([self.activity, other.activity])[order],
            np.concatenate([self.kettle, other.kettle])[order],
        )


EMPTY = Timeline.of([])

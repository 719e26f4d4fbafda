"""Which households a detection worker looks after when several share the load.

A household belongs to worker `md5(id) mod count`: stable across processes, machines and
Python versions (unlike `hash()`), so every worker agrees without any coordination that each
household has exactly one owner.
"""

import dataclasses
import hashlib


def household_bucket(household_id: str, count: int) -> int:
    """The worker index (0 .. count-1) that owns this household."""
    digest = hashlib.md5(household_id.encode(), usedforsecurity=False).digest()
    return int.from_bytes(digest[:4], "big") % count


def owned_by_worker(household_id: str, index: int, count: int) -> bool:
    return household_bucket(household_id, count) == index


@dataclasses.dataclass(frozen=True, slots=True)
class WorkerShare:
    """Worker `index` of `count`; the default, one worker of one, owns every household."""

    index: int = 0
    count: int = 1

    def __post_init__(self) -> None:
        if self.count < 1 or not 0 <= self.index < self.count:
            raise ValueError(f"worker index must be in 0..{self.count - 1}, got {self.index} of {self.count}")

    @property
    def everything(self) -> bool:
        return self.count == 1

    def owns(self, household_id: str) -> bool:
        return self.everything or owned_by_worker(household_id, self.index, self.count)


EVERY_HOUSEHOLD = WorkerShare()

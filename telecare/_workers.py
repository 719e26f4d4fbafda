"""Which households a detection or alerts worker looks after when several share the load.

A household belongs to worker `md5(id) mod count`: stable across processes, machines and
Python versions (unlike `hash()`), so every worker agrees without any coordination that each
household has exactly one owner. The same rule is written in SQL (`WorkerShare.owned`), so a
worker asks the database for its own rows instead of reading everyone's and dropping most.
"""

import dataclasses
import hashlib

from psycopg import sql


def household_bucket(household_id: str, count: int) -> int:
    """The worker index (0 .. count-1) that owns this household."""
    digest = hashlib.md5(household_id.encode(), usedforsecurity=False).digest()
    return int.from_bytes(digest[:4], "big") % count


def owned_by_worker(household_id: str, index: int, count: int) -> bool:
    return household_bucket(household_id, count) == index


def bucket_sql(column: sql.Composable, count: int) -> sql.Composable:
    """`household_bucket` in SQL: the first 4 bytes of the MD5 (8 hex digits) read as an unsigned
    big-endian number, modulo the count. PostgreSQL hashes the text's bytes in the database
    encoding, UTF-8, as Python does."""
    return sql.SQL("mod(('x' || substr(md5({}), 1, 8))::bit(32)::bigint, {})").format(
        column, sql.Literal(count)
    )


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

    @property
    def first(self) -> bool:
        """Whether this worker also does the jobs that span every household (one must, once)."""
        return self.index == 0

    def owns(self, household_id: str) -> bool:
        return self.everything or owned_by_worker(household_id, self.index, self.count)

    def owned(self, column: str) -> sql.Composable:
        """A SQL condition on `column` (a household id, e.g. "n.household_id"): true for this
        worker's households, and always true when one worker does everything."""
        if self.everything:
            return sql.SQL("TRUE")
        identifier = sql.Identifier(*column.split("."))
        return sql.SQL("{} = {}").format(bucket_sql(identifier, self.count), sql.Literal(self.index))

    def __str__(self) -> str:
        """As logs and the audit trail name it: "1/2" is the second of two workers."""
        return f"{self.index}/{self.count}"


EVERY_HOUSEHOLD = WorkerShare()


def configured_worker(index: int, count: int) -> WorkerShare:
    """The share the settings give this process; a clear error for an index outside the count."""
    try:
        return WorkerShare(index, count)
    except ValueError as exc:
        raise SystemExit(f"TELECARE_WORKER_INDEX and TELECARE_WORKER_COUNT: {exc}") from exc

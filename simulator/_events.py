"""One household's generated readings as columns: time (UTC epoch seconds), channel of the
standard kit, value."""

from __future__ import annotations

import dataclasses

import numpy as np
from numpy.typing import ArrayLike, NDArray


@dataclasses.dataclass(frozen=True, slots=True)
class Events:
    ts: NDArray[np.int64]
    channel: NDArray[np.int16]
    value: NDArray[np.float64]

    @classmethod
    def of(cls, ts: ArrayLike, channel: ArrayLike, value: ArrayLike) -> Events:
        ts_array = np.asarray(ts, dtype=np.int64)
        return cls(
            ts_array,
            np.broadcast_to(np.asarray(channel, dtype=np.int16), ts_array.shape).copy(),
            np.broadcast_to(np.asarray(value, dtype=np.float64), ts_array.shape).copy(),
        )

    @classmethod
    def concat(cls, parts: list[Events]) -> Events:
        return cls(
            np.concatenate([p.ts for p in parts]) if parts else np.zeros(0, np.int64),
            np.concatenate([p.channel for p in parts]) if parts else np.zeros(0, np.int16),
            np.concatenate([p.value for p in parts]) if parts else np.zeros(0, np.float64),
        )

    def __len__(self) -> int:
        return len(self.ts)

    def where(self, keep: NDArray[np.bool_]) -> Events:
        return Events(self.ts[keep], self.channel[keep], self.value[keep])

    def in_order(self) -> Events:
        """Sorted by time, then channel; the order is stable, so a fixed input gives a fixed output."""
        order = np.lexsort((self.channel, self.ts))
        return Events(self.ts[order], self.channel[order], self.value[order])

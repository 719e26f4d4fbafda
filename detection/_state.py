"""What detection knows of each home right now, kept in arrays (one slot per household) and
updated reading by reading; the watchdogs read it all at once."""

import math

import numpy as np
import numpy.typing as npt

from detection._signals import Place

COLD_BELOW = 16.0  # °C: below this for hours is a risk to an older person's health
HOT_ABOVE = 30.0


def _nan(n: int) -> npt.NDArray[np.float64]:
    return np.full(n, np.nan)


class HomeStates:
    """Per household: when and where the person was last seen, and the home's temperature."""

    def __init__(self, households: list[str]) -> None:
        n = len(households)
        self.households = households
        self.index = {h: i for i, h in enumerate(households)}
        self.last_sign = _nan(n)  # any sign of the person, outside doors included
        self.last_place = np.zeros(n, dtype=np.int8)
        self.place_since = _nan(n)  # when the person arrived where they were last seen
        self.last_inside = _nan(n)  # any sign but an outside door
        self.last_door = _nan(n)  # an outside door opened or closed
        self.last_up = _nan(n)  # kitchen, lounge, hall or door: up and about
        self.last_kitchen = _nan(n)
        self.cold_since = _nan(n)  # the current run of readings below COLD_BELOW began
        self.hot_since = _nan(n)
        self.temperature = _nan(n)
        self.last_reading = _nan(n)  # anything at all from the home: is its hub connected?
        self.resting = np.zeros(n, dtype=bool)  # a bed or chair mat is occupied
        self.out_of_bed_since = _nan(n)  # the bed mat emptied then, and is still empty
        self._occupied: list[set[str]] = [set() for _ in range(n)]
        self._cold: list[dict[str, float]] = [{} for _ in range(n)]  # sensor -> since when
        self._hot: list[dict[str, float]] = [{} for _ in range(n)]

    def observe_mat(self, i: int, mat: str, occupied: bool, t: float, *, bed: bool) -> None:
        (self._occupied[i].add if occupied else self._occupied[i].discard)(mat)
        self.resting[i] = bool(self._occupied[i])
        if bed:
            self.out_of_bed_since[i] = np.nan if occupied else t

    def observe_reading(self, i: int, t: float) -> None:
        if math.isnan(self.last_reading[i]) or t > self.last_reading[i]:
            self.last_reading[i] = t

    def observe_sign(self, i: int, t: float, place: Place) -> None:
        """A sign of the person (a reading whose place is not NONE), in time order."""
        if t < self.last_sign[i]:  # (False while last_sign is NaN: the first sign always counts)
            return  # a late reading cannot move the person back in time
        if place != self.last_place[i] or math.isnan(self.place_since[i]):
            self.place_since[i] = t
        self.last_sign[i] = t
        self.last_place[i] = place
        if place in (Place.KITCHEN, Place.ELSEWHERE, Place.OUTSIDE_DOOR):
            self.last_up[i] = t
        if place == Place.OUTSIDE_DOOR:
            self.last_door[i] = t
            return
        self.last_inside[i] = t
        if place == Place.KITCHEN:
            self.last_kitchen[i] = t

    def observe_temperature(self, i: int, sensor: str, t: float, celsius: float) -> None:
        """Each sensor keeps its own run: one warm room must not hide a cold one."""
        self.temperature[i] = celsius
        for runs, outside in ((self._cold[i], celsius < COLD_BELOW), (self._hot[i], celsius > HOT_ABOVE)):
            if outside:
                runs.setdefault(sensor, t)
            else:
                runs.pop(sensor, None)
        self.cold_since[i] = min(self._cold[i].values(), default=np.nan)
        self.hot_since[i] = min(self._hot[i].values(), default=np.nan)

"""Daily features for a person who has gone out and not come back by the end of the history
(admitted to hospital, gone away): the day's features are computed, with no outing counted
yet. Before, this raised IndexError and stopped `telecare detect` at every refit."""

import datetime as dt

import numpy as np

from detection._features import FEATURES, Feature, daily_features
from detection._localtime import local_instant
from detection._signals import Place

LONDON = "Europe/London"
DAY = (dt.date(2026, 1, 14) - dt.date(1970, 1, 1)).days


def _at(hours: float) -> float:
    return local_instant(DAY, hours * 3600, LONDON)


def test_a_person_out_since_the_last_sign_inside_has_features_and_no_outing_yet() -> None:
    script = [
        (6.5, Place.SLEEP, True),
        (7.0, Place.SLEEP, False),
        (7.3, Place.KITCHEN, False),
        (9.0, Place.ELSEWHERE, False),
        (10.0, Place.OUTSIDE_DOOR, False),  # leaves, and nothing inside is heard again
        (10.01, Place.OUTSIDE_DOOR, False),
    ]
    t = np.array([_at(hours) for hours, _, _ in script])
    place = np.array([p for _, p, _ in script], dtype=np.int8)
    in_bed = np.array([b for _, _, b in script])
    heard = np.sort(np.r_[np.arange(_at(0), _at(12), 1800.0), t])
    features = daily_features(
        t,
        place,
        in_bed,
        np.zeros(len(t), dtype=bool),
        LONDON,
        range(DAY, DAY + 1),
        heard=heard,
        heartbeat=True,
        anchor=6 * 3600.0,
    )
    value = dict(zip(FEATURES, features.values[0], strict=True))
    assert value[Feature.OUTINGS] == 0

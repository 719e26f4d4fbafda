"""The shell of learning from outcomes: responders' resolved alerts read from the store, the
lessons (detection._feedback) written back for the pages, and handed to the engine."""

import datetime as dt
from collections import defaultdict

import psycopg
from psycopg.rows import TupleRow

import store
from detection._feedback import LESSON_DAYS, Lesson, band_of, learn

Learned = dict[str, dict[tuple[str, int], float]]


def learn_from_outcomes(conn: psycopg.Connection[TupleRow], now: dt.datetime) -> Learned:
    """Recompute every household's lessons from the outcomes of the last LESSON_DAYS, store
    them, and return the factors that widen a limit, per household."""
    outcomes: defaultdict[str, list[tuple[str, int, str]]] = defaultdict(list)
    for household, timezone, kind, raised, outcome in store.resolved_outcomes(
        conn, now - dt.timedelta(days=LESSON_DAYS)
    ):
        outcomes[household].append((kind, band_of(kind, raised.timestamp(), timezone), outcome))
    lessons: dict[str, dict[tuple[str, int], Lesson]] = {h: learn(items) for h, items in outcomes.items()}
    store.save_threshold_adjustments(
        conn,
        [
            (
                household,
                lesson.detector,
                lesson.band,
                lesson.factor,
                lesson.false_alarms,
                lesson.real_incidents,
            )
            for household, learned in lessons.items()
            for lesson in learned.values()
        ],
        now,
    )
    return {
        household: {key: lesson.factor for key, lesson in learned.items() if lesson.factor > 1}
        for household, learned in lessons.items()
        if any(lesson.factor > 1 for lesson in learned.values())
    }


def lessons_of(conn: psycopg.Connection[TupleRow], household: str) -> list[Lesson]:
    """A household's stored lessons, for its pages."""
    return [
        Lesson(detector=d, band=b, factor=f, false_alarms=n, real_incidents=r)
        for _, d, b, f, n, r in store.threshold_adjustments(conn, household)
    ]

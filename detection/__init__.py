"""Detection: learned routines, instant rules, time-of-day watchdogs and slow routine change,
each finding explained; limits that learn from responders' outcomes; the weekly picture.

A functional core (signals, daily summaries, baselines, watchdogs: pure functions over numpy
arrays) driven by one engine, shared by the live service and by `telecare evaluate`.
"""

from detection._baseline import RoutineBaseline
from detection._day_status import LOOK_BACK, DayStatus, Outing, day_status
from detection._engine import Capability, Device, Engine, Episode, Home, capability_of
from detection._evaluate import COMPATIBLE, Evaluation, finding_record, replay, replay_routine, score
from detection._feedback import Lesson, describe_lesson
from detection._outcomes import learn_from_outcomes, lessons_of
from detection._weekly import WeeklyPicture, describe_week, weekly_picture

__all__ = [
    "COMPATIBLE",
    "LOOK_BACK",
    "Capability",
    "DayStatus",
    "Device",
    "Engine",
    "Episode",
    "Evaluation",
    "Home",
    "Lesson",
    "Outing",
    "RoutineBaseline",
    "WeeklyPicture",
    "capability_of",
    "day_status",
    "describe_lesson",
    "describe_week",
    "finding_record",
    "learn_from_outcomes",
    "lessons_of",
    "replay",
    "replay_routine",
    "score",
    "weekly_picture",
]

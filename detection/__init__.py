"""Detection: learned routines, instant rules and time-of-day watchdogs, each finding explained.

A functional core (signals, daily summaries, baselines, watchdogs: pure functions over numpy
arrays) driven by one engine, shared by the live service and by `telecare evaluate`.
"""

from detection._baseline import RoutineBaseline
from detection._engine import Device, Engine, Episode, Home
from detection._evaluate import COMPATIBLE, Evaluation, finding_record, replay, score

__all__ = [
    "COMPATIBLE",
    "Device",
    "Engine",
    "Episode",
    "Evaluation",
    "Home",
    "RoutineBaseline",
    "finding_record",
    "replay",
    "score",
]

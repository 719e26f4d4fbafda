"""Detection: learned routines, instant rules and time-of-day watchdogs, each finding explained.

A functional core (signals, daily summaries, baselines, watchdogs: pure functions over numpy
arrays) driven by one engine, shared by the live service and by `telecare evaluate`.
"""

from detection._baseline import RoutineBaseline
from detection._engine import Capability, Device, Engine, Episode, Home, capability_of
from detection._evaluate import COMPATIBLE, Evaluation, finding_record, replay, score

__all__ = [
    "COMPATIBLE",
    "Capability",
    "Device",
    "Engine",
    "Episode",
    "Evaluation",
    "Home",
    "RoutineBaseline",
    "capability_of",
    "finding_record",
    "replay",
    "score",
]

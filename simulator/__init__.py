"""Simulated homes: the demo, the load generator and (later) the evaluation bench."""

from simulator._demo_home import STANDARD_KIT, Event, day_events, demo_registry
from simulator._publisher import DemoPublisher, PublisherStats

__all__ = [
    "STANDARD_KIT",
    "DemoPublisher",
    "Event",
    "PublisherStats",
    "day_events",
    "demo_registry",
]

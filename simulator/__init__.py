"""Simulated homes and real ones replayed: the demo, the load generator and the evaluation
bench, with incidents and their ground truth, in the scenario folder format."""

from simulator._demo import DemoPublisher, demo_registry
from simulator._inject import InjectionError, inject_collapse, inject_missed_wakeup, inject_night_exit
from simulator._kasteren import read_kasteren
from simulator._live import PublisherStats, live_readings, publish_readings, replay_readings, replay_shift
from simulator._ordonez import read_ordonez
from simulator._personas import PERSONAS, Persona, PersonaName
from simulator._population import DEFAULT_FIRST_DAY, household_ids, simulate_households, simulate_population
from simulator._scenario import SENSOR_KINDS, ReadingTable, Scenario, read_scenario, write_scenario
from simulator._spec import IncidentSpecError, SpecEntry, parse_incident_spec
from simulator._truth import NON_INCIDENTS, Incident, IncidentKind

__all__ = [
    "DEFAULT_FIRST_DAY",
    "NON_INCIDENTS",
    "PERSONAS",
    "SENSOR_KINDS",
    "DemoPublisher",
    "Incident",
    "IncidentKind",
    "IncidentSpecError",
    "InjectionError",
    "Persona",
    "PersonaName",
    "PublisherStats",
    "ReadingTable",
    "Scenario",
    "SpecEntry",
    "demo_registry",
    "household_ids",
    "inject_collapse",
    "inject_missed_wakeup",
    "inject_night_exit",
    "live_readings",
    "parse_incident_spec",
    "publish_readings",
    "read_kasteren",
    "read_ordonez",
    "read_scenario",
    "replay_readings",
    "replay_shift",
    "simulate_households",
    "simulate_population",
    "write_scenario",
]

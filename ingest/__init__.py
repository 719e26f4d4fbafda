"""Ingest: MQTT messages in, canonical readings stored exactly once, dead letters kept."""

from ingest._service import IngestConfig, IngestService, IngestStats
from ingest._triage import Plausibility, RawMessage, Triage, triage

__all__ = [
    "IngestConfig",
    "IngestService",
    "IngestStats",
    "Plausibility",
    "RawMessage",
    "Triage",
    "triage",
]

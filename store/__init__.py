"""The system of record: schema and migrations, the ingest write path, registry and queries."""

from store._connect import connect
from store._migrations import migrate
from store._readings import READINGS_CHANNEL, BatchOutcome, DeadLetter, ReadingWriter, iter_readings
from store._registry import import_registry, load_registry

__all__ = [
    "READINGS_CHANNEL",
    "BatchOutcome",
    "DeadLetter",
    "ReadingWriter",
    "connect",
    "import_registry",
    "iter_readings",
    "load_registry",
    "migrate",
]

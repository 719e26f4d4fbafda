"""Structured logs: one event per line, key=value, never personal data above DEBUG."""

import logging
import sys

from rich.console import Console
from rich.logging import RichHandler

FORMAT = "ts=%(asctime)s level=%(levelname)s logger=%(name)s msg=%(message)s"


def configure_logging(level: str) -> None:
    logging.basicConfig(level=level.upper(), stream=sys.stderr, format=FORMAT, force=True)
    _quieten_libraries()


def log_to_console(console: Console) -> None:
    """Send log lines through a rich console, so they print above its live view, not into it."""
    handler = RichHandler(console=console, show_path=False, markup=False, rich_tracebacks=False)
    handler.setFormatter(logging.Formatter("logger=%(name)s msg=%(message)s"))
    logging.basicConfig(level=logging.getLogger().level, handlers=[handler], force=True)
    _quieten_libraries()


def _quieten_libraries() -> None:
    # Their DEBUG chatter carries packets and readings; at INFO they repeat what we log.
    for noisy in ("amqtt", "transitions", "asyncio"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLogger().level))
    # Apprise names recipients and channel URLs (personal data, secrets) at INFO and WARNING;
    # the dispatcher logs each attempt itself, by id only.
    debugging = logging.getLogger().level <= logging.DEBUG
    logging.getLogger("apprise").setLevel(logging.DEBUG if debugging else logging.CRITICAL)

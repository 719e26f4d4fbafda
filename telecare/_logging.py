"""Structured logs: one event per line, key=value, never personal data above DEBUG."""

import logging
import sys

from rich.console import Console
from rich.logging import RichHandler

FORMAT = "ts=%(asctime)s level=%(levelname)s logger=%(name)s msg=%(message)s"


class _StandardError(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever `sys.stderr` is at the time, not the one at set-up: a command run
    in-process (tests, typer's CliRunner) swaps it for a buffer it later closes."""

    @property
    def stream(self) -> object:
        return sys.stderr

    @stream.setter
    def stream(self, _: object) -> None:
        pass


def configure_logging(level: str) -> None:
    handler = _StandardError()
    handler.setFormatter(logging.Formatter(FORMAT))
    logging.basicConfig(level=level.upper(), handlers=[handler], force=True)
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

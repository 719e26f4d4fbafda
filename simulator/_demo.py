"""The demo's homes: the standard kit with personas in turn, simulated week by week for as
long as the demo runs and published live."""

from __future__ import annotations

import datetime as dt
import threading
import time
import zoneinfo
from collections.abc import Iterator

from devices import RegistryFile
from simulator._home import kit_registry
from simulator._live import LiveReading, PublisherStats, live_readings, publish_readings
from simulator._population import simulate_households
from telecare.mqtt import BrokerAddress

# Days simulated at a time: the demo runs for as long as it is left running.
WEEK = 7


def demo_registry(households: int, timezone: str = "Europe/London") -> RegistryFile:
    return kit_registry(demo_ids(households), timezone)


def demo_ids(households: int) -> list[str]:
    return [f"demo-{n:02d}" for n in range(1, households + 1)]


class DemoPublisher:
    """Publishes the demo homes' days over MQTT.

    The simulated clock runs `speed` times faster than the real one but never ahead of it
    (ingest rightly refuses readings from the future): it starts `lead` in the past and, once
    it has caught up, carries on in real time.
    """

    def __init__(
        self,
        *,
        broker: BrokerAddress,
        households: list[str],
        timezone: str,
        speed: float,
        lead: dt.timedelta,
        seed: int = 1,
    ) -> None:
        self.stats = PublisherStats()
        self._broker = broker
        self._households = households
        self._timezone = timezone
        self._speed = speed
        self._lead = lead
        self._seed = seed

    def run(self, stop: threading.Event) -> None:
        sim_start = time.time() - self._lead.total_seconds()
        publish_readings(
            self._broker,
            self._readings(sim_start),
            sim_start=sim_start,
            speed=self._speed,
            stop=stop,
            stats=self.stats,
        )

    def _readings(self, sim_start: float) -> Iterator[LiveReading]:
        # Week after week from the local day before the start; each week has its own seed,
        # so the same homes live the same weeks whenever the demo starts on the same day.
        first_day = dt.datetime.fromtimestamp(sim_start, zoneinfo.ZoneInfo(self._timezone)).date()
        week = 0
        while True:
            scenario = simulate_households(
                self._households,
                days=WEEK,
                seed=self._seed * 100_003 + week,
                first_day=first_day - dt.timedelta(days=1) + dt.timedelta(days=WEEK * week),
                timezone=self._timezone,
            )
            readings = scenario.readings
            yield from live_readings(readings.where(readings.ts >= sim_start))
            week += 1

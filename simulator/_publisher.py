"""Publish simulated homes over MQTT in accelerated time, the way real hubs would."""

import dataclasses
import datetime as dt
import heapq
import json
import logging
import threading
import time
import zlib
from collections.abc import Iterator

import numpy as np
import paho.mqtt.client as mqtt

from simulator._demo_home import Event, day_events
from telecare.mqtt import BrokerAddress, new_client

log = logging.getLogger(__name__)


@dataclasses.dataclass(slots=True)
class PublisherStats:
    published: int = 0
    simulated_now: dt.datetime | None = None


class DemoPublisher:
    """Replays the demo homes' days over MQTT.

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
        client = new_client(self._broker, client_id="")
        client.connect(self._broker.host, self._broker.port)
        client.loop_start()
        try:
            self._publish(client, stop)
        finally:
            client.disconnect()
            client.loop_stop()

    def _publish(self, client: mqtt.Client, stop: threading.Event) -> None:
        real_start = time.time()
        sim_start = dt.datetime.now(dt.UTC) - self._lead
        for household, event in self._events(sim_start):
            # Simulated time of this event -> the real moment it is due.
            due = real_start + (event.ts - sim_start).total_seconds() / self._speed
            due = max(due, event.ts.timestamp())  # caught up: real time from here on
            while (wait := due - time.time()) > 0:
                if stop.wait(min(wait, 0.2)):
                    return
            if stop.is_set():
                return
            payload = json.dumps({"ts": event.ts.isoformat(), "value": event.value})
            client.publish(f"telecare/v1/{household}/{event.device}/{event.sensor}", payload, qos=1)
            self.stats.published += 1
            self.stats.simulated_now = event.ts

    def _events(self, sim_start: dt.datetime) -> Iterator[tuple[str, Event]]:
        streams = [self._household_events(h, sim_start) for h in self._households]
        yield from heapq.merge(*streams, key=lambda pair: pair[1].ts)

    def _household_events(self, household: str, sim_start: dt.datetime) -> Iterator[tuple[str, Event]]:
        # One generator per household, seeded from its id: the same home lives the same days.
        rng = np.random.default_rng([self._seed, zlib.crc32(household.encode())])
        day = sim_start.date() - dt.timedelta(days=1)
        while True:
            for event in day_events(day, self._timezone, rng):
                if event.ts >= sim_start:
                    yield household, event
            day += dt.timedelta(days=1)

"""Publish readings over MQTT the way hubs would (native topics, QoS 1), in real or
accelerated time, never stamped ahead of the real clock (ingest refuses the future)."""

from __future__ import annotations

import collections
import dataclasses
import datetime as dt
import json
import math
import threading
import time
from collections.abc import Iterable, Iterator

import paho.mqtt.client as mqtt

from simulator._clock import DAY
from simulator._scenario import SENSOR_KINDS, ReadingTable
from telecare.mqtt import BrokerAddress, new_client

# Messages handed to the client but not yet acknowledged by the broker, at most: beyond this
# the publisher waits, so a fast replay cannot pile up memory in the client.
MAX_UNACKNOWLEDGED = 10_000
ACK_TIMEOUT_S = 60.0
# Readings formatted at a time when streaming a table.
_BATCH = 10_000

# (UTC epoch seconds, household, device, sensor, value)
LiveReading = tuple[float, str, str, str, float]


@dataclasses.dataclass(slots=True)
class PublisherStats:
    published: int = 0
    simulated_now: dt.datetime | None = None


def publish_readings(
    broker: BrokerAddress,
    readings: Iterable[LiveReading],
    *,
    sim_start: float,
    speed: float,
    stop: threading.Event,
    stats: PublisherStats,
) -> None:
    """Publish readings (in time order) as the simulated clock reaches them. The simulated
    clock starts at `sim_start` when this is called and runs `speed` times faster than the
    real one, but a reading is never sent before the real clock reaches its time: once the
    simulation catches up with now it carries on in real time."""
    client = new_client(broker, client_id="")
    client.max_inflight_messages_set(1000)
    client.connect(broker.host, broker.port)
    client.loop_start()
    pending: collections.deque[mqtt.MQTTMessageInfo] = collections.deque()
    try:
        real_start = time.time()
        for ts, household, device, sensor, value in readings:
            due = max(real_start + (ts - sim_start) / speed, ts)
            while (wait := due - time.time()) > 0:
                if stop.wait(min(wait, 0.2)):
                    return
            if stop.is_set():
                return
            payload = json.dumps({"ts": dt.datetime.fromtimestamp(ts, dt.UTC).isoformat(), "value": value})
            pending.append(client.publish(f"telecare/v1/{household}/{device}/{sensor}", payload, qos=1))
            if len(pending) > MAX_UNACKNOWLEDGED:
                pending.popleft().wait_for_publish(ACK_TIMEOUT_S)
            stats.published += 1
            stats.simulated_now = dt.datetime.fromtimestamp(ts, dt.UTC)
        for info in pending:
            info.wait_for_publish(ACK_TIMEOUT_S)
    finally:
        client.disconnect()
        client.loop_stop()


def replay_shift(first: float, last: float, now: float, speed: float) -> float:
    """Seconds to add to a scenario's times to replay it from now at `speed` so that its last
    reading is due just as the real clock reaches it, and none is ever ahead of the clock.
    Whole days, so that every reading keeps its local time of day."""
    span = last - first
    first_stamp = now - span * (1 - 1 / speed)
    return math.floor((first_stamp - first) / DAY) * DAY


def live_readings(readings: ReadingTable, shift: float = 0.0) -> Iterator[LiveReading]:
    """The table's readings, times shifted, as the publisher takes them."""
    sensors = [str(kind) for kind in SENSOR_KINDS]
    for first in range(0, len(readings), _BATCH):
        part = slice(first, first + _BATCH)
        for ts, household, device, sensor, value in zip(
            (readings.ts[part] + shift).tolist(),
            readings.household[part].tolist(),
            readings.device[part].tolist(),
            readings.sensor[part].tolist(),
            readings.value[part].tolist(),
            strict=True,
        ):
            yield ts, readings.households[household], readings.devices[device], sensors[sensor], value


def replay_readings(
    readings: ReadingTable,
    broker: BrokerAddress,
    *,
    speed: float,
    stop: threading.Event,
    stats: PublisherStats,
) -> float:
    """Publish a scenario's readings compressed `speed` times, ending at about now; returns
    the shift applied to their times (seconds)."""
    if len(readings) == 0:
        return 0.0
    now = time.time()
    shift = replay_shift(float(readings.ts[0]), float(readings.ts[-1]), now, speed)
    publish_readings(
        broker,
        live_readings(readings, shift),
        sim_start=float(readings.ts[0]) + shift,
        speed=speed,
        stop=stop,
        stats=stats,
    )
    return shift

"""Publishing live to a real broker: native topics and payloads, compressed in time, and never
a timestamp ahead of the real clock."""

import datetime as dt
import json
import threading
import time
import uuid
from collections.abc import Iterator

import paho.mqtt.client as mqtt
import pytest
from hypothesis import given
from hypothesis import strategies as st

from simulator import DemoPublisher, PublisherStats, replay_readings, replay_shift, simulate_households
from telecare.mqtt import new_client, parse_mqtt_url

Received = tuple[str, dict[str, object], float]


@pytest.fixture
def household() -> str:
    return "sim-" + uuid.uuid4().hex[:10]


@pytest.fixture
def received(mqtt_url: str, household: str) -> Iterator[list[Received]]:
    """Everything published for this test's household, with the moment it arrived."""
    messages: list[Received] = []
    address = parse_mqtt_url(mqtt_url)
    client = new_client(address)
    subscribed = threading.Event()

    def on_message(_c: mqtt.Client, _u: object, message: mqtt.MQTTMessage) -> None:
        messages.append((message.topic, json.loads(message.payload), time.time()))

    client.on_message = on_message
    client.on_subscribe = lambda *_: subscribed.set()
    client.connect(address.host, address.port)
    client.subscribe(f"telecare/v1/{household}/#", qos=1)
    client.loop_start()
    assert subscribed.wait(10)
    yield messages
    client.disconnect()
    client.loop_stop()


def _wait_for(messages: list[Received], count: int) -> None:
    deadline = time.monotonic() + 20
    while len(messages) < count and time.monotonic() < deadline:
        time.sleep(0.05)


def test_a_replayed_day_arrives_complete_on_native_topics_never_from_the_future(
    mqtt_url: str, household: str, received: list[Received]
) -> None:
    scenario = simulate_households([household], days=1, seed=21)
    readings = scenario.readings
    stats = PublisherStats()

    shift = replay_readings(
        readings, parse_mqtt_url(mqtt_url), speed=86_400 / 3, stop=threading.Event(), stats=stats
    )
    _wait_for(received, len(readings))

    assert stats.published == len(readings) == len(received)
    assert shift % 86_400 == 0, "whole days: every reading keeps its local time of day"
    expected = {
        (f"telecare/v1/{household}/{device}/{sensor}", ts.timestamp() + shift, value)
        for ts, _, device, sensor, value in readings.rows()
    }
    got = set()
    for topic, payload, arrived in received:
        assert set(payload) == {"ts", "value"}
        stamp = dt.datetime.fromisoformat(str(payload["ts"]))
        assert stamp.tzinfo is not None
        assert stamp.timestamp() <= arrived, "never stamped ahead of the clock"
        got.add((topic, stamp.timestamp(), payload["value"]))
    assert got == expected
    last = max(dt.datetime.fromisoformat(str(p["ts"])).timestamp() for _, p, _ in received)
    assert time.time() - last < 86_400 + 60, "the replay ends about now"


def test_the_demo_publisher_streams_its_homes_live(
    mqtt_url: str, household: str, received: list[Received]
) -> None:
    publisher = DemoPublisher(
        broker=parse_mqtt_url(mqtt_url),
        households=[household],
        timezone="Europe/London",
        speed=3600,
        lead=dt.timedelta(hours=6),
        seed=4,
    )
    stop = threading.Event()
    thread = threading.Thread(target=publisher.run, args=(stop,))
    thread.start()
    time.sleep(3)
    stop.set()
    thread.join(10)
    _wait_for(received, publisher.stats.published)

    assert publisher.stats.published > 10
    assert len(received) == publisher.stats.published
    assert publisher.stats.simulated_now is not None
    for _, payload, arrived in received:
        assert dt.datetime.fromisoformat(str(payload["ts"])).timestamp() <= arrived


@given(
    first=st.floats(min_value=1e9, max_value=2e9),
    span=st.floats(min_value=0, max_value=400 * 86_400),
    speed=st.floats(min_value=1, max_value=1e7),
)
def test_a_replay_is_never_ahead_of_the_clock_and_keeps_the_time_of_day(
    first: float, span: float, speed: float
) -> None:
    now = 1.8e9
    shift = replay_shift(first, first + span, now, speed)

    assert shift % 86_400 == 0
    for offset in (0.0, span):  # stamps and the clock both move linearly: the ends suffice
        assert first + shift + offset <= now + offset / speed + 1e-6
    assert first + shift + span > now + span / speed - 86_400 - 1e-6, "and it ends within a day of now"

"""Ingest's whole decision on hostile input, fuzzed: any topic and bytes, through every dialect,
the registry and the clock checks (`ingest.triage`, exactly as the service runs it). Each
message ends as one dead letter with a reason, or as readings that belong to a registered
device of the one household allowed to publish on that topic; never an exception.

The decoders' own properties are in tests/test_dialects.py and tests/test_native_decoder.py;
the same hostile messages through the real broker and service are in tests/test_fuzz_broker.py.
"""

import datetime as dt
import functools
import json
import math

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from paho.mqtt.client import topic_matches_sub

from devices import DeviceStatus, Reading, Registry, SensorKind
from devices.dialects import VendorDevice, decode_message, foreign_dialects
from ingest import Plausibility, RawMessage, triage
from tests.strategies import json_values

NOW = dt.datetime(2026, 11, 22, 8, 0, tzinfo=dt.UTC)
LIMITS = Plausibility(max_clock_skew=dt.timedelta(minutes=5), max_age=dt.timedelta(days=395))

# Two homes that both have a "front-door" (device names repeat across homes) and each some
# devices of its own, native and in vendor dialects.
NATIVE = {
    "h-a": {"front-door": {SensorKind.CONTACT}, "kitchen-pir": {SensorKind.MOTION, SensorKind.TEMPERATURE}},
    "h-b": {"front-door": {SensorKind.CONTACT}, "pendant": {SensorKind.ALARM}},
}
VENDORS = {
    ("zigbee2mqtt", "0x00158d0001a2b3c4"): VendorDevice(
        household="h-a", device="back-door", sensors=frozenset({SensorKind.CONTACT, SensorKind.BATTERY})
    ),
    ("tasmota", "tasmota_1A2B3C"): VendorDevice(
        household="h-b", device="kettle-plug", sensors=frozenset({SensorKind.POWER})
    ),
    ("shelly", "shellyplus1pm-a8032ab12345"): VendorDevice(
        household="h-a", device="washer-plug", sensors=frozenset({SensorKind.POWER})
    ),
}
REGISTRY = Registry(
    households=frozenset(NATIVE),
    sensors={
        **{(h, d): frozenset(s) for h, devices in NATIVE.items() for d, s in devices.items()},
        **{(v.household, v.device): v.sensors for v in VENDORS.values()},
    },
    vendors=VENDORS,
)
DECODE = functools.partial(decode_message, lookup=REGISTRY.vendor_device)


def _allowed_households(topic: str) -> set[str]:
    """Who the broker's ACL (devices/_provisioning.py) lets publish on this topic."""
    dialects = {dialect.name: dialect for dialect in foreign_dialects()}
    allowed = {h for h in NATIVE if topic_matches_sub(f"telecare/v1/{h}/#", topic)}
    for (dialect, vendor_id), device in VENDORS.items():
        if any(topic_matches_sub(p, topic) for p in dialects[dialect].publish_topics(vendor_id)):
            allowed.add(device.household)
    return allowed


# --- what a hostile or broken device might send --------------------------------------------------

segments = st.one_of(
    st.sampled_from(["h-a", "h-b", "front-door", "kitchen-pir", "pendant", "back-door", "kettle-plug"]),
    st.sampled_from([s.value for s in SensorKind] + ["status", "humidity"]),
    st.sampled_from(["+", "#", "..", ".", "", "h-a/..", "%2e%2e", "\x00", " ", "h-a\n", "ĥ-a"]),
    st.sampled_from([vendor for _, vendor in VENDORS]),
    st.text(max_size=12),
    st.text(min_size=65, max_size=300),
)
topic_shapes = st.sampled_from(
    [
        "telecare/v1/{}/{}/{}",
        "telecare/v1/{}/{}",
        "telecare/v1/{}/{}/{}/{}",
        "zigbee2mqtt/{}",
        "zigbee2mqtt/{}/availability",
        "tele/{}/SENSOR",
        "tele/{}/LWT",
        "shellies/{}/relay/0/power",
        "{}/status/switch:0",
        "{}/online",
        "{}/{}",
    ]
)
topics = st.builds(
    lambda shape, parts: shape.format(*parts), topic_shapes, st.lists(segments, min_size=4, max_size=4)
)


def _iso(moment: dt.datetime, offset_minutes: int) -> str:
    return moment.astimezone(dt.timezone(dt.timedelta(minutes=offset_minutes))).isoformat()


timestamps = st.one_of(
    # 1970 to 2100: most far outside what may be stored, some just inside.
    st.builds(
        _iso,
        # Hypothesis takes naive bounds and applies `timezones` itself.
        st.datetimes(dt.datetime(1970, 1, 1), dt.datetime(2100, 12, 31), timezones=st.just(dt.UTC)),  # noqa: DTZ001
        st.integers(-14 * 60, 14 * 60),
    ),
    st.builds(
        _iso,
        st.datetimes(
            NOW.replace(tzinfo=None) - dt.timedelta(days=2),
            NOW.replace(tzinfo=None),
            timezones=st.just(dt.UTC),
        ),
        st.just(0),
    ),
    st.sampled_from(["1970-01-01T00:00:00Z", "2100-01-01T00:00:00Z", "0001-01-01T00:00:00+14:00", "now", ""]),
    json_values,
)
values = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-(10**30), 10**30),
    st.booleans(),
    st.sampled_from([0, 1, 21.5, 2400, "on", "1", None, [], {}]),
    json_values,
)
objects = st.one_of(
    st.fixed_dictionaries({"ts": timestamps, "value": values}, optional={"battery": values, "seq": values}),
    st.fixed_dictionaries(
        {}, optional={"contact": values, "battery": values, "last_seen": timestamps, "state": values}
    ),
    st.fixed_dictionaries(
        {}, optional={"Time": timestamps, "ENERGY": st.fixed_dictionaries({"Power": values})}
    ),
    st.fixed_dictionaries({}, optional={"apower": values, "aenergy": json_values}),
    st.dictionaries(st.text(max_size=10), json_values, max_size=5),
)
payloads = st.one_of(
    objects.map(lambda body: json.dumps(body).encode()),  # NaN and Infinity as JSON encoders write them
    st.binary(max_size=200),  # mostly invalid UTF-8 and not JSON
    st.sampled_from([b"online", b"offline", b"Online", b"", b"null", b"[]", b"1e999", b"\xff\xfe\xfd"]),
    st.integers(1, 5000).map(lambda depth: b"[" * depth + b"]" * depth),
    st.integers(1, 5000).map(lambda depth: b'{"a":' * depth + b"1" + b"}" * depth),
    st.integers(4_000, 100_000).map(lambda size: b'{"ts": "x", "value": "' + b"9" * size + b'"}'),
)


# Messages that nearly work, so that many reach the registry and clock checks: each dialect's
# real topics (and each home's device names under the other home), fitting bodies, times and
# values mostly plausible.
recent = st.builds(
    lambda seconds, offset: _iso(NOW - dt.timedelta(seconds=seconds), offset),
    st.integers(-400, 400 * 86_400),
    st.sampled_from([0, 60, -300, 330]),
)
near_values = st.one_of(st.sampled_from([0, 1, True, False, 20.5, 2400, 87]), values)


def _json(body: object) -> bytes:
    return json.dumps(body).encode()


near_messages = st.one_of(
    st.tuples(
        st.sampled_from(
            [
                f"telecare/v1/{h}/{d}/{s.value}"
                for h in NATIVE
                for o in NATIVE
                for d, ss in NATIVE[o].items()
                for s in ss
            ]
        ),
        st.fixed_dictionaries({"ts": recent, "value": near_values}, optional={"battery": near_values}).map(
            _json
        ),
    ),
    st.tuples(
        st.sampled_from([f"telecare/v1/{h}/{d}/status" for h in NATIVE for d in NATIVE[h]]),
        st.sampled_from([b"online", b"offline", b"Online", b""]),
    ),
    st.tuples(
        st.just("zigbee2mqtt/0x00158d0001a2b3c4"),
        st.fixed_dictionaries(
            {"contact": near_values}, optional={"last_seen": recent, "battery": near_values}
        ).map(_json),
    ),
    st.tuples(
        st.just("tele/tasmota_1A2B3C/SENSOR"),
        st.fixed_dictionaries({"Time": recent, "ENERGY": st.fixed_dictionaries({"Power": near_values})}).map(
            _json
        ),
    ),
    st.tuples(
        st.just("shellyplus1pm-a8032ab12345/status/switch:0"),
        st.fixed_dictionaries({"apower": near_values}).map(_json),
    ),
)


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(message=st.one_of(st.tuples(topics, payloads), near_messages))
def test_any_message_is_one_dead_letter_with_a_reason_or_readings_of_the_household_allowed_to_send_them(
    message: tuple[str, bytes],
) -> None:
    topic, payload = message
    sorted_out = triage([RawMessage(topic=topic, payload=payload, received_at=NOW)], REGISTRY, DECODE, LIMITS)

    items: list[Reading | DeviceStatus] = [*sorted_out.readings, *sorted_out.statuses]
    if sorted_out.dead_letters:
        (letter,) = sorted_out.dead_letters
        assert not items
        assert letter.reason.strip()
        assert (letter.topic, letter.payload) == (topic, payload)
        return
    assert items, "a message that is not a dead letter must give something"
    for item in items:
        assert REGISTRY.problem(item) is None
        assert item.household in _allowed_households(topic), (topic, item)
        if isinstance(item, Reading):
            assert math.isfinite(item.value)
            assert NOW - LIMITS.max_age <= item.ts <= NOW + LIMITS.max_clock_skew


@given(household=st.sampled_from(sorted(NATIVE)), other=st.sampled_from(sorted(NATIVE)))
def test_a_device_named_under_another_household_is_refused_unless_that_household_has_it(
    household: str, other: str
) -> None:
    """The registry check a misconfigured broker leaves: a device reporting under a household
    that has no device of that name is refused. (Two homes may both have a 'front-door'; only
    the broker's ACL can tell their hubs apart, see tests/test_fuzz_broker.py.)"""
    for device, sensors in NATIVE[household].items():
        for sensor in sensors:
            payload = json.dumps({"ts": NOW.isoformat(), "value": 1}).encode()
            message = RawMessage(
                topic=f"telecare/v1/{other}/{device}/{sensor.value}", payload=payload, received_at=NOW
            )
            sorted_out = triage([message], REGISTRY, DECODE, LIMITS)
            if device in NATIVE[other] and sensor in NATIVE[other][device]:
                assert [r.household for r in sorted_out.readings] == [other]
            else:
                assert [d.reason for d in sorted_out.dead_letters] == [
                    f"unknown device {device!r} in household {other!r}"
                ] or "not registered for sensor" in sorted_out.dead_letters[0].reason

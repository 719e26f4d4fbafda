"""The detection service's daily pass for slow change: new complete days' features computed
from the readings and stored, then each household's routine assessed from its stored days,
giving the routine-change findings (severity routine: for the digest and the review list)."""

import datetime as dt
import itertools
import operator
from collections import defaultdict

import numpy as np
import psycopg
from psycopg.rows import TupleRow

import store
from detection._daily import LATEST_RISING
from detection._engine import Home
from detection._features import FEATURES, DailyFeatures, Feature, Unusable, day_anchor
from detection._history import feature_history
from detection._localtime import local_day_and_time, local_instant
from detection._routine_change import LAG, REFERENCE_DAYS, WEEK, RoutineWatch
from detection._weekly import features_of

KIND = "routine_change"
# Days of features the assessment reads: the longest reference, its lag and a week's slack.
HISTORY_DAYS = REFERENCE_DAYS + LAG + WEEK
# The day's start is relearned from this many recent days' rising.
ANCHOR_DAYS = 28
EPOCH = dt.date(1970, 1, 1)

Conn = psycopg.Connection[TupleRow]


def latest_complete_day(now: dt.datetime, timezone: str) -> int:
    """The last local day whose night is over (by 14:00 the next day), days since 1970-01-01."""
    today = int(local_day_and_time(np.array([now.timestamp()]), timezone)[0][0])
    return today - 1 if now.timestamp() >= local_instant(today, LATEST_RISING, timezone) else today - 2


def routine_pass(
    conn: Conn,
    homes: list[Home],
    watched: dict[str, bool],
    now: dt.datetime,
    watches: dict[str, RoutineWatch],
) -> list[store.Finding]:
    """Store the features of every complete day not yet stored, then assess each watched home.
    `watches` keeps each household's detector between passes (created here when missing)."""
    latest = {home.id: latest_complete_day(now, home.timezone) for home in homes}
    _store_new_days(conn, homes, watched, latest, now)
    first = min(latest.values(), default=0) - HISTORY_DAYS
    stored: defaultdict[str, list[store.FeatureDay]] = defaultdict(list)
    for row in store.load_feature_days(conn, None, EPOCH + dt.timedelta(days=first), now.date()):
        stored[row.household].append(row)
    holding = {h for h, kind, *_ in store.open_findings(conn) if kind == KIND}
    conn.commit()
    findings = []
    for home in homes:
        if not watched.get(home.id, False) or not stored[home.id]:
            watches.pop(home.id, None)
            continue
        watch = watches.setdefault(home.id, RoutineWatch(holding=home.id in holding))
        change = watch.update(features_of(stored[home.id]), latest[home.id])
        if change is not None:
            findings.append(
                store.Finding(
                    household=home.id,
                    condition_key=KIND,
                    kind=KIND,
                    severity="routine",
                    onset=dt.datetime.fromtimestamp(local_instant(change.since, 0.0, home.timezone), dt.UTC),
                    message=change.message,
                    evidence=dict(change.evidence),
                )
            )
    return findings


def _store_new_days(
    conn: Conn, homes: list[Home], watched: dict[str, bool], latest: dict[str, int], now: dt.datetime
) -> None:
    stored_until = {h: (day - EPOCH).days for h, day in store.last_feature_days(conn).items()}
    wanted = {}
    for home in homes:
        first = latest[home.id] - HISTORY_DAYS + 1
        if home.id in stored_until:
            first = max(first, stored_until[home.id] + 1)
        if first <= latest[home.id]:
            wanted[home.id] = range(first, latest[home.id] + 1)
    if not wanted:
        return
    # A day's night ends at the next morning's rising: read to now. From the day before the
    # first wanted one, so its start (an hour before rising) is covered whatever the anchor.
    since = dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(
        days=min(d.start for d in wanted.values()) - 1
    )
    anchors = _anchors(conn, list(wanted), now)
    by_id = {home.id: home for home in homes}
    rows = []
    seen: set[str] = set()

    def add(
        household: str, t: list[float], devices: list[str], sensors: list[str], values: list[float]
    ) -> None:
        home = by_id[household]
        features = feature_history(
            home,
            np.array(t, dtype=float),
            devices,
            sensors,
            np.array(values, dtype=float),
            wanted[household],
            anchor=anchors.get(household),
        )
        rows.extend(
            _feature_days(
                household, features, unmonitored=not watched.get(household, False), latest=latest[household]
            )
        )
        seen.add(household)

    with conn.cursor(name="feature_history") as cur:
        cur.itersize = 50_000
        cur.execute(
            """SELECT household_id, extract(epoch FROM ts), device_id, sensor, value FROM readings
               WHERE ts >= %s AND ts < %s AND household_id = ANY(%s) ORDER BY household_id, ts""",
            (since, now, list(wanted)),
        )
        # One home's readings in memory at a time (they come home by home): on the first pass
        # that is three months of every home otherwise.
        for household, home_rows in itertools.groupby(cur, key=operator.itemgetter(0)):
            _, t, devices, sensors, values = zip(*home_rows, strict=True)
            add(household, [float(x) for x in t], list(devices), list(sensors), list(values))
    conn.commit()
    for household in wanted.keys() - seen:  # no readings at all: their days are marked so
        add(household, [], [], [], [])
    store.save_feature_days(conn, rows, now)


def _anchors(conn: Conn, households: list[str], now: dt.datetime) -> dict[str, float]:
    """Each household's day start, from the rising of its recent stored days (none stored: the
    pass learns it from the days it computes)."""
    rows = store.load_feature_days(conn, households, now.date() - dt.timedelta(days=ANCHOR_DAYS), now.date())
    rising: defaultdict[str, list[float]] = defaultdict(list)
    for row in rows:
        value = row.values[Feature.RISING]
        if row.unusable is None and value is not None:
            rising[row.household].append(value)
    return {h: day_anchor(np.array(r)) for h, r in rising.items()}


def _feature_days(
    household: str, features: DailyFeatures, *, unmonitored: bool, latest: int
) -> list[store.FeatureDay]:
    """Rows to store. Days first seen while the household is away or paused are marked so (the
    registry keeps only its state now, so only the two most recent days are judged by it)."""
    rows = []
    for day, values, unusable in zip(
        features.days.tolist(), features.values, features.unusable.tolist(), strict=True
    ):
        reason = Unusable(unusable)
        if unmonitored and day >= latest - 1 and reason is Unusable.NO:
            reason = Unusable.NOT_MONITORED
        rows.append(
            store.FeatureDay(
                household=household,
                day=EPOCH + dt.timedelta(days=day),
                anchor_s=features.anchor,
                unusable=None if reason is Unusable.NO else store.UNUSABLE_REASONS[reason - 1],
                values=tuple(None if np.isnan(v) else float(v) for v in values[: len(FEATURES)]),
            )
        )
    return rows

"""The weekly picture: a household's last seven days against its usual four weeks before them,
in plain sentences for the family's digest and the carer's page."""

import dataclasses
import datetime as dt

import numpy as np
import numpy.typing as npt
import psycopg
from psycopg.rows import TupleRow

import store
from detection._drift import level_of
from detection._features import FEATURES, DailyFeatures, Feature, Unusable
from detection._routine_change import MEANINGFUL, RATES, amount, describe

WEEK = 7
USUAL_DAYS = 28
# Fewer comparable days than these and the picture says it cannot tell yet.
MIN_USUAL = 7
MIN_WEEK = 3
# What the picture speaks of, in this order (the others are in the routine-change evidence).
SHOWN = (
    Feature.RISING,
    Feature.BEDTIME,
    Feature.NIGHT_BATHROOM,
    Feature.NIGHT_UP,
    Feature.KITCHEN_VISITS,
    Feature.KETTLE,
    Feature.OUTINGS,
    Feature.TIME_OUT,
    Feature.ACTIVE,
)
_AS_USUAL_WORDS = {
    Feature.RISING: "getting up at about {}",
    Feature.BEDTIME: "settling for the night at about {}",
    Feature.NIGHT_BATHROOM: "about {} night-time bathroom visits a night",
    Feature.NIGHT_UP: "{} up and about at night",
    Feature.KITCHEN_VISITS: "about {} kitchen visits a day",
    Feature.KETTLE: "the kettle about {} times a day",
    Feature.OUTINGS: "about {} outings a week",
    Feature.TIME_OUT: "{} out of the home a day",
    Feature.ACTIVE: "{} moving about the home a day",
}


@dataclasses.dataclass(frozen=True, slots=True)
class WeeklyPicture:
    """One household's week in words: what changed first, then what was as usual."""

    household: str
    week_ending: dt.date
    days_compared: int  # comparable days in the week
    usual_days: int  # comparable days in the four weeks before
    sentences: tuple[str, ...]


def describe_week(household: str, features: DailyFeatures, week_ending: dt.date) -> WeeklyPicture:
    """The picture of the seven days ending `week_ending` (pure: from the features alone)."""
    last = (week_ending - dt.date(1970, 1, 1)).days
    week = (features.days > last - WEEK) & (features.days <= last)
    in_week = features.usable & week
    in_usual = features.usable & (features.days > last - WEEK - USUAL_DAYS) & (features.days <= last - WEEK)
    week_days, usual_days = int(in_week.sum()), int(in_usual.sum())
    first = week_ending - dt.timedelta(days=WEEK - 1)
    opening = f"The week {first:%-d %b} to {week_ending:%-d %b}"
    if usual_days < MIN_USUAL or week_days < MIN_WEEK:
        reason = _not_enough(features.unusable[week], week_days, usual_days)
        return WeeklyPicture(household, week_ending, week_days, usual_days, (f"{opening}: {reason}",))
    this_week = level_of(features.values[in_week], RATES)
    usual = level_of(features.values[in_usual], RATES)
    changed, steady = [], []
    for f in SHOWN:
        if np.isnan(this_week[f]) or np.isnan(usual[f]):
            continue
        absolute, share = MEANINGFUL[f]
        if abs(this_week[f] - usual[f]) >= max(absolute, share * abs(usual[f])):
            changed.append(describe(f, usual[f], this_week[f], "this week"))
        else:
            steady.append(_AS_USUAL_WORDS[f].format(amount(f, usual[f])))
    compared = f"{week_days} of its 7 days compared with the {usual_days} usual days before it"
    if changed:
        sentences = [f"{opening} ({compared}): some things were different.", *changed]
    else:
        sentences = [f"{opening} ({compared}) was much like the usual weeks."]
    if steady:
        sentences.append("As usual: " + _listed(steady) + ".")
    return WeeklyPicture(household, week_ending, week_days, usual_days, tuple(sentences))


def weekly_picture(
    conn: psycopg.Connection[TupleRow], household_id: str, week_ending: dt.date
) -> WeeklyPicture:
    """The household's weekly picture from its stored daily features."""
    since = week_ending - dt.timedelta(days=WEEK + USUAL_DAYS - 1)
    rows = store.load_feature_days(conn, [household_id], since, week_ending)
    return describe_week(household_id, features_of(rows), week_ending)


def features_of(rows: list[store.FeatureDay]) -> DailyFeatures:
    """Stored days (of one household) as DailyFeatures."""
    reasons = {name: Unusable(n + 1) for n, name in enumerate(store.UNUSABLE_REASONS)}
    return DailyFeatures(
        days=np.array([(r.day - dt.date(1970, 1, 1)).days for r in rows], dtype=np.int64),
        values=np.array([[np.nan if v is None else v for v in r.values] for r in rows], dtype=float).reshape(
            len(rows), len(FEATURES)
        ),
        unusable=np.array([reasons[r.unusable] if r.unusable else Unusable.NO for r in rows], dtype=np.int8),
        anchor=rows[-1].anchor_s if rows else 0.0,
    )


def _not_enough(unusable: npt.NDArray[np.int8], week_days: int, usual_days: int) -> str:
    if week_days < MIN_WEEK:
        away = int(np.sum(np.isin(unusable, [Unusable.OUT_ALL_DAY, Unusable.NOT_MONITORED])))
        if away:
            return "too few days at home to compare (away or out all day on some of them)."
        return f"too few days with readings to compare ({week_days})."
    return f"not enough days yet to know what is usual ({usual_days} of the {MIN_USUAL} needed)."


def _listed(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]

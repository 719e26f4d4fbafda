"""The weekly picture: this week's features against the usual four weeks, in plain sentences."""

import datetime as dt

import numpy as np

from detection import describe_week
from detection._features import FEATURES, DailyFeatures, Feature, Unusable

WEEK_ENDING = dt.date(2026, 2, 15)  # a Sunday
LAST = (WEEK_ENDING - dt.date(1970, 1, 1)).days
USUAL = {
    Feature.RISING: 7 * 3600.0,
    Feature.BEDTIME: 22 * 3600.0,
    Feature.TIME_IN_BED: 9 * 3600.0,
    Feature.NIGHT_BATHROOM: 1.0,
    Feature.NIGHT_UP: 900.0,
    Feature.KITCHEN_VISITS: 8.0,
    Feature.MEALS: 3.0,
    Feature.KETTLE: 5.0,
    Feature.TIME_OUT: 3600.0,
    Feature.OUTINGS: 5 / 7,
    Feature.ACTIVE: 8 * 3600.0,
    Feature.TRANSITIONS: 70.0,
}


def _weeks(this_week: dict[Feature, float], *, unusable_this_week: Unusable = Unusable.NO) -> DailyFeatures:
    """Four usual weeks, then a week with these features changed."""
    days = np.arange(LAST - 34, LAST + 1, dtype=np.int64)
    values = np.tile([USUAL[f] for f in FEATURES], (len(days), 1))
    if Feature.OUTINGS not in this_week:  # five outings a week, on weekdays
        values[:, Feature.OUTINGS] = ((days + 3) % 7 < 5).astype(float)
    week = days > LAST - 7
    for feature, value in this_week.items():
        values[week, feature] = value
    unusable = np.where(week, unusable_this_week, Unusable.NO).astype(np.int8)
    return DailyFeatures(days=days, values=values, unusable=unusable, anchor=6 * 3600.0)


def test_a_week_like_the_others_is_said_to_be_so_with_the_usual_figures() -> None:
    picture = describe_week("h-1", _weeks({}), WEEK_ENDING)
    assert picture.sentences == (
        "The week 9 Feb to 15 Feb (7 of its 7 days compared with the 28 usual days before it) was much like "
        "the usual weeks.",
        "As usual: getting up at about 07:00, settling for the night at about 22:00, about 1 night-time "
        "bathroom visits a night, 15 min up and about at night, about 8 kitchen visits a day, the kettle "
        "about 5 times a day, about 5 outings a week, 1 h 00 min out of the home a day and 8 h 00 min "
        "moving about the home a day.",
    )
    assert (picture.days_compared, picture.usual_days) == (7, 28)


def test_what_changed_comes_first_in_words_with_the_numbers() -> None:
    picture = describe_week(
        "h-1",
        _weeks(
            {Feature.NIGHT_BATHROOM: 3.0, Feature.RISING: 8 * 3600.0 + 5 * 60, Feature.KITCHEN_VISITS: 4.0}
        ),
        WEEK_ENDING,
    )
    assert picture.sentences[0].endswith("some things were different.")
    assert picture.sentences[1:4] == (
        "Getting up has moved later, from about 07:00 to 08:05, this week.",
        "Night-time bathroom visits have risen from about 1 to 3 a night this week.",
        "Kitchen visits have fallen from about 8 to 4 a day this week.",
    )
    assert picture.sentences[4].startswith("As usual: settling for the night at about 22:00")


def test_a_week_away_says_it_cannot_compare_rather_than_guess() -> None:
    picture = describe_week("h-1", _weeks({}, unusable_this_week=Unusable.OUT_ALL_DAY), WEEK_ENDING)
    assert picture.sentences == (
        "The week 9 Feb to 15 Feb: too few days at home to compare (away or out all day on some of them).",
    )
    new_home = describe_week("h-1", _weeks({}).take(np.arange(35) >= 26), WEEK_ENDING)
    assert new_home.sentences == (
        "The week 9 Feb to 15 Feb: not enough days yet to know what is usual (2 of the 7 needed).",
    )

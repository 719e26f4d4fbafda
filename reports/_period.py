"""Which periods a report may cover: the same rules for the command line and the web page."""

import datetime as dt

# Reports are read month by month; two years of months is as wide as a table stays readable,
# and bounds the work one request can ask of the database.
LONGEST_PERIOD = dt.timedelta(days=731)
EARLIEST, LATEST = dt.date(2000, 1, 1), dt.date(2099, 12, 31)


def period_problem(start: dt.date, end: dt.date) -> tuple[str, dt.date, str] | None:
    """What is wrong with the period start..end (inclusive), as (which end, its day, why), or None."""
    for which, day in (("from", start), ("to", end)):
        if not EARLIEST <= day <= LATEST:
            return which, day, f"give a day between {EARLIEST} and {LATEST}"
    if end < start:
        return "to", end, f"the period ends ({end}) before it starts ({start})"
    if end - start >= LONGEST_PERIOD:
        return "to", end, f"a report covers at most {LONGEST_PERIOD.days} days: ask for a shorter period"
    return None

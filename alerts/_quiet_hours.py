"""A family contact's quiet hours, in the household's own timezone."""

import datetime as dt
import zoneinfo


def quiet_until(
    now: dt.datetime, zone: zoneinfo.ZoneInfo, start: dt.time | None, end: dt.time | None
) -> dt.datetime | None:
    """When the quiet period `now` falls in ends (UTC), or None when `now` is not quiet.
    Periods may run past midnight ("22:00-07:00"); equal ends mean no quiet period."""
    if start is None or end is None or start == end:
        return None
    local = now.astimezone(zone)
    clock = local.time()
    if start < end:
        if not start <= clock < end:
            return None
        ends_on = local.date()
    elif clock >= start:
        ends_on = local.date() + dt.timedelta(days=1)
    elif clock < end:
        ends_on = local.date()
    else:
        return None
    # An end inside the spring-forward gap (a local time that does not exist) is read on the
    # clock before the change: an hour later on the new one.
    return dt.datetime.combine(ends_on, end, tzinfo=zone).astimezone(dt.UTC)

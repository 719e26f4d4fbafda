"""Findings in words a carer understands, with the numbers behind them."""

import datetime as dt
import zoneinfo

from detection._baseline import MIN_DAYS_LEARNED


def duration(seconds: float) -> str:
    """'2 h 05 min', '40 min', '3 days'."""
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 48 * 60:
        return f"{minutes // 60} h {minutes % 60:02d} min"
    return f"{minutes // 1440} days"


def clock(instant: float, timezone: str) -> str:
    return dt.datetime.fromtimestamp(instant, zoneinfo.ZoneInfo(timezone)).strftime("%H:%M")


def time_of_day(seconds: float) -> str:
    seconds = seconds % 86_400
    return f"{int(seconds // 3600):02d}:{int(seconds % 3600 // 60):02d}"


def learning_note(days_learned: int) -> str:
    if days_learned >= MIN_DAYS_LEARNED:
        return f" (learned over the last {min(days_learned, 28)} days)"
    return (
        f" (this home is new: cautious standard times are used until {MIN_DAYS_LEARNED} days of its "
        f"routine are learned; {days_learned} so far)"
    )


PLACE_WORDS = {
    1: "the bedroom",
    2: "the bathroom",
    3: "the kitchen",
    4: "the living areas",
    5: "an outside door",
}


def explain(kind: str, numbers: dict[str, float], *, onset: float, timezone: str, days_learned: int) -> str:
    """The sentence for a finding, from its kind and evidence numbers."""
    learned = learning_note(days_learned)
    if numbers.get("widened_by", 1.0) > 1:
        learned += (
            f"; widened by {round((numbers['widened_by'] - 1) * 100)} % at this time of day after "
            "responders closed earlier alerts here as false alarms"
        )
    where = PLACE_WORDS.get(int(numbers.get("place", 0)), "the home")
    match kind:
        case "inactivity":
            usual = numbers.get("usual_s")
            usual_text = f"about {duration(usual)} at most" if usual else "not known yet"
            return (
                f"No movement since {clock(onset, timezone)} ({duration(numbers['quiet_s'])}), "
                f"last seen in {where}. Usual stillness at this time of day: {usual_text}; "
                f"the alert limit is {duration(numbers['limit_s'])}{learned}."
            )
        case "not_up":
            usually = time_of_day(numbers["due_s_of_day"] - numbers["grace_s"])
            return (
                f"No sign of being up yet at {clock(numbers['now'], timezone)}: usually up by {usually} "
                f"at the latest{learned}. Last seen in {where}."
            )
        case "expected_activity_missing":
            usually = time_of_day(numbers["due_s_of_day"] - numbers["grace_s"])
            return (
                f"Up today, but the kitchen not used yet at {clock(numbers['now'], timezone)}: "
                f"usually by {usually} at the latest{learned}."
            )
        case "bathroom_long":
            return (
                f"In the bathroom since {clock(onset, timezone)} ({duration(numbers['stay_s'])}); "
                f"the longest usual stay gives a limit of {duration(numbers['limit_s'])}{learned}."
            )
        case "not_back_home":
            return (
                f"Went out at {clock(onset, timezone)}, an hour they do not usually go out, "
                f"and not back after {duration(numbers['out_s'])}."
            )
        case "night_exit":
            return (
                f"An outside door opened at {clock(onset, timezone)}, during the night "
                f"({time_of_day(numbers['night_start_s'])}-{time_of_day(numbers['night_end_s'])}){learned}."
            )
        case "cold_home":
            since = f"{clock(onset, timezone)} ({duration(numbers['for_s'])})"
            return f"The home has been below 16 °C since {since}; now {numbers['celsius']:.1f} °C."
        case "hot_home":
            since = f"{clock(onset, timezone)} ({duration(numbers['for_s'])})"
            return f"The home has been above 30 °C since {since}; now {numbers['celsius']:.1f} °C."
        case "hub_offline":
            since = f"{clock(onset, timezone)} ({duration(numbers['silent_s'])})"
            return (
                f"Nothing has been heard from the home since {since}: the hub or its connection is down, "
                "so the home cannot be watched. This is a device problem."
            )
        case "alarm_pressed":
            return f"The pendant alarm was pressed at {clock(onset, timezone)}."
        case "fall_detected":
            return f"The fall detector reported a fall at {clock(onset, timezone)}."
        case "smoke" | "carbon_monoxide" | "water_leak":
            what = {"smoke": "Smoke", "carbon_monoxide": "Carbon monoxide", "water_leak": "A water leak"}[
                kind
            ]
            return f"{what} detected at {clock(onset, timezone)}."
    return f"{kind} since {clock(onset, timezone)}."

"""The people the simulator knows: each persona is a set of routine parameters.

Times are hours after local midnight (25.0 is 01:00 the next night); durations in minutes
unless named otherwise. The figures follow what is typical of older people living alone
(rising 6-10 h, 1-2 night-time toilet visits, 4-7 hot drinks a day) so that each persona's
week looks like a real person's to a care professional.
"""

import dataclasses
import enum


class PersonaName(enum.StrEnum):
    EARLY_RISER = "early_riser"  # independent, up early, out most days
    LATE_RISER = "late_riser"  # up late, naps after lunch
    DEMENTIA = "dementia"  # living with dementia: irregular days, gets up and about at night
    FRAIL = "frail"  # frail, slow, rarely goes out


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Persona:
    name: PersonaName
    wake: float  # usual rising on weekdays
    wake_sd: float  # day-to-day spread of rising (hours)
    weekend_lie: float  # how much later they rise at weekends (hours)
    bedtime: float
    bedtime_sd: float
    # Day-to-day persistence of the rising/bedtime offsets (AR(1) coefficient): a late night
    # tends to follow a late night, as in real sleep diaries.
    persistence: float
    meal_sd: float  # spread of lunch and evening meal times (hours)
    lunch: float
    dinner: float
    night_toilet: float  # mean toilet visits per night
    night_wander: float  # mean episodes per night of getting up and moving about the home
    outing_weekday: float  # chance of going out on a weekday
    outing_weekend: float
    outing_start: tuple[float, float]  # window in which outings begin
    outing_hours: float  # median length of an outing
    nap: float  # chance of an afternoon nap
    nap_at: float
    nap_in_bed: float  # chance that a nap is taken in bed rather than in the chair
    seated_minutes: float  # mean length of a spell sitting in the lounge between other things
    tea: float  # chance that a break from sitting is to make a hot drink
    toilet: float  # chance that a break from sitting is a toilet visit
    movement: float  # how much they move about (scales every motion rate)
    heating_day: float  # thermostat setting while up (°C)


PERSONAS: dict[PersonaName, Persona] = {
    PersonaName.EARLY_RISER: Persona(
        name=PersonaName.EARLY_RISER,
        wake=6.25,
        wake_sd=0.3,
        weekend_lie=0.35,
        bedtime=21.9,
        bedtime_sd=0.35,
        persistence=0.5,
        meal_sd=0.3,
        lunch=12.25,
        dinner=17.5,
        night_toilet=0.7,
        night_wander=0.0,
        outing_weekday=0.75,
        outing_weekend=0.55,
        outing_start=(9.0, 11.5),
        outing_hours=2.0,
        nap=0.05,
        nap_at=14.0,
        nap_in_bed=0.0,
        seated_minutes=50,
        tea=0.3,
        toilet=0.3,
        movement=1.2,
        heating_day=20.0,
    ),
    PersonaName.LATE_RISER: Persona(
        name=PersonaName.LATE_RISER,
        wake=9.25,
        wake_sd=0.45,
        weekend_lie=0.5,
        bedtime=23.6,
        bedtime_sd=0.5,
        persistence=0.6,
        meal_sd=0.4,
        lunch=13.25,
        dinner=18.75,
        night_toilet=0.5,
        night_wander=0.0,
        outing_weekday=0.5,
        outing_weekend=0.4,
        outing_start=(11.0, 15.0),
        outing_hours=1.5,
        nap=0.8,
        nap_at=15.0,
        nap_in_bed=0.3,
        seated_minutes=60,
        tea=0.3,
        toilet=0.3,
        movement=1.0,
        heating_day=21.0,
    ),
    PersonaName.DEMENTIA: Persona(
        name=PersonaName.DEMENTIA,
        wake=7.5,
        wake_sd=0.8,
        weekend_lie=0.0,
        bedtime=21.5,
        bedtime_sd=0.8,
        persistence=0.3,
        meal_sd=0.8,
        lunch=12.5,
        dinner=17.25,
        night_toilet=1.2,
        night_wander=0.6,
        outing_weekday=0.3,
        outing_weekend=0.3,
        outing_start=(10.0, 15.0),
        outing_hours=1.5,
        nap=0.4,
        nap_at=14.5,
        nap_in_bed=0.2,
        seated_minutes=35,
        tea=0.35,
        toilet=0.3,
        movement=1.1,
        heating_day=21.0,
    ),
    PersonaName.FRAIL: Persona(
        name=PersonaName.FRAIL,
        wake=8.0,
        wake_sd=0.35,
        weekend_lie=0.2,
        bedtime=21.0,
        bedtime_sd=0.4,
        persistence=0.5,
        meal_sd=0.3,
        lunch=12.5,
        dinner=17.0,
        night_toilet=1.5,
        night_wander=0.0,
        outing_weekday=0.08,
        outing_weekend=0.05,
        outing_start=(10.0, 13.0),
        outing_hours=1.5,
        nap=0.5,
        nap_at=14.0,
        nap_in_bed=0.1,
        seated_minutes=80,
        tea=0.3,
        toilet=0.35,
        movement=0.6,
        heating_day=22.0,
    ),
}


def persona_of(index: int) -> Persona:
    """Households take the personas in turn, so any population of 4 or more has them all."""
    return PERSONAS[list(PersonaName)[index % len(PersonaName)]]

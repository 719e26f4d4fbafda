"""Administration's forms turned into registry entries and routes: what was typed, validated by
the same models an import file is, with problems in words (nothing pydantic-shaped)."""

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Annotated, TypeVar

from fastapi import Form, Path
from pydantic import BaseModel, ValidationError

from alerts import KNOWN_KINDS, Audience, Severity
from devices import describe_validation_error
from web._admin_records import AdminError
from web._schemas import WITHOUT_NUL

FormText = Annotated[str, Form(max_length=400, pattern=WITHOUT_NUL)]
# Path parts, shaped as the store allows them: anything else cannot name a row (422, not a 500).
HouseholdId = Annotated[str, Path(max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")]
DeviceId = HouseholdId
Username = Annotated[str, Path(max_length=64, pattern=r"^[a-z0-9][a-z0-9_.@-]+$")]
TeamName = Annotated[str, Path(max_length=64, pattern=WITHOUT_NUL)]
LongText = Annotated[str, Form(max_length=4000, pattern=WITHOUT_NUL)]
FormList = Annotated[list[str], Form(max_length=200)]
# Every severity, then every kind an alert can be of: the rows of the routing form.
ROUTE_ROWS = (*Severity, *sorted(KNOWN_KINDS))
EntryT = TypeVar("EntryT", bound=BaseModel)


def entry(kind: type[EntryT], fields: Mapping[str, object]) -> EntryT:
    """`kind` from form fields, AdminError (in words) if they do not make one."""
    try:
        return kind.model_validate(dict(fields))
    except ValidationError as exc:
        raise AdminError(describe_validation_error(exc)) from exc


def given(**fields: str) -> dict[str, object]:
    """Only the fields filled in (an empty input states nothing)."""
    return {name: value.strip() for name, value in fields.items() if value.strip()}


def cleared(**fields: str) -> dict[str, object]:
    """Every field, an empty one stated as None (to clear what is stored)."""
    return {name: value.strip() or None for name, value in fields.items()}


def minutes(text: str, *, what: str) -> dt.timedelta | None:
    if not text.strip():
        return None
    try:
        value = int(text)
    except ValueError:
        raise AdminError(f"{what}: {text!r} is not a whole number of minutes") from None
    if not 0 < value <= 24 * 60:
        raise AdminError(f"{what}: give between 1 and {24 * 60} minutes, or leave it empty")
    return dt.timedelta(minutes=value)


def lines(text: str) -> tuple[str, ...]:
    return tuple(line.strip() for line in text.splitlines() if line.strip())


def routes_from_form(route: Iterable[str], audience: Iterable[str]) -> dict[str, list[str]]:
    """{applies_to: audiences} for each row set to "own" ("urgent=own", "urgent:duty_team", ...).
    Rows left at "default" are not in it, so they return to the default."""
    own = set()
    for choice in route:
        applies_to, _, mode = choice.partition("=")
        if applies_to not in ROUTE_ROWS or mode not in ("own", "default"):
            raise AdminError(f"{choice!r} is not a route choice on this form")
        if mode == "own":
            own.add(applies_to)
    chosen: dict[str, list[str]] = {applies_to: [] for applies_to in own}
    for pick in audience:
        applies_to, _, who = pick.partition(":")
        if who not in set(Audience) or applies_to not in ROUTE_ROWS:
            raise AdminError(f"{pick!r} is not an audience choice on this form")
        if applies_to in chosen:
            chosen[applies_to].append(who)
    return chosen

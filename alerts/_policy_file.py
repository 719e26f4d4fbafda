"""Routing policies as YAML, to keep, review and edit in bulk: each household's own routes and its
contacts' quiet hours and digest times. Validated whole and imported in one transaction."""

import datetime as dt
from collections.abc import Collection
from typing import Annotated

import psycopg
import yaml
from psycopg.rows import TupleRow
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from alerts._policy import (
    PolicyError,
    QuietHours,
    RoutingPolicy,
    find_contact,
    parse_clock,
    routing_policy,
    set_contact_preferences,
    set_routes,
    validate_route,
)

HEADER = """\
# Alert routing per household (`telecare alerts routes import` reads this back).
# routes: a severity (urgent, high, routine) or a kind of alert -> who hears of it, from
#   duty_team, family, supervisor, device_team. Severities and kinds not listed keep the
#   defaults (urgent and high: duty_team and family; routine: family; device health also
#   device_team). A household's `routes:` replaces all its own routes; leave the key out to
#   keep them as they are, or write `routes: {}` to return to the defaults.
# contacts: quiet_hours "22:00-07:00" (routine and high news waits; urgent does not) and
#   digest_at "18:00" (a daily reassurance digest), or null for none. Contacts themselves and
#   their channels are managed in the registry (`telecare households import`).
"""


def _quoted_time(value: object) -> object:
    # YAML 1.1 reads an unquoted 18:00 as the number 1080 (base 60): refuse it rather than
    # guess, and say how to write it.
    if isinstance(value, int) and not isinstance(value, bool):
        raise ValueError('write times in quotes, e.g. "18:00" (unquoted, YAML reads 18:00 as a number)')
    return value


class _Entry(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class _ContactEntry(_Entry):
    name: str = Field(min_length=1)
    quiet_hours: Annotated[str | None, BeforeValidator(_quoted_time)] = None
    digest_at: Annotated[str | None, BeforeValidator(_quoted_time)] = None

    def preferences(self) -> tuple[QuietHours | None, dt.time | None]:
        quiet = QuietHours.parse(self.quiet_hours) if self.quiet_hours else None
        return quiet, parse_clock(self.digest_at, what="digest_at") if self.digest_at else None


class _HouseholdEntry(_Entry):
    household: str = Field(min_length=1)
    routes: dict[str, list[str]] | None = None
    contacts: tuple[_ContactEntry, ...] = ()


class _PolicyFile(_Entry):
    households: tuple[_HouseholdEntry, ...]


def parse_routing_policies(text: str) -> tuple[_HouseholdEntry, ...]:
    """The document's household entries, each route and time checked; PolicyError listing every
    problem found (with where it is) otherwise."""
    try:
        document = _PolicyFile.model_validate(yaml.safe_load(text))
    except yaml.YAMLError as exc:
        raise PolicyError(f"not valid YAML: {exc}") from None
    except ValidationError as exc:
        problems = [f"{'.'.join(map(str, e['loc'])) or 'the file'}: {e['msg']}" for e in exc.errors()]
        raise PolicyError("\n".join(problems)) from None
    problems = []
    for index, entry in enumerate(document.households):
        where = f"households.{index} ({entry.household})"
        for applies_to, audiences in (entry.routes or {}).items():
            try:
                validate_route(applies_to, audiences)
            except PolicyError as exc:
                problems.append(f"{where}.routes.{applies_to}: {exc}")
        for contact in entry.contacts:
            try:
                contact.preferences()
            except PolicyError as exc:
                problems.append(f"{where}.contacts ({contact.name}): {exc}")
    if problems:
        raise PolicyError("\n".join(problems))
    return document.households


def import_routing_policies(
    conn: psycopg.Connection[TupleRow], text: str, *, by: str, now: dt.datetime
) -> list[str]:
    """Apply a policy document, all of it or nothing; the households it names. PolicyError,
    HouseholdNotFound, ContactNotFound (each naming what to fix)."""
    entries = parse_routing_policies(text)
    with conn.transaction():
        for entry in entries:
            if entry.routes is not None:
                set_routes(conn, entry.household, entry.routes, by=by, now=now)
            for contact in entry.contacts:
                quiet_hours, digest_at = contact.preferences()
                found = find_contact(conn, entry.household, contact.name)
                set_contact_preferences(
                    conn, found.id, quiet_hours=quiet_hours, digest_at=digest_at, by=by, now=now
                )
    return [entry.household for entry in entries]


def export_routing_policies(conn: psycopg.Connection[TupleRow], households: Collection[str] = ()) -> str:
    """The named households' policies (all households' when none are named) as a document
    `import_routing_policies` reads back unchanged."""
    names = list(households) or [
        h for (h,) in conn.execute("SELECT id FROM households WHERE monitoring_state <> 'ended' ORDER BY id")
    ]
    document = {"households": [_document(routing_policy(conn, household)) for household in names]}
    return HEADER + yaml.safe_dump(document, sort_keys=False, allow_unicode=True)


def _document(policy: RoutingPolicy) -> dict[str, object]:
    return {
        "household": policy.household,
        "routes": {
            applies_to: sorted(map(str, audiences))
            for applies_to, audiences in sorted(policy.overrides.items())
        },
        "contacts": [
            {
                "name": contact.name,
                "quiet_hours": str(contact.quiet_hours) if contact.quiet_hours else None,
                "digest_at": f"{contact.digest_at:%H:%M}" if contact.digest_at else None,
            }
            for contact in policy.contacts
        ],
    }

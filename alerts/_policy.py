"""A household's routing policy, administered: who hears of what (its own audiences for a severity
or a kind, over the defaults) and each family contact's quiet hours and digest time. Every
change is validated with an error that says what to do, and audited with who, when and what."""

import dataclasses
import datetime as dt
import re
from collections.abc import Collection, Mapping

import psycopg
from psycopg.rows import TupleRow

from alerts._alert_store import Cursor, HouseholdNotFound
from alerts._audit import record_audit
from alerts._routing import DEFAULT_AUDIENCES
from alerts._vocabulary import DEVICE_KINDS, KNOWN_KINDS, MAY_BE_URGENT, Audience, Severity, severity_of

# A carer who asks for a digest without naming a time gets it at 18:00 in the home's own
# timezone: the day is mostly over (up, meals, outings are in it), and it comes before most
# people's quiet hours begin.
DEFAULT_DIGEST_AT = dt.time(18)
# Anyone on duty around the clock, one of whom must hear of anything urgent.
_TEAMS_ON_DUTY = frozenset({Audience.DUTY_TEAM, Audience.SUPERVISOR})
_SEVERITIES = frozenset(Severity)
_CLOCK = re.compile(r"([01]\d|2[0-3]):([0-5]\d)")


class PolicyError(ValueError):
    """A routing policy or a contact's preferences that cannot be used; the message says why."""


class ContactNotFound(LookupError):
    pass


@dataclasses.dataclass(frozen=True, slots=True)
class QuietHours:
    """Local hours during which routine and high news waits (urgent news does not)."""

    start: dt.time
    end: dt.time

    def __post_init__(self) -> None:
        if self.start == self.end:
            raise PolicyError(f"quiet hours {self} start and end at the same time; leave them unset for none")

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"

    @classmethod
    def parse(cls, text: str) -> "QuietHours":
        """From "22:00-07:00" (a period may run past midnight)."""
        start, _, end = text.strip().partition("-")
        return cls(parse_clock(start, what="quiet hours"), parse_clock(end, what="quiet hours"))

    def covers(self, clock: dt.time) -> bool:
        if self.start < self.end:
            return self.start <= clock < self.end
        return clock >= self.start or clock < self.end


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Route:
    """Who hears of alerts of a severity or a kind; `default` when the household has no route
    of its own for it."""

    applies_to: str
    audiences: frozenset[Audience]
    default: bool


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class ContactPreferences:
    """A family contact as routing sees them. Channels are shown by kind only (mailto, ntfy):
    the addresses are personal data, managed in the registry."""

    id: int
    name: str
    relationship: str | None
    channel_kinds: tuple[str, ...]
    quiet_hours: QuietHours | None
    digest_at: dt.time | None


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class RoutingPolicy:
    household: str
    # The household's own routes, by severity or kind; the defaults apply to everything else.
    overrides: Mapping[str, frozenset[Audience]]
    contacts: tuple[ContactPreferences, ...]

    @property
    def routes(self) -> tuple[Route, ...]:
        """Each severity's route (the household's own or the default), then each kind's own."""
        by_severity = tuple(
            Route(
                applies_to=severity,
                audiences=self.overrides.get(severity, DEFAULT_AUDIENCES[severity]),
                default=severity not in self.overrides,
            )
            for severity in Severity
        )
        by_kind = tuple(
            Route(applies_to=kind, audiences=audiences, default=False)
            for kind, audiences in sorted(self.overrides.items())
            if kind not in _SEVERITIES
        )
        return by_severity + by_kind

    @property
    def device_team_by_default(self) -> tuple[str, ...]:
        """Device-health kinds that reach the device team by default (besides their severity's
        default audiences): those with no route of their own or of their severity."""
        return tuple(
            sorted(
                kind
                for kind in DEVICE_KINDS
                if not {kind, severity_of(kind, known_to_wander=False, reported=Severity.ROUTINE)}
                & self.overrides.keys()
            )
        )


def parse_clock(text: str, *, what: str) -> dt.time:
    if not _CLOCK.fullmatch(text.strip()):
        raise PolicyError(f"{what}: {text!r} is not a time of day such as 07:30 (24-hour HH:MM)")
    return dt.time.fromisoformat(text.strip())


def validate_route(applies_to: str, audiences: Collection[str]) -> tuple[str, frozenset[Audience]]:
    """A route as it may be stored, or PolicyError saying what is wrong with it."""
    if applies_to not in _SEVERITIES and applies_to not in KNOWN_KINDS:
        raise PolicyError(
            f"{applies_to!r} is neither a severity ({', '.join(Severity)}) nor a kind of alert "
            f"({', '.join(sorted(KNOWN_KINDS))})"
        )
    unknown = sorted(set(audiences) - set(Audience))
    if unknown:
        raise PolicyError(
            f"unknown audience {', '.join(map(repr, unknown))}: choose from {', '.join(Audience)}"
        )
    chosen = frozenset(map(Audience, audiences))
    if (applies_to == Severity.URGENT or applies_to in MAY_BE_URGENT) and not chosen & _TEAMS_ON_DUTY:
        raise PolicyError(
            f"{applies_to} alerts can be urgent: their route must include duty_team or supervisor, "
            "who are on duty around the clock"
        )
    return applies_to, chosen


def validate_preferences(
    name: str, channels: Collection[str], quiet_hours: QuietHours | None, digest_at: dt.time | None
) -> None:
    """PolicyError if a contact's preferences cannot work together."""
    if digest_at is not None and not channels:
        raise PolicyError(f"{name} has no channels to send a digest to; add one in the registry first")
    if digest_at is not None and quiet_hours is not None and quiet_hours.covers(digest_at):
        raise PolicyError(
            f"{name}'s digest time {digest_at:%H:%M} falls in their quiet hours {quiet_hours}: "
            "choose a time outside them"
        )


def routing_policy(conn: psycopg.Connection[TupleRow] | Cursor, household: str) -> RoutingPolicy:
    """The household's routing policy. HouseholdNotFound if there is none."""
    if conn.execute("SELECT 1 FROM households WHERE id = %s", (household,)).fetchone() is None:
        raise HouseholdNotFound(f"there is no household {household!r}")
    overrides = {
        applies_to: frozenset(map(Audience, audiences))
        for applies_to, audiences in conn.execute(
            "SELECT applies_to, audiences FROM alert_routes WHERE household_id = %s", (household,)
        )
    }
    contacts = tuple(
        _contact(row)
        for row in conn.execute(
            f"SELECT {_CONTACT_COLUMNS} FROM contacts WHERE household_id = %s ORDER BY id", (household,)
        )
    )
    return RoutingPolicy(household=household, overrides=overrides, contacts=contacts)


def set_routes(
    conn: psycopg.Connection[TupleRow],
    household: str,
    routes: Mapping[str, Collection[str]],
    *,
    by: str,
    now: dt.datetime,
) -> RoutingPolicy:
    """Make `routes` the household's own routes, all of them (an empty mapping: the defaults
    throughout). Each route changed is audited. PolicyError, HouseholdNotFound."""
    wanted = dict(validate_route(applies_to, audiences) for applies_to, audiences in routes.items())
    with conn.transaction(), conn.cursor() as cur:
        before = _lock_policy(cur, household, by).overrides
        for applies_to in sorted(before.keys() | wanted.keys()):
            _store_route(cur, household, applies_to, before.get(applies_to), wanted.get(applies_to), by, now)
        return routing_policy(cur, household)


def set_route(
    conn: psycopg.Connection[TupleRow],
    household: str,
    applies_to: str,
    audiences: Collection[str] | None,
    *,
    by: str,
    now: dt.datetime,
) -> RoutingPolicy:
    """Give the household its own route for one severity or kind; None returns it to the
    default. An empty collection tells nobody (the console only), allowed where nothing can be
    urgent. Audited. PolicyError, HouseholdNotFound."""
    after = validate_route(applies_to, audiences)[1] if audiences is not None else None
    with conn.transaction(), conn.cursor() as cur:
        before = _lock_policy(cur, household, by).overrides.get(applies_to)
        _store_route(cur, household, applies_to, before, after, by, now)
        return routing_policy(cur, household)


def find_contact(
    conn: psycopg.Connection[TupleRow] | Cursor, household: str, name: str
) -> ContactPreferences:
    row = conn.execute(
        f"SELECT {_CONTACT_COLUMNS} FROM contacts WHERE household_id = %s AND name = %s", (household, name)
    ).fetchone()
    if row is None:
        raise ContactNotFound(f"household {household!r} has no contact named {name!r}")
    return _contact(row)


def set_contact_preferences(
    conn: psycopg.Connection[TupleRow],
    contact_id: int,
    *,
    quiet_hours: QuietHours | None,
    digest_at: dt.time | None,
    by: str,
    now: dt.datetime,
) -> ContactPreferences:
    """Set both of a contact's alert preferences (None: no quiet hours, no digest). Audited.
    PolicyError, ContactNotFound."""
    with conn.transaction(), conn.cursor() as cur:
        row = cur.execute(
            "SELECT household_id, name, channels, quiet_from, quiet_until, digest_at FROM contacts"
            " WHERE id = %s FOR NO KEY UPDATE",
            (contact_id,),
        ).fetchone()
        if row is None:
            raise ContactNotFound(f"there is no contact {contact_id}")
        household, name, channels, quiet_from, quiet_until, was_digest_at = row
        _require_actor(by)
        validate_preferences(name, channels, quiet_hours, digest_at)
        was_quiet = _quiet_hours(quiet_from, quiet_until)
        cur.execute(
            "UPDATE contacts SET quiet_from = %s, quiet_until = %s, digest_at = %s WHERE id = %s",
            (
                quiet_hours.start if quiet_hours else None,
                quiet_hours.end if quiet_hours else None,
                digest_at,
                contact_id,
            ),
        )
        record_audit(
            cur,
            actor=by,
            action="contact.alert_preferences_set",
            subject_type="contact",
            subject_id=str(contact_id),
            household=household,
            detail={
                "before": _preferences_detail(was_quiet, was_digest_at),
                "after": _preferences_detail(quiet_hours, digest_at),
            },
            at=now,
        )
        found = cur.execute(
            f"SELECT {_CONTACT_COLUMNS} FROM contacts WHERE id = %s", (contact_id,)
        ).fetchone()
        assert found is not None
        return _contact(found)


_CONTACT_COLUMNS = "id, name, relationship, channels, quiet_from, quiet_until, digest_at"


def _contact(row: TupleRow) -> ContactPreferences:
    id_, name, relationship, channels, quiet_from, quiet_until, digest_at = row
    return ContactPreferences(
        id=id_,
        name=name,
        relationship=relationship,
        channel_kinds=tuple(channel.split("://", 1)[0] for channel in channels),
        quiet_hours=_quiet_hours(quiet_from, quiet_until),
        digest_at=digest_at,
    )


def _quiet_hours(start: dt.time | None, end: dt.time | None) -> QuietHours | None:
    # Equal ends (which the registry accepts) mean no quiet period, as routing reads them.
    return QuietHours(start, end) if start is not None and end is not None and start != end else None


def _lock_policy(cur: Cursor, household: str, by: str) -> RoutingPolicy:
    """The household's policy, its row locked so two administrators' changes apply in turn.
    NO KEY: readings and alerts referencing the household are not held up meanwhile."""
    _require_actor(by)
    if (
        cur.execute("SELECT 1 FROM households WHERE id = %s FOR NO KEY UPDATE", (household,)).fetchone()
        is None
    ):
        raise HouseholdNotFound(f"there is no household {household!r}")
    return routing_policy(cur, household)


def _store_route(
    cur: Cursor,
    household: str,
    applies_to: str,
    before: frozenset[Audience] | None,
    after: frozenset[Audience] | None,
    by: str,
    now: dt.datetime,
) -> None:
    if before == after:
        return
    if after is None:
        cur.execute(
            "DELETE FROM alert_routes WHERE household_id = %s AND applies_to = %s", (household, applies_to)
        )
    else:
        cur.execute(
            """INSERT INTO alert_routes (household_id, applies_to, audiences) VALUES (%s, %s, %s)
               ON CONFLICT (household_id, applies_to) DO UPDATE SET audiences = EXCLUDED.audiences""",
            (household, applies_to, sorted(after)),
        )
    record_audit(
        cur,
        actor=by,
        action="routing.route_cleared" if after is None else "routing.route_set",
        subject_type="household",
        subject_id=household,
        household=household,
        detail={
            "applies_to": applies_to,
            "before": sorted(before) if before is not None else None,
            "after": sorted(after) if after is not None else None,
        },
        at=now,
    )


def _require_actor(by: str) -> None:
    if not by.strip():
        raise PolicyError("say who is making the change (it is recorded in the audit trail)")


def _preferences_detail(quiet_hours: QuietHours | None, digest_at: dt.time | None) -> dict[str, str | None]:
    return {
        "quiet_hours": str(quiet_hours) if quiet_hours else None,
        "digest_at": f"{digest_at:%H:%M}" if digest_at else None,
    }

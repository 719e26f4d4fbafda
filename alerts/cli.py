"""`telecare alerts ...`: run the alerts service, work the alert queue from a terminal, and
administer each household's routing (`telecare alerts routes ...`)."""

import datetime as dt
import pathlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated

import psycopg
import typer
from psycopg.rows import TupleRow

import store
from alerts._alert_store import HouseholdNotFound
from alerts._checkins import record_checkin
from alerts._config import AlertConfig, TeamChannels
from alerts._digests import household_day_status
from alerts._lifecycle import LifecycleError
from alerts._policy import (
    DEFAULT_DIGEST_AT,
    ContactNotFound,
    PolicyError,
    QuietHours,
    find_contact,
    parse_clock,
    routing_policy,
    set_contact_preferences,
    set_route,
)
from alerts._policy_file import export_routing_policies, import_routing_policies
from alerts._records import Alert
from alerts._responder import AlertNotFound, acknowledge_alert, alert_history, list_alerts, resolve_alert
from alerts._service import AlertService
from alerts._vocabulary import RESPONDER_OUTCOMES, CheckinSource, Outcome, Severity
from telecare._logging import configure_logging
from telecare._platform import database
from telecare._signals import stop_on_signals
from telecare._workers import configured_worker
from telecare.settings import Settings

alerts_app = typer.Typer(
    help="Alerts: route findings to people, escalate, deliver; the responder's queue at a terminal.",
    pretty_exceptions_enable=False,
)
routes_app = typer.Typer(
    help="Who hears of what, per household: routes by severity or kind; contacts' quiet hours and digest.",
    pretty_exceptions_enable=False,
    no_args_is_help=True,
)
alerts_app.add_typer(routes_app, name="routes")
# Anything an administrator may get wrong: each says what to fix.
_ADMIN_ERRORS = (PolicyError, HouseholdNotFound, ContactNotFound)

# In the order the issue lists them, the order a responder thinks of them.
OUTCOME_CHOICES = ", ".join(outcome for outcome in Outcome if outcome in RESPONDER_OUTCOMES)
By = Annotated[str, typer.Option("--by", help="Who is doing this (recorded in the audit trail).")]
Note = Annotated[str | None, typer.Option(help="Why, or what was done (recorded in the audit trail).")]


def alert_config(settings: Settings) -> AlertConfig:
    """The alerts service's share of the platform settings."""
    ack_seconds = {
        Severity.URGENT: settings.alert_ack_urgent_seconds,
        Severity.HIGH: settings.alert_ack_high_seconds,
        Severity.ROUTINE: settings.alert_ack_routine_seconds,
    }
    return AlertConfig(
        teams=TeamChannels(
            duty_team=settings.duty_team_channels,
            supervisor=settings.supervisor_channels,
            device_team=settings.device_team_channels,
        ),
        ack_within={s: dt.timedelta(seconds=v) for s, v in ack_seconds.items() if v is not None},
        unreachable_after=dt.timedelta(seconds=settings.alert_unreachable_seconds),
        duty_team_phone=settings.duty_team_phone,
    )


@contextmanager
def _alert_store() -> Iterator[tuple[psycopg.Connection[TupleRow], AlertConfig]]:
    settings = Settings()
    configure_logging(settings.log_level)
    with database(settings) as url, store.connect(url, application_name="telecare-alerts-cli") as conn:
        yield conn, alert_config(settings)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _fail(message: str) -> typer.Exit:
    typer.echo(message, err=True)
    return typer.Exit(1)


@alerts_app.callback(invoke_without_command=True)
def main(context: typer.Context) -> None:
    """With no command: run the service (router, escalation timer, dispatcher) until stopped."""
    if context.invoked_subcommand is None:
        serve()


@alerts_app.command()
def serve() -> None:
    """Run the router, the escalation timer and the dispatcher until Ctrl-C or SIGTERM (over
    this worker's share of the households with TELECARE_WORKER_INDEX/_COUNT)."""
    settings = Settings()
    configure_logging(settings.log_level)
    worker = configured_worker(settings.worker_index, settings.worker_count)
    with stop_on_signals() as stop, database(settings) as url:
        AlertService(database_url=url, config=alert_config(settings), worker=worker).run(stop)


@alerts_app.command("list")
def list_command(
    everything: Annotated[bool, typer.Option("--all", help="Resolved alerts too.")] = False,
) -> None:
    """The alert queue: most severe first, then the one waiting longest."""
    with _alert_store() as (conn, _):
        alerts = list_alerts(conn, include_resolved=everything)
    if not alerts:
        typer.echo("no alerts" if everything else "no unresolved alerts")
    for alert in alerts:
        deadline = f" ack by {_utc(alert.ack_deadline)}" if alert.ack_deadline else ""
        typer.echo(
            f"{alert.id:>6}  {alert.severity:<7} {alert.state:<12} {alert.kind:<20} {alert.household:<16}"
            f" {_utc(alert.created_at)}{deadline}"
        )


@alerts_app.command()
def show(alert_id: int) -> None:
    """One alert: what was found, its history, and every message sent about it."""
    with _alert_store() as (conn, _):
        try:
            history = alert_history(conn, alert_id)
        except AlertNotFound as exc:
            raise _fail(str(exc)) from exc
    alert = history.alert
    typer.echo(f"alert {alert.id}: {alert.severity} {alert.kind}, household {alert.household}, {alert.state}")
    typer.echo(f"  since {_utc(alert.onset)}, seen {alert.occurrences} time(s)")
    typer.echo(f"  {alert.message}")
    if alert.outcome:
        typer.echo(f"  outcome: {alert.outcome} ({alert.resolved_by}, {_utc(alert.resolved_at)})")
    typer.echo("history:")
    for entry in history.audit:
        detail = ", ".join(f"{k}={v}" for k, v in entry.detail.items() if v is not None)
        typer.echo(f"  {_utc(entry.at)}  {entry.action:<26} {entry.actor}  {detail}")
    typer.echo("messages:")
    for note in history.notifications:
        sent = f" sent {_utc(note.sent_at)}" if note.sent_at else ""
        to = note.contact or note.audience.replace("_", " ")
        status = f"{note.state}, {note.attempts} attempt(s){sent}"
        typer.echo(f"  {note.id:>6}  {note.event:<16} to {to} by {note.scheme}: {status}")


@alerts_app.command()
def ack(alert_id: int, by: By, note: Note = None) -> None:
    """Acknowledge an alert: you are dealing with it (stops its escalation)."""
    with _alert_store() as (conn, config):
        _responding(lambda: acknowledge_alert(conn, alert_id, by=by, note=note, now=_now(), config=config))
    typer.echo(f"alert {alert_id} acknowledged by {by}")


@alerts_app.command()
def resolve(
    alert_id: int,
    outcome: Annotated[str, typer.Option(help=f"One of: {OUTCOME_CHOICES}.")],
    by: By,
    note: Note = None,
) -> None:
    """Resolve an alert with its outcome; whoever was told of it hears how it ended."""
    if outcome not in RESPONDER_OUTCOMES:
        raise _fail(f"--outcome must be one of: {OUTCOME_CHOICES}")
    with _alert_store() as (conn, config):
        _responding(
            lambda: resolve_alert(
                conn, alert_id, Outcome(outcome), by=by, note=note, now=_now(), config=config
            )
        )
    typer.echo(f"alert {alert_id} resolved ({outcome}) by {by}")


@alerts_app.command()
def checkin(household: str) -> None:
    """Record "I'm fine" for a household: alerts held back for a check-in end here."""
    with _alert_store() as (conn, config):
        try:
            ended = record_checkin(conn, household, CheckinSource.COMMAND_LINE, at=_now(), config=config)
        except LookupError as exc:
            raise _fail(str(exc)) from exc
    typer.echo(f"check-in recorded for {household}; alerts ended: {', '.join(map(str, ended)) or 'none'}")


@alerts_app.command()
def today(household: str) -> None:
    """Today's status of a household in one sentence, as its family's digest opens."""
    with _alert_store() as (conn, _):
        try:
            status = household_day_status(conn, household, now=_now())
        except HouseholdNotFound as exc:
            raise _fail(str(exc)) from exc
    typer.echo(status.sentence)


@routes_app.command("show")
def routes_show(household: str) -> None:
    """A household's routing: who hears of each severity and kind, and its contacts' preferences."""
    with _alert_store() as (conn, _):
        try:
            policy = routing_policy(conn, household)
        except HouseholdNotFound as exc:
            raise _fail(str(exc)) from exc
    typer.echo(f"routes for {household}:")
    for route in policy.routes:
        who = ", ".join(sorted(route.audiences)) or "nobody (the console only)"
        typer.echo(f"  {route.applies_to:<26} {who:<44} {'default' if route.default else 'this household'}")
    if policy.device_team_by_default:
        kinds = ", ".join(policy.device_team_by_default)
        typer.echo(f"  {kinds} also go to device_team (default)")
    typer.echo("contacts:")
    for contact in policy.contacts:
        name = f"{contact.name} ({contact.relationship})" if contact.relationship else contact.name
        channels = ", ".join(contact.channel_kinds) or "none"
        digest = f"{contact.digest_at:%H:%M}" if contact.digest_at else "none"
        typer.echo(
            f"  {name}: channels {channels}; quiet hours {contact.quiet_hours or 'none'}; digest {digest}"
        )
    if not policy.contacts:
        typer.echo("  none (add them with `telecare households contact`)")


@routes_app.command("set")
def routes_set(
    household: str,
    applies_to: Annotated[str, typer.Argument(help="A severity (urgent, high, routine) or a kind of alert.")],
    audiences: Annotated[
        list[str],
        typer.Argument(
            help="Who hears of it: duty_team, family, supervisor, device_team; "
            "'default' to return to the default, 'none' for the console only."
        ),
    ],
    by: By,
) -> None:
    """Give a household its own route for a severity or a kind of alert."""
    chosen: list[str] | None = (
        [] if audiences == ["none"] else None if audiences == ["default"] else audiences
    )
    with _alert_store() as (conn, _):
        try:
            set_route(conn, household, applies_to, chosen, by=by, now=_now())
        except _ADMIN_ERRORS as exc:
            raise _fail(str(exc)) from exc
    told = "the default" if chosen is None else ", ".join(chosen) or "nobody (the console only)"
    typer.echo(f"{applies_to} alerts for {household} now go to {told}")


@routes_app.command("contact")
def routes_contact(
    household: str,
    name: Annotated[str, typer.Argument(help="The contact's name, as in the registry.")],
    by: By,
    quiet_hours: Annotated[
        str | None,
        typer.Option(help="Local hours when routine and high news waits, e.g. 22:00-07:00; 'none'."),
    ] = None,
    digest_at: Annotated[
        str | None,
        typer.Option(
            help=f"Daily digest time, e.g. 18:30; 'on' for {DEFAULT_DIGEST_AT:%H:%M}; 'off' for none."
        ),
    ] = None,
) -> None:
    """Set a family contact's quiet hours and daily digest time (what is not given stays)."""
    with _alert_store() as (conn, _):
        try:
            contact = find_contact(conn, household, name)
            quiet = contact.quiet_hours if quiet_hours is None else _quiet_hours_option(quiet_hours)
            digest = contact.digest_at if digest_at is None else _digest_option(digest_at, contact.digest_at)
            saved = set_contact_preferences(
                conn, contact.id, quiet_hours=quiet, digest_at=digest, by=by, now=_now()
            )
        except _ADMIN_ERRORS as exc:
            raise _fail(str(exc)) from exc
    digest_text = f"{saved.digest_at:%H:%M}" if saved.digest_at else "none"
    typer.echo(f"{name} ({household}): quiet hours {saved.quiet_hours or 'none'}; digest {digest_text}")


@routes_app.command("import")
def routes_import(
    file: Annotated[pathlib.Path, typer.Argument(exists=True, dir_okay=False, help="A YAML routing file.")],
    by: By,
) -> None:
    """Apply a routing file (as `routes export` writes): all of it, or nothing if anything is wrong."""
    with _alert_store() as (conn, _):
        try:
            households = import_routing_policies(conn, file.read_text(encoding="utf-8"), by=by, now=_now())
        except _ADMIN_ERRORS as exc:
            raise _fail(f"{file}: nothing imported:\n{exc}") from exc
    typer.echo(f"routing imported for {len(households)} household(s)")


@routes_app.command("export")
def routes_export(
    households: Annotated[
        list[str] | None, typer.Argument(help="Households to export; all when none.")
    ] = None,
    out: Annotated[pathlib.Path | None, typer.Option(help="Write here instead of to the terminal.")] = None,
) -> None:
    """Print households' routing as YAML, to keep, edit and import again."""
    with _alert_store() as (conn, _):
        try:
            document = export_routing_policies(conn, households or ())
        except HouseholdNotFound as exc:
            raise _fail(str(exc)) from exc
    if out is None:
        typer.echo(document, nl=False)
    else:
        out.write_text(document, encoding="utf-8")


def _quiet_hours_option(text: str) -> QuietHours | None:
    return None if text.strip().lower() == "none" else QuietHours.parse(text)


def _digest_option(text: str, current: dt.time | None) -> dt.time | None:
    choice = text.strip().lower()
    if choice == "off":
        return None
    if choice == "on":
        return current or DEFAULT_DIGEST_AT
    return parse_clock(text, what="--digest-at")


def _responding(change: Callable[[], Alert]) -> None:
    try:
        change()
    except (AlertNotFound, LifecycleError) as exc:
        raise _fail(str(exc)) from exc


def _utc(instant: dt.datetime | None) -> str:
    return f"{instant.astimezone(dt.UTC):%Y-%m-%d %H:%M:%S}Z" if instant else "-"

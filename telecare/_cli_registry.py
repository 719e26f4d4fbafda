"""`telecare households ...` and `telecare devices ...`: the registry from the command line."""

import datetime as dt
import functools
import json
import pathlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, TypeVar

import psycopg
import typer
from psycopg.rows import TupleRow
from pydantic import ValidationError

import store
from devices import (
    ConsentEntry,
    ContactEntry,
    DeviceEntry,
    DeviceRole,
    Dialect,
    HouseholdEntry,
    MonitoringState,
    RegistryFile,
    RegistryFileError,
    SensorKind,
    describe_validation_error,
    format_registry_csv,
    format_registry_yaml,
    parse_registry_csv,
    parse_registry_yaml,
    provision_account,
    provision_hub,
)
from devices.dialects import decode_message
from telecare._cli_privacy import household_erase, subject_access_export
from telecare._logging import configure_logging
from telecare._platform import database
from telecare.settings import Settings

households_app = typer.Typer(
    help="Households: who is monitored, on what consent, who to tell.", no_args_is_help=True
)
devices_app = typer.Typer(help="Devices: what is installed where, and how it reports.", no_args_is_help=True)


@contextmanager
def _store() -> Iterator[psycopg.Connection[TupleRow]]:
    settings = Settings()
    configure_logging(settings.log_level)
    with database(settings) as url, store.connect(url) as conn:
        yield conn


def _today() -> dt.date:
    # Installation and removal dates are the installer's local calendar day.
    return dt.datetime.now().astimezone().date()


def _fail(message: str) -> typer.Exit:
    typer.echo(message, err=True)
    return typer.Exit(1)


def _import(registry: RegistryFile) -> None:
    with _store() as conn:
        try:
            store.import_registry(conn, registry)
        except store.RegistryConflict as exc:
            raise _fail(str(exc)) from exc


def _read_file(file: pathlib.Path) -> RegistryFile:
    text = file.read_text(encoding="utf-8-sig")
    parse = parse_registry_yaml if file.suffix.lower() in (".yaml", ".yml") else parse_registry_csv
    try:
        return parse(text)
    except RegistryFileError as exc:
        for problem in exc.problems:
            typer.echo(f"{file}: {problem}", err=True)
        raise _fail("nothing imported") from exc


EntryT = TypeVar("EntryT", HouseholdEntry, DeviceEntry, ConsentEntry, ContactEntry)


def _entry(kind: type[EntryT], **fields: object) -> EntryT:
    try:
        return kind.model_validate({k: v for k, v in fields.items() if v is not None})
    except ValidationError as exc:
        raise _fail(describe_validation_error(exc)) from exc


ExistingFile = Annotated[pathlib.Path, typer.Argument(exists=True, dir_okay=False, readable=True)]
Format = Annotated[str, typer.Option("--format", help="yaml (everything) or csv (devices only).")]


@households_app.command("import")
@devices_app.command("import")
def import_file(file: ExistingFile) -> None:
    """Register households and devices from a CSV or YAML file: all of it, or nothing."""
    registry = _read_file(file)
    _import(registry)
    typer.echo(f"imported {len(registry.households)} households, {len(registry.devices)} devices")


@households_app.command("export")
def household_export(
    subject: Annotated[
        str | None,
        typer.Argument(
            metavar="HOUSEHOLD",
            help="Subject access: everything held about this household, as a zip (needs --out).",
        ),
    ] = None,
    out: Annotated[pathlib.Path | None, typer.Option(help="The zip to write (subject access).")] = None,
    by: Annotated[
        str | None, typer.Option("--by", help="Who asks, for the audit trail (default: your login name).")
    ] = None,
    household: Annotated[str | None, typer.Option(help="Only this household.")] = None,
    output_format: Format = "yaml",
) -> None:
    """Print the registry as YAML or CSV; or, given a HOUSEHOLD and --out, write everything held
    about it (readings, alerts, notes, notifications, audit...) as a zip of CSV files."""
    if subject is None:
        export_file(household=household, output_format=output_format)
        return
    if out is None:
        raise _fail("subject access needs --out PATH (a zip file, or a folder to write it in)")
    subject_access_export(subject, out, by)


households_app.command("erase")(household_erase)


@devices_app.command("export")
def export_file(
    household: Annotated[str | None, typer.Option(help="Only this household.")] = None,
    output_format: Format = "yaml",
) -> None:
    """Print the registry as YAML (households, consent, contacts, devices) or CSV (devices)."""
    if output_format not in ("yaml", "csv"):
        raise _fail("--format is yaml or csv")
    with _store() as conn:
        registry = store.export_registry(conn, household=household)
    typer.echo(
        format_registry_yaml(registry) if output_format == "yaml" else format_registry_csv(registry), nl=False
    )


@households_app.command("add")
def household_add(
    household: str,
    timezone: Annotated[str, typer.Option(help="IANA timezone, e.g. Europe/London.")],
    name: Annotated[str | None, typer.Option(help="How carers and responders know the person.")] = None,
    area: Annotated[str | None, typer.Option(help="Postcode district or ward, for reports.")] = None,
    referred_on: Annotated[dt.datetime | None, typer.Option(formats=["%Y-%m-%d"])] = None,
) -> None:
    """Register a household (or update these details of one)."""
    entry = _entry(
        HouseholdEntry,
        id=household,
        timezone=timezone,
        display_name=name,
        address_area=area,
        referred_on=referred_on.date() if referred_on else None,
    )
    _import(RegistryFile(households=(entry,)))
    typer.echo(f"household {household} registered")


@households_app.command("list")
def household_list() -> None:
    """One line per household: id, state, area, timezone, installed devices."""
    with _store() as conn:
        rows = conn.execute(
            """SELECT h.id, h.monitoring_state, coalesce(h.address_area, '-'), h.timezone,
                      count(d.id) FILTER (WHERE d.removed_on IS NULL)
               FROM households h LEFT JOIN devices d ON d.household_id = h.id
               GROUP BY h.id ORDER BY h.id"""
        ).fetchall()
    for household, state, area, timezone, devices in rows:
        typer.echo(f"{household}\t{state}\t{area}\t{timezone}\t{devices} devices")


@households_app.command("show")
def household_show(household: str) -> None:
    """Everything registered about one household, as YAML."""
    with _store() as conn:
        registry = store.export_registry(conn, household=household)
    if not registry.households:
        raise _fail(f"no household {household!r}")
    typer.echo(format_registry_yaml(registry), nl=False)


@households_app.command("state")
def household_state(
    household: str,
    state: MonitoringState,
    until: Annotated[
        dt.datetime | None, typer.Option(help="For 'away': when they are back (ISO-8601).")
    ] = None,
) -> None:
    """Set monitoring: active, paused (e.g. in hospital), away (until a time), ended."""
    if state is MonitoringState.AWAY and until is None:
        raise _fail("'away' needs --until, e.g. --until 2026-12-01T18:00")
    if until is not None and until.tzinfo is None:
        until = until.replace(tzinfo=dt.UTC)
    with _store() as conn:
        if not store.set_monitoring_state(conn, household, state, away_until=until):
            raise _fail(f"no household {household!r}")
    typer.echo(f"household {household} is now {state}")


@households_app.command("consent")
def household_consent(
    household: str,
    basis: Annotated[str, typer.Option(help="self, or best_interest (Mental Capacity Act).")],
    given_by: Annotated[str, typer.Option(help="Who consented (or who made the decision).")],
    given_on: Annotated[dt.datetime, typer.Option(formats=["%Y-%m-%d"])],
    decision_maker: Annotated[str | None, typer.Option()] = None,
    review_on: Annotated[dt.datetime | None, typer.Option(formats=["%Y-%m-%d"])] = None,
) -> None:
    """Record the consent in force (earlier records are kept)."""
    consent = _entry(
        ConsentEntry,
        basis=basis,
        given_by=given_by,
        given_on=given_on.date(),
        decision_maker=decision_maker,
        review_on=review_on.date() if review_on else None,
    )
    _update_household(household, consent=consent)
    typer.echo(f"consent recorded for {household}")


@households_app.command("contact")
def household_contact(
    household: str,
    name: Annotated[str, typer.Option(help="The carer's name, e.g. 'Anna (daughter)'.")],
    channel: Annotated[list[str], typer.Option(help="Apprise URL; repeat for several.")],
    relationship: Annotated[str | None, typer.Option()] = None,
    quiet_hours: Annotated[
        str | None, typer.Option(help="Local hours for no routine news, e.g. 22:00-07:00.")
    ] = None,
    digest_at: Annotated[
        dt.datetime | None, typer.Option(formats=["%H:%M"], help="Daily digest time.")
    ] = None,
) -> None:
    """Add or update a family carer (or other contact) of a household."""
    contact = _entry(
        ContactEntry,
        name=name,
        channels=tuple(channel),
        relationship=relationship,
        quiet_hours=quiet_hours,
        digest_at=digest_at.time() if digest_at else None,
    )
    _update_household(household, contacts=(contact,))
    typer.echo(f"contact {name} saved for {household}")


def _update_household(household: str, **details: object) -> None:
    with _store() as conn:
        found = store.export_registry(conn, household=household).households
        if not found:
            raise _fail(f"no household {household!r}")
        entry = HouseholdEntry.model_validate({"id": household, "timezone": found[0].timezone, **details})
        store.import_registry(conn, RegistryFile(households=(entry,)))


@devices_app.command("add")
def device_add(
    household: str,
    device: str,
    role: Annotated[DeviceRole, typer.Option()],
    room: Annotated[str, typer.Option()],
    sensor: Annotated[list[SensorKind], typer.Option(help="What it measures; repeat for several.")],
    dialect: Annotated[Dialect, typer.Option()] = Dialect.NATIVE,
    vendor_id: Annotated[str | None, typer.Option(help="Friendly name, Tasmota topic or Shelly id.")] = None,
    interval_minutes: Annotated[int | None, typer.Option(help="Expected report interval.")] = None,
) -> None:
    """Install a device in a household."""
    with _store() as conn:
        found = store.export_registry(conn, household=household).households
    if not found:
        raise _fail(f"no household {household!r}: add it first")
    entry = _entry(
        DeviceEntry,
        household=household,
        id=device,
        role=role,
        room=room,
        sensors=frozenset(sensor),
        dialect=dialect,
        vendor_id=vendor_id,
        expected_interval=dt.timedelta(minutes=interval_minutes) if interval_minutes else None,
        installed_on=_today(),
    )
    _import(RegistryFile(households=(found[0],), devices=(entry,)))
    typer.echo(f"device {device} installed in {household}")


@devices_app.command("list")
def device_list(household: Annotated[str | None, typer.Option()] = None) -> None:
    """One line per installed device: household, device, role, room, dialect, vendor id, sensors."""
    with _store() as conn:
        registry = store.export_registry(conn, household=household)
    for d in registry.devices:
        if d.removed_on is None:
            sensors = ",".join(sorted(d.sensors))
            typer.echo(
                f"{d.household}\t{d.id}\t{d.role}\t{d.room}\t{d.dialect}\t{d.vendor_id or '-'}\t{sensors}"
            )


@devices_app.command("remove")
def device_remove(household: str, device: str) -> None:
    """Mark a device removed today (its readings are kept; new ones are refused)."""
    with _store() as conn:
        if not store.remove_device(conn, household, device, _today()):
            raise _fail(f"no installed device {device!r} in household {household!r}")
    typer.echo(f"device {device} removed from {household}")


@devices_app.command("health")
def device_health(household: Annotated[str | None, typer.Option()] = None) -> None:
    """Check every device now and list the open device problems (offline, battery, silent)."""
    with _store() as conn:
        store.check_device_health(conn, dt.datetime.now(dt.UTC))
        problems = [f for f in store.open_findings(conn, household=household) if f[1] in store.HEALTH_KINDS]
    for home, kind, severity, onset, message in problems:
        typer.echo(f"{home}\t{severity}\t{kind}\tsince {onset:%Y-%m-%d %H:%M} UTC\t{message}")
    if not problems:
        typer.echo("all devices healthy")


@devices_app.command("provision")
def provision(
    household: Annotated[str | None, typer.Argument(help="The household whose hub gets credentials.")] = None,
    service: Annotated[
        str | None, typer.Option(help="Instead, an account for a platform service, e.g. ingest.")
    ] = None,
    out: Annotated[pathlib.Path | None, typer.Option(help="Where to write passwd and acl.")] = None,
) -> None:
    """Create (or rotate) broker credentials and rewrite Mosquitto's password and ACL files.

    The password is printed once and never stored; reload Mosquitto (SIGHUP) afterwards.
    """
    if (household is None) == (service is None):
        raise _fail("name a household, or --service NAME")
    settings = Settings()
    folder = out or settings.data_dir / "mosquitto"
    with _store() as conn:
        try:
            if household:
                credentials = provision_hub(conn, household, broker_dir=folder)
            else:
                username = f"telecare-{service}"
                credentials = provision_account(conn, username, household=None, broker_dir=folder)
        except LookupError as exc:
            raise _fail(str(exc)) from exc
    typer.echo(f"username: {credentials.username}")
    typer.echo(f"password: {credentials.password}")
    typer.echo(f"wrote {folder / 'passwd'} and {folder / 'acl'}; reload Mosquitto to apply (kill -HUP)")


@devices_app.command("decode")
def decode(
    topic: str,
    payload: str,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
) -> None:
    """What the platform makes of one MQTT message against the registry: the installer's first
    tool when a sensor "does nothing". Runs exactly the checks ingest runs; stores nothing."""
    from ingest import RawMessage, triage
    from ingest._service import DEFAULT_LIMITS

    with _store() as conn:
        registry = store.load_registry(conn)
    message = RawMessage(topic=topic, payload=payload.encode(), received_at=dt.datetime.now(dt.UTC))
    decode_against = functools.partial(decode_message, lookup=registry.vendor_device)
    outcome = triage([message], registry, decode_against, DEFAULT_LIMITS)
    for reading in outcome.readings:
        fields = {
            "household": reading.household,
            "device": reading.device,
            "sensor": str(reading.sensor),
            "value": reading.value,
            "ts": reading.ts.isoformat(),
        }
        typer.echo(
            json.dumps(fields) if as_json else "reading\t" + "\t".join(str(v) for v in fields.values())
        )
    for status in outcome.statuses:
        state = "online" if status.online else "offline"
        fields = {"household": status.household, "device": status.device, "status": state}
        typer.echo(json.dumps(fields) if as_json else f"status\t{status.household}\t{status.device}\t{state}")
    for letter in outcome.dead_letters:
        typer.echo(json.dumps({"rejected": letter.reason}) if as_json else f"rejected\t{letter.reason}")
    if outcome.dead_letters:
        raise typer.Exit(1)


@households_app.command("capabilities")
def household_capabilities(household: Annotated[str | None, typer.Argument()] = None) -> None:
    """Which detectors each home's devices support, and the shortest inactivity they can tell."""
    from detection import capability_of
    from detection._service import load_homes

    with _store() as conn:
        homes, _ = load_homes(conn)
    for home in homes:
        if household is not None and home.id != household:
            continue
        seen = capability_of(home)
        shortest = (
            f"{seen.shortest_inactivity_s / 60:.0f} min"
            if seen.shortest_inactivity_s != float("inf")
            else "none"
        )
        typer.echo(f"{home.id}\tshortest inactivity: {shortest}")
        typer.echo(f"  watches: {', '.join(seen.detectors) or 'nothing'}")
        typer.echo(f"  cannot see (no suitable device): {', '.join(seen.cannot) or '-'}")

"""Privacy from the command line: `telecare retention run`, and a household's subject access
export and erasure (`telecare households export ID --out PATH`, `telecare households erase ID`)."""

import contextlib
import datetime as dt
import getpass
import os
import pathlib
import tempfile
from collections.abc import Iterator, Sequence
from typing import Annotated

import psycopg
import typer
from psycopg.rows import TupleRow

import store
from devices import DeviceEntry
from devices._provisioning import BrokerAccount, acl_file, password_file
from telecare._logging import configure_logging
from telecare._platform import database
from telecare._retention_job import retention_policy
from telecare.settings import Settings

retention_app = typer.Typer(help="Retention: raw readings and other data dropped after their period.")

By = Annotated[
    str | None,
    typer.Option("--by", help="Who is doing this, for the audit trail (default: your login name)."),
]


def _settings() -> Settings:
    settings = Settings()
    configure_logging(settings.log_level)
    return settings


def _actor(by: str | None) -> str:
    return by or f"cli:{getpass.getuser()}"


def _fail(message: str) -> typer.Exit:
    typer.echo(message, err=True)
    return typer.Exit(1)


@retention_app.command("run")
def retention_run(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Say what would go; drop nothing.")] = False,
) -> None:
    """One retention pass now (`telecare run` does one daily): drop readings partitions past
    TELECARE_READINGS_RETENTION_DAYS, old daily features and dead letters; name ended households
    whose care records are past theirs."""
    settings = _settings()
    with database(settings) as url, store.connect(url, application_name="telecare-retention") as conn:
        done = store.apply_retention(
            conn, retention_policy(settings), dt.datetime.now(dt.UTC), dry_run=dry_run
        )
    verb = "would drop" if dry_run else "dropped"
    typer.echo(f"readings before {done.readings_cutoff:%Y-%m-%d %H:%M} UTC:")
    for p in done.partitions:
        typer.echo(f"  {verb} partition {p.name} ({p.start:%Y-%m-%d} to {p.end:%Y-%m-%d}, {_size(p.bytes)})")
    for chunk in done.chunks:
        typer.echo(f"  {verb} chunk {chunk}")
    if not done.partitions and not done.chunks:
        typer.echo("  nothing to drop (a partition goes once all of it is past the period)")
    for name in done.postponed:
        typer.echo(f"  postponed {name}: the table was busy; the next pass drops it")
    if done.policy_changed_to is not None:
        change = "would be set" if dry_run else "set"
        typer.echo(f"  TimescaleDB retention policy {change} to {done.policy_changed_to.days} days")
    typer.echo(
        f"daily features older than {settings.features_retention_days} days: {verb} {done.daily_features}"
    )
    typer.echo(
        f"dead letters older than {settings.dead_letter_retention_days} days: {verb} {done.dead_letters}"
    )
    if done.due_for_erasure:
        typer.echo(
            f"ended more than {settings.care_records_retention_days} days ago, care records due for "
            "erasure (`telecare households erase ID`): " + ", ".join(done.due_for_erasure)
        )


def _size(n: int) -> str:
    if n < 1024:
        return f"{n} bytes"
    size = n / 1024
    for unit in ("kB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            break
        size /= 1024
    return f"{size:.1f} {unit}"


def subject_access_export(household: str, out: pathlib.Path, by: str | None) -> None:
    """Everything held about a household, as a zip of CSV files with a manifest and README."""
    if out.exists() and out.is_dir():
        out = out / f"{household}-export.zip"
    with _connection() as conn:
        # Written beside its destination and renamed at the end: a failed export leaves no
        # half-file of personal data behind; mode 0600, as it is all personal data.
        fd, partial = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".partial")
        try:
            with os.fdopen(fd, "wb") as archive:
                summary = store.export_household(
                    conn, household, archive, by=_actor(by), now=dt.datetime.now(dt.UTC)
                )
            os.replace(partial, out)
        except store.NothingHeld as exc:
            raise _fail(str(exc)) from exc
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(partial)
    total = sum(summary.rows.values())
    typer.echo(f"wrote {out}: {total} rows from {sum(1 for n in summary.rows.values() if n)} tables")
    for table, rows in summary.rows.items():
        if rows:
            typer.echo(f"  {table}: {rows}")


def household_erase(
    household: str,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
    by: By = None,
) -> None:
    """Erase a household everywhere (registry, readings, alerts, notifications, audit trail...),
    in one transaction. Only an audit record that it was erased remains. Irreversible."""
    if not yes:
        typer.echo(
            f"This removes everything held about household {household}, for good; export it first "
            f"(telecare households export {household} --out FILE) if a copy must be kept."
        )
        answer = typer.prompt("Type the household id to confirm", default="", show_default=False)
        if answer != household:
            raise _fail("not erased")
    with _connection() as conn:
        try:
            rows = store.erase_household(conn, household, by=_actor(by), now=dt.datetime.now(dt.UTC))
        except store.NothingHeld as exc:
            raise _fail(str(exc)) from exc
        accounts = store.broker_accounts(conn)
        devices = store.export_registry(conn).devices
    typer.echo(f"household {household} erased: {sum(rows.values())} rows")
    for table, n in rows.items():
        if n:
            typer.echo(f"  {table}: {n}")
    typer.echo("kept: the audit record of this erasure (the household id, who, when, these counts)")
    _rewrite_broker_files(accounts, devices)


def _rewrite_broker_files(accounts: Sequence[BrokerAccount], devices: Sequence[DeviceEntry]) -> None:
    """The erased hub's account is gone from the store; take it out of Mosquitto's files too,
    where `telecare devices provision` keeps them."""
    folder = Settings().data_dir / "mosquitto"
    if not (folder / "passwd").exists():
        return
    (folder / "passwd").write_text(password_file(accounts))
    (folder / "acl").write_text(acl_file(accounts, devices))
    typer.echo(f"rewrote {folder / 'passwd'} and {folder / 'acl'}; reload Mosquitto to apply (kill -HUP)")


@contextlib.contextmanager
def _connection() -> Iterator[psycopg.Connection[TupleRow]]:
    settings = _settings()
    with database(settings) as url, store.connect(url, application_name="telecare-privacy") as conn:
        yield conn

"""Routing policy administration: `telecare alerts routes ...` and the functions the web admin
pages call, against real PostgreSQL. Validated, audited, and obeyed by the router."""

import datetime as dt
import logging
import pathlib

import psycopg
import pytest
from psycopg.rows import TupleRow
from typer.testing import CliRunner, Result

import store
from alerts import (
    AlertConfig,
    Audience,
    ContactNotFound,
    HouseholdNotFound,
    PolicyError,
    QuietHours,
    TeamChannels,
    export_routing_policies,
    find_contact,
    import_routing_policies,
    route_findings,
    routing_policy,
    set_contact_preferences,
    set_route,
    set_routes,
)
from alerts._policy import validate_route
from alerts.cli import alerts_app
from devices import ContactEntry, HouseholdEntry, RegistryFile

Conn = psycopg.Connection[TupleRow]
T0 = dt.datetime(2026, 11, 22, 10, 0, tzinfo=dt.UTC)
CONFIG = AlertConfig(
    teams=TeamChannels(
        duty_team=("json://127.0.0.1:9/duty",),
        supervisor=("json://127.0.0.1:9/supervisor",),
        device_team=("json://127.0.0.1:9/devices",),
    )
)


@pytest.fixture
def cli(database_url: str, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("TELECARE_DATABASE_URL", database_url)
    return CliRunner()


def _run(cli: CliRunner, *args: str) -> Result:
    # The command sets up logging to its own stderr, which the runner closes afterwards: the
    # test's logging is put back as it was.
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        return cli.invoke(alerts_app, ["routes", *args])
    finally:
        root.handlers[:], root.level = handlers, level


def _register(conn: Conn, household: str = "h-mum") -> None:
    contacts = (
        ContactEntry(
            name="Jane",
            relationship="daughter",
            channels=("mailto://jane@example.org", "json://127.0.0.1:9/jane"),
            quiet_hours="22:00-07:00",
        ),
        ContactEntry(name="Sam"),  # a neighbour with no channels yet
    )
    store.import_registry(
        conn,
        RegistryFile(households=(HouseholdEntry(id=household, timezone="Europe/London", contacts=contacts),)),
    )


def _rows(conn: Conn, query: str, *params: object) -> list[TupleRow]:
    rows = conn.execute(query.encode(), params).fetchall()
    conn.commit()
    return rows


def test_a_household_with_no_routes_of_its_own_shows_the_defaults(conn: Conn, cli: CliRunner) -> None:
    _register(conn)

    shown = _run(cli, "show", "h-mum")

    assert shown.exit_code == 0, shown.output
    assert [line.split() for line in shown.output.splitlines()] == [
        ["routes", "for", "h-mum:"],
        ["urgent", "duty_team,", "family", "default"],
        ["high", "duty_team,", "family", "default"],
        ["routine", "family", "default"],
        ["battery_low,", "device_offline,", "hub_offline,", "sensor_silent", "also", "go", "to",
         "device_team", "(default)"],
        ["contacts:"],
        ["Jane", "(daughter):", "channels", "mailto,", "json;", "quiet", "hours", "22:00-07:00;", "digest",
         "none"],
        ["Sam:", "channels", "none;", "quiet", "hours", "none;", "digest", "none"],
    ]  # fmt: skip


def test_a_route_set_from_the_command_line_is_obeyed_audited_and_can_be_undone(
    conn: Conn, cli: CliRunner
) -> None:
    _register(conn)

    set_ = _run(cli, "set", "h-mum", "battery_low", "device_team", "--by", "ann")
    shown = _run(cli, "show", "h-mum").output
    store.reconcile_findings(
        conn,
        ("battery_low",),
        [
            store.Finding(
                household="h-mum",
                condition_key="battery_low:pir",
                kind="battery_low",
                severity="routine",
                onset=T0,
                message="The hall sensor's battery is at 8%.",
                evidence={},
                device="pir",
            )
        ],
        T0,
    )
    route_findings(conn, CONFIG, T0)
    undone = _run(cli, "set", "h-mum", "battery_low", "default", "--by", "ann")

    assert (set_.exit_code, set_.output) == (0, "battery_low alerts for h-mum now go to device_team\n")
    assert "battery_low                device_team" in shown
    assert "this household" in shown
    assert "device_offline, hub_offline, sensor_silent also go to device_team (default)" in shown
    assert _rows(conn, "SELECT audience FROM notifications") == [("device_team",)]  # not Jane
    assert undone.exit_code == 0, undone.output
    assert routing_policy(conn, "h-mum").overrides == {}
    assert _rows(
        conn,
        "SELECT actor, action, subject_id, detail->>'applies_to', detail->'before', detail->'after'"
        " FROM audit_events WHERE action LIKE 'routing.%%' ORDER BY id",
    ) == [
        ("ann", "routing.route_set", "h-mum", "battery_low", None, ["device_team"]),
        ("ann", "routing.route_cleared", "h-mum", "battery_low", ["device_team"], None),
    ]


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (
            ["h-mum", "urgent", "dutyteam"],
            "unknown audience 'dutyteam': choose from family, duty_team, supervisor, device_team",
        ),
        (
            ["h-mum", "fal_detected", "duty_team"],
            "'fal_detected' is neither a severity (urgent, high, routine) nor",
        ),
        (
            ["h-mum", "smoke", "family"],
            "smoke alerts can be urgent: their route must include duty_team or supervisor",
        ),
        (["h-mum", "urgent", "none"], "urgent alerts can be urgent: their route must include duty_team"),
        (["h-nobody", "routine", "family"], "there is no household 'h-nobody'"),
    ],
)
def test_a_route_that_cannot_work_is_refused_with_what_to_fix_and_changes_nothing(
    conn: Conn, cli: CliRunner, args: list[str], error: str
) -> None:
    _register(conn)

    refused = _run(cli, "set", *args, "--by", "ann")

    assert refused.exit_code == 1
    assert error in refused.output
    assert _rows(conn, "SELECT count(*) FROM alert_routes") == [(0,)]
    assert _rows(conn, "SELECT count(*) FROM audit_events") == [(0,)]


def test_nobody_but_the_console_is_a_choice_where_nothing_is_urgent(conn: Conn, cli: CliRunner) -> None:
    _register(conn)

    quiet = _run(cli, "set", "h-mum", "routine_change", "none", "--by", "ann")

    assert quiet.output == "routine_change alerts for h-mum now go to nobody (the console only)\n"
    assert routing_policy(conn, "h-mum").overrides == {"routine_change": frozenset()}


def test_a_contacts_quiet_hours_and_digest_time_are_set_checked_and_audited(
    conn: Conn, cli: CliRunner
) -> None:
    _register(conn)

    on = _run(cli, "contact", "h-mum", "Jane", "--digest-at", "on", "--by", "ann")
    in_quiet_hours = _run(cli, "contact", "h-mum", "Jane", "--digest-at", "23:00", "--by", "ann")
    moved = _run(
        cli, "contact", "h-mum", "Jane", "--quiet-hours", "23:30-07:00", "--digest-at", "23:00", "--by", "ann"
    )
    no_channel = _run(cli, "contact", "h-mum", "Sam", "--digest-at", "on", "--by", "ann")
    bad_time = _run(cli, "contact", "h-mum", "Jane", "--digest-at", "7pm", "--by", "ann")
    nobody = _run(cli, "contact", "h-mum", "Janet", "--digest-at", "on", "--by", "ann")

    assert (on.exit_code, on.output) == (0, "Jane (h-mum): quiet hours 22:00-07:00; digest 18:00\n")
    assert in_quiet_hours.exit_code == 1
    assert "Jane's digest time 23:00 falls in their quiet hours 22:00-07:00: choose a time outside them" in (
        in_quiet_hours.output
    )
    assert (moved.exit_code, moved.output) == (0, "Jane (h-mum): quiet hours 23:30-07:00; digest 23:00\n")
    assert "Sam has no channels to send a digest to; add one in the registry first" in no_channel.output
    assert "--digest-at: '7pm' is not a time of day such as 07:30 (24-hour HH:MM)" in bad_time.output
    assert "household 'h-mum' has no contact named 'Janet'" in nobody.output
    assert {(c.name, c.quiet_hours, c.digest_at) for c in routing_policy(conn, "h-mum").contacts} == {
        ("Jane", QuietHours(dt.time(23, 30), dt.time(7)), dt.time(23)),
        ("Sam", None, None),
    }
    assert _rows(
        conn,
        "SELECT actor, subject_type, detail->'before'->>'digest_at', detail->'after'->>'digest_at',"
        " detail->'after'->>'quiet_hours' FROM audit_events ORDER BY id",
    ) == [
        ("ann", "contact", None, "18:00", "22:00-07:00"),
        ("ann", "contact", "18:00", "23:00", "23:30-07:00"),
    ]


def test_the_functions_for_the_web_pages_replace_a_policy_whole_and_say_what_is_wrong(conn: Conn) -> None:
    _register(conn)
    jane = find_contact(conn, "h-mum", "Jane")

    set_route(conn, "h-mum", "not_up", [Audience.DUTY_TEAM], by="ann", now=T0)
    policy = set_routes(
        conn,
        "h-mum",
        {"routine": ["family", "device_team"], "night_exit": ["duty_team", "supervisor"]},
        by="bo",
        now=T0,
    )
    preferences = set_contact_preferences(
        conn, jane.id, quiet_hours=None, digest_at=dt.time(19), by="bo", now=T0
    )

    assert policy.overrides == {
        "routine": frozenset({Audience.FAMILY, Audience.DEVICE_TEAM}),
        "night_exit": frozenset({Audience.DUTY_TEAM, Audience.SUPERVISOR}),
    }
    assert [(r.applies_to, r.default) for r in policy.routes] == [
        ("urgent", True),
        ("high", True),
        ("routine", False),
        ("night_exit", False),
    ]
    # hub_offline is high; the other device kinds are routine, which now has a route of its own.
    assert policy.device_team_by_default == ("hub_offline",)
    assert (preferences.quiet_hours, preferences.digest_at, preferences.channel_kinds) == (
        None,
        dt.time(19),
        ("mailto", "json"),
    )
    assert [a for (a,) in _rows(conn, "SELECT action FROM audit_events ORDER BY id")] == [
        "routing.route_set",  # not_up
        "routing.route_set",  # night_exit
        "routing.route_cleared",  # not_up: not in the new policy
        "routing.route_set",  # routine
        "contact.alert_preferences_set",
    ]
    with pytest.raises(HouseholdNotFound):
        routing_policy(conn, "h-nobody")
    with pytest.raises(ContactNotFound):
        set_contact_preferences(conn, 999, quiet_hours=None, digest_at=None, by="bo", now=T0)
    with pytest.raises(PolicyError, match="say who is making the change"):
        set_route(conn, "h-mum", "routine", ["family"], by=" ", now=T0)
    with pytest.raises(PolicyError, match="start and end at the same time"):
        QuietHours.parse("07:00-07:00")


def test_export_and_import_round_trip_and_a_file_with_any_mistake_imports_nothing(conn: Conn) -> None:
    _register(conn, "h-mum")
    _register(conn, "h-dad")
    set_route(conn, "h-mum", "urgent", ["duty_team", "supervisor", "family"], by="ann", now=T0)
    exported = export_routing_policies(conn)
    edited = exported.replace("digest_at: null", 'digest_at: "18:15"', 1).replace(
        "household: h-dad\n  routes: {}", "household: h-dad\n  routes: {cold_home: [duty_team]}"
    )
    unquoted_time = edited.replace('digest_at: "18:15"', "digest_at: 18:15")
    unsafe_route = edited.replace("cold_home: [duty_team]", "smoke: [family]")

    same = import_routing_policies(conn, exported, by="ann", now=T0)
    unchanged = export_routing_policies(conn)
    audited_after_same = _rows(conn, "SELECT count(*) FROM audit_events WHERE action LIKE 'routing.%%'")
    with pytest.raises(PolicyError) as time_refused:
        import_routing_policies(conn, unquoted_time, by="ann", now=T0)
    with pytest.raises(PolicyError) as route_refused:
        import_routing_policies(conn, unsafe_route, by="ann", now=T0)
    after_refusal = export_routing_policies(conn)
    import_routing_policies(conn, edited, by="ann", now=T0)

    assert same == ["h-dad", "h-mum"]
    assert unchanged == exported
    assert audited_after_same == [(1,)]  # only the set_route above: re-importing changes nothing
    assert str(time_refused.value) == (
        'households.0.contacts.0.digest_at: Value error, write times in quotes, e.g. "18:00" '
        "(unquoted, YAML reads 18:00 as a number)"
    )
    assert str(route_refused.value) == (
        "households.0 (h-dad).routes.smoke: smoke alerts can be urgent: their route must include "
        "duty_team or supervisor, who are on duty around the clock"
    )
    assert after_refusal == exported
    assert routing_policy(conn, "h-dad").overrides == {"cold_home": frozenset({Audience.DUTY_TEAM})}
    assert find_contact(conn, "h-dad", "Jane").digest_at == dt.time(18, 15)
    assert routing_policy(conn, "h-mum").overrides == {
        "urgent": frozenset({Audience.DUTY_TEAM, Audience.SUPERVISOR, Audience.FAMILY})
    }


def test_routes_import_and_export_from_the_command_line(
    conn: Conn, cli: CliRunner, tmp_path: pathlib.Path
) -> None:
    _register(conn)
    out = tmp_path / "routes.yaml"

    exported = _run(cli, "export", "h-mum", "--out", str(out))
    out.write_text(out.read_text().replace("routes: {}", "routes: {water_leak: [duty_team, family]}"))
    imported = _run(cli, "import", str(out), "--by", "ann")
    out.write_text("households:\n- household: h-mum\n  routes: {water_leak: [plumber]}\n")
    refused = _run(cli, "import", str(out), "--by", "ann")
    unknown = _run(cli, "export", "h-nobody")

    assert exported.exit_code == 0, exported.output
    assert (imported.exit_code, imported.output) == (0, "routing imported for 1 household(s)\n")
    assert routing_policy(conn, "h-mum").overrides == {
        "water_leak": frozenset({Audience.DUTY_TEAM, Audience.FAMILY})
    }
    assert refused.exit_code == 1
    assert "nothing imported" in refused.output
    assert "households.0 (h-mum).routes.water_leak: unknown audience 'plumber'" in refused.output
    assert "there is no household 'h-nobody'" in unknown.output


def test_every_severity_and_known_kind_can_be_routed_to_the_duty_team() -> None:
    for applies_to in ("urgent", "high", "routine", "smoke", "night_exit", "battery_low", "routine_change"):
        assert validate_route(applies_to, ["duty_team"]) == (applies_to, frozenset({Audience.DUTY_TEAM}))

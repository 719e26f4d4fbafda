"""The registry: households with consent and contacts, devices with dialects, all or nothing."""

import datetime as dt
import json
import os
import pathlib
import subprocess
import sys

import psycopg
import pytest

import store
from devices import (
    ConsentBasis,
    MonitoringState,
    RegistryFileError,
    format_registry_csv,
    parse_registry_csv,
    parse_registry_yaml,
)

Conn = psycopg.Connection[psycopg.rows.TupleRow]

COUNCIL_FILE = """
households:
  - id: h-0042
    timezone: Europe/London
    display_name: Mrs B
    address_area: LS6
    referred_on: 2026-10-02
    consent: {basis: self, given_by: Mrs B, given_on: 2026-10-20}
    contacts:
      - name: Anna (daughter)
        relationship: daughter
        channels: ["mailto://anna@example.org", "ntfy://ntfy.example.org/anna-mum"]
        quiet_hours: "22:00-07:30"
        digest_at: "19:00"
    devices:
      - {id: front-door, role: front_door, room: hall, sensors: [contact, battery],
         dialect: zigbee2mqtt, vendor_id: front_door_42}
      - {id: kettle-plug, role: kettle, room: kitchen, sensors: [power], dialect: tasmota,
         vendor_id: tasmota_5F1A2B, expected_interval: PT5M}
      - {id: pendant, role: pendant, room: person, sensors: [alarm], installed_on: 2026-10-21}
  - id: h-0043
    timezone: Europe/London
    address_area: LS7
    monitoring_state: away
    away_until: 2026-12-01T18:00:00+00:00
    known_to_wander: true
    checkin_window: PT10M
    consent: {basis: best_interest, given_by: Social worker, decision_maker: Dr Okafor,
              review_on: 2027-04-01, given_on: 2026-10-01}
    devices:
      - {id: lounge-pir, role: lounge_motion, room: lounge, sensors: [motion]}
"""


def test_a_council_file_round_trips_through_the_store_unchanged(conn: Conn) -> None:
    registry = parse_registry_yaml(COUNCIL_FILE)

    store.import_registry(conn, registry)

    assert store.export_registry(conn) == registry
    h42 = store.export_registry(conn, household="h-0042")
    assert [h.id for h in h42.households] == ["h-0042"]
    assert h42.households[0].contacts[0].quiet_hours == "22:00-07:30"
    assert {d.id for d in h42.devices} == {"front-door", "kettle-plug", "pendant"}


def test_a_devices_csv_update_keeps_consent_contacts_and_state(conn: Conn) -> None:
    store.import_registry(conn, parse_registry_yaml(COUNCIL_FILE))

    store.import_registry(
        conn,
        parse_registry_csv(
            "household,device,sensor,role,room,timezone\nh-0043,bed-mat,occupancy,bed,bedroom,Europe/London\n"
        ),
    )

    h43 = store.export_registry(conn, household="h-0043")
    household = h43.households[0]
    assert household.monitoring_state is MonitoringState.AWAY
    assert household.known_to_wander
    assert household.checkin_window == dt.timedelta(minutes=10)
    assert household.consent is not None
    assert household.consent.basis is ConsentBasis.BEST_INTEREST
    assert {d.id for d in h43.devices} == {"lounge-pir", "bed-mat"}


def test_consent_changes_are_kept_as_history(conn: Conn) -> None:
    store.import_registry(conn, parse_registry_yaml(COUNCIL_FILE))
    store.import_registry(conn, parse_registry_yaml(COUNCIL_FILE))  # unchanged: no new record
    changed = COUNCIL_FILE.replace("given_on: 2026-10-20", "given_on: 2026-11-20")
    store.import_registry(conn, parse_registry_yaml(changed))

    given = conn.execute(
        "SELECT given_on FROM consents WHERE household_id = 'h-0042' ORDER BY recorded_at, id"
    ).fetchall()
    assert given == [(dt.date(2026, 10, 20),), (dt.date(2026, 11, 20),)]


def test_a_vendor_id_used_by_another_home_imports_nothing(conn: Conn) -> None:
    store.import_registry(conn, parse_registry_yaml(COUNCIL_FILE))
    clash = parse_registry_csv(
        "household,device,sensor,role,room,timezone,dialect,vendor_id\n"
        "h-0099,hall-pir,motion,hall_motion,hall,Europe/London,native,\n"
        "h-0099,door,contact,front_door,hall,Europe/London,zigbee2mqtt,front_door_42\n"
    )

    with pytest.raises(store.RegistryConflict, match="vendor id"):
        store.import_registry(conn, clash)

    assert conn.execute("SELECT count(*) FROM households WHERE id = 'h-0099'").fetchone() == (0,)


@pytest.mark.parametrize(
    ("document", "problem"),
    [
        ("households: [{id: 'h 1', timezone: Europe/London}]", "'h 1' must be 1-64 letters"),
        ("households: [{id: h1, timezone: Europe/London, monitoring_state: away}]", "needs away_until"),
        (
            "households: [{id: h1, timezone: Europe/London, consent: {basis: best_interest, "
            "given_by: X, given_on: 2026-01-01}}]",
            "best-interest decision needs decision_maker and review_on",
        ),
        (
            "households: [{id: h1, timezone: Europe/London, contacts: [{name: A, channels: [anna]}]}]",
            "not an Apprise URL",
        ),
        (
            "households: [{id: h1, timezone: Europe/London, devices: [{id: d, role: kettle, room: k, "
            "sensors: [power], dialect: tasmota}]}]",
            "needs the vendor_id",
        ),
        (
            "households: [{id: h1, timezone: Europe/London, devices: [{id: d, role: sofa, room: k, "
            "sensors: [motion]}]}]",
            "unknown role 'sofa'",
        ),
        ("devices: []", "top-level 'households:' list"),
        (
            "households: [{id: h1, timezone: Europe/London, contacts: [{name: A, digest_at: 18:00}]}]",
            "in YAML, quote it",
        ),
    ],
)
def test_a_bad_yaml_entry_is_named_with_its_place_and_reason(document: str, problem: str) -> None:
    with pytest.raises(RegistryFileError) as refused:
        parse_registry_yaml(document)
    assert any(problem in p for p in refused.value.problems), refused.value.problems
    assert all(p.startswith("households[") or "households" in p for p in refused.value.problems)


def test_the_foundation_csv_header_stays_valid_and_export_adds_the_dialect_columns() -> None:
    text = "household,device,sensor,role,room,timezone\nh1,pir,motion,kitchen_motion,kitchen,Europe/London\n"
    assert format_registry_csv(parse_registry_csv(text)) == (
        "household,device,sensor,role,room,timezone,dialect,vendor_id\n"
        "h1,pir,motion,kitchen_motion,kitchen,Europe/London,native,\n"
    )


def _telecare(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, TELECARE_DATABASE_URL=database_url)
    return subprocess.run(
        [sys.executable, "-m", "telecare", *args], env=env, capture_output=True, text=True, timeout=120
    )


def test_an_installer_manages_a_home_from_the_command_line(database_url: str, tmp_path: pathlib.Path) -> None:
    steps = [
        ("households", "add", "h-7", "--timezone", "Europe/London", "--name", "Mr C", "--area", "LS6"),
        ("households", "consent", "h-7", "--basis", "self", "--given-by", "Mr C", "--given-on", "2026-11-01"),
        (
            "households",
            "contact",
            "h-7",
            "--name",
            "Sam",
            "--channel",
            "mailto://sam@example.org",
            "--quiet-hours",
            "21:00-08:00",
        ),
        (
            "devices",
            "add",
            "h-7",
            "hall-pir",
            "--role",
            "hall_motion",
            "--room",
            "hall",
            "--sensor",
            "motion",
            "--sensor",
            "battery",
            "--dialect",
            "zigbee2mqtt",
            "--vendor-id",
            "hall_pir_7",
        ),
        (
            "devices",
            "add",
            "h-7",
            "old-pir",
            "--role",
            "lounge_motion",
            "--room",
            "lounge",
            "--sensor",
            "motion",
        ),
        ("devices", "remove", "h-7", "old-pir"),
        ("households", "state", "h-7", "away", "--until", "2026-12-24T12:00:00+00:00"),
    ]
    for step in steps:
        result = _telecare(database_url, *step)
        assert result.returncode == 0, (step, result.stderr)

    listed = _telecare(database_url, "devices", "list", "--household", "h-7").stdout
    shown = parse_registry_yaml(_telecare(database_url, "households", "show", "h-7").stdout)

    assert listed == "h-7\thall-pir\thall_motion\thall\tzigbee2mqtt\thall_pir_7\tbattery,motion\n"
    household = shown.households[0]
    assert (household.display_name, household.address_area) == ("Mr C", "LS6")
    assert household.monitoring_state is MonitoringState.AWAY
    assert household.consent is not None
    assert household.consent.given_by == "Mr C"
    assert household.contacts[0].quiet_hours == "21:00-08:00"
    refused = _telecare(database_url, "households", "state", "h-404", "paused")
    assert refused.returncode == 1
    assert "no household 'h-404'" in refused.stderr


def test_an_installer_sees_what_a_message_becomes_or_why_not(database_url: str) -> None:
    with store.connect(database_url) as conn:
        store.import_registry(conn, parse_registry_yaml(COUNCIL_FILE))

    door = _telecare(
        database_url,
        "devices",
        "decode",
        "zigbee2mqtt/front_door_42",
        '{"contact": false, "battery": 91}',
        "--json",
    )
    stranger = _telecare(
        database_url, "devices", "decode", "zigbee2mqtt/garage_door", '{"contact": true}', "--json"
    )
    lwt = _telecare(database_url, "devices", "decode", "tele/tasmota_5F1A2B/LWT", "Offline")

    assert door.returncode == 0, door.stderr
    readings = [json.loads(line) for line in door.stdout.splitlines()]
    assert {(r["household"], r["device"], r["sensor"], r["value"]) for r in readings} == {
        ("h-0042", "front-door", "contact", 1.0),  # Zigbee2MQTT's contact=false means open
        ("h-0042", "front-door", "battery", 91.0),
    }
    assert stranger.returncode == 1
    assert json.loads(stranger.stdout) == {
        "rejected": "no device registered for zigbee2mqtt friendly name 'garage_door' "
        "(register it with dialect zigbee2mqtt and vendor_id garage_door)"
    }
    assert lwt.stdout == "status\th-0042\tkettle-plug\toffline\n"


def test_each_home_states_what_its_devices_let_detection_see(database_url: str) -> None:
    with store.connect(database_url) as conn:
        store.import_registry(conn, parse_registry_yaml(COUNCIL_FILE))

    result = _telecare(database_url, "households", "capabilities", "h-0042")

    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    # Doors, a plug and a pendant: nobody is seen moving between them.
    assert lines[0] == "h-0042\tshortest inactivity: 180 min"
    assert "alarm_pressed" in lines[1]
    assert "bathroom_long" in lines[2]

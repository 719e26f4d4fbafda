"""Subject access and erasure against real PostgreSQL: a household with data in every table that
holds household data is exported whole, then erased; afterwards every text, JSON, array and
binary column of every table is searched for its id and the person's name, and nothing but the
erasure's audit record is found. A second household is untouched throughout."""

import dataclasses
import datetime as dt
import io
import json
import os
import pathlib
import subprocess
import sys
import uuid
import zipfile

import psycopg
import pytest
from psycopg import sql
from psycopg.rows import TupleRow

import store
from alerts import (
    AlertConfig,
    CheckinSource,
    TeamChannels,
    acknowledge_alert,
    issue_checkin_token,
    record_audit,
    record_checkin,
    route_findings,
    set_route,
)
from devices import DeviceStatus, Reading, SensorKind, parse_registry_yaml
from devices._provisioning import BrokerAccount

Conn = psycopg.Connection[TupleRow]
NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)
CONFIG = AlertConfig(teams=TeamChannels(duty_team=("json://127.0.0.1:9/duty",)))


@dataclasses.dataclass(frozen=True)
class Home:
    id: str
    name: str


def _home(name: str) -> Home:
    # Ids unique to the test and never a prefix of each other, so a search for one cannot hit the other.
    return Home(id=f"h-{uuid.uuid4().hex[:10]}", name=name)


def populate(conn: Conn, home: Home) -> None:
    """Put rows for `home` in every table that holds household data, through the platform's
    own code where it has some, as the running platform would."""
    h = home.id
    store.import_registry(
        conn,
        parse_registry_yaml(f"""
households:
  - id: {h}
    timezone: Europe/London
    display_name: {home.name}
    address_area: LS6
    checkin_window: PT10M
    consent: {{basis: self, given_by: {home.name}, given_on: 2026-10-20}}
    contacts:
      - name: Daughter of {home.name}
        channels: ["json://127.0.0.1:9/{h}/daughter"]
        quiet_hours: "22:00-07:30"
        digest_at: "19:00"
    devices:
      - {{id: front-door, role: front_door, room: hall, sensors: [contact, battery],
         dialect: zigbee2mqtt, vendor_id: door-{h}}}
      - {{id: kitchen-pir, role: kitchen_motion, room: kitchen, sensors: [motion]}}
      - {{id: pendant, role: pendant, room: person, sensors: [alarm]}}
"""),
    )
    old = NOW - dt.timedelta(days=40)  # another month's partition too
    readings = [
        Reading(household=h, device="kitchen-pir", sensor=SensorKind.MOTION, value=1, ts=ts, received_at=ts)
        for ts in (old, NOW - dt.timedelta(hours=2), NOW - dt.timedelta(hours=1))
    ]
    store.ReadingWriter(conn).write(
        readings,
        [DeviceStatus(household=h, device="front-door", online=True, received_at=NOW)],
        [
            store.DeadLetter(
                topic=f"telecare/v1/{h}/ghost/motion",
                payload=b'{"ts": "2026-11-22T07:45:12+00:00", "value": 1}',
                reason=f"unknown device 'ghost' in household '{h}'",
                received_at=NOW,
            ),
            store.DeadLetter(
                topic=f"zigbee2mqtt/door-{h}",
                payload=b'{"contact": "maybe"}',
                reason="'contact' is not a boolean",
                received_at=NOW,
            ),
        ],
    )
    store.save_baselines(conn, [(h, 14, {"learned": "routine"})], NOW)
    store.save_feature_days(
        conn,
        [
            store.FeatureDay(
                household=h,
                day=NOW.date() - dt.timedelta(days=1),
                anchor_s=21600.0,
                unusable=None,
                values=tuple(1.0 for _ in store.FEATURE_COLUMNS),
            )
        ],
        NOW,
    )
    stand_in_hash = "$7$101$not-a-real-hash"
    store.save_account(conn, BrokerAccount(username=f"hub-{h}", password_hash=stand_in_hash, household=h))
    pressed = store.Finding(
        household=h,
        condition_key="alarm_pressed",
        kind="alarm_pressed",
        severity="urgent",
        onset=NOW - dt.timedelta(minutes=5),
        message=f"{home.name} pressed the pendant",
        evidence={"device": "pendant"},
        device="pendant",
    )
    store.reconcile_findings(conn, ["alarm_pressed"], [pressed], NOW, households=[h])
    route_findings(conn, CONFIG, NOW)
    (alert_id,) = conn.execute("SELECT id FROM alerts WHERE household_id = %s", (h,)).fetchone() or (0,)
    acknowledge_alert(conn, alert_id, by="rita", note=f"rang {home.name}, no answer", now=NOW, config=CONFIG)
    set_route(conn, h, "routine", ["family"], by="admin", now=NOW)
    record_checkin(conn, h, CheckinSource.COMMAND_LINE, at=NOW, config=CONFIG)
    issue_checkin_token(conn, h, now=NOW)
    _populate_without_an_api(conn, home, alert_id)


def _populate_without_an_api(conn: Conn, home: Home, alert_id: int) -> None:
    """The rows the running platform writes deep inside its services: written here directly."""
    h = home.id
    with conn.transaction():
        (contact_id,) = conn.execute("SELECT id FROM contacts WHERE household_id = %s", (h,)).fetchone() or (
            0,
        )
        (notification_id,) = conn.execute(
            "SELECT min(id) FROM notifications WHERE household_id = %s", (h,)
        ).fetchone() or (0,)
        conn.execute(
            """INSERT INTO notification_attempts (notification_id, attempt, started_at, finished_at, outcome)
               VALUES (%s, 1, %s, %s, 'failed')""",
            (notification_id, NOW, NOW),
        )
        (digest_id,) = conn.execute(
            """INSERT INTO digests (contact_id, household_id, day, created_at)
               VALUES (%s, %s, %s, %s) RETURNING id""",
            (contact_id, h, NOW.date(), NOW),
        ).fetchone() or (0,)
        conn.execute(
            """INSERT INTO digest_entries (contact_id, alert_id, queued_at, digested_at, digest_id)
               VALUES (%s, %s, %s, %s, %s)""",
            (contact_id, alert_id, NOW, NOW, digest_id),
        )
        conn.execute(
            """INSERT INTO notifications (idempotency_key, digest_id, household_id, event, audience,
                   contact_id, channel, title, body, created_at, deliver_after, next_attempt_at)
               VALUES (%s, %s, %s, 'digest', 'family', %s, %s, %s, %s, %s, %s, %s)""",
            (
                uuid.uuid4(),
                digest_id,
                h,
                contact_id,
                f"json://127.0.0.1:9/{h}/daughter",
                f"{home.name} today",
                f"{home.name} was up at 07:12",
                NOW,
                NOW,
                NOW,
            ),
        )
        conn.execute(
            """INSERT INTO household_state (household_id, last_activity_at) VALUES (%s, %s)
               ON CONFLICT (household_id) DO NOTHING""",
            (h, NOW),
        )
        conn.execute(
            """INSERT INTO threshold_adjustments
                   (household_id, detector, band, factor, false_alarms, real_incidents, updated_at)
               VALUES (%s, 'inactivity', 3, 1.2, 2, 0, %s)""",
            (h, NOW),
        )
        (team_id,) = conn.execute(
            "INSERT INTO teams (name) VALUES (%s) RETURNING id", (f"team {uuid.uuid4().hex[:6]}",)
        ).fetchone() or (0,)
        conn.execute("INSERT INTO team_households (team_id, household_id) VALUES (%s, %s)", (team_id, h))
        (carer_id,) = conn.execute(
            """INSERT INTO users (username, display_name, role, password_hash)
               VALUES (%s, 'A carer', 'carer', 'argon2-hash') RETURNING id""",
            (f"carer-{uuid.uuid4().hex[:6]}",),
        ).fetchone() or (0,)
        conn.execute(
            "INSERT INTO carer_households (user_id, household_id, contact_id) VALUES (%s, %s, %s)",
            (carer_id, h, contact_id),
        )
        record_audit(
            conn,
            actor="carer",
            action="read.household_name",
            subject_type="household",
            subject_id=h,
            household=h,
            detail={"shown": home.name},
            at=NOW,
        )


def _finding_waiting(conn: Conn, home: Home) -> None:
    """A finding not yet routed: its row waits in the router's inbox."""
    cold = store.Finding(
        household=home.id,
        condition_key="cold_home",
        kind="cold_home",
        severity="high",
        onset=NOW,
        message="12.0 °C in the lounge",
        evidence={},
    )
    store.reconcile_findings(conn, ["cold_home"], [cold], NOW, households=[home.id])


def _audit_listing(conn: Conn, *homes: Home) -> None:
    """An audit row belonging to no household that names several (an admin's registry import)."""
    record_audit(
        conn,
        actor="admin",
        action="registry.imported",
        subject_type="registry",
        subject_id="yaml",
        household=None,
        detail={"households": sorted(h.id for h in homes), "devices": 6},
        at=NOW,
    )
    conn.commit()


def occurrences(conn: Conn, needle: str) -> dict[tuple[str, str], int]:
    """(table, column) -> rows whose text, JSON, array or binary value contains `needle`, over
    every table of the schema (a partitioned table's partitions through it)."""
    columns = conn.execute(
        """SELECT c.table_name::text, c.column_name::text, c.data_type::text
           FROM information_schema.columns c
           JOIN pg_class k ON k.relname = c.table_name AND k.relnamespace = current_schema()::regnamespace
           WHERE c.table_schema = current_schema() AND k.relkind IN ('r', 'p') AND NOT k.relispartition
             AND c.data_type IN ('text', 'character varying', 'json', 'jsonb', 'ARRAY', 'bytea',
                                 'USER-DEFINED')"""
    ).fetchall()
    found = {}
    for table, column, data_type in columns:
        col = sql.Identifier(column)
        if data_type == "bytea":
            test = sql.SQL("position(convert_to(%(n)s, 'UTF8') IN {}) > 0").format(col)
        else:
            test = sql.SQL("strpos({}::text, %(n)s) > 0").format(col)
        query = sql.SQL("SELECT count(*) FROM {} WHERE {}").format(sql.Identifier(table), test)
        (count,) = conn.execute(query, {"n": needle}).fetchone() or (0,)
        if count:
            found[(table, column)] = count
    conn.commit()
    return found


def _counts(conn: Conn, home: Home) -> dict[str, int]:
    counts = {}
    for table in store.household_tables(conn):
        where = sql.SQL(table.where).format(household=sql.Literal(home.id))
        (n,) = conn.execute(
            sql.SQL("SELECT count(*) FROM {} WHERE {}").format(sql.Identifier(table.name), where)
        ).fetchone() or (0,)
        counts[table.name] = n
    conn.commit()
    return counts


@pytest.fixture
def homes(conn: Conn) -> tuple[Home, Home]:
    edith, walter = _home("Edith Quibblewhite"), _home("Walter Zephyrson")
    populate(conn, edith)
    populate(conn, walter)
    _finding_waiting(conn, edith)
    _finding_waiting(conn, walter)
    _audit_listing(conn, edith, walter)
    return edith, walter


def test_the_fixture_puts_data_in_every_table_that_holds_household_data(
    conn: Conn, homes: tuple[Home, Home]
) -> None:
    edith, _ = homes
    empty = [table for table, n in _counts(conn, edith).items() if n == 0]
    assert empty == [], f"populate() leaves these tables empty, so erasure is not tested on them: {empty}"


def test_erasure_leaves_nothing_but_its_audit_record_and_spares_the_other_household(
    conn: Conn, homes: tuple[Home, Home]
) -> None:
    edith, walter = homes
    walter_before = (_counts(conn, walter), occurrences(conn, walter.id), occurrences(conn, walter.name))
    assert occurrences(conn, edith.name), "the name is there to be found before"

    erased = store.erase_household(conn, edith.id, by="dpo", now=NOW)

    assert erased["readings"] == 3
    assert erased["households"] == 1
    assert occurrences(conn, edith.name) == {}
    assert occurrences(conn, edith.id) == {
        ("audit_events", "subject_id"): 1,
        ("audit_events", "household_id"): 1,
    }
    record = conn.execute(
        "SELECT actor, action, subject_type, detail FROM audit_events WHERE subject_id = %s", (edith.id,)
    ).fetchone()
    assert record is not None
    actor, action, subject_type, detail = record
    assert (actor, action, subject_type) == ("dpo", "household.erased", "household")
    assert detail["rows"]["readings"] == 3
    assert edith.name not in json.dumps(detail)
    conn.commit()
    assert (
        _counts(conn, walter),
        occurrences(conn, walter.id),
        occurrences(conn, walter.name),
    ) == walter_before


def test_the_audit_trail_stays_append_only_outside_an_erasure(conn: Conn, homes: tuple[Home, Home]) -> None:
    edith, _ = homes
    # Setting the erasure's marker by hand is not enough: no erasure record, no deletion.
    with conn.transaction(), pytest.raises(psycopg.errors.InsufficientPrivilege):
        _delete_as_if_erasing(conn, edith, "household_id = %s")
    store.erase_household(conn, edith.id, by="dpo", now=NOW)
    # ...and the erasure record itself can never go.
    with conn.transaction(), pytest.raises(psycopg.errors.InsufficientPrivilege):
        _delete_as_if_erasing(conn, edith, "subject_id = %s")


def _delete_as_if_erasing(conn: Conn, home: Home, where: str) -> None:
    with conn.transaction():
        conn.execute("SELECT set_config('telecare.erasing_household', %s, true)", (home.id,))
        conn.execute(sql.SQL("DELETE FROM audit_events WHERE " + where), (home.id,))


def test_subject_access_export_holds_everything_about_the_household_and_nothing_of_another(
    conn: Conn, homes: tuple[Home, Home]
) -> None:
    edith, walter = homes
    counts = _counts(conn, edith)
    out = io.BytesIO()

    summary = store.export_household(conn, edith.id, out, by="dpo", now=NOW)

    assert dict(summary.rows) == counts
    with zipfile.ZipFile(out) as archive:
        names = set(archive.namelist())
        contents = {name: archive.read(name).decode() for name in names}
    assert names == {f"{table}.csv" for table in counts} | {"manifest.json", "README.txt"}
    manifest = json.loads(contents["manifest.json"])
    assert manifest["household"] == edith.id
    assert {t: v["rows"] for t, v in manifest["tables"].items()} == counts
    for table, n in counts.items():
        lines = contents[f"{table}.csv"].splitlines()
        assert len(lines) >= n + 1, table  # a header, then at least a line per row (fields may span lines)
    assert edith.name in contents["households.csv"]
    assert "rang Edith Quibblewhite" in contents["audit_events.csv"]
    everything = "".join(contents.values())
    assert walter.id not in everything
    assert walter.name not in everything
    audited = conn.execute(
        "SELECT actor, detail->'rows'->>'readings' FROM audit_events WHERE action = 'household.exported'"
    ).fetchall()
    assert audited == [("dpo", "3")]


def test_export_and_erase_of_a_household_never_held_say_so(conn: Conn) -> None:
    with pytest.raises(store.NothingHeld):
        store.export_household(conn, "h-nobody", io.BytesIO(), by="dpo", now=NOW)
    with pytest.raises(store.NothingHeld):
        store.erase_household(conn, "h-nobody", by="dpo", now=NOW)
    assert conn.execute("SELECT count(*) FROM audit_events").fetchone() == (0,)


def _telecare(database_url: str, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, TELECARE_DATABASE_URL=database_url)
    return subprocess.run(
        [sys.executable, "-m", "telecare", *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_commands_export_then_erase_a_household(
    database_url: str, conn: Conn, homes: tuple[Home, Home], tmp_path: pathlib.Path
) -> None:
    edith, walter = homes
    zip_path = tmp_path / "edith.zip"

    exported = _telecare(
        database_url, "households", "export", edith.id, "--out", str(zip_path), "--by", "dpo"
    )
    refused = _telecare(database_url, "households", "erase", edith.id, stdin="not-the-id\n")
    erased = _telecare(database_url, "households", "erase", edith.id, "--yes", "--by", "dpo")

    assert exported.returncode == 0, exported.stderr
    assert f"wrote {zip_path}" in exported.stdout
    assert zipfile.ZipFile(zip_path).read("households.csv").decode().count(edith.id) == 1
    assert zip_path.stat().st_mode & 0o077 == 0, "personal data: readable by its owner only"
    assert refused.returncode == 1
    assert "not erased" in refused.stderr
    assert erased.returncode == 0, erased.stderr
    assert f"household {edith.id} erased" in erased.stdout
    assert "readings: 3" in erased.stdout
    assert occurrences(conn, edith.name) == {}
    assert conn.execute("SELECT count(*) FROM households WHERE id = %s", (walter.id,)).fetchone() == (1,)
    # The registry export without a household is as before.
    registry = _telecare(database_url, "households", "export")
    assert walter.id in registry.stdout
    assert edith.id not in registry.stdout

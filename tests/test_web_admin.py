"""Administration against the real service: admins create and edit households, consent records,
contacts, devices and routing policy, import registry files, provision hubs (the password shown
once, only its hash kept) and manage users and teams; supervisors read; other roles are refused.
Every change and every read of personal data is audited; every form needs the CSRF token."""

import base64
import datetime as dt
import hashlib
import os
import pathlib
import subprocess
import sys
from collections.abc import Iterator

import httpx
import pytest

from telecare.settings import Settings
from tests.web_helpers import (
    PASSWORD,
    Conn,
    Tokens,
    WebServer,
    running_web,
    session_csrf,
    sign_in,
)

NORTH = "/admin/households/h-north"


@pytest.fixture
def broker_dir(tmp_path: pathlib.Path) -> pathlib.Path:
    return tmp_path / "mosquitto"


@pytest.fixture
def web(database_url: str, tokens: Tokens, tmp_path: pathlib.Path) -> Iterator[WebServer]:
    with running_web(database_url, settings=Settings(data_dir=tmp_path)) as server:
        yield server


@pytest.fixture
def admin(web: WebServer) -> httpx.Client:
    return sign_in(web, "admin")


def _post(client: httpx.Client, path: str, data: dict[str, object], page: str = NORTH) -> httpx.Response:
    return client.post(path, data={**data, "csrf_token": session_csrf(client, page)})


def _audit(conn: Conn, action: str) -> list[tuple[str, str, dict[str, object]]]:
    rows = conn.execute(
        "SELECT actor, subject_id, detail FROM audit_events WHERE action = %s ORDER BY id", (action,)
    ).fetchall()
    conn.commit()
    return [(actor, subject, detail) for actor, subject, detail in rows]


def _one(conn: Conn, query: str, *params: object) -> tuple[object, ...] | None:
    row = conn.execute(query, params).fetchone()
    conn.commit()
    return row


@pytest.mark.parametrize("username", ["ann", "ned", "cara", "cody"])
def test_only_admins_and_supervisors_reach_administration(web: WebServer, username: str) -> None:
    client = sign_in(web, username)
    for path in ("/admin", NORTH, "/admin/people", "/admin/import"):
        assert client.get(path).status_code == 403, path


def test_a_supervisor_reads_but_changes_nothing(web: WebServer, conn: Conn) -> None:
    sam = sign_in(web, "sam")
    listing = sam.get("/admin")
    assert listing.status_code == 200
    assert "h-north" in listing.text
    assert "Create household" not in listing.text
    page = sam.get(NORTH)
    assert page.status_code == 200
    assert "Read only" in page.text
    assert "Provision the hub" not in page.text
    assert sam.get("/admin/people").status_code == 200
    assert sam.get("/admin/import").status_code == 403
    token = session_csrf(sam, NORTH)
    for path, data in (
        ("/admin/households", {"household": "h-new", "timezone": "Europe/London"}),
        (NORTH, {"timezone": "Europe/Paris"}),
        (f"{NORTH}/state", {"monitoring_state": "paused"}),
        (f"{NORTH}/hub", {}),
        ("/admin/users", {"username": "x1", "display_name": "X", "role": "admin", "password": PASSWORD}),
        ("/admin/teams", {"name": "East"}),
    ):
        assert sam.post(path, data={**data, "csrf_token": token}).status_code == 403, path
    assert _one(conn, "SELECT timezone, monitoring_state FROM households WHERE id = 'h-north'") == (
        "Europe/London",
        "active",
    )
    assert _one(conn, "SELECT count(*) FROM mqtt_accounts") == (0,)
    # The supervisor's reads of the household's record (the page, then its form's token) are in the
    # trail like anyone's.
    assert [actor for actor, _, _ in _audit(conn, "read.household_record")] == ["sam", "sam"]


def test_an_admin_creates_a_household_and_edits_it(web: WebServer, admin: httpx.Client, conn: Conn) -> None:
    response = _post(
        admin,
        "/admin/households",
        {
            "household": "h-0042",
            "timezone": "Europe/London",
            "display_name": "Mrs B",
            "address_area": "LS6",
            "referred_on": "2026-10-01",
            "checkin_minutes": "10",
            "known_to_wander": "on",
        },
        page="/admin",
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/admin/households/h-0042"
    assert _one(
        conn,
        """SELECT display_name, address_area, referred_on, checkin_window, known_to_wander
           FROM households WHERE id = 'h-0042'""",
    ) == ("Mrs B", "LS6", dt.date(2026, 10, 1), dt.timedelta(minutes=10), True)
    [(actor, subject, detail)] = _audit(conn, "household.created")
    assert (actor, subject) == ("admin", "h-0042")
    assert "Mrs B" not in str(detail)  # field names only: the name is personal data

    page = admin.get("/admin/households/h-0042")
    assert "Mrs B" in page.text
    response = _post(
        admin,
        "/admin/households/h-0042",
        {"timezone": "Europe/London", "display_name": "Mrs Brown", "address_area": "", "checkin_minutes": ""},
    )
    assert response.status_code == 303
    assert _one(
        conn,
        """SELECT display_name, address_area, checkin_window, known_to_wander
           FROM households WHERE id = 'h-0042'""",
    ) == ("Mrs Brown", None, None, False)
    assert len(_audit(conn, "household.updated")) == 1


@pytest.mark.parametrize(
    ("form", "says"),
    [
        ({"household": "h-north", "timezone": "Europe/London"}, "there is already a household h-north"),
        ({"household": "h-x", "timezone": "Mars/Olympus"}, "unknown timezone"),
        ({"household": "h x!", "timezone": "Europe/London"}, "must be 1-64 letters"),
        (
            {"household": "h-x", "timezone": "Europe/London", "checkin_minutes": "ten"},
            "is not a whole number",
        ),
    ],
)
def test_a_household_that_cannot_be_created_says_why(
    web: WebServer, admin: httpx.Client, conn: Conn, form: dict[str, str], says: str
) -> None:
    response = _post(admin, "/admin/households", form, page="/admin")
    assert response.status_code == 422
    assert says in response.text
    assert _one(conn, "SELECT count(*) FROM households") == (2,)
    assert _audit(conn, "household.created") == []


def test_monitoring_consent_and_contacts_are_recorded(
    web: WebServer, admin: httpx.Client, conn: Conn
) -> None:
    assert _post(admin, f"{NORTH}/state", {"monitoring_state": "away"}).status_code == 422
    response = _post(admin, f"{NORTH}/state", {"monitoring_state": "away", "until": "2026-12-01T12:00"})
    assert response.status_code == 303
    assert _one(conn, "SELECT monitoring_state, away_until FROM households WHERE id = 'h-north'") == (
        "away",
        dt.datetime(2026, 12, 1, 12, tzinfo=dt.UTC),
    )
    [(_, _, state)] = _audit(conn, "household.monitoring_state_set")
    assert state["via"] == "admin"

    refused = _post(
        admin, f"{NORTH}/consents", {"basis": "best_interest", "given_by": "Dr O", "given_on": "2026-10-01"}
    )
    assert refused.status_code == 422
    assert "needs decision_maker and review_on" in refused.text
    for given_by in ("Mrs North", "Dr O"):
        form = {"basis": "self", "given_by": given_by, "given_on": "2026-10-01"}
        assert _post(admin, f"{NORTH}/consents", form).status_code == 303
    assert _one(conn, "SELECT count(*) FROM consents WHERE household_id = 'h-north'") == (2,)
    page = admin.get(NORTH).text
    consents = page.split('id="consents"')[1].split("</table>")[0]
    assert consents.index("Dr O") < consents.index("Mrs North")  # newest first, in force
    assert len(_audit(conn, "consent.recorded")) == 2

    response = _post(
        admin,
        f"{NORTH}/contacts",
        {
            "name": "Ben",
            "relationship": "son",
            "channels": "mailto://ben@example.org",
            "quiet_hours": "22:00-07:00",
        },
    )
    assert response.status_code == 303
    assert _one(conn, "SELECT relationship, channels FROM contacts WHERE name = 'Ben'") == (
        "son",
        ["mailto://ben@example.org"],
    )
    bad = _post(admin, f"{NORTH}/contacts", {"name": "Ben", "quiet_hours": "late"})
    assert bad.status_code == 422
    assert "quiet_hours must look like 22:00-07:00" in bad.text
    [(_, _, contact)] = _audit(conn, "contact.saved")
    assert contact["channel_kinds"] == ["mailto"]
    assert "ben@example.org" not in str(contact)


def test_devices_are_installed_changed_and_removed(web: WebServer, admin: httpx.Client, conn: Conn) -> None:
    form = {"device": "front-door", "role": "front_door", "room": "hall", "sensors": ["contact", "battery"]}
    assert _post(admin, f"{NORTH}/devices", form).status_code == 303
    assert _one(
        conn,
        "SELECT role, room, installed_on FROM devices WHERE household_id = 'h-north' AND id = 'front-door'",
    ) == ("front_door", "hall", dt.date(2026, 11, 22))
    sensors = conn.execute(
        "SELECT sensor FROM device_sensors WHERE device_id = 'front-door' ORDER BY 1"
    ).fetchall()
    assert sensors == [("battery",), ("contact",)]
    zigbee = {
        **form,
        "device": "kitchen-pir",
        "role": "kitchen_motion",
        "sensors": ["motion"],
        "dialect": "zigbee2mqtt",
    }
    refused = _post(admin, f"{NORTH}/devices", zigbee)
    assert refused.status_code == 422
    assert "needs the vendor_id it reports under" in refused.text
    assert _post(admin, f"{NORTH}/devices", {**zigbee, "vendor_id": "0x00158d"}).status_code == 303
    # The same vendor id in another home would make ingest unable to tell them apart.
    south = admin.post(
        "/admin/households/h-south/devices",
        data={**zigbee, "vendor_id": "0x00158d", "csrf_token": session_csrf(admin)},
    )
    assert south.status_code == 422
    assert "vendor id is already registered" in south.text

    assert _post(admin, f"{NORTH}/devices/front-door/remove", {}).status_code == 303
    assert _one(conn, "SELECT removed_on FROM devices WHERE id = 'front-door'") == (dt.date(2026, 11, 22),)
    again = _post(admin, f"{NORTH}/devices/front-door/remove", {})
    assert again.status_code == 422
    assert "no installed device front-door" in again.text
    assert [d["device"] for _, _, d in _audit(conn, "device.saved")] == ["front-door", "kitchen-pir"]
    assert len(_audit(conn, "device.removed")) == 1


def test_the_routing_policy_is_edited_as_a_whole(web: WebServer, admin: httpx.Client, conn: Conn) -> None:
    form = {
        "route": ["urgent=default", "high=default", "routine=own", "water_leak=own", "inactivity=default"],
        "audience": ["routine:family", "routine:device_team", "water_leak:duty_team", "inactivity:family"],
    }
    assert _post(admin, f"{NORTH}/routes", form).status_code == 303
    routes = conn.execute(
        "SELECT applies_to, audiences FROM alert_routes WHERE household_id = 'h-north' ORDER BY 1"
    ).fetchall()
    assert routes == [("routine", ["device_team", "family"]), ("water_leak", ["duty_team"])]
    assert {d["applies_to"] for _, _, d in _audit(conn, "routing.route_set")} == {"routine", "water_leak"}
    page = admin.get(NORTH).text
    assert 'value="water_leak=own" selected' in page

    urgent_to_family = {"route": ["inactivity=own"], "audience": ["inactivity:family"]}
    refused = _post(admin, f"{NORTH}/routes", urgent_to_family)
    assert refused.status_code == 422
    assert "must include duty_team or supervisor" in refused.text
    assert _post(admin, f"{NORTH}/routes", {"route": ["nonsense=own"]}).status_code == 422
    # Back to the defaults throughout: every row left at "default".
    assert _post(admin, f"{NORTH}/routes", {"route": ["urgent=default"]}).status_code == 303
    assert _one(conn, "SELECT count(*) FROM alert_routes") == (0,)


def _verifies(password: str, stored: str) -> bool:
    _, _, iterations, salt, derived = stored.split("$")
    check = hashlib.pbkdf2_hmac("sha512", password.encode(), base64.b64decode(salt), int(iterations))
    return base64.b64encode(check).decode() == derived


def test_a_hub_is_provisioned_and_its_password_shown_once(
    web: WebServer, admin: httpx.Client, conn: Conn, tmp_path: pathlib.Path
) -> None:
    response = _post(admin, f"{NORTH}/hub", {})
    assert response.status_code == 200
    assert "Shown once" in response.text
    assert response.headers["cache-control"] == "no-store"
    username = response.text.split('id="mqtt-username">')[1].split("<")[0]
    password = response.text.split('id="mqtt-password">')[1].split("<")[0]
    assert username == "hub-h-north"
    assert len(password) >= 32
    row = _one(conn, "SELECT password_hash FROM mqtt_accounts WHERE username = 'hub-h-north'")
    assert row is not None
    stored = str(row[0])
    assert password not in stored
    assert _verifies(password, stored)
    # Mosquitto's files hold the hash and the hub's topics, never the password.
    passwd = (tmp_path / "mosquitto" / "passwd").read_text()
    acl = (tmp_path / "mosquitto" / "acl").read_text()
    assert passwd == f"hub-h-north:{stored}\n"
    assert "topic write telecare/v1/h-north/#" in acl
    assert (tmp_path / "mosquitto" / "passwd").stat().st_mode & 0o077 == 0
    # Nothing shows it again: not the household's page, not the audit trail.
    page = admin.get(NORTH).text
    assert password not in page
    assert "hub-h-north" in page
    [(actor, subject, detail)] = _audit(conn, "hub.provisioned")
    assert (actor, subject, detail) == (
        "admin",
        "h-north",
        {"username": "hub-h-north", "rotated": False, "via": "admin"},
    )
    assert password not in str(conn.execute("SELECT array_agg(detail::text) FROM audit_events").fetchone())
    conn.commit()

    rotated = _post(admin, f"{NORTH}/hub", {})
    new_password = rotated.text.split('id="mqtt-password">')[1].split("<")[0]
    assert new_password != password
    assert "previous password no longer works" in rotated.text
    row = _one(conn, "SELECT password_hash FROM mqtt_accounts WHERE username = 'hub-h-north'")
    assert row is not None
    assert _verifies(new_password, str(row[0]))
    assert not _verifies(password, str(row[0]))


def test_the_command_line_rotates_the_hub_the_admin_page_provisioned(
    web: WebServer, admin: httpx.Client, conn: Conn, tmp_path: pathlib.Path
) -> None:
    """One provisioning function for both: the command line rotates what the page created, and
    rewrites the same files the same way."""
    shown = _post(admin, f"{NORTH}/hub", {}).text.split('id="mqtt-password">')[1].split("<")[0]
    page_files = {name: (tmp_path / "mosquitto" / name).read_text() for name in ("passwd", "acl")}
    result = subprocess.run(
        [sys.executable, "-m", "telecare", "devices", "provision", "h-north", "--out", str(tmp_path / "cli")],
        env=dict(os.environ, TELECARE_DATABASE_URL=web.database_url),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "username: hub-h-north" in result.stdout
    row = _one(conn, "SELECT password_hash FROM mqtt_accounts WHERE username = 'hub-h-north'")
    assert row is not None
    assert not _verifies(shown, str(row[0])), "rotated: the page's password no longer works"
    assert (tmp_path / "cli" / "passwd").read_text() == f"hub-h-north:{row[0]}\n"
    assert (tmp_path / "cli" / "acl").read_text() == page_files["acl"]
    unknown = subprocess.run(
        [sys.executable, "-m", "telecare", "devices", "provision", "h-nowhere", "--out", str(tmp_path / "x")],
        env=dict(os.environ, TELECARE_DATABASE_URL=web.database_url),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (unknown.returncode, unknown.stderr.strip()) == (1, "no household 'h-nowhere'")


CSV = """household,device,sensor,role,room,timezone,dialect,vendor_id
h-0100,front-door,contact,front_door,hall,Europe/London,,
h-0100,kitchen-pir,motion,kitchen_motion,kitchen,Europe/London,,
"""
BAD_CSV = """household,device,sensor,role,room,timezone,dialect,vendor_id
h-0101,front-door,contact,front_door,hall,Europe/London,,
h-0101,kitchen-pir,smell,kitchen_motion,kitchen,Europe/London,,
h-0101,lounge-pir,motion,sofa,lounge,Europe/London,,
"""
YAML = """households:
  - id: h-0200
    timezone: Europe/London
    display_name: Mr C
    consent: {basis: self, given_by: Mr C, given_on: 2026-10-20}
    contacts:
      - {name: Dee, channels: ["mailto://dee@example.org"], digest_at: "19:00"}
    devices:
      - {id: pendant, role: pendant, room: person, sensors: [alarm, battery]}
"""


def _upload(client: httpx.Client, name: str, content: bytes) -> httpx.Response:
    token = session_csrf(client, "/admin/import")
    return client.post("/admin/import", data={"csrf_token": token}, files={"file": (name, content)})


def test_registry_files_import_whole_or_name_every_problem_by_line(
    web: WebServer, admin: httpx.Client, conn: Conn
) -> None:
    done = _upload(admin, "homes.csv", CSV.encode())
    assert done.status_code == 200
    assert "homes.csv: imported 1 households, 2 devices." in done.text
    assert _one(conn, "SELECT count(*) FROM devices WHERE household_id = 'h-0100'") == (2,)

    bad = _upload(admin, "bad.csv", BAD_CSV.encode())
    assert bad.status_code == 422
    assert "bad.csv: nothing imported." in bad.text
    assert "line 3: unknown sensor &#39;smell&#39;" in bad.text
    assert "line 4: unknown role &#39;sofa&#39;" in bad.text
    assert _one(conn, "SELECT count(*) FROM households WHERE id = 'h-0101'") == (0,)

    assert "imported 1 households, 1 devices" in _upload(admin, "more.yaml", YAML.encode()).text
    assert _one(conn, "SELECT digest_at FROM contacts WHERE name = 'Dee'") == (dt.time(19),)
    assert _one(conn, "SELECT basis FROM consents WHERE household_id = 'h-0200'") == ("self",)

    not_text = _upload(admin, "homes.csv", b"\xff\xfe\x00h")
    assert not_text.status_code == 422
    assert "is not UTF-8 text" in not_text.text
    broken_yaml = _upload(admin, "x.yaml", b"households: [\n")
    assert broken_yaml.status_code == 422
    assert [(d["households"], d["devices"]) for _, _, d in _audit(conn, "registry.imported")] == [
        (["h-0100"], 2),
        (["h-0200"], 1),
    ]


def test_users_and_teams_are_managed_and_each_change_audited(
    web: WebServer, admin: httpx.Client, conn: Conn, tokens: Tokens
) -> None:
    page = "/admin/people"
    ned = web.api(tokens["ned"])
    assert ned.get("/api/devices/health", params={"household": "h-south"}).status_code == 404
    new_user = {"username": "dora", "display_name": "Dora Carer", "role": "carer", "password": PASSWORD}
    assert _post(admin, "/admin/users", new_user, page).status_code == 303
    again = _post(admin, "/admin/users", new_user, page)
    assert again.status_code == 422
    assert "there is already a user &#39;dora&#39;" in again.text
    short = _post(admin, "/admin/users", {**new_user, "username": "eve", "password": "short"}, page)
    assert "at least 10 characters" in short.text
    assert _post(admin, "/admin/users/dora/households", {"household": "h-south"}, page).status_code == 303
    assert _post(admin, "/admin/users/ann/households", {"household": "h-south"}, page).status_code == 422
    assert (
        _post(admin, "/admin/users/dora/password", {"password": "another good one"}, page).status_code == 303
    )
    sign_in(web, "dora", "another good one")
    assert _post(admin, "/admin/users/dora/disable", {}, page).status_code == 303
    assert _post(admin, "/admin/users/admin/disable", {}, page).status_code == 422

    assert _post(admin, "/admin/teams", {"name": "East"}, page).status_code == 303
    assert _post(admin, "/admin/teams/East/members", {"username": "ned"}, page).status_code == 303
    assert _post(admin, "/admin/teams/East/members", {"username": "cara"}, page).status_code == 422
    assert _post(admin, "/admin/teams/East/households", {"household": "h-south"}, page).status_code == 303
    listing = admin.get(page).text
    assert "Dora Carer" in listing
    assert "(disabled)" in listing

    actions = [
        r[0]
        for r in conn.execute("SELECT action FROM audit_events WHERE detail->>'via' = 'admin' ORDER BY id")
    ]
    conn.commit()
    assert [a for a in actions if not a.startswith("read.")] == [
        "user.created",
        "carer.linked",
        "user.password_set",
        "user.disabled",
        "team.created",
        "team.member_added",
        "team.household_assigned",
    ]
    assert "read.users" in actions
    assert PASSWORD not in str(conn.execute("SELECT array_agg(detail::text) FROM audit_events").fetchone())
    conn.commit()
    # ned now covers h-south through East: the access rules follow at once.
    assert ned.get("/api/devices/health", params={"household": "h-south"}).status_code == 200


def test_a_team_member_is_removed_and_a_carer_unlinked_each_audited(
    web: WebServer, admin: httpx.Client, conn: Conn, tokens: Tokens
) -> None:
    page = "/admin/people"
    ann, cara = web.api(tokens["ann"]), sign_in(web, "cara")
    assert ann.get("/api/devices/health", params={"household": "h-north"}).status_code == 200
    assert cara.get("/carer/households/h-north").status_code == 200
    listing = admin.get(page).text
    assert "Remove ann" in listing
    assert "Unlink h-north" in listing

    unlink = ("/admin/users/cara/households/remove", {"household": "h-north"}, page)
    assert _post(admin, "/admin/teams/North/members/remove", {"username": "ann"}, page).status_code == 303
    assert _post(admin, *unlink).status_code == 303
    # The access rules follow at once: neither sees the household any more.
    assert ann.get("/api/devices/health", params={"household": "h-north"}).status_code == 404
    assert cara.get("/carer/households/h-north").status_code == 404
    kept = _one(conn, "SELECT count(*) FROM contacts WHERE household_id = 'h-north' AND name = 'Cara'")
    assert kept == (1,), "the household's contact stays"

    again = _post(admin, "/admin/teams/North/members/remove", {"username": "ann"}, page)
    assert again.status_code == 422
    assert "is not a member of team" in again.text
    assert _post(admin, *unlink).status_code == 422
    assert _audit(conn, "team.member_removed") == [("admin", "North", {"username": "ann", "via": "admin"})]
    assert _audit(conn, "carer.unlinked") == [("admin", "cara", {"household": "h-north", "via": "admin"})]
    sam = sign_in(web, "sam")  # a supervisor reads, changes nothing
    refused = _post(sam, "/admin/teams/North/members/remove", {"username": "ann"}, page)
    assert refused.status_code == 403


@pytest.mark.parametrize(
    "path",
    [
        "/admin/households",
        NORTH,
        f"{NORTH}/state",
        f"{NORTH}/consents",
        f"{NORTH}/contacts",
        f"{NORTH}/devices",
        f"{NORTH}/routes",
        f"{NORTH}/hub",
        "/admin/import",
        "/admin/users",
        "/admin/teams",
    ],
)
def test_every_form_needs_the_sessions_csrf_token(
    web: WebServer, admin: httpx.Client, conn: Conn, path: str
) -> None:
    assert (
        admin.post(path, data={"csrf_token": "forged", "household": "h-z", "timezone": "UTC"}).status_code
        == 403
    )
    assert admin.post(path, data={}).status_code == 403
    assert _one(
        conn, "SELECT count(*) FROM audit_events WHERE action NOT LIKE ALL(ARRAY['read.%%', 'session.%%'])"
    ) == (0,)
    assert _one(conn, "SELECT count(*) FROM mqtt_accounts") == (0,)


def test_an_unknown_household_is_not_found(web: WebServer, admin: httpx.Client) -> None:
    assert admin.get("/admin/households/h-nowhere").status_code == 404
    # An id no row could have is refused as a bad request before any query (PostgreSQL takes no NUL).
    assert admin.get("/admin/households/h%00x").status_code == 422
    token = session_csrf(admin)
    for path, data in (
        ("", {"timezone": "UTC"}),
        ("/state", {"monitoring_state": "active"}),
        ("/hub", {}),
        ("/devices/x/remove", {}),
        ("/consents", {"basis": "self", "given_by": "X", "given_on": "2026-10-01"}),
        ("/routes", {"route": ["urgent=default"]}),
    ):
        response = admin.post(f"/admin/households/h-nowhere{path}", data={**data, "csrf_token": token})
        assert response.status_code == 404, path

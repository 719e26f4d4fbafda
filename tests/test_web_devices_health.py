"""The device health view and its API against the real service: offline hubs, offline and silent
sensors and low batteries, assessed from live device state, each viewer seeing only the homes
they may see (a responder their team's, a household outside it 404), carers and commissioners
refused, paused homes left out."""

import datetime as dt

import httpx
import pytest

import store
from devices import DeviceStatus, MonitoringState, Reading, SensorKind, parse_registry_yaml
from tests.web_helpers import T0, Conn, Tokens, WebServer, seed_service, sign_in

DEVICES = """
households:
""" + "".join(
    f"""
  - id: {home}
    timezone: Europe/London
    devices:
      - {{id: hub, role: hub, room: hall, sensors: [temperature], installed_on: 2026-11-01}}
      - {{id: kitchen-pir, role: kitchen_motion, room: kitchen, sensors: [motion, battery],
         installed_on: 2026-11-01}}
      - {{id: lounge-pir, role: lounge_motion, room: lounge, sensors: [motion], installed_on: 2026-11-01}}
"""
    for home in ("h-north", "h-south")
)


@pytest.fixture
def tokens(conn: Conn) -> Tokens:
    issued = seed_service(conn, now=T0)
    store.import_registry(conn, parse_registry_yaml(DEVICES))
    writer = store.ReadingWriter(conn)

    def heard(home: str, device: str, sensor: SensorKind, value: float, ago: dt.timedelta) -> None:
        at = T0 - ago
        writer.write(
            [Reading(household=home, device=device, sensor=sensor, value=value, ts=at, received_at=at)]
        )

    for home in ("h-north", "h-south"):
        heard(home, "hub", SensorKind.TEMPERATURE, 20.0, dt.timedelta(minutes=2))
        heard(home, "kitchen-pir", SensorKind.MOTION, 1, dt.timedelta(minutes=5))
        heard(home, "lounge-pir", SensorKind.MOTION, 1, dt.timedelta(minutes=5))
    # h-north: the hub's last will, 40 minutes ago. h-south: a kitchen sensor at 12 %.
    writer.write(
        [],
        [
            DeviceStatus(
                household="h-north", device="hub", online=False, received_at=T0 - dt.timedelta(minutes=40)
            )
        ],
    )
    heard("h-south", "kitchen-pir", SensorKind.BATTERY, 12, dt.timedelta(minutes=4))
    conn.commit()
    return issued


def _problems(client: httpx.Client, **params: str) -> list[tuple[str, str, str]]:
    response = client.get("/api/devices/health", params=params)
    assert response.status_code == 200, response.text
    return [(p["household"], p["device"], p["kind"]) for p in response.json()["problems"]]


def test_a_supervisor_sees_every_homes_problems_worst_first(web: WebServer) -> None:
    page = sign_in(web, "sam").get("/devices/health")
    assert page.status_code == 200
    assert "2 monitored homes" in page.text
    table = page.text.split('id="problems"')[1]
    assert table.index("Hub offline") < table.index("Battery low")
    assert "The home&#39;s hub has been offline for 40 min" in table
    assert "battery is low (12%)" in table
    tallies = page.text.split('id="tallies"')[1].split("</ul>")[0]
    assert '<li data-kind="hub_offline"><strong>1</strong> home with the hub offline' in tallies
    assert "<strong>1</strong> low battery" in tallies


def test_the_api_answers_the_same_with_the_numbers_behind_it(web: WebServer, tokens: Tokens) -> None:
    body = web.api(tokens["admin"]).get("/api/devices/health").json()
    assert body["homes_checked"] == 2
    assert [(p["household"], p["device"], p["kind"]) for p in body["problems"]] == [
        ("h-north", "hub", "hub_offline"),
        ("h-south", "kitchen-pir", "battery_low"),
    ]
    assert body["problems"][0]["since"] == "2026-11-22T09:20:00Z"
    assert body["problems"][0]["evidence"]["reported_offline"] is True
    assert body["problems"][1]["evidence"] == {"battery_percent": 12.0, "threshold_percent": 20.0}


def test_a_responder_sees_only_their_teams_homes(web: WebServer, tokens: Tokens) -> None:
    ann = web.api(tokens["ann"])
    assert _problems(ann) == [("h-north", "hub", "hub_offline")]
    assert _problems(ann, household="h-north") == [("h-north", "hub", "hub_offline")]
    outside = ann.get("/api/devices/health", params={"household": "h-south"})
    assert outside.status_code == 404
    assert outside.json() == {"detail": "there is no household h-south"}
    schema = ann.get("/api/openapi.json").json()
    assert "404" in schema["paths"]["/api/devices/health"]["get"]["responses"]
    page = sign_in(web, "ann").get("/devices/health").text
    assert "h-south" not in page
    # A responder in no team sees no home at all.
    assert _problems(web.api(tokens["ned"])) == []
    assert "Every device in these homes is reporting." in sign_in(web, "ned").get("/devices/health").text


@pytest.mark.parametrize("username", ["cara", "cody"])
def test_carers_and_commissioners_are_refused(web: WebServer, tokens: Tokens, username: str) -> None:
    assert web.api(tokens[username]).get("/api/devices/health").status_code == 403
    assert sign_in(web, username).get("/devices/health").status_code == 403


def test_without_a_valid_token_or_session_nothing_is_shown(web: WebServer) -> None:
    assert web.api(None).get("/api/devices/health").status_code == 401
    assert web.api("tc_not-a-token").get("/api/devices/health").status_code == 401
    assert web.client().get("/devices/health").headers["location"] == "/login?next=/devices/health"


def test_a_paused_home_is_left_alone_and_recovery_clears_at_once(
    web: WebServer, tokens: Tokens, conn: Conn
) -> None:
    admin = web.api(tokens["admin"])
    store.set_monitoring_state(conn, "h-north", MonitoringState.PAUSED)
    conn.commit()
    assert _problems(admin) == [("h-south", "kitchen-pir", "battery_low")]
    store.set_monitoring_state(conn, "h-north", MonitoringState.ACTIVE)
    store.ReadingWriter(conn).write(
        [],
        [
            DeviceStatus(
                household="h-north", device="hub", online=True, received_at=T0 - dt.timedelta(minutes=1)
            )
        ],
    )
    conn.commit()
    assert _problems(admin) == [("h-south", "kitchen-pir", "battery_low")]


def test_a_silent_motion_sensor_and_a_sensor_gone_quiet_are_named(
    web: WebServer, tokens: Tokens, conn: Conn
) -> None:
    # 40 hours later the hubs and kitchens report, and h-north's lounge sensor its heartbeat, though
    # it has seen nobody since; h-south's lounge sensor has said nothing at all (offline after 25 h
    # times 1.5).
    later = T0 + dt.timedelta(hours=40)
    web.clock.now = later
    writer = store.ReadingWriter(conn)
    for home in ("h-north", "h-south"):
        writer.write(
            [
                Reading(
                    household=home,
                    device="hub",
                    sensor=SensorKind.TEMPERATURE,
                    value=20,
                    ts=later,
                    received_at=later,
                ),
                Reading(
                    household=home,
                    device="kitchen-pir",
                    sensor=SensorKind.MOTION,
                    value=1,
                    ts=later,
                    received_at=later,
                ),
            ],
            [DeviceStatus(household=home, device="hub", online=True, received_at=later)],
        )
    writer.write(
        [
            Reading(
                household="h-north",
                device="lounge-pir",
                sensor=SensorKind.MOTION,
                value=0,
                ts=later,
                received_at=later,
            )
        ]
    )
    conn.commit()
    assert _problems(web.api(tokens["sam"])) == [
        ("h-south", "lounge-pir", "device_offline"),
        ("h-north", "lounge-pir", "sensor_silent"),
        ("h-south", "kitchen-pir", "battery_low"),
    ]

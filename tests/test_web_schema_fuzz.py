"""schemathesis over the whole JSON API, as the running app describes it (/api/openapi.json), with
every role's bearer token: no 500 anywhere, every response as the schema declares it, and no
household's id, name or contact in a response to someone who may not see that household.

Bounded and deterministic (hypothesis derandomised, no example database), so it runs in the suite.
Generated ids and query values are steered, some of the time, onto the seeded households, alerts
and areas: random ids would only ever meet 404s, never someone else's data."""

import datetime as dt
from collections.abc import Iterator, Sequence
from typing import Any
from urllib.parse import unquote_plus

import httpx
import hypothesis
import pytest
import schemathesis
from hypothesis import strategies as st
from schemathesis import BaseSchema, Case, CheckContext, CheckFunction, GenerationMode, HookContext, Response
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import positive_data_acceptance

from alerts import RESPONDER_OUTCOMES
from tests.web_helpers import T0, USERS, Conn, Tokens, WebServer, raise_alert, running_web, seed_service
from web import Role

HOUSEHOLDS = ("h-north", "h-south")
AREAS = ("Northside", "Southside")
# Who sees which of the two households (tests/web_helpers.py): cara is h-north's carer, ann is in
# team North, ned in no team, cody a commissioner; admin and sam see every household.
SEES = {
    "admin": {"h-north", "h-south"},
    "sam": {"h-north", "h-south"},
    "ann": {"h-north"},
    "ned": set(),
    "cara": {"h-north"},
    "cody": set(),
}
EXAMPLES_PER_OPERATION = 12


@pytest.fixture
def tokens(conn: Conn) -> Tokens:
    """seed_service's users and two households, each with devices, an area and open alerts of two
    kinds (so acknowledging, escalating and resolving all have something to act on)."""
    issued = seed_service(conn, now=T0)
    for household, area in zip(HOUSEHOLDS, AREAS, strict=True):
        conn.execute("UPDATE households SET address_area = %s WHERE id = %s", (area, household))
        conn.execute(
            """INSERT INTO devices (household_id, id, role, room, installed_on)
               VALUES (%s, 'hub', 'hub', 'hall', '2026-06-01'),
                      (%s, 'pendant', 'pendant', 'person', '2026-06-01')""",
            (household, household),
        )
    conn.commit()
    for household in HOUSEHOLDS:
        for kind in ("alarm_pressed", "no_movement"):
            raise_alert(conn, household, kind, at=T0 - dt.timedelta(hours=1))
    return issued


@pytest.fixture
def web(database_url: str, tokens: Tokens) -> Iterator[WebServer]:
    with running_web(database_url) as server:
        yield server


def _identifiers(conn: Conn) -> dict[str, list[str]]:
    """Per household: its id, its display name and its contacts' names."""
    named: dict[str, list[str]] = {h: [h] for h in HOUSEHOLDS}
    for household, name in conn.execute(
        """SELECT id, display_name FROM households WHERE display_name IS NOT NULL
           UNION ALL SELECT household_id, name FROM contacts"""
    ):
        named[household].append(name)
    return named


@pytest.fixture
def api_schema(web: WebServer, conn: Conn) -> BaseSchema:
    schema = schemathesis.openapi.from_url(f"{web.url}/api/openapi.json")
    alert_ids = [row[0] for row in conn.execute("SELECT id FROM alerts ORDER BY id")]

    @schema.hook
    def flatmap_path_parameters(
        context: HookContext, path_parameters: dict[str, Any] | None
    ) -> st.SearchStrategy[Any]:
        if not path_parameters or "alert_id" not in path_parameters:
            return st.just(path_parameters)
        real = st.sampled_from(alert_ids).map(lambda alert_id: path_parameters | {"alert_id": alert_id})
        return st.one_of(real, st.just(path_parameters))

    @schema.hook
    def flatmap_query(context: HookContext, query: dict[str, Any] | None) -> st.SearchStrategy[Any]:
        if not query:
            return st.just(query)
        steered = {
            "household": st.sampled_from(HOUSEHOLDS),
            "area": st.sampled_from(AREAS),
            "from": st.just("2026-11-01"),
            "to": st.just("2026-11-30"),
        }
        overrides = st.fixed_dictionaries({k: s for k, s in steered.items() if k in query})
        return st.one_of(overrides.map(lambda o: query | o), st.just(query))

    return schema


def test_every_operation_with_every_role(api_schema: BaseSchema, tokens: Tokens, conn: Conn) -> None:
    """Each operation, with valid and (where it takes any input) invalid input, called with each
    role's token; every operation fuzzed even when another fails, all failures reported together."""
    assert {USERS[username] for username in SEES} == set(Role), "every role calls every operation"
    named = _identifiers(conn)
    operations = [result.ok() for result in api_schema.get_all_operations() if isinstance(result, Ok)]
    labels = {operation.label for operation in operations}
    assert {"GET /api/alerts/{alert_id}", "POST /api/alerts/{alert_id}/resolve", "GET /api/reports"} <= labels
    failures = []
    for operation in operations:
        takes_input = any((operation.path_parameters, operation.query, list(operation.body)))
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)[: 2 if takes_input else 1]:
            # The token is set for each call: left to the generator, negative cases would drop it
            # and each call would put it back. Steering onto real ids and values is for valid
            # input only (steered, an invalid value would become a valid one).
            steered = api_schema.hooks if mode is GenerationMode.POSITIVE else None
            strategy = operation.as_strategy(mode, hooks=steered, headers={"Authorization": "Bearer -"})
            excluded = [check for (label, check) in NOT_CHECKED if label == operation.label]

            try:
                _call_as_everyone(strategy, tokens, named, excluded)
            # schemathesis raises a FailureGroup (a BaseExceptionGroup) of what it found.
            except (Exception, BaseExceptionGroup) as failure:
                failures.append(f"{operation.label} ({mode.value} input): {failure}")
    assert not failures, "\n\n".join(failures)


def _call_as_everyone(
    strategy: st.SearchStrategy[Case[Any]],
    tokens: Tokens,
    named: dict[str, list[str]],
    excluded: Sequence[CheckFunction],
) -> None:
    """Each generated case called with every role's token, its responses checked."""

    @hypothesis.given(case=strategy)
    @hypothesis.settings(
        max_examples=EXAMPLES_PER_OPERATION,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(hypothesis.HealthCheck),
    )
    def call(case: Case[Any]) -> None:
        for username, sees in SEES.items():
            case.call_and_validate(
                headers={"Authorization": f"Bearer {tokens[username]}"},
                additional_checks=[_nothing_of(named, username, sees)],
                excluded_checks=list(excluded),
            )

    call()


def _nothing_of(named: dict[str, list[str]], username: str, sees: set[str]) -> CheckFunction:
    """A check: the response names no household `username` may not see (beyond echoing what the
    request itself said, as in "there is no household h-south")."""
    hidden = [name for household, names in named.items() if household not in sees for name in names]

    def nothing_of_other_households(ctx: CheckContext, response: Response, case: Case[Any]) -> None:
        body = response.request.body
        sent = unquote_plus(response.request.url or "") + (
            body.decode(errors="replace") if isinstance(body, bytes) else str(body or "")
        )
        text = response.text.lower()
        leaked = [name for name in hidden if name.lower() in text and name.lower() not in sent.lower()]
        assert not leaked, f"{username} was shown {leaked}"

    return nothing_of_other_households


# One rule of the report API's that OpenAPI cannot state: those responses are not held to "a
# schema-valid request is accepted".
NOT_CHECKED = {
    # A report's period must run forwards, within 2000-2099 and for at most 731 days: rules across
    # two dates that OpenAPI cannot state, so a schema-valid period may get a 422 saying which.
    ("GET /api/reports", positive_data_acceptance),
}


def test_resolve_declares_only_the_outcomes_a_responder_may_choose(web: WebServer) -> None:
    """The fuzzing above holds resolve to its schema: every outcome the schema offers is accepted,
    so the schema must offer no outcome the platform keeps for itself."""
    schema = httpx.get(f"{web.url}/api/openapi.json").json()
    body = schema["components"]["schemas"]["ResolveRequest"]["properties"]["outcome"]
    declared = (
        schema["components"]["schemas"][body["$ref"].rsplit("/", 1)[-1]]["enum"]
        if "$ref" in body
        else body["enum"]
    )
    assert set(declared) == {str(outcome) for outcome in RESPONDER_OUTCOMES}


def test_resolve_refuses_an_outcome_the_platform_keeps_for_itself(web: WebServer, tokens: Tokens) -> None:
    alert_id = int(httpx.get(f"{web.url}/api/alerts", headers=_bearer(tokens["admin"])).json()[0]["id"])
    refused = httpx.post(
        f"{web.url}/api/alerts/{alert_id}/resolve",
        json={"outcome": "person_checked_in"},
        headers=_bearer(tokens["admin"]),
    )
    assert refused.status_code == 422
    accepted = httpx.post(
        f"{web.url}/api/alerts/{alert_id}/resolve",
        json={"outcome": "false_alarm"},
        headers=_bearer(tokens["admin"]),
    )
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["outcome"] == "false_alarm"


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}

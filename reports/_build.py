"""build_report: a commissioner's report for a period and area, from the store's aggregates.

Counts are protected before anything is derived from them: rates, shares, the charts and the
summary sentences read only published cells, so none can reveal a withheld count.
"""

import datetime as dt
import itertools
from collections import defaultdict
from collections.abc import Iterable, Sequence

import psycopg
from psycopg.rows import TupleRow

from alerts import Outcome
from devices import DeviceRole
from reports import _queries as q
from reports._model import NOT_APPLICABLE, Cell, Column, Report, Table, Unit, Withheld
from reports._queries import Span
from reports._tables import Counts, Key, crosstab, measure, protect, ratio, table

# The TSA's standard for alarm calls: 97.5% answered within 60 s, 99% within 180 s.
ANSWER_TARGETS = ((60, 97.5), (180, 99.0))
SEVERITIES = ("urgent", "high", "routine")
PERIOD = "Period"
ALL_AREAS = "All areas"
ALL_ALERTS = "All alerts"
UNRESOLVED = "unresolved"
FALSE_ALARMS = "False alarms"
OUTCOME_ROWS = (*Outcome, UNRESOLVED)
UPTAKE, HEALTH, ALERTS, RESPONSE, OUTCOMES = (
    "Uptake",
    "Service health",
    "Alerts",
    "Response",
    "Outcomes",
)


class UnknownArea(ValueError):
    def __init__(self, area: str, known: Sequence[str]) -> None:
        super().__init__(
            f"no household on the service has area {area!r}; areas: {', '.join(known) or 'none'}"
        )


def build_report(
    conn: psycopg.Connection[TupleRow], start: dt.date, end: dt.date, area: str | None = None
) -> Report:
    """The report for the days start..end (inclusive, each household's own calendar), one area or all."""
    if end < start:
        raise ValueError(f"the period ends ({end}) before it starts ({start})")
    if area is not None and area not in (known := q.areas(conn)):
        raise UnknownArea(area, known)
    try:
        spans = month_spans(start, end)
        previous = month_spans(start - (end - start + dt.timedelta(days=1)), start - dt.timedelta(days=1))
    except OverflowError as exc:  # the previous period (or the last month) falls off the calendar
        raise ValueError(f"the period {start} to {end} is too near the calendar's ends") from exc
    flows = q.household_flows(conn, spans, area)
    area_rows = sorted({f.area for f in flows if f.monitored})
    households = protect(_household_counts(flows, spans, area_rows))
    counted = q.alert_counts(conn, spans, area)
    alert_areas = sorted(set(area_rows) | {c.area for c in counted})
    alert_cells = protect(_alert_counts(counted, spans, alert_areas))
    scope_households = _scope_households(households, spans, area_rows)
    months = _household_months(flows, len(spans))
    tables = [
        *_household_tables(households, spans, area_rows),
        _devices_table(q.devices_by_role(conn, end, area), area_rows),
        _referral_table(q.referral_to_installation(conn, start, end, area), area_rows),
        _uptime_table(q.uptime(conn, spans, area), spans, area_rows),
        *_device_problem_tables(q.device_problems(conn, spans, area), spans, area_rows),
        *_alert_tables(alert_cells, counted, spans, alert_areas, scope_households, months),
        _trend_table(
            alert_cells,
            counted,
            spans,
            months,
            q.alert_counts(conn, previous, area),
            _household_months(q.household_flows(conn, previous, area), len(previous)),
        ),
        *_response_tables(q.responses(conn, spans, area), spans),
    ]
    return Report(
        start=start,
        end=end,
        area=area,
        generated_at=dt.datetime.now(dt.UTC),
        summary=tuple(_summary(tables, spans, area)),
        tables=tuple(tables),
    )


def month_spans(start: dt.date, end: dt.date) -> list[Span]:
    """The calendar months the period touches, each cut to the period."""
    spans = []
    first = start
    while first <= end:
        month_start = first.replace(day=1)
        next_month = (month_start + dt.timedelta(days=32)).replace(day=1)
        last = min(end, next_month - dt.timedelta(days=1))
        whole = first == month_start and last == next_month - dt.timedelta(days=1)
        label = f"{first:%b %Y}" if whole else f"{first.day}-{last.day} {first:%b %Y}"
        spans.append(Span(label=label, start=first, end=last, month_days=(next_month - month_start).days))
        first = last + dt.timedelta(days=1)
    return spans


def _with_total(labels: Sequence[str], total: str) -> list[str]:
    return [*labels, total] if len(labels) >= 2 else list(labels)


def _counts(labels: Iterable[str]) -> list[Column]:
    return [Column(label=label, unit=Unit.COUNT) for label in labels]


def _scope_row(area_rows: Sequence[str]) -> str | None:
    """The row that stands for the whole scope: the total, or the one area."""
    if len(area_rows) >= 2:
        return ALL_AREAS
    return area_rows[0] if area_rows else None


# Uptake


def _household_counts(
    flows: Sequence[q.HouseholdFlow], spans: Sequence[Span], area_rows: list[str]
) -> Counts:
    """Homes monitored, joining and leaving, protected together: this month's homes are last
    month's, less those who left, plus those who joined, and a reader can do that sum too."""
    months = [s.label for s in spans]
    by_measure: dict[str, dict[tuple[str, str], int]] = defaultdict(dict)
    for f in flows:
        for name, count in (("monitored", f.monitored), ("joined", f.joined), ("left", f.left)):
            by_measure[name][(f.area, months[f.column])] = count
    counts = crosstab("households_monitored", by_measure["monitored"], area_rows, months, row_total=ALL_AREAS)
    for name in ("joined", "left"):
        counts |= crosstab(
            f"households_{name}",
            by_measure[name],
            area_rows,
            months,
            row_total=ALL_AREAS,
            column_total=PERIOD,
        )
    stock_and_flow = [
        {
            ("households_monitored", a, later): 1,
            ("households_monitored", a, earlier): -1,
            ("households_left", a, earlier): 1,
            ("households_joined", a, later): -1,
        }
        for a in area_rows
        for earlier, later in itertools.pairwise(months)
    ]
    return counts | Counts(values={}, relations=stock_and_flow)


def _household_tables(cells: dict[Key, Cell], spans: Sequence[Span], area_rows: list[str]) -> list[Table]:
    months = [s.label for s in spans]
    rows = _with_total(area_rows, ALL_AREAS)
    return [
        table(
            key="households_monitored",
            section=UPTAKE,
            title="Homes monitored",
            note="Homes on the service on at least one day of the month: from the first device's "
            "installation until monitoring ended.",
            row_header="Area",
            columns=_counts(months),
            rows=rows,
            cells=cells,
        ),
        table(
            key="households_joined",
            section=UPTAKE,
            title="Homes joining (first device installed)",
            note="",
            row_header="Area",
            columns=_counts(_with_total(months, PERIOD)),
            rows=rows,
            cells=cells,
        ),
        table(
            key="households_left",
            section=UPTAKE,
            title="Homes leaving (monitoring ended)",
            note="",
            row_header="Area",
            columns=_counts(_with_total(months, PERIOD)),
            rows=rows,
            cells=cells,
        ),
    ]


def _devices_table(by_role_area: dict[tuple[str, str], int], area_rows: list[str]) -> Table:
    roles = [str(r) for r in DeviceRole if any(role == r for role, _ in by_role_area)]
    cells = protect(
        crosstab(
            "devices_by_role", by_role_area, roles, area_rows, row_total="All devices", column_total=ALL_AREAS
        )
    )
    return table(
        key="devices_by_role",
        section=UPTAKE,
        title="Devices installed at the end of the period, by role",
        note="",
        row_header="Role",
        columns=_counts(_with_total(area_rows, ALL_AREAS)),
        rows=_with_total(roles, "All devices"),
        cells=cells,
    )


def _referral_table(waits: Sequence[q.WaitForInstallation], area_rows: list[str]) -> Table:
    key, count = "referral_to_installation", "Homes installed"
    by_area = {w.area: w for w in waits}
    cells = protect(
        crosstab(
            key,
            {(w.area, count): w.households for w in waits if w.area},
            area_rows,
            [count],
            row_total=ALL_AREAS,
        )
    )
    rows = _with_total(area_rows, ALL_AREAS)
    for label in rows:
        wait = by_area.get(None if label == ALL_AREAS else label)
        households = wait.households if wait else 0
        cells[(key, label, "Median days")] = measure(wait.median_days if wait else None, households)
        cells[(key, label, "90th percentile days")] = measure(wait.p90_days if wait else None, households)
    return table(
        key=key,
        section=UPTAKE,
        title="Days from referral to installation",
        note="Homes installed in the period whose referral date is recorded.",
        row_header="Area",
        columns=[
            Column(label=count, unit=Unit.COUNT),
            Column(label="Median days", unit=Unit.DAYS),
            Column(label="90th percentile days", unit=Unit.DAYS),
        ],
        rows=rows,
        cells=cells,
    )


# Service health


def _uptime_table(uptimes: Sequence[q.Uptime], spans: Sequence[Span], area_rows: list[str]) -> Table:
    key = "device_uptime"
    months = [s.label for s in spans]
    rows = _with_total(area_rows, ALL_AREAS)
    cells: dict[Key, Cell] = {}
    for label in rows:
        mine = [u for u in uptimes if u.area == (None if label == ALL_AREAS else label)]
        for u in mine:
            cells[(key, label, months[u.column])] = _uptime_cell(
                u.reports_heard, u.reports_expected, u.households
            )
        if len(months) >= 2:
            cells[(key, label, PERIOD)] = _uptime_cell(
                sum(u.reports_heard for u in mine),
                sum(u.reports_expected for u in mine),
                max((u.households for u in mine), default=0),
            )
    return table(
        key=key,
        section=HEALTH,
        title="Sensor uptime: share of expected reports received (%)",
        note="Each sensor's expected report interval (from the registry, else 30 min for mains plugs, "
        "25 h for battery sensors) counts once if at least one reading arrived in it. Hubs are "
        "counted under hub outages.",
        row_header="Area",
        columns=[Column(label=m, unit=Unit.PERCENT) for m in _with_total(months, PERIOD)],
        rows=rows,
        cells=cells,
    )


def _uptime_cell(heard: int, expected: int, households: int) -> Cell:
    return measure(100.0 * heard / expected if expected else None, households)


def _device_problem_tables(
    problems: dict[tuple[str, str, int], int], spans: Sequence[Span], area_rows: list[str]
) -> list[Table]:
    months = [s.label for s in spans]
    tables = []
    for kind, key, title, note in (
        (
            "hub_offline",
            "hub_outages",
            "Hub outages",
            "Times a home's hub went offline (or the home fell silent); overlapping reports are one outage.",
        ),
        ("battery_low", "battery_replacements_due", "Battery replacements due", "Batteries found below 20%."),
    ):
        found = {(a, months[i]): n for (k, a, i), n in problems.items() if k == kind}
        cells = protect(crosstab(key, found, area_rows, months, row_total=ALL_AREAS, column_total=PERIOD))
        tables.append(
            table(
                key=key,
                section=HEALTH,
                title=title,
                note=note,
                row_header="Area",
                columns=_counts(_with_total(months, PERIOD)),
                rows=_with_total(area_rows, ALL_AREAS),
                cells=cells,
            )
        )
    return tables


# Alerts


def _kind_rows(counted: Sequence[q.AlertCount]) -> list[tuple[str, list[str]]]:
    """(severity, its kind rows) in order of severity, kinds alphabetical."""
    present = {(c.severity, c.kind) for c in counted}
    groups = [(s, sorted(_kind_label(k, s) for sev, k in present if sev == s)) for s in SEVERITIES]
    return [(s, kinds) for s, kinds in groups if kinds]


def _kind_label(kind: str, severity: str) -> str:
    return f"{kind.replace('_', ' ').capitalize()} ({severity})"


def _group_label(severity: str, kinds: list[str]) -> str:
    """The row standing for a severity: its subtotal, or its one kind."""
    return f"All {severity}" if len(kinds) >= 2 else kinds[0]


def _kind_table_rows(groups: list[tuple[str, list[str]]]) -> list[str]:
    rows = [label for s, kinds in groups for label in _with_total(kinds, f"All {s}")]
    return [*rows, ALL_ALERTS] if len(groups) >= 2 else rows


def _alert_counts(counted: Sequence[q.AlertCount], spans: Sequence[Span], alert_areas: list[str]) -> Counts:
    """Alerts by kind, by area and by outcome, and routine changes by outcome: one family."""
    months = [s.label for s in spans]
    period = _with_total(months, PERIOD)[len(months) :]
    by_kind: dict[tuple[str, str], int] = defaultdict(int)
    by_area: dict[tuple[str, str], int] = defaultdict(int)
    by_outcome: dict[tuple[str, str], int] = defaultdict(int)
    routine: dict[tuple[str, str], int] = defaultdict(int)
    for alert in counted:
        kind_row, month = _kind_label(alert.kind, alert.severity), months[alert.column]
        by_kind[(kind_row, month)] += alert.alerts
        by_kind[(kind_row, FALSE_ALARMS)] += alert.alerts if alert.outcome == Outcome.FALSE_ALARM else 0
        by_area[(alert.area, month)] += alert.alerts
        by_outcome[(_outcome_label(alert.outcome), month)] += alert.alerts
        if alert.kind == "routine_change":
            routine[(_outcome_label(alert.outcome), "Alerts")] += alert.alerts
    groups = _kind_rows(counted)
    kinds, t = [k for _, ks in groups for k in ks], "alerts_by_kind"
    by_kind_table = crosstab(t, by_kind, kinds, [*months, FALSE_ALARMS]).total_of(
        ((t, k, p), [(t, k, m) for m in months]) for k in kinds for p in period
    )
    columns = [*months, *period, FALSE_ALARMS]
    by_kind_table = by_kind_table.total_of(
        ((t, f"All {s}", column), [(t, k, column) for k in ks])
        for s, ks in groups
        if len(ks) >= 2
        for column in columns
    )
    if len(groups) >= 2:
        by_kind_table = by_kind_table.total_of(
            ((t, ALL_ALERTS, column), [(t, _group_label(s, ks), column) for s, ks in groups])
            for column in columns
        )
    outcome_rows = [_outcome_label(o) for o in OUTCOME_ROWS]
    family = (
        by_kind_table
        | crosstab("alerts_by_area", by_area, alert_areas, months, row_total=ALL_AREAS, column_total=PERIOD)
        | crosstab("outcomes", by_outcome, outcome_rows, months, row_total=ALL_ALERTS, column_total=PERIOD)
        | crosstab("routine_changes", routine, outcome_rows, ["Alerts"], row_total="All routine changes")
    )
    return family.tie(_shared_figures(groups, alert_areas, [*months, *period]))


def _shared_figures(
    groups: list[tuple[str, list[str]]], alert_areas: list[str], columns: list[str]
) -> list[tuple[Key, Key]]:
    """Figures printed in two tables of the alerts family: each month's alerts, the false alarms,
    and the routine changes."""
    area_whole = _scope_row(alert_areas)
    if not groups or area_whole is None:
        return []
    whole = ALL_ALERTS if len(groups) >= 2 else _group_label(*groups[0])
    pairs: list[tuple[Key, Key]] = []
    for column in columns:
        pairs.append((("alerts_by_kind", whole, column), ("alerts_by_area", area_whole, column)))
        pairs.append((("alerts_by_kind", whole, column), ("outcomes", ALL_ALERTS, column)))
    false_alarm = _outcome_label(Outcome.FALSE_ALARM)
    pairs.append((("alerts_by_kind", whole, FALSE_ALARMS), ("outcomes", false_alarm, columns[-1])))
    routine = [k for s, ks in groups for k in ks if k == _kind_label("routine_change", s)]
    if len(routine) == 1:
        pairs.append(
            (("alerts_by_kind", routine[0], FALSE_ALARMS), ("routine_changes", false_alarm, "Alerts"))
        )
        pairs.append(
            (
                ("alerts_by_kind", routine[0], columns[-1]),
                ("routine_changes", "All routine changes", "Alerts"),
            )
        )
    return pairs


def _outcome_label(outcome: str) -> str:
    return "Not yet resolved" if outcome == UNRESOLVED else outcome.replace("_", " ").capitalize()


def _scope_households(cells: dict[Key, Cell], spans: Sequence[Span], area_rows: list[str]) -> list[Cell]:
    """The published count of homes monitored in each month, for the whole scope."""
    row = _scope_row(area_rows)
    if row is None:
        return [Cell(withheld=Withheld.SMALL) for _ in spans]
    return [cells[("households_monitored", row, s.label)] for s in spans]


def _household_months(flows: Sequence[q.HouseholdFlow], columns: int) -> list[float]:
    months = [0.0] * columns
    for f in flows:
        months[f.column] += f.household_months
    return months


def _exposure(households: Cell, household_months: float) -> Cell:
    """Household-months as a rate's base: withheld with the count of homes it would reveal."""
    if households.withheld is not None:
        return Cell(withheld=households.withheld)
    return Cell(value=household_months)


def _alert_tables(
    cells: dict[Key, Cell],
    counted: Sequence[q.AlertCount],
    spans: Sequence[Span],
    alert_areas: list[str],
    scope_households: list[Cell],
    household_months: list[float],
) -> list[Table]:
    months = [s.label for s in spans]
    with_period = _with_total(months, PERIOD)
    groups = _kind_rows(counted)
    kind_rows = _kind_table_rows(groups)
    exposure = {
        m: _exposure(h, hm) for m, h, hm in zip(months, scope_households, household_months, strict=True)
    }
    if len(months) >= 2:
        withheld = next((e for e in exposure.values() if e.withheld is not None), None)
        exposure[PERIOD] = withheld or Cell(value=sum(household_months))
    share = "False-alarm share (%)"
    for row in kind_rows:
        last = ("alerts_by_kind", row, with_period[-1])
        cells[("alerts_by_kind", row, share)] = ratio(
            cells[("alerts_by_kind", row, FALSE_ALARMS)], cells[last]
        )
        for c in with_period:
            cells[("alerts_per_100", row, c)] = ratio(cells[("alerts_by_kind", row, c)], exposure[c])
    outcome_rows = _with_total([_outcome_label(o) for o in OUTCOME_ROWS], ALL_ALERTS)
    return [
        table(
            key="alerts_by_kind",
            section=ALERTS,
            title="Alerts by kind and severity",
            note="Alerts opened in each month; false alarms as recorded by the responder who resolved them.",
            row_header="Kind (severity)",
            columns=[*_counts([*with_period, FALSE_ALARMS]), Column(label=share, unit=Unit.PERCENT)],
            rows=kind_rows,
            cells=cells,
        ),
        table(
            key="alerts_per_100",
            section=ALERTS,
            title="Alerts per 100 homes per month",
            note="Alerts divided by household-months: each home's days on the service over the days "
            "in the month.",
            row_header="Kind (severity)",
            columns=[Column(label=c, unit=Unit.PER_100_HOUSEHOLDS) for c in with_period],
            rows=kind_rows,
            cells=cells,
        ),
        table(
            key="alerts_by_area",
            section=ALERTS,
            title="Alerts by area",
            note="",
            row_header="Area",
            columns=_counts(with_period),
            rows=_with_total(alert_areas, ALL_AREAS),
            cells=cells,
        ),
        table(
            key="outcomes",
            section=OUTCOMES,
            title="How alerts ended",
            note="Alerts opened in each month, by how they were resolved (as recorded when the report "
            "was made). Condition cleared and person checked in are recorded by the platform.",
            row_header="Outcome",
            columns=_counts(with_period),
            rows=outcome_rows,
            cells=cells,
        ),
        table(
            key="routine_changes",
            section=OUTCOMES,
            title="Routine changes detected and what followed",
            note="Alerts about a lasting change in a person's daily routine, by how they ended.",
            row_header="Outcome",
            columns=_counts(["Alerts"]),
            rows=_with_total([_outcome_label(o) for o in OUTCOME_ROWS], "All routine changes"),
            cells=cells,
        ),
    ]


def _trend_table(
    cells: dict[Key, Cell],
    counted: Sequence[q.AlertCount],
    spans: Sequence[Span],
    household_months: list[float],
    before: Sequence[q.AlertCount],
    household_months_before: list[float],
) -> Table:
    key = "alert_trend"
    groups = dict(_kind_rows(counted))
    last = _with_total([s.label for s in spans], PERIOD)[-1]
    now_months, before_months = sum(household_months), sum(household_months_before)
    trend: dict[Key, Cell] = {}
    rows = []
    for label, severities in [*((s.capitalize(), {s}) for s in SEVERITIES), (ALL_ALERTS, set(SEVERITIES))]:
        rows.append(label)
        previous = sum(c.alerts for c in before if c.severity in severities)
        earlier = measure(100.0 * previous / before_months if before_months else None, previous)
        current = _published_alerts(cells, groups, severities, last)
        now = ratio(current, Cell(value=now_months)) if current is not None else measure(None, 0)
        trend[(key, label, "Previous period")] = earlier
        trend[(key, label, "This period")] = now
        trend[(key, label, "Change (%)")] = (
            Cell(value=100.0 * (now.value - earlier.value) / earlier.value)
            if now.value is not None and earlier.value
            else NOT_APPLICABLE
            if now.withheld is None and earlier.withheld is None
            else Cell(withheld=Withheld.FEW)
        )
    return table(
        key=key,
        section=ALERTS,
        title="Alerts per 100 homes per month, against the previous period of equal length",
        note="",
        row_header="Severity",
        columns=[
            Column(label="Previous period", unit=Unit.PER_100_HOUSEHOLDS),
            Column(label="This period", unit=Unit.PER_100_HOUSEHOLDS),
            Column(label="Change (%)", unit=Unit.PERCENT),
        ],
        rows=rows,
        cells=trend,
    )


def _published_alerts(
    cells: dict[Key, Cell], groups: dict[str, list[str]], severities: set[str], column: str
) -> Cell | None:
    """The published count of alerts of these severities over the period, None if there were none."""
    present = [s for s in SEVERITIES if s in severities and s in groups]
    if not present:
        return None
    if len(present) == 1:
        return cells[("alerts_by_kind", _group_label(present[0], groups[present[0]]), column)]
    return cells[("alerts_by_kind", ALL_ALERTS, column)] if len(groups) == len(present) else None


# Response


def _response_tables(responses: Sequence[q.Response], spans: Sequence[Span]) -> list[Table]:
    key = "response_times"
    overall = {r.severity: r for r in responses if r.column is None}
    severities = [s for s in SEVERITIES if s in overall]
    labels = {s: s.capitalize() for s in severities} | {None: ALL_ALERTS}
    rows = _with_total([labels[s] for s in severities], ALL_ALERTS)
    cells = protect(
        crosstab(
            key,
            {(labels[s], "Escalated"): overall[s].escalated for s in severities},
            rows[: len(severities)],
            ["Escalated"],
            row_total=ALL_ALERTS,
        )
    )
    for severity, r in overall.items():
        if labels[severity] not in rows:
            continue
        for seconds, _ in ANSWER_TARGETS:
            within = r.within_60s if seconds == 60 else r.within_180s
            cells[(key, labels[severity], f"Answered within {seconds} s (%)")] = measure(
                100.0 * within / r.raised, r.raised
            )
        for name, unit, times, cases in (
            ("Answer", Unit.SECONDS, r.answer_seconds, r.answered),
            ("Resolve", Unit.MINUTES, r.resolve_seconds, r.resolved),
        ):
            scale = 60.0 if unit is Unit.MINUTES else 1.0
            for p, value in zip(("p50", "p90", "p99"), times or (None, None, None), strict=True):
                cells[(key, labels[severity], f"{name} {p}")] = measure(
                    None if value is None else value / scale, cases
                )
    columns = [
        *(Column(label=f"Answered within {s} s (%)", unit=Unit.PERCENT) for s, _ in ANSWER_TARGETS),
        *(Column(label=f"Answer {p}", unit=Unit.SECONDS) for p in ("p50", "p90", "p99")),
        *(Column(label=f"Resolve {p}", unit=Unit.MINUTES) for p in ("p50", "p90", "p99")),
        Column(label="Escalated", unit=Unit.COUNT),
    ]
    urgent = {r.column: r for r in responses if r.severity == "urgent"}
    months = [s.label for s in spans]
    by_month: dict[Key, Cell] = {}
    for i, label in enumerate(_with_total(months, PERIOD)):
        in_column = urgent.get(i if i < len(months) else None)
        for seconds, _ in ANSWER_TARGETS:
            within = (
                0 if in_column is None else (in_column.within_60s if seconds == 60 else in_column.within_180s)
            )
            raised = 0 if in_column is None else in_column.raised
            by_month[("urgent_answer", label, f"Within {seconds} s (%)")] = measure(
                100.0 * within / raised if raised else None, raised
            )
    targets = " and ".join(f"{share:g}% within {s} s" for s, share in ANSWER_TARGETS)
    return [
        table(
            key=key,
            section=RESPONSE,
            title="Response: time to answer and to resolve, by severity",
            note="From when people were first told. Answered: acknowledged, or resolved by a responder "
            "at once. Times in seconds to answer and minutes to resolve. "
            f"Target for urgent alerts: {targets}.",
            row_header="Severity",
            columns=columns,
            rows=rows,
            cells=cells,
        ),
        table(
            key="urgent_answer",
            section=RESPONSE,
            title=f"Urgent alerts answered in time (target: {targets})",
            note="",
            row_header="Month",
            columns=[Column(label=f"Within {s} s (%)", unit=Unit.PERCENT) for s, _ in ANSWER_TARGETS],
            rows=_with_total(months, PERIOD),
            cells=by_month,
        ),
    ]


# Summary


def _summary(tables: Sequence[Table], spans: Sequence[Span], area: str | None) -> list[str]:
    """Plain sentences from published cells only, so they reveal nothing the tables withhold."""
    by_key = {t.key: t for t in tables}
    scope = area or "all areas"
    last = spans[-1]
    whole_month = len(spans) == 1 and last.label == f"{last.start:%b %Y}"
    monitored = by_key["households_monitored"]
    homes = _figure(monitored.rows[-1].cells[-1]) if monitored.rows else "fewer than 5"
    when = f"In {last.label}" if whole_month else f"In {last.label}, the last month of the period"
    sentences = [f"{when}, {homes} homes were monitored in {scope}."]
    urgent = by_key["urgent_answer"].rows[-1].cells
    if all(c.value is not None for c in urgent):
        (s60, t60), (s180, t180) = ANSWER_TARGETS
        sentences.append(
            f"{urgent[0].value:.1f}% of urgent alerts were answered within {s60} s, "
            f"against a {t60:g}% target, and {urgent[1].value:.1f}% within {s180} s, against {t180:g}%."
        )
    else:
        sentences.append("Fewer than 5 urgent alerts were raised: too few to report answer times.")
    trend = by_key["alert_trend"]
    _, now, change = trend.rows[-1].cells
    if now.value is not None:
        sentence = f"There were {now.value:.1f} alerts per 100 homes per month"
        if change.value is not None:
            direction = "up" if change.value >= 0 else "down"
            sentence += f", {direction} {abs(change.value):.0f}% on the previous period of equal length"
        sentences.append(sentence + ".")
    uptime = by_key["device_uptime"]
    if uptime.rows and uptime.rows[-1].cells[-1].value is not None:
        sentences.append(
            f"Sensors sent {uptime.rows[-1].cells[-1].value:.1f}% of the reports expected of them."
        )
    return sentences


def _figure(cell: Cell) -> str:
    if cell.value is not None:
        return f"{cell.value:,.0f}"
    return "fewer than 5" if cell.withheld is Withheld.SMALL else "an undisclosed number of"

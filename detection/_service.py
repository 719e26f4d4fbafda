"""The detection service: the engine fed from the store. It reads new readings by when they
were received, ticks the watchdogs each minute, writes findings, and refits baselines daily.

Everything it needs is derived from stored data, so a restart loses nothing: it warms its
state from the last day of readings and resumes; findings are reconciled, never duplicated.
"""

import datetime as dt
import itertools
import logging
import operator
import threading
import time
from collections import defaultdict
from typing import Any

import numpy as np
import psycopg
from psycopg.rows import TupleRow

import store
from alerts import CheckinSource, record_checkin
from alerts._config import AlertConfig
from detection._baseline import UNUSUAL_DAY_KINDS, WINDOW_DAYS, RoutineBaseline, concern_days, usual_days
from detection._engine import PERSON_KINDS, Device, Engine, Episode, Home
from detection._history import summarise_history
from detection._localtime import local_day_and_time
from detection._outcomes import learn_from_outcomes
from detection._routine_change import RoutineWatch
from detection._routine_pass import KIND as ROUTINE_CHANGE
from detection._routine_pass import routine_pass
from devices import DeviceRole, SensorKind
from telecare._workers import EVERY_HOUSEHOLD, WorkerShare

log = logging.getLogger(__name__)

TICK_SECONDS = 60.0  # the issue asks for every household at least once a minute
WARM_UP = dt.timedelta(hours=24)  # state needs the last sign of the person: a day covers sleep
REFIT_EVERY = dt.timedelta(hours=24)
REFIT_RETRY = dt.timedelta(minutes=5)
REGISTRY_EVERY = dt.timedelta(minutes=5)
# A reading that reaches us this long after it happened (a hub back from a day offline sends
# its backlog) is history: it updates the home's state but raises no instant alert, so a
# pendant pressed and cancelled yesterday is not today's emergency. Whether the person needs
# help now is judged by the watchdogs from the state the backlog leaves, and the silence
# itself was the hub_offline finding. An hour outlasts any delay of a working platform (ingest
# catching up after a restart), so a press that is merely delayed is still raised.
LATE = dt.timedelta(hours=1)
# Ingest stamps a reading's received_at when the message arrives and commits it a batch's wait
# and write later (0.2 s and a few ms, normally). A pass that read up to `now` and moved on
# would never see a reading stamped before `now` but committed just after it: with a
# 10,000-home service's background readings, 4 of 40 pendant presses were stored and never
# raised (bench/end_to_end.py). So each pass reads the last SETTLING again and skips the
# readings it has already seen there.
SETTLING = dt.timedelta(seconds=5)
# After a database outage ingest writes the batch it held through it (received before the
# outage, committed after): for this long after detection is back, each pass reads again from
# where it was when the outage began, so that batch is seen whichever of the two recovers first
# (ingest retries at most 5 s apart).
CATCH_UP = dt.timedelta(minutes=1)
_EARLIEST = dt.datetime.min.replace(tzinfo=dt.UTC)

Conn = psycopg.Connection[TupleRow]


class DetectionService:
    def __init__(
        self,
        *,
        database_url: str,
        alert_config: AlertConfig | None = None,
        worker: WorkerShare = EVERY_HOUSEHOLD,
    ) -> None:
        """With `alert_config`, a pendant's cancel is recorded as the person's check-in; with
        `worker`, only that worker's share of the households is watched."""
        self._database_url = database_url
        self._worker = worker
        # Shown in pg_stat_activity: which worker runs a slow query.
        self._application_name = "telecare-detect" + ("" if worker.everything else f"-{worker}")
        self._alert_config = alert_config
        self._engine = Engine([])
        self._cursor = dt.datetime.min.replace(tzinfo=dt.UTC)
        # The readings already observed whose received_at is within SETTLING of the cursor.
        self._settling: set[tuple[str, str, str, dt.datetime]] = set()
        self._refitted = dt.datetime.min.replace(tzinfo=dt.UTC)
        self._registry_read = dt.datetime.min.replace(tzinfo=dt.UTC)
        self._watched: dict[str, bool] = {}
        self._routine_watches: dict[str, RoutineWatch] = {}
        self._refit_thread: threading.Thread | None = None
        self._refit_lock = threading.Lock()
        self._refit_done: dict[str, RoutineBaseline] | None = None
        self._held_from: dt.datetime | None = None
        self._hold_until: dt.datetime | None = None

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                with (
                    store.connect(self._database_url, application_name=self._application_name) as conn,
                    psycopg.connect(self._database_url, autocommit=True) as listener,
                ):
                    listener.execute(f"LISTEN {store.READINGS_CHANNEL}")
                    self._serve(conn, listener, stop)
            except psycopg.OperationalError as exc:
                log.warning("detection paused: database unavailable (%s); retrying", exc.sqlstate)
                self.database_lost()
                stop.wait(5)

    def _serve(self, conn: Conn, listener: psycopg.Connection[TupleRow], stop: threading.Event) -> None:
        next_tick = 0.0
        while not stop.is_set():
            tick = time.monotonic() >= next_tick
            if tick:
                next_tick = time.monotonic() + TICK_SECONDS
            self.pass_once(conn, dt.datetime.now(dt.UTC), tick=tick, refit_aside=True)
            # Until the next tick, wake as soon as ingest commits readings: a pendant press
            # becomes a finding within moments, not at the next minute.
            wait = min(1.0, max(0.0, next_tick - time.monotonic()))
            for _ in listener.notifies(timeout=wait, stop_after=1):
                pass

    def pass_once(
        self, conn: Conn, now: dt.datetime, *, tick: bool = True, refit_aside: bool = False
    ) -> None:
        """One pass at `now`: registry, baselines, new readings, watchdogs if `tick`, findings.
        With `refit_aside` the daily refit runs in its own thread (the service); without, in
        the pass (replays and tests, where simulated time must wait for it)."""
        if now - self._registry_read >= REGISTRY_EVERY:
            self._load_homes(conn, now)
        self._take_refit()
        if now - self._refitted >= REFIT_EVERY:
            if refit_aside:
                self._start_refit(now)
            else:
                self._refit(conn, now)
        self._feed(conn, since=self._cursor, upto=now)
        if tick:
            self._engine.tick(now.timestamp())
        current = [_finding(e) for e in self._engine.open.values() if e.kind in PERSON_KINDS]
        result = store.reconcile_findings(conn, PERSON_KINDS, current, now, households=self._scope())
        if result.opened or result.cleared:
            log.info(
                "detection pass opened=%d cleared=%d worker=%s", result.opened, result.cleared, self._worker
            )

    def _scope(self) -> list[str] | None:
        """The households whose findings this worker settles (None: all of them)."""
        return None if self._worker.everything else [home.id for home in self._engine.homes]

    def _load_homes(self, conn: Conn, now: dt.datetime) -> None:
        homes, watched = load_homes(conn)
        homes = [home for home in homes if self._worker.owns(home.id)]
        if homes != self._engine.homes:
            self._engine = Engine(homes)
            models = store.latest_baselines(conn)
            self._engine.set_baselines(
                {h: RoutineBaseline.from_json(m) for h, m in models.items() if h in self._engine.states.index}
            )
            self._cursor = now - WARM_UP
            self._settling = set()
        self._engine.watched = np.array([watched[h.id] for h in homes], dtype=bool)
        self._watched = watched
        self._engine.set_adjustments(learn_from_outcomes(conn, now))
        self._registry_read = now
        conn.commit()

    def database_lost(self) -> None:
        """The database went away: once back, read again from here for CATCH_UP (see there)."""
        if self._held_from is None:
            self._held_from = self._cursor - min(SETTLING, self._cursor - _EARLIEST)
            self._hold_until = None

    def _feed(self, conn: Conn, *, since: dt.datetime, upto: dt.datetime) -> None:
        # From SETTLING before the cursor (the earliest datetime has nothing before it), or from
        # before an outage while ingest catches up after it.
        read_from = since - min(SETTLING, since - _EARLIEST)
        if self._held_from is not None:
            read_from = min(read_from, self._held_from)
            self._hold_until = self._hold_until or upto + CATCH_UP
        holding = self._held_from is not None and self._hold_until is not None and upto < self._hold_until
        # Readings the next pass reads again, remembered so it does not observe them twice.
        settled = read_from if holding else upto - SETTLING
        with conn.cursor(name="detection_feed") as cur:
            cur.itersize = 10_000
            cur.execute(
                """SELECT household_id, device_id, sensor, value, ts, received_at FROM readings
                   WHERE received_at > %s AND received_at <= %s ORDER BY ts""",
                (read_from, upto),
            )
            cancels = []
            settling = set()
            for household, device, sensor, value, ts, received_at in cur:
                key = (household, device, sensor, ts)
                if received_at > settled:
                    settling.add(key)
                if key in self._settling:
                    continue  # observed by an earlier pass
                if household in self._engine.states.index:
                    kind, late = SensorKind(sensor), received_at - ts > LATE
                    self._engine.observe(household, device, kind, value, ts.timestamp(), late=late)
                    if sensor == "alarm" and value == 0 and self._is_pendant(household, device):
                        cancels.append((household, ts))
        conn.commit()
        self._cursor = upto
        self._settling = settling
        if not holding:
            self._held_from = self._hold_until = None
        if self._alert_config is not None:
            for household, at in cancels:
                record_checkin(conn, household, CheckinSource.PENDANT, at=at, config=self._alert_config)

    def _is_pendant(self, household: str, device: str) -> bool:
        home = self._engine.homes[self._engine.states.index[household]]
        spec = home.devices.get(device)
        return spec is not None and spec.role is DeviceRole.PENDANT

    def _refit(self, conn: Conn, now: dt.datetime) -> None:
        self._refitted = now
        self._engine.set_baselines(self._fit_and_store(conn, self._engine.homes, dict(self._watched), now))

    def _start_refit(self, now: dt.datetime) -> None:
        """Refit in a thread of its own, on its own connection: for a large service the fit and
        the routine pass take minutes (far more on the first day), and the passes that raise
        a pendant press must not wait for them. The engine takes the baselines when ready."""
        if self._refit_thread is not None and self._refit_thread.is_alive():
            return
        self._refitted = now
        homes, watched = list(self._engine.homes), dict(self._watched)

        def refit() -> None:
            try:
                with store.connect(
                    self._database_url, application_name=f"{self._application_name}-refit"
                ) as conn:
                    fitted = self._fit_and_store(conn, homes, watched, now)
                with self._refit_lock:
                    self._refit_done = fitted
            except Exception:
                log.exception("baseline refit failed; trying again in %s", REFIT_RETRY)
                self._refitted = now - REFIT_EVERY + REFIT_RETRY

        self._refit_thread = threading.Thread(target=refit, name="detection-refit", daemon=True)
        self._refit_thread.start()

    def _take_refit(self) -> None:
        with self._refit_lock:
            fitted, self._refit_done = self._refit_done, None
        if fitted is not None:
            self._engine.set_baselines({h: b for h, b in fitted.items() if h in self._engine.states.index})

    def _fit_and_store(
        self, conn: Conn, homes: list[Home], watched: dict[str, bool], now: dt.datetime
    ) -> dict[str, RoutineBaseline]:
        """Baselines fitted and saved, then the day's routine-change pass and its findings."""
        fitted = fit_baselines(conn, homes, now)
        store.save_baselines(conn, [(h, b.days_learned_, b.to_json()) for h, b in fitted.items()], now)
        changes = routine_pass(conn, homes, watched, now, self._routine_watches)
        scope = None if self._worker.everything else [home.id for home in homes]
        store.reconcile_findings(conn, [ROUTINE_CHANGE], changes, now, households=scope)
        log.info("baselines refitted households=%d", len(fitted))
        return fitted


def load_homes(conn: Conn) -> tuple[list[Home], dict[str, bool]]:
    devices: defaultdict[str, dict[str, Device]] = defaultdict(dict)
    sensors: defaultdict[tuple[str, str], set[SensorKind]] = defaultdict(set)
    for h, d, sensor in conn.execute("SELECT household_id, device_id, sensor FROM device_sensors"):
        sensors[(h, d)].add(SensorKind(sensor))
    for h, d, role, room in conn.execute(
        "SELECT household_id, id, role, room FROM devices WHERE removed_on IS NULL ORDER BY household_id, id"
    ):
        devices[h][d] = Device(DeviceRole(role), room, frozenset(sensors[(h, d)]))
    rows = conn.execute(
        "SELECT id, timezone, monitoring_state FROM households WHERE monitoring_state <> 'ended' ORDER BY id"
    ).fetchall()
    homes = [Home(id=h, timezone=tz, devices=devices[h]) for h, tz, _ in rows]
    # Away or paused: instant safety rules still speak, the routine watchdogs do not.
    return homes, {h: state == "active" for h, _, state in rows}


def fit_baselines(conn: Conn, homes: list[Home], now: dt.datetime) -> dict[str, RoutineBaseline]:
    """Each home's baseline from its last 28 days of readings (one streamed query for all),
    leaving out days with a concern about the person that no responder called a false alarm."""
    since = now - dt.timedelta(days=WINDOW_DAYS + 1)
    concerns: defaultdict[str, list[float]] = defaultdict(list)
    for household, onset in conn.execute(
        """SELECT f.household_id, extract(epoch FROM f.onset) FROM findings f
           LEFT JOIN alert_findings af ON af.finding_id = f.id
           LEFT JOIN alerts a ON a.id = af.alert_id
           WHERE f.onset >= %s AND f.onset < %s AND f.kind = ANY(%s)
             AND a.outcome IS DISTINCT FROM 'false_alarm'""",
        (since, now, sorted(UNUSUAL_DAY_KINDS)),
    ):
        concerns[household].append(float(onset))
    wanted = {home.id: home for home in homes}
    fitted: dict[str, RoutineBaseline] = {}
    with conn.cursor(name="baseline_history") as cur:
        cur.itersize = 50_000
        cur.execute(
            """SELECT household_id, extract(epoch FROM ts), device_id, sensor, value FROM readings
               WHERE ts >= %s AND ts < %s AND sensor IN ('motion', 'contact', 'occupancy', 'power')
               ORDER BY household_id, ts""",
            (since, now),
        )
        # One home's history in memory at a time (the rows come home by home): 28 days of
        # every home at once would be gigabytes for a large service.
        for household, rows in itertools.groupby(cur, key=operator.itemgetter(0)):
            if household in wanted:
                history = [(float(t), device, sensor, value) for _, t, device, sensor, value in rows]
                fitted[household] = _fit_home(wanted[household], history, concerns.get(household, []), now)
    conn.commit()
    empty = RoutineBaseline().fit_empty()
    return {home.id: fitted.get(home.id, empty) for home in homes}


def _fit_home(
    home: Home, history: list[tuple[float, str, str, float]], concerns: list[float], now: dt.datetime
) -> RoutineBaseline:
    if not history:
        return RoutineBaseline().fit_empty()
    t, devices, sensors, values = zip(*history, strict=True)
    today = int(local_day_and_time(np.array([now.timestamp()]), home.timezone)[0][0])
    summaries = summarise_history(
        home, np.array(t), devices, sensors, np.array(values, dtype=float), range(today - WINDOW_DAYS, today)
    )
    unusual = concern_days(concerns, home.timezone)
    return RoutineBaseline().fit(summaries.take(usual_days(summaries.days, unusual)))


def _finding(episode: Episode) -> store.Finding:
    evidence: dict[str, Any] = {k: (None if v != v else v) for k, v in episode.evidence.items()}  # NaN: none
    return store.Finding(
        household=episode.household,
        condition_key=episode.condition_key,
        kind=episode.kind,
        severity=episode.severity,
        onset=dt.datetime.fromtimestamp(episode.onset, dt.UTC),
        message=episode.message,
        evidence=evidence,
        device=episode.device,
    )

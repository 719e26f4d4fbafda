"""Detection and alerts in one process on a simulated clock, one minute at a time, as the
services do on the real one: `python -m tests.night_driver DB TEAMS FROM_MINUTE TO_MINUTE`.
Prints each minute once it is done, so whoever kills it knows where to restart it."""

import datetime as dt
import json
import sys

import store
from alerts import AlertConfig, Dispatcher, TeamChannels, route_findings, run_timers
from detection._service import DetectionService
from tests.fault_scenarios_alerts import NIGHT_START


def main(database_url: str, teams: str, first: int, last: int) -> None:
    config = AlertConfig(teams=TeamChannels(**{k: tuple(v) for k, v in json.loads(teams).items()}))
    detection = DetectionService(database_url=database_url, alert_config=config)
    dispatcher = Dispatcher(config=config)
    with store.connect(database_url) as conn:
        for minute in range(first, last):
            now = NIGHT_START + dt.timedelta(minutes=minute)
            detection.pass_once(conn, now)
            while route_findings(conn, config, now):
                pass
            run_timers(conn, config, now)
            while dispatcher.dispatch_due(conn, now).claimed:
                pass
            print(minute, flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))

"""The command line a person uses from outside: registry import and readings export."""

import csv
import datetime as dt
import io
import os
import pathlib
import subprocess
import sys

import psycopg

from devices import DeviceStatus, Reading, SensorKind
from store import ReadingWriter

HEADER = "household,device,sensor,role,room,timezone\n"


def _telecare(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, TELECARE_DATABASE_URL=database_url)
    return subprocess.run(
        [sys.executable, "-m", "telecare", *args], env=env, capture_output=True, text=True, timeout=120
    )


def test_a_file_with_bad_rows_imports_nothing_and_names_each_row(
    database_url: str, conn: psycopg.Connection[psycopg.rows.TupleRow], tmp_path: pathlib.Path
) -> None:
    registry = tmp_path / "devices.csv"
    registry.write_text(
        HEADER
        + "h1,front-door,contact,front_door,hall,Europe/London\n"
        + "h1,kettle-plug,watts,kettle,kitchen,Europe/London\n"
        + "h2,bed-mat,occupancy,bed,bedroom,Mars/Olympus\n"
        + "h1,front-door,contact,back_door,hall,Europe/London\n"
    )

    result = _telecare(database_url, "devices", "import", str(registry))

    assert result.returncode == 1
    assert "line 3: unknown sensor 'watts'" in result.stderr
    assert "line 4: unknown timezone 'Mars/Olympus'" in result.stderr
    assert "line 5: device front-door was given role front_door" in result.stderr
    assert "line 2" not in result.stderr
    assert "nothing imported" in result.stderr
    assert conn.execute("SELECT count(*) FROM households").fetchone() == (0,)


def test_imported_devices_and_their_stored_readings_come_back_out_as_csv(
    database_url: str, conn: psycopg.Connection[psycopg.rows.TupleRow], tmp_path: pathlib.Path
) -> None:
    registry = tmp_path / "devices.csv"
    registry.write_text(
        HEADER
        + "h1,kettle-plug,power,kettle,kitchen,Europe/London\n"
        + "h1,bed-mat,occupancy,bed,bedroom,Europe/London\n"
        + "h2,bed-mat,occupancy,bed,bedroom,Europe/Paris\n"
    )
    imported = _telecare(database_url, "devices", "import", str(registry))
    assert imported.returncode == 0, imported.stderr
    assert "imported 2 households, 3 devices" in imported.stdout
    t0 = dt.datetime(2026, 11, 20, 7, 0, tzinfo=dt.UTC)
    writer = ReadingWriter(conn)
    writer.write(
        [
            Reading(
                household="h1", device="bed-mat", sensor=SensorKind.OCCUPANCY, value=0, ts=t0, received_at=t0
            ),
            Reading(
                household="h1",
                device="kettle-plug",
                sensor=SensorKind.POWER,
                value=2412.5,
                ts=t0 + dt.timedelta(minutes=10),
                received_at=t0,
            ),
            Reading(
                household="h2", device="bed-mat", sensor=SensorKind.OCCUPANCY, value=1, ts=t0, received_at=t0
            ),
        ],
        [DeviceStatus(household="h1", device="bed-mat", online=True, received_at=t0)],
    )

    everything = _telecare(database_url, "readings", "export")
    only_h1_later = _telecare(
        database_url, "readings", "export", "--household", "h1", "--since", "2026-11-20T07:05:00+00:00"
    )

    assert everything.returncode == 0, everything.stderr
    assert list(csv.reader(io.StringIO(everything.stdout))) == [
        ["ts", "household", "device", "sensor", "value"],
        ["2026-11-20T07:00:00+00:00", "h1", "bed-mat", "occupancy", "0"],
        ["2026-11-20T07:00:00+00:00", "h2", "bed-mat", "occupancy", "1"],
        ["2026-11-20T07:10:00+00:00", "h1", "kettle-plug", "power", "2412.5"],
    ]
    assert only_h1_later.stdout.splitlines()[1:] == ["2026-11-20T07:10:00+00:00,h1,kettle-plug,power,2412.5"]

"""Where the real home-sensor data sets are (`../shared/data`, or TELECARE_SHARED_DATA): they
are read in place, never copied into the repository; tests skip, saying so, without them."""

import os
import pathlib

import pytest

REPO = pathlib.Path(__file__).resolve().parent.parent


def shared_data_file(*parts: str) -> pathlib.Path:
    """A file of the shared data sets, or skip the test when it is not on this machine."""
    folder = pathlib.Path(os.environ.get("TELECARE_SHARED_DATA", REPO.parent / "shared" / "data"))
    path = folder.joinpath(*parts)
    if not path.is_file():
        pytest.skip(f"real data set not found at {path} (set TELECARE_SHARED_DATA to its folder)")
    return path


def kasteren_file() -> pathlib.Path:
    return shared_data_file("kasteren_houseA_2008", "kasterenSenseData.txt")


def ordonez_file() -> pathlib.Path:
    return shared_data_file("ordonez_A", "OrdonezA_Sensors.txt")

"""Run the benchmarks (all, or those named: `python -m bench detection`) and print their figures."""

import importlib
import os
import platform
import sys


def main() -> None:
    print(
        f"# machine: {os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}",
        file=sys.stderr,
    )
    wanted = sys.argv[1:] or [
        "ingest",
        "simulator",
        "detection",
        "real_homes",
        "alerts",
        "end_to_end",
        "reports",
        "faults",
    ]
    for name in wanted:
        for line in importlib.import_module(f"bench.{name}").run():
            print(line, flush=True)


main()

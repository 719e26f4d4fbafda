"""Run every benchmark and print its figures (each the median of several runs)."""

import os
import platform
import sys

from bench import ingest


def main() -> None:
    print(
        f"# machine: {os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}",
        file=sys.stderr,
    )
    for line in ingest.run():
        print(line, flush=True)


main()

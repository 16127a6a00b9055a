"""Throwaway PostgreSQL and Redis servers on free loopback ports, for the generated tests.

Each server lives in its own temporary folder and is removed when stopped. A server that
cannot start raises ServerError with the reason (and its log), never skips.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

LOOPBACK = "127.0.0.1"
START_TIMEOUT_SECONDS = 60
# PostgreSQL refuses to run as root; as root the server runs as this system user.
POSTGRES_USER = "postgres"
# Where Debian's postgresql-15 package puts the server programs; POSTGRES_BIN_DIR overrides.
DEFAULT_POSTGRES_BIN_DIR = Path("/usr/lib/postgresql/15/bin")
REDIS_DATABASES = 16


class ServerError(Exception):
    """A test server could not be started; the message says why."""


# Ports this process has handed out. The kernel may offer a port again as soon as the probe
# that found it is closed, before the server it was meant for has bound it: two replicas
# started together were once given the same one.
_handed_out: set[int] = set()


def free_port() -> int:
    """A TCP port on the loopback address that nothing listens on right now, and that this
    process has not handed out before."""
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.bind((LOOPBACK, 0))
            port: int = probe.getsockname()[1]
        if port not in _handed_out:
            _handed_out.add(port)
            return port


def run_or_raise(command: list[str], what: str) -> None:
    result = subprocess.run(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False
    )
    if result.returncode != 0:
        raise ServerError(f"{what} failed ({' '.join(command)}):\n{result.stdout}")


def postgres_bin_dir() -> Path:
    configured = os.environ.get("POSTGRES_BIN_DIR")
    if configured:
        return Path(configured)
    if (DEFAULT_POSTGRES_BIN_DIR / "initdb").exists():
        return DEFAULT_POSTGRES_BIN_DIR
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).parent
    raise ServerError(
        f"PostgreSQL server programs not found in {DEFAULT_POSTGRES_BIN_DIR} nor on PATH: "
        "install them (apt-get install postgresql-15) or set POSTGRES_BIN_DIR"
    )


@dataclass
class PostgresServer:
    bin_dir: Path
    base_dir: Path
    port: int
    _database_numbers: itertools.count[int] = field(default_factory=itertools.count)

    @property
    def data_dir(self) -> Path:
        return self.base_dir / "data"

    @property
    def log_file(self) -> Path:
        return self.base_dir / "server.log"

    @classmethod
    def start(cls) -> PostgresServer:
        server = cls(
            bin_dir=postgres_bin_dir(),
            base_dir=Path(tempfile.mkdtemp(prefix="template-tests-postgres-")),
            port=free_port(),
        )
        try:
            server._give_base_dir_to_server_user()
            server._initdb()
            server._pg_ctl_start()
        except ServerError:
            shutil.rmtree(server.base_dir, ignore_errors=True)
            raise
        return server

    def stop(self) -> None:
        # A test that failed while the server was frozen leaves it so: pg_ctl would wait.
        self.thaw()
        subprocess.run(self._pg_ctl_stop(), capture_output=True, check=False)
        shutil.rmtree(self.base_dir, ignore_errors=True)

    def halt(self) -> None:
        """Shut the server down as an outage would, cutting open connections (fast mode),
        but keep its data so that resume() brings it back."""
        run_or_raise(self._pg_ctl_stop(), f"stopping PostgreSQL on port {self.port}")

    def resume(self) -> None:
        """Start a halted server again, on the same port; return once it accepts connections."""
        self._pg_ctl_start()

    def freeze(self) -> None:
        """Stop every process of the server without closing anything, as a hung host or a
        network that drops packets would: connections stay open, and nothing answers."""
        postmaster = self._postmaster_pid()
        if postmaster is None:
            raise ServerError(f"PostgreSQL on port {self.port} is not running: nothing to freeze")
        # The postmaster first, so that it forks no new backend meanwhile.
        send_signal([postmaster], signal.SIGSTOP)
        send_signal(child_pids(postmaster), signal.SIGSTOP)

    def thaw(self) -> None:
        """Let a frozen server's processes run again (a no-op on a running server)."""
        postmaster = self._postmaster_pid()
        if postmaster is None:
            return
        send_signal([*child_pids(postmaster), postmaster], signal.SIGCONT)

    def create_database(self, name_hint: str) -> str:
        """CREATE DATABASE with a fresh name made from the hint; return its URL."""
        cleaned = re.sub(r"[^a-z0-9]+", "_", name_hint.lower()).strip("_")[:40]
        name = f"{cleaned}_{next(self._database_numbers)}"
        connection = ["-h", LOOPBACK, "-p", str(self.port), "-U", POSTGRES_USER]
        run_or_raise([str(self.bin_dir / "createdb"), *connection, name], f"creating {name}")
        # No driver named: the generated settings pick theirs, and psql takes it as it is.
        return f"postgresql://{POSTGRES_USER}@{LOOPBACK}:{self.port}/{name}"

    def owner_with_connection_limit(self, database_url: str, connections: int) -> str:
        """Make a role that PostgreSQL lets hold at most ``connections`` connections at once
        the owner of the database (and of its public schema, so that it can migrate it);
        return the database's URL for that role.

        A role's CONNECTION LIMIT is refused the way a full server's ``max_connections`` is
        (SQLSTATE 53300, "too many connections"), without filling the server.
        """
        database = database_url.rsplit("/", 1)[1]
        role = f"{database}_owner"
        statements = [
            f"CREATE ROLE {role} LOGIN CONNECTION LIMIT {connections}",
            f"ALTER DATABASE {database} OWNER TO {role}",
            f"ALTER SCHEMA public OWNER TO {role}",
        ]
        psql = [str(self.bin_dir / "psql"), database_url, "--no-psqlrc", "--set=ON_ERROR_STOP=1"]
        commands = [f"--command={statement}" for statement in statements]
        run_or_raise([*psql, *commands], f"creating the role {role}")
        return database_url.replace(f"//{POSTGRES_USER}@", f"//{role}@", 1)

    def _postmaster_pid(self) -> int | None:
        """The server's main process, from the first line of its postmaster.pid, if running."""
        try:
            return int((self.data_dir / "postmaster.pid").read_text().split()[0])
        except (FileNotFoundError, IndexError, ValueError):
            return None

    def _server_program(self, program: str, *arguments: str) -> list[str]:
        """A command line for a server program, run as the postgres user when we are root."""
        as_server_user = ["runuser", "-u", POSTGRES_USER, "--"] if os.geteuid() == 0 else []
        return [*as_server_user, str(self.bin_dir / program), *arguments]

    def _pg_ctl_stop(self) -> list[str]:
        # -w: return once the server is down, within the start time-out.
        return self._server_program(
            "pg_ctl", "stop", "-D", str(self.data_dir), "-m", "fast",
            "-w", "-t", str(START_TIMEOUT_SECONDS),
        )  # fmt: skip

    def _give_base_dir_to_server_user(self) -> None:
        if os.geteuid() != 0:
            return
        try:
            account = pwd.getpwnam(POSTGRES_USER)
        except KeyError as missing:
            raise ServerError(
                f"running as root, but there is no {POSTGRES_USER!r} user to run PostgreSQL as"
            ) from missing
        os.chown(self.base_dir, account.pw_uid, account.pw_gid)

    def _initdb(self) -> None:
        options = ["--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync"]
        initdb = self._server_program(
            "initdb", "-D", str(self.data_dir), "-U", POSTGRES_USER, *options
        )
        run_or_raise(initdb, "initdb")

    def _pg_ctl_start(self) -> None:
        # A throwaway cluster needs no durability: -F turns fsync off, which is faster.
        server_options = f"-p {self.port} -k {self.base_dir} -c listen_addresses={LOOPBACK} -F"
        start = self._server_program(
            "pg_ctl", "start", "-D", str(self.data_dir), "-l", str(self.log_file),
            "-w", "-t", str(START_TIMEOUT_SECONDS), "-o", server_options,
        )  # fmt: skip
        try:
            run_or_raise(start, f"starting PostgreSQL on port {self.port}")
        except ServerError as error:
            log = self.log_file.read_text() if self.log_file.exists() else "(no server log)"
            raise ServerError(f"{error}\nserver log:\n{log}") from error


def send_signal(pids: list[int], signal_number: signal.Signals) -> None:
    """Signal each process; one that has ended meanwhile is passed over."""
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal_number)


def child_pids(parent: int) -> list[int]:
    """The processes whose parent is `parent`, from /proc (field 4 of /proc/<pid>/stat)."""
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            # The command name, in parentheses, may hold spaces: the fields follow the last ")".
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:  # the process ended meanwhile
            continue
        if int(fields[1]) == parent:
            children.append(int(stat.parent.name))
    return children


def redis_command(port: int, *arguments: str, timeout: float = 2) -> bytes:
    """Send one command in the Redis protocol and return the raw reply."""
    parts = [f"*{len(arguments)}\r\n".encode()]
    for argument in arguments:
        encoded = argument.encode()
        parts.append(b"$%d\r\n%s\r\n" % (len(encoded), encoded))
    with socket.create_connection((LOOPBACK, port), timeout=timeout) as connection:
        connection.sendall(b"".join(parts))
        return connection.recv(65536)


def spawn_redis(base_dir: Path, port: int) -> subprocess.Popen[bytes]:
    """redis-server on the loopback port, logging to (the end of) base_dir/server.log."""
    executable = shutil.which("redis-server")
    if executable is None:
        raise ServerError("redis-server not found on PATH: apt-get install redis-server")
    with (base_dir / "server.log").open("ab") as log:
        return subprocess.Popen(
            [executable, "--port", str(port), "--bind", LOOPBACK, "--dir", str(base_dir),
             "--save", "", "--appendonly", "no", "--daemonize", "no"],
            stdout=log,
            stderr=subprocess.STDOUT,
        )  # fmt: skip


@dataclass
class RedisServer:
    base_dir: Path
    port: int
    process: subprocess.Popen[bytes]
    _database_numbers: itertools.cycle[int] = field(
        default_factory=lambda: itertools.cycle(range(REDIS_DATABASES))
    )

    @property
    def log_file(self) -> Path:
        return self.base_dir / "server.log"

    @classmethod
    def start(cls) -> RedisServer:
        base_dir = Path(tempfile.mkdtemp(prefix="template-tests-redis-"))
        port = free_port()
        try:
            process = spawn_redis(base_dir, port)
        except ServerError:
            shutil.rmtree(base_dir, ignore_errors=True)
            raise
        server = cls(base_dir=base_dir, port=port, process=process)
        try:
            server._wait_until_ready()
        except ServerError:
            server.stop()
            raise
        return server

    def stop(self) -> None:
        self.thaw()
        self._terminate()
        shutil.rmtree(self.base_dir, ignore_errors=True)

    def halt(self) -> None:
        """Stop the server as an outage would, closing every connection; resume() brings
        it back on the same port, empty (it keeps nothing on disk)."""
        self._terminate()

    def freeze(self) -> None:
        """Stop the server's process without closing anything, as a hung host or a network
        that drops packets would: connections stay open, and nothing answers."""
        if self.process.poll() is not None:
            raise ServerError(f"Redis on port {self.port} is not running: nothing to freeze")
        send_signal([self.process.pid], signal.SIGSTOP)

    def thaw(self) -> None:
        """Let a frozen server run again, with what it held (a no-op on a running server)."""
        if self.process.poll() is None:
            send_signal([self.process.pid], signal.SIGCONT)

    def resume(self) -> None:
        """Start a halted server again, on the same port; return once it answers PING."""
        self.process = spawn_redis(self.base_dir, self.port)
        self._wait_until_ready()

    def _terminate(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def url(self) -> str:
        """The URL of a database number of its own (they are reused after 16)."""
        return f"redis://{LOOPBACK}:{self.port}/{next(self._database_numbers)}"

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ServerError(
                    f"redis-server exited with {self.process.returncode}:\n"
                    f"{self.log_file.read_text()}"
                )
            try:
                if redis_command(self.port, "PING").startswith(b"+PONG"):
                    return
            except OSError:
                pass  # not listening yet
            time.sleep(0.1)
        raise ServerError(
            f"redis-server did not answer PING on port {self.port} within "
            f"{START_TIMEOUT_SECONDS}s:\n{self.log_file.read_text()}"
        )

"""The served apps: one uvicorn worker each, pinned to core 0, on a free loopback port."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from helpers.api import stop_process_group
from helpers.servers import LOOPBACK
from project import BenchError, Project, clean_environment, env_value, has_module, uv_executable

BASELINES_DIR = Path(__file__).resolve().parent / "baselines"
# The apps share core 0; wrk gets core 1 to itself, so it never competes with them.
APP_CORE = "0"
START_TIMEOUT_SECONDS = 60
REQUEST_TIMEOUT_SECONDS = 10
# A process wrapped by `uv run` or taskset is a few levels down; never more than this.
MAX_PROCESS_DEPTH = 5
# After a run the app may still be answering requests wrk gave up on; it counts as idle
# once it uses less than this share of its core, checked every IDLE_SAMPLE_SECONDS.
IDLE_CPU_SHARE = 0.1
IDLE_SAMPLE_SECONDS = 0.25
IDLE_TIMEOUT_SECONDS = 30
CLOCK_TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK")
BENCH_ACCOUNT = {"email": "bench@example.com", "password": "benchmark passphrase 1"}


@dataclass
class App:
    """A running app: its name in the table, address, process group and log."""

    name: str
    base_url: str
    process: subprocess.Popen[bytes]
    log: Path

    def worker_cpu_seconds(self) -> float:
        """CPU time the worker has used so far (user + system), from /proc/<pid>/stat."""
        stat = Path(f"/proc/{worker_pid(self.process.pid)}/stat").read_text()
        # Fields after the command name, which is in parentheses and may hold spaces.
        fields = stat.rpartition(")")[2].split()
        utime, stime = int(fields[11]), int(fields[12])
        return (utime + stime) / CLOCK_TICKS_PER_SECOND

    def wait_until_idle(self) -> None:
        """Return once the worker has (almost) stopped using CPU, or after a time-out: the
        next run, or the clean-up of created rows, must not overlap late requests."""
        deadline = time.monotonic() + IDLE_TIMEOUT_SECONDS
        used = self.worker_cpu_seconds()
        while time.monotonic() < deadline:
            time.sleep(IDLE_SAMPLE_SECONDS)
            used, before = self.worker_cpu_seconds(), used
            if used - before < IDLE_CPU_SHARE * IDLE_SAMPLE_SECONDS:
                return

    def worker_rss_mb(self) -> float:
        """Resident memory of the uvicorn worker, from /proc (no dependency needed)."""
        status = Path(f"/proc/{worker_pid(self.process.pid)}/status").read_text()
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        raise BenchError(f"no VmRSS in /proc status of {self.name}")

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


def child_pids(pid: int) -> list[int]:
    """The children of a process, whichever of its threads started them (uv has many)."""
    children: list[int] = []
    for task_children in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            children.extend(int(child) for child in task_children.read_text().split())
        except FileNotFoundError:
            continue  # the thread ended meanwhile
    return sorted(children)


def worker_pid(pid: int) -> int:
    """The innermost process under pid: the Python worker below `uv run`, if any."""
    for _ in range(MAX_PROCESS_DEPTH):
        children = child_pids(pid)
        if not children:
            return pid
        pid = children[0]
    return pid


def uvicorn_arguments(target: str, port: int, loop: str) -> list[str]:
    # The generated app logs its requests itself (LOG_LEVEL=WARNING keeps that quiet);
    # uvicorn's own access log is off for every app, so none pays for it. The event loop is
    # named: left to choose, uvicorn takes uvloop whenever it is installed, and `uv sync`
    # installs it with the dev group's uvicorn[standard], though the image has none.
    return [
        "-m", "uvicorn", target, "--host", LOOPBACK, "--port", str(port),
        "--log-level", "warning", "--no-access-log", "--loop", loop,
    ]  # fmt: skip


def generated_command(project: Project, port: int, *, loop: str) -> list[str]:
    return [str(project.python), *uvicorn_arguments(f"{project.package}.main:app", port, loop)]


def baseline_command(project: Project, module: str, port: int, *, loop: str) -> list[str]:
    """A baseline served from bench/baselines with the project's venv (its FastAPI,
    pydantic, SQLAlchemy, uvicorn), plus psycopg's sync driver for PostgreSQL if absent."""
    arguments = [*uvicorn_arguments(f"{module}:app", port, loop), "--app-dir", str(BASELINES_DIR)]
    if project.variant.database == "postgresql" and not has_module(project, "psycopg"):
        uv = uv_executable()
        return [uv, "run", "--no-sync", "--with", "psycopg[binary]", "python", *arguments]
    return [str(project.python), *arguments]


def app_environment(extra: Mapping[str, str], project: Project) -> dict[str, str]:
    """This environment, minus anything the project's .env sets, so .env is what counts."""
    env = clean_environment()
    for line in (project.path / ".env").read_text().splitlines():
        name, separator, _ = line.partition("=")
        if separator and not line.lstrip().startswith("#"):
            env.pop(name.strip(), None)
    # A baseline may be started through `uv run --with`: it must not fetch a Python either.
    env["UV_PYTHON_DOWNLOADS"] = "never"
    env.update(extra)
    return env


def taskset_executable() -> str:
    found = shutil.which("taskset")
    if not found:
        raise BenchError("taskset not found: apt-get install util-linux")
    return found


@contextmanager
def running_app(
    name: str,
    command: Sequence[str],
    port: int,
    project: Project,
    env: Mapping[str, str],
    log: Path,
) -> Iterator[App]:
    """Start the command (serving on port) pinned to core 0; yield once /health answers;
    always stop it."""
    with log.open("wb") as output:
        process = subprocess.Popen(  # noqa: S603 - our own command, no shell
            [taskset_executable(), "-c", APP_CORE, *command],
            cwd=project.path,
            env=dict(env),
            stdout=output,
            stderr=subprocess.STDOUT,
            # A group of its own: stopped as a whole, and not hit by the terminal's Ctrl-C
            # before we are ready to stop it.
            start_new_session=True,
        )
    app = App(name, f"http://{LOOPBACK}:{port}", process, log)
    try:
        wait_until_healthy(app)
        yield app
    finally:
        stop_process_group(process)


def wait_until_healthy(app: App) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if app.process.poll() is not None:
            raise BenchError(f"{app.name} exited with {app.process.returncode}:\n{app.log_tail()}")
        try:
            if httpx.get(f"{app.base_url}/health", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass  # not listening yet
        time.sleep(0.3)
    raise BenchError(
        f"{app.name}: GET /health did not answer 200 within {START_TIMEOUT_SECONDS}s:\n"
        f"{app.log_tail()}"
    )


def expect(response: httpx.Response, status_code: int, what: str) -> httpx.Response:
    if response.status_code != status_code:
        raise BenchError(
            f"{what}: expected {status_code}, got {response.status_code}: {response.text}"
        )
    return response


def sign_in(app: App, project: Project) -> tuple[dict[str, str], int | None]:
    """The headers that authenticate wrk's requests, and with jwt the user's id (who owns
    the seeded tasks)."""
    auth = project.variant.auth
    if auth == "api_key":
        return {"X-API-Key": env_value(project, "API_KEYS").split(",")[0]}, None
    if auth != "jwt":
        return {}, None
    with httpx.Client(base_url=app.base_url, timeout=REQUEST_TIMEOUT_SECONDS) as client:
        expect(client.post("/api/v1/auth/register", json=BENCH_ACCOUNT), 201, "registering")
        form = {"username": BENCH_ACCOUNT["email"], "password": BENCH_ACCOUNT["password"]}
        token = expect(client.post("/api/v1/auth/token", data=form), 200, "logging in")
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        me = expect(client.get("/api/v1/users/me", headers=headers), 200, "reading the user")
    return headers, int(me.json()["id"])

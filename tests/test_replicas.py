"""Three replicas of the generated API behind HAProxy: the production set-up, proven.

The `postgresql` + `jwt` + `redis` variant, installed once, each replica started with the
generated Dockerfile's start command (`alembic upgrade head`, then uvicorn) on a loopback
port, all three at once on an empty database of the throwaway PostgreSQL server, with a
Redis of the test's own and HAProxy in front, checking each replica's /health. Proven:

- concurrent `alembic upgrade head` runs (and replicas migrating on start) all succeed and
  create the schema once;
- a rate limit is one budget across the replicas;
- a rolling restart under load (drain a replica in HAProxy, SIGTERM it, start it again,
  wait until it is healthy and back in, next) costs no request: no transport error, no
  5xx, every acknowledged task stored;
- a Redis outage under load, stopped or frozen, costs no request either (the limiter
  fails open, and only one request per second per replica waits for a Redis that
  answers nothing), /health/ready reports it as degraded (still 200), and the limits
  apply again once Redis is back.

Marked `load` (they time restarts and outages under load, so they run alone: `uv run
pytest -m load -n 0`) and `replicas` (`-m replicas` selects them).
"""

from __future__ import annotations

import asyncio
import re
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from conftest import started
from helpers.api import local_setting, sign_in
from helpers.commands import generated_project_env, run, uv_executable
from helpers.load import (
    LoadPlan,
    LoadRun,
    Outcome,
    acknowledged_tasks,
    describe_counts,
    examples,
    latency_percentiles,
    log_problems,
    lost_tasks,
    run_load,
    show,
    slowest_latency,
    status_counts,
    summary,
    transport_errors,
    unacknowledged_201s,
)
from helpers.replicas import (
    GRACEFUL_SHUTDOWN_SECONDS,
    SHUTDOWN_COMPLETE,
    LoadBalancer,
    Replica,
)
from helpers.servers import PostgresServer, RedisServer, ServerError
from helpers.template import Answers, default_answers, render, resolved_answers

pytestmark = [pytest.mark.load, pytest.mark.replicas]

REPLICA_VARIANT: Answers = {
    **default_answers(),
    "database": "postgresql",
    "auth": "jwt",
    "rate_limiting": "redis",
    "ci": "none",
}
REPLICAS = 3

# Three `alembic upgrade head` at once on a fresh database, this many times. Without the
# lock, 2 runs in 24 failed on PostgreSQL's catalogs (and 4 in 72, over 24 rounds).
MIGRATION_ROUNDS = 8
MIGRATION_TIMEOUT_SECONDS = 120
# What Alembic logs (INFO, on stderr) for each revision it applies.
APPLIED_REVISION = re.compile(r"Running upgrade (\w*) -> (\w+)")
# A request in HAProxy's log (option httplog): its status, and the termination state
# ("----" when all went well; e.g. "SD--" when a replica closed the connection).
HAPROXY_REQUEST = re.compile(r" (?P<status>-1|\d{3}) -?\d+ \S+ \S+ (?P<state>\S{4}) ")
EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(?:Error|Exception)\b: ")

# The shared budget: N requests per minute for one user, asked 3N times at once.
SHARED_LIMIT = 10
# A limit no load test reaches: the limiter counts every request, and refuses none.
UNREACHED_LIMIT = "1000000/minute"

# The load goes on until SECONDS_AFTER_RESTARTS after the last restart, at most `seconds`.
ROLLING_LOAD = LoadPlan(clients=20, seconds=90, request_timeout=10)
SECONDS_BEFORE_RESTARTS = 2
SECONDS_BETWEEN_RESTARTS = 1
SECONDS_AFTER_RESTARTS = 2

# Redis is down for a while in the middle of the load; the limit is reached within a
# second of load, so it is seen refusing before and after the outage.
OUTAGE_LIMIT = 300
OUTAGE_LOAD = LoadPlan(clients=20, seconds=12, request_timeout=10)
SECONDS_BEFORE_OUTAGE = 3
SECONDS_DOWN = 4
# Requests already on their way when Redis stops or returns may see either behaviour (one
# that waits for a frozen Redis is answered by it once it thaws).
SETTLE_SECONDS = 1
MAX_LIMIT_RECOVERY_SECONDS = 3
# A request waits for a Redis that answers nothing for the limiter's time-out (0.5 s) at
# most; with the time the load itself queues, every answer comes within this.
MAX_OUTAGE_ANSWER_SECONDS = 3
# While Redis is out, each replica asks it again once a second, with one request: the
# others do not wait for it, so the median answer stays well under that time-out.
MAX_OUTAGE_MEDIAN_SECONDS = 0.25


@dataclass(frozen=True)
class Project:
    """The rendered and installed variant: what every replica runs."""

    path: Path
    env: dict[str, str]
    package: str

    @property
    def alembic(self) -> str:
        return str(self.path / ".venv" / "bin" / "alembic")


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    path = render(tmp_path_factory.mktemp("replicas"), **REPLICA_VARIANT)
    env = generated_project_env(REPLICA_VARIANT["python_version"])
    run([uv_executable(), "sync", "--no-dev"], cwd=path, env=env)
    return Project(path, env, resolved_answers(**REPLICA_VARIANT)["package_name"])


@pytest.fixture(scope="module")
def head_revision(project: Project) -> str:
    heads = run([project.alembic, "heads"], cwd=project.path, env=project.env).split()
    return heads[0]


def psql_rows(server: PostgresServer, url: str, query: str, cwd: Path) -> list[list[str]]:
    psql = [str(server.bin_dir / "psql"), url, "--no-psqlrc", "--tuples-only", "--no-align"]
    output = run([*psql, "--field-separator=\t", f"--command={query}"], cwd)
    return [line.split("\t") for line in output.splitlines() if line.strip()]


def last_error(log: str) -> str:
    """The last exception line of a run's output, such as `sqlalchemy.exc.IntegrityError: ...`."""
    errors = [line for line in log.splitlines() if EXCEPTION_LINE.match(line)]
    return errors[-1][:300] if errors else (log.strip().splitlines() or ["(no output)"])[-1]


def applied_revisions(logs: list[str]) -> Counter[str]:
    """How many times each revision was applied, across the runs' logs."""
    return Counter(match.group(2) for log in logs for match in APPLIED_REVISION.finditer(log))


def schema_problems(
    server: PostgresServer, url: str, logs: list[str], head: str, cwd: Path
) -> list[str]:
    """The schema is at head, and every revision was applied by exactly one of the runs."""
    problems = []
    versions = psql_rows(server, url, "SELECT version_num FROM alembic_version", cwd)
    if versions != [[head]]:
        problems.append(f"alembic_version holds {versions}, not one row at head {head!r}")
    applied = applied_revisions(logs)
    if head not in applied or any(count != 1 for count in applied.values()):
        problems.append(f"revisions applied {dict(applied)}: each must be applied once")
    return problems


def test_concurrent_migrations_create_the_schema_once(
    project: Project,
    head_revision: str,
    postgres_server: PostgresServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
):
    """Three `alembic upgrade head` at once on an empty database, as replicas starting
    together run them: every run succeeds, one of them migrates, the others find head."""
    problems = []
    started_at = time.monotonic()
    for round_number in range(1, MIGRATION_ROUNDS + 1):
        url = postgres_server.create_database(f"migrate_round_{round_number}")
        env = {**project.env, "DATABASE_URL": url}
        runs = [
            subprocess.Popen(
                [project.alembic, "upgrade", "head"],
                cwd=project.path,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            for _ in range(REPLICAS)
        ]
        logs = [migration.communicate(timeout=MIGRATION_TIMEOUT_SECONDS)[0] for migration in runs]
        for migration, log in zip(runs, logs, strict=True):
            if migration.returncode != 0:
                problems.append(
                    f"round {round_number}: a run exited with {migration.returncode}: "
                    f"{last_error(log)}"
                )
        problems += [
            f"round {round_number}: {problem}"
            for problem in schema_problems(postgres_server, url, logs, head_revision, tmp_path)
        ]
    seconds = time.monotonic() - started_at
    show(
        capsys,
        f"migrations: {MIGRATION_ROUNDS} rounds of {REPLICAS} concurrent `alembic upgrade "
        f"head` in {seconds:.1f}s; {len(problems)} problems",
    )
    assert not problems, "\n".join(problems)


# --- Three replicas behind HAProxy -----------------------------------------------------------


@dataclass
class Cluster:
    """Three replicas on one database and one Redis, behind a load balancer."""

    project: Project
    postgres: PostgresServer
    database_url: str
    redis: RedisServer
    replicas: list[Replica]
    balancer: LoadBalancer
    work_dir: Path
    migration_logs: list[str] = field(default_factory=list)

    def stored_tasks(self) -> dict[int, str]:
        rows = psql_rows(
            self.postgres, self.database_url, "SELECT id, title FROM tasks", self.work_dir
        )
        return {int(task_id): title for task_id, title in rows}

    def sign_in(self) -> dict[str, str]:
        with httpx.Client(base_url=self.balancer.url, trust_env=False, timeout=10) as client:
            return sign_in(client, "jwt", self.project.path)

    def report(self, figures: str, problems: list[str]) -> str:
        """The figures, the problems, and what the replicas and HAProxy logged."""
        logs = [f"{replica.name}: {log_problems(replica.logs())}" for replica in self.replicas]
        errors = [
            line
            for line in self.balancer.log_file.read_text().splitlines()
            if (request := HAPROXY_REQUEST.search(line))
            and (
                request["status"] == "-1"
                or request["status"] >= "500"
                or request["state"][0] != "-"
            )
        ]
        return "\n".join(
            [figures, *problems, *logs, "HAProxy's failed requests:", *(errors[:5] or ["none"])]
        )


@pytest.fixture
def cluster(
    project: Project, postgres_server: PostgresServer, tmp_path: Path
) -> Iterator[Callable[[str], Cluster]]:
    """Start the cluster with a RATE_LIMIT_DEFAULT: three replicas at once on an empty
    database (each migrating first, as the Docker image does), then HAProxy."""
    with ExitStack() as stack:

        def start(rate_limit: str) -> Cluster:
            redis = started(RedisServer.start, "Redis")
            stack.callback(redis.stop)
            database_url = postgres_server.create_database("replicas")
            env = {
                **project.env,
                "ENVIRONMENT": "production",
                # One secret for all: a token one replica issued is good on every other.
                "SECRET_KEY": local_setting(project.path, "SECRET_KEY"),
                "DATABASE_URL": database_url,
                "REDIS_URL": redis.url(),
                "RATE_LIMIT_DEFAULT": rate_limit,
                # HAProxy's X-Forwarded-For is believed, so clients keep their addresses.
                "TRUSTED_PROXIES": "127.0.0.1",
                "LOG_FORMAT": "console",
            }
            replicas = [
                Replica(f"replica-{number}", project.path, env, tmp_path)
                for number in range(1, REPLICAS + 1)
            ]
            for replica in replicas:
                stack.callback(replica.stop)
                replica.spawn()
            for replica in replicas:
                replica.wait_until_healthy()
            try:
                balancer = LoadBalancer.start({replica.name: replica.port for replica in replicas})
            except ServerError as error:
                pytest.fail(f"HAProxy could not start: {error}", pytrace=False)
            stack.callback(balancer.stop)
            return Cluster(
                project,
                postgres_server,
                database_url,
                redis,
                replicas,
                balancer,
                tmp_path,
                [replica.logs() for replica in replicas],
            )

        yield start


def test_replicas_migrate_an_empty_database_at_once_on_start(
    cluster: Callable[[str], Cluster], head_revision: str, tmp_path: Path
):
    deployed = cluster(UNREACHED_LIMIT)

    problems = schema_problems(
        deployed.postgres, deployed.database_url, deployed.migration_logs, head_revision, tmp_path
    )
    assert not problems, "\n".join(problems)


async def ask_at_once(base_url: str, headers: dict[str, str], times: int) -> list[httpx.Response]:
    """`times` requests sent together, each on a connection of its own."""

    async def one() -> httpx.Response:
        async with httpx.AsyncClient(base_url=base_url, headers=headers, trust_env=False) as client:
            return await client.get("/api/v1/tasks")

    return await asyncio.gather(*(one() for _ in range(times)))


def test_replicas_share_one_rate_limit(
    cluster: Callable[[str], Cluster], capsys: pytest.CaptureFixture[str]
):
    deployed = cluster(f"{SHARED_LIMIT}/minute")
    headers = deployed.sign_in()

    answers = asyncio.run(ask_at_once(deployed.balancer.url, headers, 3 * SHARED_LIMIT))

    statuses = Counter(answer.status_code for answer in answers)
    by_replica = Counter(answer.headers.get("x-replica") for answer in answers)
    admitted_by = Counter(
        answer.headers.get("x-replica") for answer in answers if answer.is_success
    )
    figures = (
        f"shared limit of {SHARED_LIMIT}/minute: {3 * SHARED_LIMIT} requests at once; "
        f"statuses {dict(statuses)}; answered by {dict(by_replica)}; "
        f"admitted by {dict(admitted_by)}"
    )
    show(capsys, figures)
    problems = []
    if statuses != {200: SHARED_LIMIT, 429: 2 * SHARED_LIMIT}:
        problems.append(f"expected exactly {SHARED_LIMIT} 200s and the rest 429s")
    if set(by_replica) != {replica.name for replica in deployed.replicas}:
        problems.append("every replica must have answered some of the requests")
    if any(
        answer.status_code == 429 and not answer.headers.get("retry-after") for answer in answers
    ):
        problems.append("a 429 lacks Retry-After")
    assert not problems, deployed.report(figures, problems)


def problems_of(load: LoadRun, stored: dict[int, str], allowed: set[int]) -> list[str]:
    """No transport error, only the allowed statuses, and every acknowledged task stored."""
    outcomes = load.outcomes
    checks = {
        "requests got no answer (connection error or time-out)": transport_errors(outcomes),
        f"requests got a status outside {sorted(allowed)}": [
            outcome for outcome in outcomes if outcome.status not in allowed | {None}
        ],
        "201s carry no task id": unacknowledged_201s(outcomes),
    }
    problems = [f"{what}: {examples(found)}" for what, found in checks.items() if found]
    acknowledged = acknowledged_tasks(outcomes)
    lost = lost_tasks(acknowledged, stored)
    if lost:
        problems.append(
            f"{len(lost)} of {len(acknowledged)} tasks acknowledged with 201 are not stored, "
            f"e.g. {sorted(lost.items())[:5]}"
        )
    if not acknowledged:
        problems.append("no task was acknowledged with 201")
    return problems


@dataclass(frozen=True)
class Restart:
    """One replica's restart (time.monotonic() marks) and what HAProxy saw of it."""

    name: str
    drained_at: float
    in_flight: int
    exited_at: float
    exit_status: int
    # Whether uvicorn logged the end of its graceful shutdown (the application's lifespan
    # ended, its connections closed) before exiting.
    shut_down: bool
    healthy_at: float
    back_at: float
    served_before: int

    def figures(self) -> str:
        return (
            f"{self.name}: {self.in_flight} in flight at SIGTERM, exited {self.exit_status} "
            f"after {self.exited_at - self.drained_at:.2f}s, healthy "
            f"{self.healthy_at - self.exited_at:.2f}s later, back in HAProxy "
            f"{self.back_at - self.healthy_at:.2f}s after that"
        )


def restart(deployed: Cluster, replica: Replica) -> Restart:
    """The rolling restart of one replica, as an orchestrator with a drain hook does it."""
    balancer = deployed.balancer
    balancer.drain(replica.name)
    drained_at = time.monotonic()
    in_flight = int(balancer.stats()[replica.name]["scur"] or 0)
    exit_status = replica.terminate()
    exited_at = time.monotonic()
    shut_down = SHUTDOWN_COMPLETE in replica.log_file.read_text()
    replica.spawn()
    replica.wait_until_healthy()
    healthy_at = time.monotonic()
    # Still drained: HAProxy must see it pass its own checks before it gets requests.
    balancer.wait_for_status(replica.name, "DRAIN")
    served_before = int(balancer.stats()[replica.name]["stot"])
    balancer.ready(replica.name)
    balancer.wait_for_status(replica.name, "UP")
    return Restart(
        replica.name,
        drained_at,
        in_flight,
        exited_at,
        exit_status,
        shut_down,
        healthy_at,
        time.monotonic(),
        served_before,
    )


async def rolling_restart_during_load(
    deployed: Cluster, headers: dict[str, str]
) -> tuple[LoadRun, list[Restart]]:
    done = asyncio.Event()
    load = asyncio.create_task(run_load(deployed.balancer.url, ROLLING_LOAD, headers, done))
    await asyncio.sleep(SECONDS_BEFORE_RESTARTS)
    restarts = []
    for replica in deployed.replicas:
        # The restart blocks (signals, waits): in a thread, so the clients keep going.
        restarts.append(await asyncio.to_thread(restart, deployed, replica))
        await asyncio.sleep(SECONDS_BETWEEN_RESTARTS)
    await asyncio.sleep(SECONDS_AFTER_RESTARTS - SECONDS_BETWEEN_RESTARTS)
    done.set()
    return await load, restarts


def test_rolling_restart_under_load_loses_no_request(
    cluster: Callable[[str], Cluster], capsys: pytest.CaptureFixture[str]
):
    """Each replica in turn: drained in HAProxy (no new requests), SIGTERM (uvicorn
    finishes the requests in flight, within its graceful shutdown time-out), started
    again, healthy, back in HAProxy once its health checks pass. Requests that meet a
    replica not listening yet are retried on another (`retry-on conn-failure`)."""
    deployed = cluster(UNREACHED_LIMIT)
    headers = deployed.sign_in()

    load, restarts = asyncio.run(rolling_restart_during_load(deployed, headers))

    served_since = {name: int(row["stot"]) for name, row in deployed.balancer.stats().items()}
    figures = "; ".join(
        [
            summary("rolling restart", load),
            *(
                f"{r.figures()}, then served {served_since[r.name] - r.served_before}"
                for r in restarts
            ),
        ]
    )
    show(capsys, figures)
    problems = problems_of(load, deployed.stored_tasks(), allowed={200, 201})
    for r in restarts:
        # uvicorn exits by the signal it caught (-15) once it has shut down gracefully.
        if r.exit_status not in (0, -signal.SIGTERM) or not r.shut_down:
            problems.append(
                f"{r.name} exited with {r.exit_status} on SIGTERM, without a graceful shutdown"
            )
        if r.exited_at - r.drained_at > GRACEFUL_SHUTDOWN_SECONDS + 1:
            problems.append(f"{r.name} took longer than its graceful shutdown time-out to exit")
        if served_since[r.name] <= r.served_before:
            problems.append(f"{r.name} served no request after its restart")
        if r.back_at > load.finished:
            problems.append(f"{r.name} was back only after the load ended: lengthen the load")
    assert not problems, deployed.report(figures, problems)


@dataclass(frozen=True)
class Outage:
    """When Redis went down and came back (time.monotonic()), and the readiness reports."""

    halted_at: float
    back_at: float
    ready_during: list[tuple[int, object]]
    ready_after: list[tuple[int, object]]


def readiness(replicas: list[Replica]) -> list[tuple[int, object]]:
    """Each replica's own /health/ready: its status code and its body."""
    reports = []
    for replica in replicas:
        answer = httpx.get(f"{replica.url}/health/ready", timeout=10, trust_env=False)
        reports.append((answer.status_code, answer.json()))
    return reports


@dataclass(frozen=True)
class RedisOutageKind:
    """A way for Redis to fail under load: how it begins, and how it ends."""

    name: str
    begin: Callable[[RedisServer], None]
    end: Callable[[RedisServer], None]


REDIS_OUTAGES = [
    # Down: every connection closed, then refused until Redis starts again, empty.
    RedisOutageKind("stop", begin=RedisServer.halt, end=RedisServer.resume),
    # Frozen: connections stay open and nothing answers (a hung host, a network that drops
    # packets); only the limiter's own time-out ends a wait. Redis keeps its counts.
    RedisOutageKind("freeze", begin=RedisServer.freeze, end=RedisServer.thaw),
]


async def redis_outage_during_load(
    deployed: Cluster, headers: dict[str, str], kind: RedisOutageKind
) -> tuple[LoadRun, Outage]:
    load = asyncio.create_task(run_load(deployed.balancer.url, OUTAGE_LOAD, headers))
    await asyncio.sleep(SECONDS_BEFORE_OUTAGE)
    halted_at = time.monotonic()
    await asyncio.to_thread(kind.begin, deployed.redis)
    await asyncio.sleep(SETTLE_SECONDS)
    ready_during = await asyncio.to_thread(readiness, deployed.replicas)
    await asyncio.sleep(max(0, halted_at + SECONDS_DOWN - time.monotonic()))
    await asyncio.to_thread(kind.end, deployed.redis)
    back_at = time.monotonic()
    await asyncio.sleep(SETTLE_SECONDS)
    ready_after = await asyncio.to_thread(readiness, deployed.replicas)
    return await load, Outage(halted_at, back_at, ready_during, ready_after)


def outage_phases(outcomes: list[Outcome], outage: Outage) -> dict[str, list[Outcome]]:
    """Requests by when they were sent; those close to a change of Redis are left out."""
    return {
        "before": [o for o in outcomes if o.started < outage.halted_at],
        "down": [
            o
            for o in outcomes
            if outage.halted_at + SETTLE_SECONDS <= o.started < outage.back_at - SETTLE_SECONDS
        ],
        "back": [o for o in outcomes if o.started >= outage.back_at + MAX_LIMIT_RECOVERY_SECONDS],
    }


@pytest.mark.parametrize("kind", REDIS_OUTAGES, ids=lambda kind: kind.name)
def test_redis_outage_under_load_fails_open(
    kind: RedisOutageKind, cluster: Callable[[str], Cluster], capsys: pytest.CaptureFixture[str]
):
    deployed = cluster(f"{OUTAGE_LIMIT}/minute")
    headers = deployed.sign_in()

    load, outage = asyncio.run(redis_outage_during_load(deployed, headers, kind))

    timeline = outage_phases(load.outcomes, outage)
    counts = {name: status_counts(outcomes) for name, outcomes in timeline.items()}
    admitted_since_back = sum(o.succeeded for o in load.outcomes if o.started >= outage.back_at)
    figures = (
        f"{summary(f'redis {kind.name}', load)}; Redis out at "
        f"{outage.halted_at - load.started:.1f}s for {outage.back_at - outage.halted_at:.1f}s; "
        + " | ".join(f"{name} {describe_counts(found)}" for name, found in counts.items())
        + f"; admitted since Redis returned {admitted_since_back} (limit {OUTAGE_LIMIT})"
        + f"; ready during {outage.ready_during}; after {outage.ready_after}"
        + f"; median answer while out {latency_percentiles(timeline['down'])[0]:.3f}s"
        + f"; slowest answer {slowest_latency(load.outcomes):.2f}s"
    )
    show(capsys, figures)
    problems = problems_of(load, deployed.stored_tasks(), allowed={200, 201, 429})
    if slowest_latency(load.outcomes) > MAX_OUTAGE_ANSWER_SECONDS:
        problems.append(
            f"a request took over {MAX_OUTAGE_ANSWER_SECONDS}s: the wait for Redis is not bounded"
        )
    median_down, _ = latency_percentiles(timeline["down"])
    if not median_down <= MAX_OUTAGE_MEDIAN_SECONDS:
        problems.append(
            f"while Redis was out the median answer took {median_down:.2f}s, over "
            f"{MAX_OUTAGE_MEDIAN_SECONDS}s: every request waits for it"
        )
    if not counts["before"]["429"]:
        problems.append(
            f"before the outage no request was refused: the limit of {OUTAGE_LIMIT} was not applied"
        )
    if counts["down"]["429"] or not timeline["down"]:
        problems.append(
            "while Redis was down, requests were refused (or none sent): the limiter must fail open"
        )
    if not counts["back"]["429"]:
        problems.append(
            f"{MAX_LIMIT_RECOVERY_SECONDS}s after Redis returned, no request was refused: "
            "the limits do not apply again"
        )
    admitted_back = sum(o.succeeded for o in timeline["back"])
    if admitted_back > OUTAGE_LIMIT:
        problems.append(
            f"after Redis returned, {admitted_back} requests were admitted, over the limit"
        )
    # Still ready: the API serves without Redis, so a balancer routing on readiness keeps
    # every replica.
    expected_down = {"status": "degraded", "checks": {"database": "ok", "redis": "unavailable"}}
    if any(report != (200, expected_down) for report in outage.ready_during):
        problems.append(
            f"/health/ready during the outage: {outage.ready_during}, expected 200 {expected_down}"
        )
    expected_back = {"status": "ok", "checks": {"database": "ok", "redis": "ok"}}
    if any(report != (200, expected_back) for report in outage.ready_after):
        problems.append(
            f"/health/ready after the outage: {outage.ready_after}, expected 200 {expected_back}"
        )
    assert not problems, deployed.report(figures, problems)

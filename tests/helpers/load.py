"""A load client for a running task API: many concurrent clients, every answer recorded.

The clients run in this process on one asyncio loop, each with an httpx.AsyncClient and a
connection of its own, sending one request at a time for a fixed duration: create a task,
list tasks, or read back a task created earlier; or, in a flood of log-ins, log in. A
burst is many new clients at once, each sending one request. Every request ends as an
Outcome (a status, or the transport error that replaced it), so the tests can judge
statuses, latencies and what was acknowledged.
"""

from __future__ import annotations

import asyncio
import itertools
import random
import re
import ssl
import statistics
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from typing import Literal

import httpx
import pytest

TASKS_PATH = "/api/v1/tasks"
LOG_IN_PATH = "/api/v1/auth/token"
LIST_LIMIT = 20
# Share of requests that create a task, then that list tasks; the rest read one by id.
CREATE_SHARE = 0.4
LIST_SHARE = 0.3
# After the per-request timeouts, how long the run may still take before it is cut short.
DEADLINE_GRACE_SECONDS = 5
# Shorter than uvicorn's default --timeout-keep-alive of 5 s.
KEEPALIVE_EXPIRY_SECONDS = 2
# A fixed seed makes the sequence of operations (not their timing) reproducible.
DEFAULT_SEED = 20261201

Operation = Literal["create", "list", "get", "log-in"]


@dataclass(frozen=True)
class LoadPlan:
    clients: int = 200
    seconds: float = 10
    # Bounds each request from sending to the end of its body, connecting included.
    request_timeout: float = 10
    seed: int = DEFAULT_SEED
    # The OAuth2 password form of an account: when given, every request logs in with it
    # (a flood of log-ins) instead of working on tasks.
    log_in: Mapping[str, str] | None = None

    @property
    def hard_deadline(self) -> float:
        """No request starts after `seconds`, and each lasts at most `request_timeout`."""
        return self.seconds + self.request_timeout + DEADLINE_GRACE_SECONDS


@dataclass(frozen=True)
class Outcome:
    """One request: what was asked, when (time.monotonic()), and what came back."""

    operation: Operation
    started: float
    finished: float
    status: int | None = None
    # Why no status came back: a connection failure or a time-out.
    error: str | None = None
    retry_after: str | None = None
    json_body: bool = False
    # The (id, title) of the task a 201 acknowledged.
    task: tuple[int, str] | None = None

    @property
    def latency(self) -> float:
        return self.finished - self.started

    @property
    def succeeded(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


@dataclass
class LoadRun:
    """The outcomes of a load run, in the order they finished, and its wall-clock span."""

    plan: LoadPlan
    started: float = 0.0
    finished: float = 0.0
    outcomes: list[Outcome] = field(default_factory=list)
    # Ids of acknowledged tasks, for the clients' reads.
    created_ids: list[int] = field(default_factory=list)

    @property
    def seconds(self) -> float:
        return self.finished - self.started


async def run_load(
    base_url: str,
    plan: LoadPlan,
    headers: Mapping[str, str] | None = None,
    done: asyncio.Event | None = None,
) -> LoadRun:
    """Run `plan.clients` clients against the API for `plan.seconds`; never past the deadline.

    `headers` go with every request: the credentials of an API that needs them. Setting
    `done` ends the run sooner: no request starts after it.
    """
    run = LoadRun(plan)
    titles = (f"load task {number}" for number in itertools.count())
    async with AsyncExitStack() as stack:
        https = await open_clients(stack, base_url, plan, headers)
        run.started = time.monotonic()
        stop_at = run.started + plan.seconds
        clients = [
            asyncio.create_task(client_loop(http, run, client_rng(plan, n), titles, stop_at, done))
            for n, http in enumerate(https)
        ]
        _, late = await asyncio.wait(clients, timeout=plan.hard_deadline)
        for client in late:
            client.cancel()
        ended = await asyncio.gather(*clients, return_exceptions=True)
        run.finished = time.monotonic()
    raise_client_bug(ended)
    return run


async def connection_burst(base_url: str, plan: LoadPlan) -> LoadRun:
    """`plan.clients` new clients at once, each listing tasks on a connection it opens for
    that one request: a spike of visitors, whom a busy server must let in as they come."""
    run = LoadRun(plan)
    rng = client_rng(plan, 0)
    no_titles: Iterator[str] = iter(())
    async with AsyncExitStack() as stack:
        https = await open_clients(stack, base_url, plan)
        run.started = time.monotonic()
        # Each request is bounded by plan.request_timeout (see send).
        run.outcomes = list(
            await asyncio.gather(*(send(http, "list", run, rng, no_titles) for http in https))
        )
        run.finished = time.monotonic()
    return run


async def open_clients(
    stack: AsyncExitStack,
    base_url: str,
    plan: LoadPlan,
    headers: Mapping[str, str] | None = None,
) -> list[httpx.AsyncClient]:
    """`plan.clients` clients, closed with `stack`. Open them before the clock starts:
    setting 200 clients up takes a moment."""
    return [
        await stack.enter_async_context(one_connection_client(base_url, plan, headers))
        for _ in range(plan.clients)
    ]


# Verifies nothing (the API is served over plain HTTP), but httpx builds one per client
# otherwise, and building 200 costs seconds.
SSL_CONTEXT = ssl.create_default_context()


def one_connection_client(
    base_url: str, plan: LoadPlan, headers: Mapping[str, str] | None = None
) -> httpx.AsyncClient:
    """A client of its own for each simulated user, with one connection.

    One AsyncClient shared by 200 connections would measure httpx, not the API: its pool
    scans every connection for every request, and saturates a core at ~100 requests/s.
    Idle connections are dropped before uvicorn's keep-alive timeout (5 s) can close them
    under a request being sent: that race would be the client's error, not the API's.
    """
    limits = httpx.Limits(
        max_connections=1, max_keepalive_connections=1, keepalive_expiry=KEEPALIVE_EXPIRY_SECONDS
    )
    # trust_env=False: no proxy from the environment may come between the test and the API.
    return httpx.AsyncClient(
        base_url=base_url,
        headers=headers,
        limits=limits,
        timeout=plan.request_timeout,
        verify=SSL_CONTEXT,
        trust_env=False,
    )


def client_rng(plan: LoadPlan, client_number: int) -> random.Random:
    """Each client's own reproducible choices of operations (no cryptography involved)."""
    return random.Random(plan.seed + client_number)  # noqa: S311


def raise_client_bug(ended: list[BaseException | None]) -> None:
    """Re-raise what broke a client (a bug here, not the API's); cancelled ones were late."""
    for result in ended:
        if isinstance(result, BaseException) and not isinstance(result, asyncio.CancelledError):
            raise result


async def client_loop(
    http: httpx.AsyncClient,
    run: LoadRun,
    rng: random.Random,
    titles: Iterator[str],
    stop_at: float,
    done: asyncio.Event | None = None,
) -> None:
    """One client: a request at a time, no pause, until the run's end."""
    while time.monotonic() < stop_at and not (done and done.is_set()):
        outcome = await send(http, choose_operation(rng, run), run, rng, titles)
        run.outcomes.append(outcome)
        if outcome.task is not None:
            run.created_ids.append(outcome.task[0])


def choose_operation(rng: random.Random, run: LoadRun) -> Operation:
    if run.plan.log_in is not None:
        return "log-in"
    roll = rng.random()
    if roll < CREATE_SHARE or not run.created_ids:
        return "create"
    return "list" if roll < CREATE_SHARE + LIST_SHARE else "get"


async def send(
    http: httpx.AsyncClient,
    operation: Operation,
    run: LoadRun,
    rng: random.Random,
    titles: Iterator[str],
) -> Outcome:
    title = next(titles) if operation == "create" else None
    request = build_request(http, operation, title, rng, run)
    started = time.monotonic()
    try:
        # httpx's timeout bounds each phase (connect, each read...); this bounds the whole.
        async with asyncio.timeout(run.plan.request_timeout):
            response = await http.send(request)
    except TimeoutError:
        error = f"no response within {run.plan.request_timeout:g}s"
        return Outcome(operation, started, time.monotonic(), error=error)
    except httpx.TransportError as failure:
        error = f"{type(failure).__name__}: {failure}"
        return Outcome(operation, started, time.monotonic(), error=error)
    except asyncio.CancelledError:
        # Cut short by the hard deadline: still a request that got no answer.
        run.outcomes.append(
            Outcome(operation, started, time.monotonic(), error="cut at the hard deadline")
        )
        raise
    return Outcome(
        operation,
        started,
        time.monotonic(),
        status=response.status_code,
        retry_after=response.headers.get("retry-after"),
        json_body=has_json_body(response),
        task=acknowledged_task(response, title),
    )


def build_request(
    http: httpx.AsyncClient,
    operation: Operation,
    title: str | None,
    rng: random.Random,
    run: LoadRun,
) -> httpx.Request:
    if operation == "create":
        return http.build_request("POST", TASKS_PATH, json={"title": title})
    if operation == "list":
        return http.build_request("GET", TASKS_PATH, params={"limit": LIST_LIMIT})
    if operation == "log-in":
        return http.build_request("POST", LOG_IN_PATH, data=dict(run.plan.log_in or {}))
    return http.build_request("GET", f"{TASKS_PATH}/{rng.choice(run.created_ids)}")


def has_json_body(response: httpx.Response) -> bool:
    if not response.headers.get("content-type", "").startswith("application/json"):
        return False
    try:
        response.json()
    except ValueError:
        return False
    return True


def acknowledged_task(response: httpx.Response, title: str | None) -> tuple[int, str] | None:
    """The task a 201 acknowledged, or None (a 201 without an id is caught by the checks)."""
    if response.status_code != 201 or title is None or not has_json_body(response):
        return None
    task_id = response.json().get("id")
    return (task_id, title) if isinstance(task_id, int) else None


# --- Judging a run -------------------------------------------------------------------------


def status_counts(outcomes: Iterable[Outcome]) -> Counter[str]:
    """Statuses and errors, e.g. {"200": 10, "503": 2, "ReadTimeout": 1}."""
    return Counter(
        str(outcome.status) if outcome.status is not None else error_kind(outcome.error)
        for outcome in outcomes
    )


def error_kind(error: str | None) -> str:
    return (error or "error").split(":", 1)[0]


def describe_counts(counts: Counter[str]) -> str:
    return " ".join(f"{name}={count}" for name, count in sorted(counts.items())) or "none"


def latency_percentiles(outcomes: Iterable[Outcome]) -> tuple[float, float]:
    """p50 and p99 latency in seconds of the requests that got an answer."""
    latencies = [outcome.latency for outcome in outcomes if outcome.status is not None]
    if len(latencies) < 2:
        return (latencies[0], latencies[0]) if latencies else (float("nan"), float("nan"))
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    return cuts[49], cuts[98]


def show(capsys: pytest.CaptureFixture[str], line: str) -> None:
    """Print the figures even when pytest captures output, so every CI log has them."""
    with capsys.disabled():
        print(f"\n{line}")


def summary(name: str, run: LoadRun) -> str:
    """One line of figures for the CI log."""
    p50, p99 = latency_percentiles(run.outcomes)
    requests = len(run.outcomes)
    rate = requests / max(run.seconds, 1e-9)
    return (
        f"{name}: {requests} requests from {run.plan.clients} clients in {run.seconds:.1f}s "
        f"({rate:.0f} req/s); {describe_counts(status_counts(run.outcomes))}; "
        f"latency p50 {p50 * 1000:.0f}ms p99 {p99 * 1000:.0f}ms"
    )


def slowest_latency(outcomes: Iterable[Outcome]) -> float:
    """Seconds the slowest request took, answered or not (NaN without requests)."""
    return max((outcome.latency for outcome in outcomes), default=float("nan"))


def slower_than(outcomes: Iterable[Outcome], seconds: float) -> list[Outcome]:
    return [outcome for outcome in outcomes if outcome.latency > seconds]


def transport_errors(outcomes: Iterable[Outcome]) -> list[Outcome]:
    return [outcome for outcome in outcomes if outcome.status is None]


def unexpected_statuses(outcomes: Iterable[Outcome]) -> list[Outcome]:
    """Every request of the workload is valid, so anything but 2xx or 503 is a failure."""
    return [
        outcome
        for outcome in outcomes
        if outcome.status is not None and not outcome.succeeded and outcome.status != 503
    ]


def improper_503s(outcomes: Iterable[Outcome], require_json: bool) -> list[Outcome]:
    """503s that do not tell the client when to retry (or, if required, why, in JSON)."""
    return [
        outcome
        for outcome in outcomes
        if outcome.status == 503
        and (not outcome.retry_after or (require_json and not outcome.json_body))
    ]


def unacknowledged_201s(outcomes: Iterable[Outcome]) -> list[Outcome]:
    return [outcome for outcome in outcomes if outcome.status == 201 and outcome.task is None]


def acknowledged_tasks(outcomes: Iterable[Outcome]) -> dict[int, str]:
    return dict(outcome.task for outcome in outcomes if outcome.task is not None)


def lost_tasks(acknowledged: dict[int, str], stored: dict[int, str]) -> dict[int, str]:
    """Acknowledged tasks that are not stored, or are stored under another title."""
    return {
        task_id: title for task_id, title in acknowledged.items() if stored.get(task_id) != title
    }


def examples(outcomes: list[Outcome], limit: int = 5) -> str:
    """A count and a few distinct examples, to keep failure messages short."""
    distinct = Counter(
        f"{outcome.operation} -> {outcome.error}"
        if outcome.status is None
        else f"{outcome.operation} -> {outcome.status} "
        f"(Retry-After {outcome.retry_after!r}, JSON body {outcome.json_body})"
        for outcome in outcomes
    )
    shown = "; ".join(f"{text} x{count}" for text, count in distinct.most_common(limit))
    return f"{len(outcomes)}: {shown}"


# What a server log says went wrong: a traceback's exception line ("sqlalchemy.exc.Timeout...:
# ...") or a WARNING/ERROR record, from its logger name on (no time stamp, no request id).
EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(?:Error|Exception|Timeout)\w*: .{0,120}")
PROBLEM_RECORD = re.compile(r"\b(?:WARNING|ERROR|CRITICAL)\s+(?:\[\w*\]\s+)?(.{0,120})")
NUMBERS = re.compile(r"\d+")


def log_problems(log_text: str, limit: int = 5) -> str:
    """The most frequent problems of a server log, counted, for a failure message.

    Numbers (ids, ports, durations) are masked so that one problem is counted as one.
    """
    found: Counter[str] = Counter()
    for line in NUMBERS.sub("N", log_text).splitlines():
        record = PROBLEM_RECORD.search(line)
        exception = EXCEPTION_LINE.match(line)
        problem = record.group(1) if record else exception.group(0) if exception else None
        if problem:
            found[problem] += 1
    if not found:
        return "the server log reports no problem"
    counted = (f"{line} x{count}" for line, count in found.most_common(limit))
    return "server log: " + "; ".join(counted)

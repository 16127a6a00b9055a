"""Counting in Redis: one budget across workers and replicas, and serving on when Redis is down.

These tests need a real Redis: see ``redis_url`` in rate_limiting_redis_fixtures.py.
"""

import asyncio
import http.client
import json
import logging
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import pytest
from httpx2 import AsyncClient

from {{ cookiecutter.package_name }}.factory import create_app
from {{ cookiecutter.package_name }}.rate_limit import redis_limiter
from {{ cookiecutter.package_name }}.rate_limit.redis_limiter import REDIS_TIMEOUT_SECONDS

from .auth_{{ cookiecutter.auth }}_helpers import PRODUCTION_SECRETS
from .helpers import TASKS_URL, BlockingDatabase, make_settings, serve
from .redis_server import free_port, start_redis_server, stop_process

pytestmark = pytest.mark.anyio

# Port 1 is reserved (tcpmux) and closed on any sane test machine.
UNREACHABLE_REDIS_URL = "redis://127.0.0.1:1/0"
LIMITER_LOGGER = "{{ cookiecutter.package_name }}.rate_limit"


def limiter_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.name == LIMITER_LOGGER]


async def test_replicas_share_one_budget(database_url: str, auth_headers: dict[str, str]) -> None:
    settings = make_settings(database_url, rate_limit_default="3/minute")
    async with serve(create_app(settings)) as first, serve(create_app(settings)) as second:
        statuses = [
            (await replica.get(TASKS_URL, headers=auth_headers)).status_code
            for replica in (first, second, first, second)
        ]

    assert statuses == [200, 200, 200, 429]


async def test_requests_are_served_unlimited_while_redis_is_down(
    database_url: str, auth_headers: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    settings = make_settings(
        database_url, rate_limit_default="1/minute", redis_url=UNREACHABLE_REDIS_URL
    )
    with caplog.at_level(logging.INFO):
        async with serve(create_app(settings)) as client:
            responses = [await client.get(TASKS_URL, headers=auth_headers) for _ in range(4)]

    assert [response.status_code for response in responses] == [200, 200, 200, 200]
    assert all("x-ratelimit-limit" not in response.headers for response in responses)
    (warning,) = limiter_records(caplog)
    assert warning.levelno == logging.WARNING
    assert "Redis is unreachable" in warning.getMessage()


@contextmanager
def stalled_redis_url() -> Iterator[str]:
    """The URL of a "Redis" whose connections the kernel accepts, but nothing answers."""
    with socket.socket() as stalled:
        stalled.bind(("127.0.0.1", 0))
        stalled.listen()
        yield f"redis://127.0.0.1:{stalled.getsockname()[1]}/0"


async def timed_get(client: AsyncClient, headers: dict[str, str]) -> tuple[int, float]:
    """A list's status, and the seconds it took."""
    started = time.monotonic()
    response = await client.get(TASKS_URL, headers=headers)
    return response.status_code, time.monotonic() - started


async def test_a_stalled_redis_delays_a_request_by_the_time_out_only(
    database_url: str, auth_headers: dict[str, str]
) -> None:
    with stalled_redis_url() as redis_url:
        async with serve(create_app(make_settings(database_url, redis_url=redis_url))) as client:
            status, elapsed = await timed_get(client, auth_headers)

    assert status == 200
    # redis-py alone would wait 5 seconds, or for ever in older versions.
    assert REDIS_TIMEOUT_SECONDS <= elapsed < 2


# A shorter wait before Redis is asked again, so that the test below sees it in a second.
SHORT_RETRY_SECONDS = 0.3


async def test_a_stalled_redis_is_asked_again_by_one_request_per_retry_interval(
    database_url: str, auth_headers: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(redis_limiter, "REDIS_RETRY_SECONDS", SHORT_RETRY_SECONDS)
    with stalled_redis_url() as redis_url:
        async with serve(create_app(make_settings(database_url, redis_url=redis_url))) as client:
            first = await timed_get(client, auth_headers)
            meanwhile = [await timed_get(client, auth_headers) for _ in range(3)]
            await asyncio.sleep(SHORT_RETRY_SECONDS)
            retried = await timed_get(client, auth_headers)

    assert [status for status, _ in [first, *meanwhile, retried]] == [200] * 5
    # Only the first request, and the first after the interval, waited for Redis.
    assert first[1] >= REDIS_TIMEOUT_SECONDS
    assert all(elapsed < REDIS_TIMEOUT_SECONDS / 2 for _, elapsed in meanwhile)
    assert retried[1] >= REDIS_TIMEOUT_SECONDS


async def test_an_outage_and_the_recovery_are_each_logged_once(
    database_url: str,
    auth_headers: dict[str, str],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Redis asked at every request, so that the first one after its return sees it.
    monkeypatch.setattr(redis_limiter, "REDIS_RETRY_SECONDS", 0)
    port = free_port()
    redis_server = start_redis_server(port)
    settings = make_settings(database_url, redis_url=f"redis://127.0.0.1:{port}/0")
    try:
        with caplog.at_level(logging.INFO):
            async with serve(create_app(settings)) as client:
                before = await client.get(TASKS_URL, headers=auth_headers)
                stop_process(redis_server)
                during = [await client.get(TASKS_URL, headers=auth_headers) for _ in range(3)]
                redis_server = start_redis_server(port)
                after = [await client.get(TASKS_URL, headers=auth_headers) for _ in range(3)]
    finally:
        stop_process(redis_server)

    assert before.headers["x-ratelimit-remaining"] == "99"
    assert [response.status_code for response in during] == [200, 200, 200]
    assert all("x-ratelimit-limit" not in response.headers for response in during)
    # The new server starts from an empty count.
    assert after[-1].headers["x-ratelimit-remaining"] in {"97", "98"}
    levels = [record.levelno for record in limiter_records(caplog)]
    assert levels == [logging.WARNING, logging.INFO]


async def test_readiness_reports_redis_without_failing(database_url: str) -> None:
    async with serve(create_app(make_settings(database_url))) as client:
        up = await client.get("/health/ready")
    settings = make_settings(database_url, redis_url=UNREACHABLE_REDIS_URL)
    async with serve(create_app(settings)) as client:
        down = await client.get("/health/ready")

    assert up.status_code == 200
    assert up.json() == {"status": "ok", "checks": {"database": "ok", "redis": "ok"}}
    # The limiter fails open, so the API serves: ready, with Redis named as down.
    assert down.status_code == 200
    assert down.json() == {
        "status": "degraded",
        "checks": {"database": "ok", "redis": "unavailable"},
    }


async def test_a_required_dependency_outweighs_redis(unreachable_database_url: str) -> None:
    settings = make_settings(unreachable_database_url, redis_url=UNREACHABLE_REDIS_URL)
    async with serve(create_app(settings)) as client:
        response = await client.get("/health/ready")

    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "checks": {"database": "unavailable", "redis": "unavailable"},
    }


# The real server: several worker processes, each with its own limiter, and one Redis.
WORKERS = 2
LIMIT = 10
REQUESTS = 25
STARTUP_SECONDS = 30
# Every log line of the server prefixed with the id of the process that wrote it.
LOG_CONFIG = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"by_process": {"format": "%(process)d %(name)s %(message)s"}},
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "formatter": "by_process",
            "stream": "ext://sys.stdout",
        }
    },
    "root": {"handlers": ["stdout"], "level": "INFO"},
}
LOG_LINE = re.compile(r"^(?P<process>\d+) (?P<logger>\S+) (?P<message>.*)$")


def call(
    port: int, method: str, path: str, body: str = "", headers: dict[str, str] | None = None
) -> tuple[int, bytes]:
    """One request on a connection of its own, so the kernel picks a worker for each."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


class Server:
    def __init__(self, port: int, process: subprocess.Popen[str]) -> None:
        self.port = port
        self.process = process
        self.lines: list[str] = []
        self.reader = threading.Thread(target=self._read_output, daemon=True)
        self.reader.start()

    def _read_output(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    def processes_that_logged(self, logger: str, message: re.Pattern[str]) -> list[str]:
        matches = (LOG_LINE.match(line) for line in list(self.lines))
        return [
            match["process"]
            for match in matches
            if match and match["logger"] == logger and message.search(match["message"])
        ]

    def wait_until_every_worker_started(self) -> None:
        deadline = time.monotonic() + STARTUP_SECONDS
        started = re.compile("Application startup complete")
        while len(set(self.processes_that_logged("uvicorn.error", started))) < WORKERS:
            if self.process.poll() is not None or time.monotonic() > deadline:
                pytest.fail("uvicorn did not start its workers:\n" + "\n".join(self.lines))
            time.sleep(0.1)


@contextmanager
def serve_with_workers(directory: Path, environment: dict[str, str]) -> Iterator[Server]:
    """Run ``uvicorn --workers`` on the real app; stop its whole process group afterwards."""
    port = free_port()
    log_config = directory / "logging.json"
    log_config.write_text(json.dumps(LOG_CONFIG))
    command_line = [
        sys.executable,
        "-m",
        "uvicorn",
        "{{ cookiecutter.package_name }}.main:app",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(WORKERS),
        "--log-config",
        str(log_config),
    ]
    with subprocess.Popen(  # noqa: S603
        command_line,
        # Away from the project directory, so its .env cannot leak in.
        cwd=directory,
        env={**os.environ, **environment},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    ) as process:
        server = Server(port, process)
        try:
            server.wait_until_every_worker_started()
            yield server
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
            # Read to the end before the pipe is closed.
            server.reader.join()


def test_every_worker_process_counts_against_one_budget(
    tmp_path: Path,
    redis_url: str,
    database_url: str,
    database: BlockingDatabase,
    auth_headers: dict[str, str],
) -> None:
    # Every setting the test relies on, whatever the shell running the tests holds.
    environment = {
        "ENVIRONMENT": "test",
        # The test database, migrated by the ``database`` fixture.
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "RATE_LIMIT_DEFAULT": f"{LIMIT}/minute",
        "TRUSTED_PROXIES": "",
        "LOG_LEVEL": "INFO",
        "LOG_FORMAT": "console",
        # The secrets of make_settings, so that every worker accepts auth_headers.
        **PRODUCTION_SECRETS,
    }
    with serve_with_workers(tmp_path, environment) as server:
        # A few at a time, so that every worker gets some of them.
        with ThreadPoolExecutor(max_workers=5) as pool:
            results = list(
                pool.map(
                    lambda _: call(server.port, "GET", TASKS_URL, headers=auth_headers),
                    range(REQUESTS),
                )
            )
        served = re.compile(rf"^GET {TASKS_URL} (200|429) ")
        deadline = time.monotonic() + 5
        while len(server.processes_that_logged("{{ cookiecutter.package_name }}.access", served)) < REQUESTS:
            assert time.monotonic() < deadline, "\n".join(server.lines)
            time.sleep(0.1)
        workers = set(server.processes_that_logged("{{ cookiecutter.package_name }}.access", served))

    statuses = [status for status, _ in results]
    # Both workers answered, so a count kept in each process would have allowed more.
    assert len(workers) == WORKERS
    assert statuses.count(200) == LIMIT
    assert statuses.count(429) == REQUESTS - LIMIT

"""Fixtures shared by the template's tests: rendered projects and throwaway servers."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest
from helpers.servers import PostgresServer, RedisServer, ServerError
from helpers.template import Answers, render

Server = TypeVar("Server", PostgresServer, RedisServer)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Start the slow tests first, so that both workers are busy until the end."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


# A test's one line of figures (e.g. step timings), recorded with
# `record_property(FIGURES, line)` and shown at the end of the run, from every worker.
FIGURES = "figures"


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    lines = [
        f"{report.nodeid}: {value}"
        for reports in terminalreporter.stats.values()
        for report in reports
        if getattr(report, "when", None) == "call"
        for name, value in getattr(report, "user_properties", [])
        if name == FIGURES
    ]
    if lines:
        terminalreporter.section(FIGURES)
        for line in lines:
            terminalreporter.write_line(line)


@pytest.fixture(scope="session")
def rendered_project(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., Path]:
    """Render a combination once per worker and share it: tests must not change it."""
    projects: dict[tuple[tuple[str, str], ...], Path] = {}

    def rendered(**answers: str) -> Path:
        key = tuple(sorted(answers.items()))
        if key not in projects:
            projects[key] = render(tmp_path_factory.mktemp("rendered"), **answers)
        return projects[key]

    return rendered


def started(start: Callable[[], Server], name: str) -> Server:
    """Start a server, or fail (never skip) every test that needs it, saying why."""
    try:
        return start()
    except ServerError as error:
        reason = str(error)
    pytest.fail(f"the {name} test server could not start: {reason}", pytrace=False)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A PostgreSQL cluster of this test session, removed at its end."""
    server = started(PostgresServer.start, "PostgreSQL")
    yield server
    server.stop()


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    """A Redis server of this test session that keeps nothing on disk."""
    server = started(RedisServer.start, "Redis")
    yield server
    server.stop()


def needs_postgresql(answers: Answers) -> bool:
    return answers.get("database") == "postgresql"


def needs_redis(answers: Answers) -> bool:
    """Any option answered with "redis" (e.g. a Redis-backed rate limiter) needs the server."""
    return "redis" in answers.values()


@pytest.fixture
def service_urls(request: pytest.FixtureRequest) -> Callable[[Answers], dict[str, str]]:
    """The TEST_* variables that point a variant's tests at fresh databases on the servers.

    A server is started the first time a variant needs it, so that a run without such a
    variant starts none.
    """

    def urls(answers: Answers) -> dict[str, str]:
        variables = {}
        if needs_postgresql(answers):
            server: PostgresServer = request.getfixturevalue("postgres_server")
            variables["TEST_DATABASE_URL"] = server.create_database(
                "_".join(["variant", *answers.values()])
            )
        if needs_redis(answers):
            redis: RedisServer = request.getfixturevalue("redis_server")
            variables["TEST_REDIS_URL"] = redis.url()
        return variables

    return urls

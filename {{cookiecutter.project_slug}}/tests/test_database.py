"""Overload and outages: answered at once with 503 and Retry-After, never a hang or a 500."""

import logging
import threading
{%- if cookiecutter.database == "sqlite" %}
import time
{%- endif %}

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Connection{% if cookiecutter.database == "postgresql" %}, text{% endif %}

from {{ cookiecutter.package_name }}.factory import create_app

from .helpers import TASKS_URL, BlockingDatabase, make_settings

# Long enough that a request queued behind it would notice, short enough for a test.
HOLD_SECONDS = 1.0
POOL_TIMEOUT_SECONDS = 0.2


def hold_connection(connection: Connection, acquired: threading.Event) -> None:
    """Keep the connection busy, the way a slow query would."""
    acquired.set()
{%- if cookiecutter.database == "postgresql" %}
    connection.execute(text("SELECT pg_sleep(:seconds)"), {"seconds": HOLD_SECONDS})
{%- else %}
    # SQLite work runs in a thread of the database's own: sleeping there holds it.
    time.sleep(HOLD_SECONDS)
{%- endif %}


@pytest.fixture
def one_connection_app(database_url: str, database: BlockingDatabase) -> FastAPI:
    """An app with a single connection, and a short wait for it."""
    settings = make_settings(
        database_url,
        database_pool_size=1,
{%- if cookiecutter.database == "postgresql" %}
        database_max_overflow=0,
{%- endif %}
        database_pool_timeout=POOL_TIMEOUT_SECONDS,
    )
    return create_app(settings)


def test_a_request_that_finds_no_free_connection_gets_503_at_once(
    one_connection_app: FastAPI, auth_headers: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    with TestClient(one_connection_app, headers=auth_headers) as client:
        assert client.portal is not None
        acquired = threading.Event()
        held = client.portal.start_task_soon(
            one_connection_app.state.database.run, hold_connection, acquired
        )
        assert acquired.wait(timeout=5)
        with caplog.at_level(logging.WARNING):
            refused = [client.get(TASKS_URL) for _ in range(2)]
        still_held = not held.done()
        held.result(timeout=10)
        served = client.get(TASKS_URL)

    # Answered before the connection was given back: the wait is bounded, not a queue.
    assert still_held
    for response in refused:
        assert response.status_code == 503
        assert response.json() == {"detail": "Service overloaded, retry later"}
        assert response.headers["retry-after"] == "5"
    # One warning for the episode, not one per request.
    assert len([record for record in caplog.records if record.levelno == logging.WARNING]) == 1
    assert served.status_code == 200
{%- if cookiecutter.database == "postgresql" %}


def backend_pid(connection: Connection) -> int:
    pid: int = connection.execute(text("SELECT pg_backend_pid()")).scalar_one()
    return pid


def terminate(connection: Connection, pid: int) -> bool:
    """What a database restart or a failover does to a connection of the application."""
    statement = text("SELECT pg_terminate_backend(:pid)")
    terminated: bool = connection.execute(statement, {"pid": pid}).scalar_one()
    return terminated


def test_lost_connections_are_one_503_then_replaced(
    one_connection_app: FastAPI, auth_headers: dict[str, str], database: BlockingDatabase
) -> None:
    with TestClient(one_connection_app, headers=auth_headers) as client:
        assert client.portal is not None
        pid = client.portal.call(one_connection_app.state.database.run, backend_pid)
        assert database.run(terminate, pid)
        lost = client.get(TASKS_URL)
        replaced = client.get(TASKS_URL)

    # The request on the dead connection cannot be answered; SQLAlchemy then discards the
    # pool's stale connections, so the next request connects afresh. No ping per request.
    assert lost.status_code == 503
    assert lost.headers["retry-after"] == "5"
    assert replaced.status_code == 200
{%- endif %}

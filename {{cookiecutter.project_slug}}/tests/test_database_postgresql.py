"""Lost connections: after a database restart or a failover, one 503, then served again."""

import pytest
from fastapi import FastAPI
from sqlalchemy import Connection, text

from .helpers import TASKS_URL, BlockingDatabase, serve

pytestmark = pytest.mark.anyio


def backend_pid(connection: Connection) -> int:
    pid: int = connection.execute(text("SELECT pg_backend_pid()")).scalar_one()
    return pid


def terminate(connection: Connection, pid: int) -> bool:
    """What a database restart or a failover does to a connection of the application."""
    statement = text("SELECT pg_terminate_backend(:pid)")
    terminated: bool = connection.execute(statement, {"pid": pid}).scalar_one()
    return terminated


async def test_lost_connections_are_one_503_then_replaced(
    one_connection_app: FastAPI, auth_headers: dict[str, str], database: BlockingDatabase
) -> None:
    async with serve(one_connection_app, headers=auth_headers) as client:
        pid = await one_connection_app.state.database.run(backend_pid)
        assert database.run(terminate, pid)
        lost = await client.get(TASKS_URL)
        replaced = await client.get(TASKS_URL)

    # The request on the dead connection cannot be answered; SQLAlchemy then discards the
    # pool's stale connections, so the next request connects afresh. No ping per request.
    assert lost.status_code == 503
    assert lost.headers["retry-after"] == "5"
    assert replaced.status_code == 200

"""Overload and outages: answered at once with 503 and Retry-After, never a hang or a 500."""

import asyncio
import logging
import threading

import pytest
from fastapi import FastAPI

from .database_{{ cookiecutter.database }}_helpers import hold_connection
from .helpers import TASKS_URL, serve

pytestmark = pytest.mark.anyio


async def test_a_request_that_finds_no_free_connection_gets_503_at_once(
    one_connection_app: FastAPI, auth_headers: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    async with serve(one_connection_app, headers=auth_headers) as client:
        acquired, released = threading.Event(), threading.Event()
        held = asyncio.create_task(
            one_connection_app.state.database.run(hold_connection, acquired, released)
        )
        assert await asyncio.to_thread(acquired.wait, timeout=5)
        try:
            with caplog.at_level(logging.WARNING):
                refused = [await client.get(TASKS_URL) for _ in range(2)]
            still_held = not held.done()
        finally:
            released.set()
        await asyncio.wait_for(held, timeout=10)
        served = await client.get(TASKS_URL)

    # Answered before the connection was given back: the wait is bounded, not a queue.
    assert still_held
    for response in refused:
        assert response.status_code == 503
        assert response.json() == {"detail": "Service overloaded, retry later"}
        assert response.headers["retry-after"] == "5"
    # One warning for the episode, not one per request.
    assert len([record for record in caplog.records if record.levelno == logging.WARNING]) == 1
    assert served.status_code == 200

"""Overload and outages: answered at once with 503 and Retry-After, never a hang or a 500."""

import asyncio
import logging
import threading
from collections.abc import Callable

import pytest
from fastapi import FastAPI
from sqlalchemy import Connection

from .database_{{ cookiecutter.database }}_helpers import hold_connection
from .held_connection import connection_held
from .helpers import TASKS_URL, serve

pytestmark = pytest.mark.anyio


async def test_a_request_that_finds_no_free_connection_gets_503_at_once(
    one_connection_app: FastAPI, auth_headers: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    async with serve(one_connection_app, headers=auth_headers) as client:
        async with connection_held(one_connection_app.state.database) as held:
            with caplog.at_level(logging.WARNING):
                refused = [await client.get(TASKS_URL) for _ in range(2)]
            still_held = not held.done()
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


def record_turn(_connection: Connection, served: list[str], name: str) -> None:
    served.append(name)


async def test_a_freed_connection_goes_to_the_request_that_waited_longest(
    make_one_connection_app: Callable[..., FastAPI],
) -> None:
    # A wait long enough for the connection to be handed on, however slow the machine.
    app = make_one_connection_app(pool_timeout=5)
    served: list[str] = []
    acquired, released = threading.Event(), threading.Event()
    async with serve(app):
        run = app.state.database.run

        async def hold_then_ask_again() -> None:
            await run(hold_connection, acquired, released)
            # Asks again at once, before the request waiting for the connection has run:
            # as a new request does under steady load. It must wait its turn.
            await run(record_turn, served, "newcomer")

        holder = asyncio.create_task(hold_then_ask_again())
        assert await asyncio.to_thread(acquired.wait, timeout=5)
        waiting = asyncio.create_task(run(record_turn, served, "waiting"))
        # Time for it to reach the queue: it needs a few turns of the event loop, no I/O.
        await asyncio.sleep(0.05)
        released.set()
        await asyncio.wait_for(asyncio.gather(holder, waiting), timeout=10)

    # Otherwise, under load, a request can be passed over again and again, until its wait
    # runs out and it is answered 503 while requests that came after it are served.
    assert served == ["waiting", "newcomer"]

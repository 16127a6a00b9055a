"""Request validation: wrong types are rejected, never coerced, and nothing is a 500."""

from collections.abc import AsyncIterator
from typing import Any

import pytest
from httpx2 import AsyncClient

from {{ cookiecutter.package_name }}.config import Settings

from .helpers import TASKS_URL, create_task, task_url

pytestmark = pytest.mark.anyio

INVALID_BODIES: dict[str, tuple[dict[str, Any], str]] = {
    "missing-title": ({}, "title"),
    "empty-title": ({"title": ""}, "title"),
    "blank-title": ({"title": "   "}, "title"),
    "long-title": ({"title": "x" * 201}, "title"),
    "number-title": ({"title": 5}, "title"),
    "null-title": ({"title": None}, "title"),
    # PostgreSQL cannot store U+0000: refused on every database.
    "nul-in-title": ({"title": "a\x00b"}, "title"),
    "long-description": ({"title": "t", "description": "x" * 2001}, "description"),
    "nul-in-description": ({"title": "t", "description": "a\x00b"}, "description"),
    "number-description": ({"title": "t", "description": 1.5}, "description"),
    "unknown-status": ({"title": "t", "status": "done"}, "status"),
    "priority-zero": ({"title": "t", "priority": 0}, "priority"),
    "priority-six": ({"title": "t", "priority": 6}, "priority"),
    "priority-string": ({"title": "t", "priority": "3"}, "priority"),
    "priority-bool": ({"title": "t", "priority": True}, "priority"),
    "priority-fraction": ({"title": "t", "priority": 2.5}, "priority"),
    "naive-due-date": ({"title": "t", "due_date": "2030-01-01T00:00:00"}, "due_date"),
    "number-due-date": ({"title": "t", "due_date": 1_700_000_000}, "due_date"),
    "garbage-due-date": ({"title": "t", "due_date": "next tuesday"}, "due_date"),
    # Valid due dates whose UTC form falls outside years 1 to 9999.
    "utc-after-9999": ({"title": "t", "due_date": "9999-12-31T23:00:00-05:00"}, "due_date"),
    "utc-before-year-1": ({"title": "t", "due_date": "0001-01-01T00:00:00+01:00"}, "due_date"),
    "unknown-field": ({"title": "t", "owner": "me"}, "owner"),
}


@pytest.mark.parametrize(("body", "field"), INVALID_BODIES.values(), ids=INVALID_BODIES.keys())
async def test_invalid_create_bodies_are_422(
    client: AsyncClient, body: dict[str, Any], field: str
) -> None:
    response = await client.post(TASKS_URL, json=body)

    assert response.status_code == 422
    locations = [error["loc"] for error in response.json()["detail"]]
    assert ["body", field] in locations
    assert (await client.get(TASKS_URL)).json()["total"] == 0


@pytest.mark.parametrize(("body", "field"), INVALID_BODIES.values(), ids=INVALID_BODIES.keys())
async def test_invalid_replacements_are_422(
    client: AsyncClient, body: dict[str, Any], field: str
) -> None:
    task = await create_task(client, title="unchanged")

    response = await client.put(task_url(task["id"]), json=body)

    assert response.status_code == 422
    assert ["body", field] in [error["loc"] for error in response.json()["detail"]]
    assert (await client.get(task_url(task["id"]))).json() == task


@pytest.mark.parametrize(
    "body",
    [
        {"title": None},
        {"status": None},
        {"priority": None},
        {"title": ""},
        {"priority": "2"},
        {"status": "later"},
        {"due_date": "tomorrow"},
        {"due_date": "0001-01-01T00:00:00+01:00"},
        {"id": 5},
    ],
    ids=lambda body: "-".join(f"{key}={value}" for key, value in body.items()),
)
async def test_invalid_patches_are_422(client: AsyncClient, body: dict[str, Any]) -> None:
    task = await create_task(client)

    response = await client.patch(task_url(task["id"]), json=body)

    assert response.status_code == 422
    assert ["body", next(iter(body))] in [error["loc"] for error in response.json()["detail"]]
    assert (await client.get(task_url(task["id"]))).json() == task


async def test_an_integral_number_is_an_integer(client: AsyncClient) -> None:
    """JSON (and JSON Schema) has one number type: 3.0 is the integer 3."""
    assert (await create_task(client, priority=3.0))["priority"] == 3


@pytest.mark.parametrize(
    ("content", "status_code"),
    [
        (b"{not json", 422),
        (b"", 422),
        (b"[1, 2]", 422),
        (b'"a string"', 422),
        (b"null", 422),
        (b'{"title": "\xff"}', 400),
    ],
    ids=["malformed", "empty", "array", "string", "null", "not-utf-8"],
)
async def test_bodies_that_are_not_task_objects_are_rejected(
    client: AsyncClient, content: bytes, status_code: int
) -> None:
    response = await client.post(
        TASKS_URL, content=content, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == status_code
    assert response.json()["detail"]
    assert (await client.get(TASKS_URL)).json()["total"] == 0


async def test_invalid_values_are_not_echoed_back(client: AsyncClient) -> None:
    title = "a title far too long " * 500

    response = await client.post(TASKS_URL, json={"title": title, "priority": "secret-ish"})

    assert response.status_code == 422
    assert "far too long" not in response.text
    assert "secret-ish" not in response.text
    errors = response.json()["detail"]
    assert [error["loc"] for error in errors] == [["body", "title"], ["body", "priority"]]
    assert all(error["msg"] and error["type"] for error in errors)
    assert errors[0]["ctx"] == {"max_length": 200}


async def chunks(size: int, chunk: int = 64 * 1024) -> AsyncIterator[bytes]:
    """A body of ``size`` bytes sent in chunks, without a Content-Length."""
    sent = 0
    while sent < size:
        part = min(chunk, size - sent)
        yield b" " * part
        sent += part


@pytest.mark.parametrize("framing", ["content-length", "chunked"])
async def test_a_body_over_the_limit_is_413_and_not_stored(
    client: AsyncClient, settings: Settings, framing: str
) -> None:
    size = settings.max_request_body_bytes + 1
    task = b'{"title": "big"}'
    body = task.ljust(size) if framing == "content-length" else chunks(size)

    response = await client.post(
        TASKS_URL, content=body, headers={"Content-Type": "application/json"}
    )

    assert response.status_code == 413
    assert response.json() == {
        "detail": f"Request body larger than {settings.max_request_body_bytes} bytes"
    }
    assert (await client.get(TASKS_URL)).json()["total"] == 0


async def test_a_body_at_the_limit_is_accepted(client: AsyncClient, settings: Settings) -> None:
    body = b'{"title": "just fits"}'.ljust(settings.max_request_body_bytes)

    response = await client.post(
        TASKS_URL, content=body, headers={"Content-Type": "application/json"}
    )

    assert response.status_code == 201


@pytest.mark.parametrize("task_id", ["abc", "0", "-1", "1.5", str(2**31), str(2**63)])
async def test_invalid_task_ids_are_422(client: AsyncClient, task_id: str) -> None:
    for method in ("GET", "PUT", "PATCH", "DELETE"):
        response = await client.request(method, task_url(task_id), json={"title": "t"})
        assert response.status_code == 422, method
        assert ["path", "task_id"] in [error["loc"] for error in response.json()["detail"]]


async def test_unknown_route_is_404(client: AsyncClient) -> None:
    response = await client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not Found"}


@pytest.mark.parametrize(
    ("method", "url", "allowed"),
    [
        ("DELETE", TASKS_URL, "GET, POST"),
        ("POST", task_url(1), "DELETE, GET, PATCH, PUT"),
        ("PUT", "/health", "GET"),
    ],
)
async def test_wrong_method_is_405_listing_every_allowed_method(
    client: AsyncClient, method: str, url: str, allowed: str
) -> None:
    response = await client.request(method, url)
    assert response.status_code == 405
    assert response.json() == {"detail": "Method Not Allowed"}
    assert response.headers["allow"] == allowed

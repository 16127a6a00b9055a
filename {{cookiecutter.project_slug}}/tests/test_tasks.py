"""The task endpoints: create, read, replace, update, delete."""

from datetime import UTC, datetime, timedelta

import pytest
from httpx2 import AsyncClient

from .helpers import TASKS_URL, create_task, task_url

pytestmark = pytest.mark.anyio


def parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value)


async def test_create_returns_the_task_with_defaults_and_location(client: AsyncClient) -> None:
    before = datetime.now(UTC)
    response = await client.post(TASKS_URL, json={"title": "Write docs"})

    assert response.status_code == 201
    task = response.json()
    assert task["title"] == "Write docs"
    assert task["description"] is None
    assert task["status"] == "pending"
    assert task["priority"] == 1
    assert task["due_date"] is None
    assert isinstance(task["id"], int)
    created_at = parse_time(task["created_at"])
    assert created_at.utcoffset() == timedelta(0)
    assert before - timedelta(seconds=1) <= created_at <= datetime.now(UTC)
    assert task["updated_at"] == task["created_at"]
    assert response.headers["location"] == f"http://testserver{task_url(task['id'])}"


async def test_create_stores_every_field(client: AsyncClient) -> None:
    task = await create_task(
        client,
        title="Ship it",
        description="Before Friday",
        status="in_progress",
        priority=5,
        due_date="2030-01-31T18:00:00+01:00",
    )

    stored = (await client.get(task_url(task["id"]))).json()
    assert stored == task
    assert stored["description"] == "Before Friday"
    assert stored["status"] == "in_progress"
    assert stored["priority"] == 5
    # Stored and returned in UTC, whatever offset the client used.
    assert parse_time(stored["due_date"]) == datetime(2030, 1, 31, 17, tzinfo=UTC)
    assert parse_time(stored["due_date"]).utcoffset() == timedelta(0)


async def test_create_strips_surrounding_whitespace_from_the_title(client: AsyncClient) -> None:
    assert (await create_task(client, title="  padded  "))["title"] == "padded"


async def test_location_header_points_at_the_new_task(client: AsyncClient) -> None:
    response = await client.post(TASKS_URL, json={"title": "Follow me"})
    followed = await client.get(response.headers["location"])
    assert followed.status_code == 200
    assert followed.json() == response.json()


async def test_get_missing_task_is_404_with_message(client: AsyncClient) -> None:
    response = await client.get(task_url(999_999))
    assert response.status_code == 404
    assert response.json() == {"detail": "Task 999999 not found"}


async def test_put_replaces_the_whole_task(client: AsyncClient) -> None:
    task = await create_task(
        client, title="Old", description="old text", priority=4, due_date="2030-01-01T00:00:00Z"
    )

    response = await client.put(task_url(task["id"]), json={"title": "New", "status": "completed"})

    assert response.status_code == 200
    replaced = response.json()
    assert replaced["id"] == task["id"]
    assert replaced["title"] == "New"
    assert replaced["status"] == "completed"
    # Fields left out of a replacement go back to their defaults.
    assert replaced["description"] is None
    assert replaced["priority"] == 1
    assert replaced["due_date"] is None
    assert replaced["created_at"] == task["created_at"]
    assert parse_time(replaced["updated_at"]) > parse_time(task["updated_at"])
    assert (await client.get(task_url(task["id"]))).json() == replaced


async def test_patch_changes_only_the_fields_sent(client: AsyncClient) -> None:
    task = await create_task(client, title="Keep me", description="keep", priority=3)

    response = await client.patch(task_url(task["id"]), json={"status": "in_progress"})

    assert response.status_code == 200
    patched = response.json()
    assert patched["status"] == "in_progress"
    assert patched["title"] == "Keep me"
    assert patched["description"] == "keep"
    assert patched["priority"] == 3
    assert parse_time(patched["updated_at"]) > parse_time(task["updated_at"])


async def test_patch_can_clear_nullable_fields(client: AsyncClient) -> None:
    task = await create_task(client, description="remove me", due_date="2030-01-01T00:00:00Z")

    patched = await client.patch(task_url(task["id"]), json={"description": None, "due_date": None})

    assert patched.status_code == 200
    assert patched.json()["description"] is None
    assert patched.json()["due_date"] is None


async def test_patch_moves_updated_at_on_every_change(client: AsyncClient) -> None:
    task = await create_task(client)
    first = (await client.patch(task_url(task["id"]), json={"priority": 2})).json()
    second = (await client.patch(task_url(task["id"]), json={"priority": 3})).json()
    assert parse_time(task["updated_at"]) < parse_time(first["updated_at"])
    assert parse_time(first["updated_at"]) < parse_time(second["updated_at"])


async def test_patch_without_changes_keeps_updated_at(client: AsyncClient) -> None:
    task = await create_task(client, priority=2)
    assert (await client.patch(task_url(task["id"]), json={})).json() == task
    assert (await client.patch(task_url(task["id"]), json={"priority": 2})).json() == task


async def test_put_and_patch_of_missing_task_are_404(client: AsyncClient) -> None:
    for method in ("PUT", "PATCH"):
        response = await client.request(method, task_url(424_242), json={"title": "Nobody"})
        assert response.status_code == 404, method
        assert response.json() == {"detail": "Task 424242 not found"}


async def test_delete_removes_the_task(client: AsyncClient) -> None:
    task = await create_task(client)

    response = await client.delete(task_url(task["id"]))

    assert response.status_code == 204
    assert response.content == b""
    assert (await client.get(task_url(task["id"]))).status_code == 404
    assert (await client.delete(task_url(task["id"]))).json() == {
        "detail": f"Task {task['id']} not found"
    }

"""Listing tasks: filters, search, ordering and paging."""

from typing import Any

import pytest
from httpx2 import AsyncClient

from .helpers import TASKS_URL, create_task

pytestmark = pytest.mark.anyio


async def list_tasks(client: AsyncClient, **params: Any) -> dict[str, Any]:
    response = await client.get(TASKS_URL, params=params)
    assert response.status_code == 200, response.text
    page: dict[str, Any] = response.json()
    return page


def titles(page: dict[str, Any]) -> list[str]:
    return [item["title"] for item in page["items"]]


async def test_empty_list(client: AsyncClient) -> None:
    assert await list_tasks(client) == {"items": [], "total": 0, "skip": 0, "limit": 20}


async def test_default_order_is_newest_first(client: AsyncClient) -> None:
    for title in ("first", "second", "third"):
        await create_task(client, title=title)
    assert titles(await list_tasks(client)) == ["third", "second", "first"]


async def test_items_have_the_full_task_shape(client: AsyncClient) -> None:
    task = await create_task(
        client, title="Shape", description="d", due_date="2031-05-01T08:00:00Z"
    )
    assert (await list_tasks(client))["items"] == [task]


async def test_filter_by_status_and_priority(client: AsyncClient) -> None:
    await create_task(client, title="pending-1", priority=1)
    await create_task(client, title="done-5", status="completed", priority=5)
    await create_task(client, title="done-1", status="completed", priority=1)

    assert titles(await list_tasks(client, status="completed")) == ["done-1", "done-5"]
    assert titles(await list_tasks(client, priority=1)) == ["done-1", "pending-1"]
    page = await list_tasks(client, status="completed", priority=5)
    assert titles(page) == ["done-5"]
    assert page["total"] == 1


async def test_search_is_case_insensitive_in_title_and_description(client: AsyncClient) -> None:
    await create_task(client, title="Buy MILK")
    await create_task(client, title="Groceries", description="milk and bread")
    await create_task(client, title="Unrelated", description="nothing here")

    page = await list_tasks(client, search="Milk")

    assert sorted(titles(page)) == ["Buy MILK", "Groceries"]
    assert page["total"] == 2


async def test_search_treats_wildcards_literally(client: AsyncClient) -> None:
    await create_task(client, title="100% done")
    await create_task(client, title="100 percent")
    await create_task(client, title="snake_case")
    await create_task(client, title="snakeXcase")

    assert titles(await list_tasks(client, search="100%")) == ["100% done"]
    assert titles(await list_tasks(client, search="e_c")) == ["snake_case"]


@pytest.mark.parametrize(
    ("sort_by", "order", "expected"),
    [
        ("priority", "asc", ["low", "mid", "high"]),
        ("priority", "desc", ["high", "mid", "low"]),
        ("title", "asc", ["high", "low", "mid"]),
        ("title", "desc", ["mid", "low", "high"]),
        ("created_at", "asc", ["mid", "high", "low"]),
        ("due_date", "asc", ["high", "low", "mid"]),
        ("due_date", "desc", ["low", "high", "mid"]),
    ],
)
async def test_sorting(client: AsyncClient, sort_by: str, order: str, expected: list[str]) -> None:
    await create_task(client, title="mid", priority=3)
    await create_task(client, title="high", priority=5, due_date="2030-01-01T00:00:00Z")
    await create_task(client, title="low", priority=1, due_date="2030-06-01T00:00:00Z")

    # Tasks without a due date come last in either direction.
    assert titles(await list_tasks(client, sort_by=sort_by, order=order)) == expected


async def test_sorting_by_updated_at(client: AsyncClient) -> None:
    older = await create_task(client, title="older")
    await create_task(client, title="newer")
    await client.patch(f"{TASKS_URL}/{older['id']}", json={"priority": 2})
    assert titles(await list_tasks(client, sort_by="updated_at")) == ["older", "newer"]


async def test_ties_are_broken_by_id_so_paging_is_stable(client: AsyncClient) -> None:
    created = [await create_task(client, title=f"task {number}", priority=2) for number in range(7)]
    ids = [task["id"] for task in created]

    pages = [
        await list_tasks(client, sort_by="priority", order="asc", skip=skip, limit=3)
        for skip in (0, 3, 6)
    ]

    assert [item["id"] for page in pages for item in page["items"]] == ids
    desc = await list_tasks(client, sort_by="priority", order="desc", limit=100)
    assert [item["id"] for item in desc["items"]] == ids[::-1]


async def test_paging_reports_total_skip_and_limit(client: AsyncClient) -> None:
    for number in range(5):
        await create_task(client, title=f"task {number}")

    page = await list_tasks(client, skip=1, limit=2)

    assert titles(page) == ["task 3", "task 2"]
    assert (page["total"], page["skip"], page["limit"]) == (5, 1, 2)
    # The last page is not full: the total follows from where it ends.
    last = await list_tasks(client, skip=3, limit=10)
    assert (titles(last), last["total"]) == (["task 1", "task 0"], 5)


async def test_skip_past_the_end_gives_an_empty_page_with_the_total(client: AsyncClient) -> None:
    await create_task(client)
    page = await list_tasks(client, skip=10)
    assert page["items"] == []
    assert page["total"] == 1


async def test_limit_bounds(client: AsyncClient) -> None:
    for number in range(3):
        await create_task(client, title=f"task {number}")
    assert len((await list_tasks(client, limit=1))["items"]) == 1
    assert (await list_tasks(client, limit=100))["limit"] == 100


@pytest.mark.parametrize(
    "params",
    [
        {"limit": 0},
        {"limit": 101},
        {"limit": "ten"},
        {"skip": -1},
        {"skip": 2**31},
        {"skip": 2**63},
        {"priority": 0},
        {"priority": 6},
        {"status": "done"},
        {"sort_by": "owner"},
        {"order": "up"},
        {"search": ""},
        pytest.param({"search": "a\x00b"}, id="search-with-nul"),
    ],
    ids=lambda params: "-".join(f"{key}={value}" for key, value in params.items()),
)
async def test_invalid_query_parameters_are_422(
    client: AsyncClient, params: dict[str, Any]
) -> None:
    response = await client.get(TASKS_URL, params=params)
    assert response.status_code == 422
    (error,) = response.json()["detail"]
    assert error["loc"] == ["query", next(iter(params))]

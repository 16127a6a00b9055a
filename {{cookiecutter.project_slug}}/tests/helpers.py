"""Small helpers shared by the API tests."""

from typing import Any

from fastapi.testclient import TestClient

TASKS_URL = "/api/v1/tasks"


def create_task(client: TestClient, **fields: Any) -> dict[str, Any]:
    body = {"title": "A task", **fields}
    response = client.post(TASKS_URL, json=body)
    assert response.status_code == 201, response.text
    task: dict[str, Any] = response.json()
    return task


def task_url(task_id: int | str) -> str:
    return f"{TASKS_URL}/{task_id}"

"""Liveness and readiness probes, with the database up and down."""

from collections.abc import AsyncIterator

import pytest
from httpx2 import AsyncClient

from {{ cookiecutter.package_name }}.factory import create_app

from .helpers import TASKS_URL, make_settings, serve

pytestmark = pytest.mark.anyio


@pytest.fixture
async def client_without_database(
    unreachable_database_url: str, auth_headers: dict[str, str]
) -> AsyncIterator[AsyncClient]:
    settings = make_settings(unreachable_database_url)
    async with serve(create_app(settings), headers=auth_headers) as client:
        yield client


async def test_liveness_touches_nothing(client_without_database: AsyncClient) -> None:
    response = await client_without_database.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_ready_when_the_database_answers(client: AsyncClient) -> None:
    response = await client.get("/health/ready")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok"{% if cookiecutter.rate_limiting == "redis" %}, "redis": "ok"{% endif %}},
    }


async def test_not_ready_names_the_database(client_without_database: AsyncClient) -> None:
    response = await client_without_database.get("/health/ready")
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "checks": {"database": "unavailable"{% if cookiecutter.rate_limiting == "redis" %}, "redis": "ok"{% endif %}},
    }


async def test_api_answers_503_not_500_when_the_database_is_down(
    client_without_database: AsyncClient,
) -> None:
    response = await client_without_database.get(TASKS_URL)
    assert response.status_code == 503
    assert response.json() == {"detail": "Service temporarily unavailable"}
    assert response.headers["retry-after"] == "5"

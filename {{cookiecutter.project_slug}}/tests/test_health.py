"""Liveness and readiness probes, with the database up and down."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from {{ cookiecutter.package_name }}.factory import create_app

from .helpers import TASKS_URL, make_settings


@pytest.fixture
def client_without_database(
    unreachable_database_url: str, auth_headers: dict[str, str]
) -> Iterator[TestClient]:
    settings = make_settings(unreachable_database_url)
    with TestClient(create_app(settings), headers=auth_headers) as client:
        yield client


def test_liveness_touches_nothing(client_without_database: TestClient) -> None:
    response = client_without_database.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_ready_when_the_database_answers(client: TestClient) -> None:
    response = client.get("/health/ready")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok"{% if cookiecutter.rate_limiting == "redis" %}, "redis": "ok"{% endif %}},
    }


def test_not_ready_names_the_database(client_without_database: TestClient) -> None:
    response = client_without_database.get("/health/ready")
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "checks": {"database": "unavailable"{% if cookiecutter.rate_limiting == "redis" %}, "redis": "ok"{% endif %}},
    }


def test_api_answers_503_not_500_when_the_database_is_down(
    client_without_database: TestClient,
) -> None:
    response = client_without_database.get(TASKS_URL)
    assert response.status_code == 503
    assert response.json() == {"detail": "Service temporarily unavailable"}
    assert response.headers["retry-after"] == "5"

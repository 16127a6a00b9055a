"""API-key authentication: every /api/v1 route needs a configured X-API-Key."""

from pathlib import Path

import pytest
from fastapi import FastAPI
from httpx2 import AsyncClient
from starlette.requests import Request

from {{ cookiecutter.package_name }}.api.api_key import matching_key, rate_limit_identity
from {{ cookiecutter.package_name }}.config import load_settings
from {{ cookiecutter.package_name }}.settings_errors import InvalidSettingsError

from .auth_api_key_helpers import TEST_API_KEYS
from .helpers import TASKS_URL, create_task, task_url

pytestmark = pytest.mark.anyio


def request_with_key(app: FastAPI, key: str) -> Request:
    return Request({"type": "http", "app": app, "headers": [(b"x-api-key", key.encode())]})


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("GET", TASKS_URL),
        ("POST", TASKS_URL),
        ("GET", task_url(1)),
        ("PUT", task_url(1)),
        ("PATCH", task_url(1)),
        ("DELETE", task_url(1)),
    ],
)
async def test_every_api_route_needs_a_key(
    anonymous_client: AsyncClient, method: str, url: str
) -> None:
    response = await anonymous_client.request(method, url, json={"title": "t"})
    assert response.status_code == 401
    assert response.json() == {"detail": "Missing or invalid X-API-Key header"}


@pytest.mark.parametrize(
    "key",
    ["wrong", TEST_API_KEYS[0][:-1], TEST_API_KEYS[0] + "x", TEST_API_KEYS[0].upper(), " "],
    ids=["wrong", "prefix", "longer", "upper-case", "blank"],
)
async def test_a_wrong_key_is_401(anonymous_client: AsyncClient, key: str) -> None:
    response = await anonymous_client.get(TASKS_URL, headers={"X-API-Key": key})
    assert response.status_code == 401
    assert response.json() == {"detail": "Missing or invalid X-API-Key header"}


@pytest.mark.parametrize("key", TEST_API_KEYS, ids=["current", "next"])
async def test_every_configured_key_works_so_keys_rotate_without_downtime(
    anonymous_client: AsyncClient, key: str
) -> None:
    headers = {"X-API-Key": key}
    created = await anonymous_client.post(TASKS_URL, json={"title": "rotated"}, headers=headers)
    assert created.status_code == 201
    assert (await anonymous_client.get(TASKS_URL, headers=headers)).json()["total"] == 1


async def test_health_routes_stay_open(anonymous_client: AsyncClient) -> None:
    assert (await anonymous_client.get("/health")).status_code == 200
    assert (await anonymous_client.get("/health/ready")).status_code == 200


async def test_the_key_travels_in_the_default_client(client: AsyncClient) -> None:
    task = await create_task(client)
    assert (await client.get(task_url(task["id"]))).status_code == 200


def test_matching_key() -> None:
    assert matching_key(TEST_API_KEYS[1], TEST_API_KEYS) == TEST_API_KEYS[1]
    assert matching_key("nope", TEST_API_KEYS) is None
    assert matching_key(None, TEST_API_KEYS) is None
    assert matching_key(TEST_API_KEYS[0], []) is None


def test_rate_limit_identity_is_a_fingerprint_of_the_key(app: FastAPI) -> None:
    settings = app.state.settings
    first = rate_limit_identity(request_with_key(app, TEST_API_KEYS[0]), settings)
    second = rate_limit_identity(request_with_key(app, TEST_API_KEYS[1]), settings)
    assert first is not None
    assert first.startswith("key:")
    assert TEST_API_KEYS[0] not in first
    assert first != second
    assert rate_limit_identity(request_with_key(app, "wrong"), settings) is None


async def test_openapi_documents_the_key(client: AsyncClient) -> None:
    schema = (await client.get("/openapi.json")).json()
    (scheme,) = schema["components"]["securitySchemes"].values()
    assert scheme == {"type": "apiKey", "in": "header", "name": "X-API-Key"}
    assert "401" in schema["paths"][TASKS_URL]["get"]["responses"]


@pytest.fixture
def production(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ENVIRONMENT", "production")
    return monkeypatch


@pytest.mark.parametrize(
    ("api_keys", "reason"),
    [
        ("", "at least one key is required in production"),
        ("change-me", "is a placeholder"),
        (f"{TEST_API_KEYS[0]},change-me", "is a placeholder"),
        ("k" * 31, "must be at least 32 characters long"),
    ],
    ids=["missing", "placeholder", "one-placeholder", "short"],
)
def test_production_refuses_weak_keys(
    production: pytest.MonkeyPatch, api_keys: str, reason: str
) -> None:
    production.setenv("API_KEYS", api_keys)
    with pytest.raises(InvalidSettingsError, match=f"^Invalid configuration: API_KEYS: {reason}"):
        load_settings()


def test_keys_are_a_comma_separated_list(production: pytest.MonkeyPatch) -> None:
    production.setenv("API_KEYS", f" {TEST_API_KEYS[0]} , {TEST_API_KEYS[1]} ")
    assert load_settings().api_keys == TEST_API_KEYS

"""Cross-cutting behaviour: request ids, logging, errors, CORS and the API docs."""

import gc
import json
import logging

import pytest
from fastapi import FastAPI
from httpx2 import AsyncClient

from {{ cookiecutter.package_name }}.config import LogFormat
from {{ cookiecutter.package_name }}.factory import create_app
from {{ cookiecutter.package_name }}.gc_tuning import YOUNG_GENERATION_THRESHOLD
from {{ cookiecutter.package_name }}.settings_base import Environment

from .helpers import TASKS_URL, make_settings, serve

pytestmark = pytest.mark.anyio


async def test_every_response_gets_a_request_id(client: AsyncClient) -> None:
    first = (await client.get("/health")).headers["x-request-id"]
    second = (await client.get("/nowhere")).headers["x-request-id"]
    assert len(first) == 32
    assert first != second


async def test_a_sane_caller_request_id_is_kept(client: AsyncClient) -> None:
    response = await client.get("/health", headers={"X-Request-ID": "req-42.retry:1"})
    assert response.headers["x-request-id"] == "req-42.retry:1"


@pytest.mark.parametrize("supplied", ["x" * 129, "evil\tid", "a b", "<script>"])
async def test_an_unsafe_caller_request_id_is_replaced(client: AsyncClient, supplied: str) -> None:
    response = await client.get("/health", headers={"X-Request-ID": supplied})
    assert response.headers["x-request-id"] != supplied
    assert len(response.headers["x-request-id"]) == 32


async def test_each_request_is_logged_once(
    client: AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO):
        await client.get(TASKS_URL, headers={"X-Request-ID": "logged-1"})
    access = [record for record in caplog.records if record.name.endswith(".access")]
    assert len(access) == 1
    record = access[0]
    assert record.__dict__["method"] == "GET"
    assert record.__dict__["path"] == TASKS_URL
    assert record.__dict__["status_code"] == 200
    assert record.__dict__["duration_ms"] >= 0
    assert record.__dict__["request_id"] == "logged-1"


async def test_json_logs(database_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    app = create_app(make_settings(database_url, log_format=LogFormat.JSON))
    async with serve(app) as client:
        await client.get("/health", headers={"X-Request-ID": "json-1"})
    lines = [
        json.loads(line) for line in capsys.readouterr().err.splitlines() if line.startswith("{")
    ]
    access = [line for line in lines if line["name"].endswith(".access")]
    assert access
    assert access[-1]["request_id"] == "json-1"
    assert access[-1]["status_code"] == 200
    assert access[-1]["level"] == "INFO"


def failing_app(database_url: str) -> FastAPI:
    app = create_app(make_settings(database_url))

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret internals")

    return app


async def test_unexpected_errors_are_a_bare_500_logged_with_the_request_id(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    async with serve(failing_app(database_url)) as client:
        with caplog.at_level(logging.ERROR):
            response = await client.get("/boom", headers={"X-Request-ID": "trace-me"})

    assert response.status_code == 500
    assert response.json() == {"detail": "Internal Server Error"}
    assert "secret internals" not in response.text
    assert response.headers["x-request-id"] == "trace-me"
    (record,) = [record for record in caplog.records if record.levelno == logging.ERROR]
    assert record.__dict__["request_id"] == "trace-me"
    assert record.exc_info is not None
    assert "secret internals" in str(record.exc_info[1])


async def test_cors_allows_only_configured_origins(database_url: str) -> None:
    app = create_app(make_settings(database_url, cors_origins=["https://app.example.com"]))
    preflight = {"Access-Control-Request-Method": "POST"}

    async with serve(app) as client:
        allowed = await client.options(
            TASKS_URL, headers={"Origin": "https://app.example.com", **preflight}
        )
        denied = await client.options(
            TASKS_URL, headers={"Origin": "https://evil.example.com", **preflight}
        )

    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == "https://app.example.com"
    assert "access-control-allow-origin" not in denied.headers


# Request headers a browser may always send across origins (the Fetch standard's
# CORS-safelisted ones), which Starlette allows besides the configured ones.
SAFELISTED_HEADERS = {"accept", "accept-language", "content-language", "content-type"}


async def test_cors_allows_exactly_the_request_headers_the_api_reads(
    database_url: str, auth_headers: dict[str, str]
) -> None:
    """The request id, and the credentials header of this project's authentication only."""
    app = create_app(make_settings(database_url, cors_origins=["https://app.example.com"]))
    expected = {*SAFELISTED_HEADERS, "x-request-id", *(name.lower() for name in auth_headers)}
    preflight = {
        "Origin": "https://app.example.com",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": ", ".join(sorted(expected)),
    }

    async with serve(app) as client:
        response = await client.options(TASKS_URL, headers=preflight)

    assert response.status_code == 200, response.text
    allowed = response.headers["access-control-allow-headers"].lower().split(", ")
    assert set(allowed) == expected


async def test_no_cors_by_default(client: AsyncClient) -> None:
    origin = {"Origin": "https://app.example.com"}
    response = await client.get(TASKS_URL, headers=origin)
    preflight = await client.options(
        TASKS_URL, headers={**origin, "Access-Control-Request-Method": "POST"}
    )

    assert "access-control-allow-origin" not in response.headers
    assert preflight.status_code >= 400
    assert "access-control-allow-origin" not in preflight.headers


async def test_docs_are_served_outside_production(client: AsyncClient) -> None:
    for path in ("/docs", "/redoc", "/openapi.json"):
        assert (await client.get(path)).status_code == 200, path


async def test_docs_are_off_in_production(database_url: str) -> None:
    app = create_app(make_settings(database_url, environment=Environment.PRODUCTION))
    async with serve(app) as client:
        for path in ("/docs", "/redoc", "/openapi.json"):
            assert (await client.get(path)).status_code == 404, path


async def test_openapi_documents_every_status_code(client: AsyncClient) -> None:
    paths = (await client.get("/openapi.json")).json()["paths"]
    expected = {
        ("/api/v1/tasks", "post"): {"201", "400", "413", "422"},
        ("/api/v1/tasks", "get"): {"200", "422"},
        ("/api/v1/tasks/{task_id}", "get"): {"200", "404", "422"},
        ("/api/v1/tasks/{task_id}", "put"): {"200", "400", "404", "413", "422"},
        ("/api/v1/tasks/{task_id}", "patch"): {"200", "400", "404", "413", "422"},
        ("/api/v1/tasks/{task_id}", "delete"): {"204", "404", "422"},
        ("/health/ready", "get"): {"200", "503"},
    }
    for (path, method), codes in expected.items():
        documented = set(paths[path][method]["responses"])
        assert codes | {"500"} <= documented, (path, method, documented)


def test_main_module_builds_the_app_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, database_url: str
) -> None:
    import importlib

    from {{ cookiecutter.package_name }} import config

    monkeypatch.setenv("ENVIRONMENT", "test")
    monkeypatch.setenv("DATABASE_URL", database_url)
    config.get_settings.cache_clear()
    thresholds, frozen = gc.get_threshold(), gc.get_freeze_count()
    try:
        main = importlib.import_module("{{ cookiecutter.package_name }}.main")
        assert isinstance(main.app, FastAPI)
        assert main.app.state.settings.environment is Environment.TEST
        # The serving process's garbage collector is tuned (see gc_tuning).
        assert gc.get_freeze_count() > frozen
        assert gc.get_threshold()[0] == YOUNG_GENERATION_THRESHOLD
    finally:
        gc.unfreeze()
        gc.set_threshold(*thresholds)
        config.get_settings.cache_clear()

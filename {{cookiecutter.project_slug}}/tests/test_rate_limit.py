"""Rate limiting: the budget, the headers, whose budget a request uses, and what is exempt."""

import re
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any

import pytest
from httpx2 import AsyncClient

from {{ cookiecutter.package_name }}.config import Settings, load_settings
from {{ cookiecutter.package_name }}.factory import create_app
from {{ cookiecutter.package_name }}.rate_limit.headers import RATE_LIMIT_HEADERS
from {{ cookiecutter.package_name }}.settings_errors import InvalidSettingsError

from .auth_{{ cookiecutter.auth }}_helpers import ANONYMOUS_STATUS
from .helpers import TASKS_URL, make_settings, serve, task_url

pytestmark = pytest.mark.anyio

CLIENT_ADDRESS = "203.0.113.10"
PROXY_ADDRESS = "10.0.0.9"
# Requests that are counted, then refused: method, URL, JSON body and the answer.
COUNTED_ERRORS: dict[str, tuple[str, str, dict[str, Any] | None, int]] = {
    "unknown-task": ("GET", task_url(999_999), None, 404),
    "invalid-body": ("POST", TASKS_URL, {"title": ""}, 422),
    "invalid-id": ("DELETE", task_url(0), None, 422),
}


def client_from(
    database_url: str, address: str = CLIENT_ADDRESS, **overrides: object
) -> AbstractAsyncContextManager[AsyncClient]:
    """A client of a new app with the given settings, connecting from ``address``."""
    return serve(create_app(make_settings(database_url, **overrides)), client=(address, 50000))


async def test_the_request_over_the_limit_is_refused_with_429(
    database_url: str, auth_headers: dict[str, str]
) -> None:
    async with client_from(database_url, rate_limit_default="3/minute") as client:
        within = [await client.get(TASKS_URL, headers=auth_headers) for _ in range(3)]
        refused = await client.get(TASKS_URL, headers=auth_headers)

    assert [response.status_code for response in within] == [200, 200, 200]
    assert refused.status_code == 429
    assert refused.json() == {"detail": "Rate limit exceeded: 3 per 1 minute"}
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert refused.headers["x-ratelimit-limit"] == "3"
    assert refused.headers["x-ratelimit-remaining"] == "0"
    assert refused.headers["x-ratelimit-reset"] == refused.headers["retry-after"]


async def test_every_method_is_counted_and_answered_with_the_headers(
    database_url: str, auth_headers: dict[str, str]
) -> None:
    async with client_from(database_url, rate_limit_default="4/minute") as client:
        created = await client.post(TASKS_URL, json={"title": "Counted"}, headers=auth_headers)
        url = task_url(created.json()["id"])
        responses = [
            created,
            await client.get(url, headers=auth_headers),
            await client.patch(url, json={"priority": 2}, headers=auth_headers),
            await client.delete(url, headers=auth_headers),
        ]
        refused = await client.get(TASKS_URL, headers=auth_headers)

    assert [response.status_code for response in responses] == [201, 200, 200, 204]
    assert [response.headers["x-ratelimit-remaining"] for response in responses] == [
        "3",
        "2",
        "1",
        "0",
    ]
    for response in responses:
        assert response.headers["x-ratelimit-limit"] == "4"
        assert 1 <= int(response.headers["x-ratelimit-reset"]) <= 60
        assert "retry-after" not in response.headers
    assert refused.status_code == 429


@pytest.mark.parametrize(
    ("method", "url", "body", "status_code"), COUNTED_ERRORS.values(), ids=COUNTED_ERRORS.keys()
)
async def test_error_answers_carry_the_headers(
    database_url: str,
    auth_headers: dict[str, str],
    method: str,
    url: str,
    body: dict[str, Any] | None,
    status_code: int,
) -> None:
    async with client_from(database_url, rate_limit_default="5/minute") as client:
        response = await client.request(method, url, json=body, headers=auth_headers)

    assert response.status_code == status_code
    assert response.headers["x-ratelimit-limit"] == "5"
    assert response.headers["x-ratelimit-remaining"] == "4"


async def test_anonymous_requests_carry_the_headers(database_url: str) -> None:
    async with client_from(database_url, rate_limit_default="5/minute") as client:
        responses = [await client.get(TASKS_URL) for _ in range(2)]

    assert [response.status_code for response in responses] == [ANONYMOUS_STATUS] * 2
    assert [response.headers["x-ratelimit-remaining"] for response in responses] == ["4", "3"]


async def test_health_routes_are_never_limited(
    database_url: str, auth_headers: dict[str, str]
) -> None:
    async with client_from(database_url, rate_limit_default="1/minute") as client:
        probes = [await client.get(path) for path in ("/health", "/health/ready") * 3]
        api = await client.get(TASKS_URL, headers=auth_headers)

    for probe in probes:
        assert probe.status_code == 200
        assert "x-ratelimit-limit" not in probe.headers
    # The probes took nothing from the API's budget.
    assert api.status_code == 200
    assert api.headers["x-ratelimit-remaining"] == "0"
{%- if cookiecutter.auth == "jwt" %}


async def test_registration_and_log_in_share_the_stricter_auth_limit(database_url: str) -> None:
    account = {"email": "new@example.com", "password": "correct horse battery staple"}
    form = {"username": account["email"], "password": account["password"]}
    guess = {**form, "password": "a guess"}
    async with client_from(database_url, rate_limit_auth="3/minute") as client:
        registered = await client.post("/api/v1/auth/register", json=account)
        logged_in = await client.post("/api/v1/auth/token", data=form)
        wrong_password = await client.post("/api/v1/auth/token", data=guess)
        refused = await client.post("/api/v1/auth/token", data=guess)
        token = {"Authorization": f"Bearer {logged_in.json()['access_token']}"}
        tasks = await client.get(TASKS_URL, headers=token)
        me = await client.get("/api/v1/users/me", headers=token)

    assert (registered.status_code, logged_in.status_code) == (201, 200)
    assert registered.headers["x-ratelimit-limit"] == "3"
    assert registered.headers["x-ratelimit-remaining"] == "2"
    assert logged_in.headers["x-ratelimit-remaining"] == "1"
    assert wrong_password.status_code == 401
    assert wrong_password.headers["x-ratelimit-remaining"] == "0"
    assert refused.status_code == 429
    assert refused.json() == {"detail": "Rate limit exceeded: 3 per 1 minute"}
    # The rest of the API keeps its own, larger budget.
    assert tasks.status_code == me.status_code == 200
    assert tasks.headers["x-ratelimit-limit"] == me.headers["x-ratelimit-limit"] == "100"
{%- endif %}


async def test_each_client_address_has_its_own_budget(database_url: str) -> None:
    app = create_app(make_settings(database_url, rate_limit_default="1/minute"))
    async with serve(app, client=("203.0.113.1", 50000)) as first:
        statuses = [(await first.get(TASKS_URL)).status_code for _ in range(2)]
    async with serve(app, client=("203.0.113.2", 50000)) as second:
        other = (await second.get(TASKS_URL)).status_code

    assert statuses == [ANONYMOUS_STATUS, 429]
    assert other == ANONYMOUS_STATUS
{%- if cookiecutter.auth != "none" %}


async def test_each_authenticated_client_has_its_own_budget_wherever_it_connects_from(
    database_url: str, auth_headers: dict[str, str], other_auth_headers: dict[str, str]
) -> None:
    app = create_app(make_settings(database_url, rate_limit_default="1/minute"))
    async with serve(app, client=("203.0.113.1", 50000)) as client:
        statuses = [
            (await client.get(TASKS_URL, headers=auth_headers)).status_code for _ in range(2)
        ]
        other = (await client.get(TASKS_URL, headers=other_auth_headers)).status_code
        anonymous = (await client.get(TASKS_URL)).status_code
    async with serve(app, client=("203.0.113.2", 50000)) as elsewhere:
        moved = (await elsewhere.get(TASKS_URL, headers=auth_headers)).status_code

    assert statuses == [200, 429]
    # Same address, another client's credentials, and none at all: three separate budgets.
    assert other == 200
    assert anonymous == ANONYMOUS_STATUS
    # A new address does not buy a fresh budget.
    assert moved == 429
{%- endif %}


async def test_forwarded_for_is_ignored_by_default(database_url: str) -> None:
    async with client_from(database_url, PROXY_ADDRESS, rate_limit_default="1/minute") as client:
        first = await client.get(TASKS_URL, headers={"X-Forwarded-For": "198.51.100.1"})
        forged = await client.get(TASKS_URL, headers={"X-Forwarded-For": "198.51.100.2"})

    assert first.status_code == ANONYMOUS_STATUS
    # Inventing an address does not buy a fresh budget.
    assert forged.status_code == 429


async def test_forwarded_for_is_honoured_from_a_trusted_proxy_only(database_url: str) -> None:
    settings = make_settings(
        database_url, rate_limit_default="1/minute", trusted_proxies=f"10.0.0.1, {PROXY_ADDRESS}"
    )
    app = create_app(settings)
    async with serve(app, client=(PROXY_ADDRESS, 50000)) as proxy:
        statuses = [
            (await proxy.get(TASKS_URL, headers={"X-Forwarded-For": address})).status_code
            for address in ("198.51.100.1", "198.51.100.2", "198.51.100.1")
        ]
    async with serve(app, client=(CLIENT_ADDRESS, 50000)) as direct:
        forged = [
            (await direct.get(TASKS_URL, headers={"X-Forwarded-For": address})).status_code
            for address in ("198.51.100.3", "198.51.100.4")
        ]

    assert statuses == [ANONYMOUS_STATUS, ANONYMOUS_STATUS, 429]
    assert forged == [ANONYMOUS_STATUS, 429]


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("RATE_LIMIT_DEFAULT", "lots"),
        ("RATE_LIMIT_DEFAULT", "100/fortnight"),
        ("RATE_LIMIT_DEFAULT", "0/minute"),
{%- if cookiecutter.auth == "jwt" %}
        ("RATE_LIMIT_AUTH", "5 per"),
{%- endif %}
    ],
)
def test_an_invalid_rate_limit_stops_start_up_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, variable: str, value: str
) -> None:
    monkeypatch.chdir(tmp_path)
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)
    monkeypatch.setenv("ENVIRONMENT", "test")
    monkeypatch.setenv(variable, value)

    expected = f"^Invalid configuration: {variable}: {re.escape(repr(value))} "
    with pytest.raises(InvalidSettingsError, match=expected):
        load_settings()


async def test_openapi_documents_the_429(client: AsyncClient) -> None:
    paths = (await client.get("/openapi.json")).json()["paths"]
    api = [
        operation
        for path, operations in paths.items()
        if path.startswith("/api/")
        for operation in operations.values()
    ]
    assert api
    for operation in api:
        assert "retry-after" in {name.lower() for name in operation["responses"]["429"]["headers"]}
    assert "429" not in paths["/health"]["get"]["responses"]
    assert "429" not in paths["/health/ready"]["get"]["responses"]


async def test_browsers_may_read_the_rate_limit_headers(
    database_url: str, auth_headers: dict[str, str]
) -> None:
    origin = "https://app.example.com"
    async with client_from(database_url, cors_origins=[origin]) as client:
        response = await client.get(TASKS_URL, headers={"Origin": origin, **auth_headers})

    exposed = response.headers["access-control-expose-headers"].lower().replace(" ", "").split(",")
    assert {"retry-after", *(name.lower() for name in RATE_LIMIT_HEADERS)} <= set(exposed)

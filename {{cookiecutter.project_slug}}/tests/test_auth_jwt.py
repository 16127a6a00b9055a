"""JWT authentication: registration, log-in, tokens, and per-user tasks."""

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import anyio
import jwt
import pytest
from fastapi import FastAPI
from httpx2 import AsyncClient
from sqlalchemy import Connection, delete, func, select
from starlette.requests import Request

from {{ cookiecutter.package_name }} import security
from {{ cookiecutter.package_name }}.config import Settings, load_settings
from {{ cookiecutter.package_name }}.models import Task
from {{ cookiecutter.package_name }}.security import ALGORITHM, rate_limit_identity
from {{ cookiecutter.package_name }}.settings_base import Environment
from {{ cookiecutter.package_name }}.settings_errors import InvalidSettingsError
from {{ cookiecutter.package_name }}.user_models import User

from .auth_jwt_helpers import TEST_PASSWORD, bearer_headers, insert_user
from .helpers import TASKS_URL, BlockingDatabase, create_task, task_url

pytestmark = pytest.mark.anyio

REGISTER_URL = "/api/v1/auth/register"
TOKEN_URL = "/api/v1/auth/token"
ME_URL = "/api/v1/users/me"


async def register(
    client: AsyncClient, email: str, password: str = TEST_PASSWORD
) -> dict[str, Any]:
    response = await client.post(REGISTER_URL, json={"email": email, "password": password})
    assert response.status_code == 201, response.text
    user: dict[str, Any] = response.json()
    return user


async def log_in(client: AsyncClient, email: str, password: str = TEST_PASSWORD) -> dict[str, str]:
    response = await client.post(TOKEN_URL, data={"username": email, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def sign_token(claims: dict[str, Any], key: str, algorithm: str = ALGORITHM) -> str:
    return jwt.encode(claims, key, algorithm=algorithm)


def valid_claims(user_id: int, **changes: Any) -> dict[str, Any]:
    now = datetime.now(UTC)
    return {"sub": str(user_id), "iat": now, "exp": now + timedelta(minutes=5), **changes}


async def test_register_returns_the_user_without_secrets(anonymous_client: AsyncClient) -> None:
    user = await register(anonymous_client, "Ada@Example.COM")
    assert set(user) == {"id", "email", "is_active", "created_at"}
    assert user["email"] == "ada@example.com"
    assert user["is_active"] is True


async def test_register_refuses_a_taken_email_in_any_case(anonymous_client: AsyncClient) -> None:
    await register(anonymous_client, "grace@example.com")
    response = await anonymous_client.post(
        REGISTER_URL, json={"email": "GRACE@example.com", "password": TEST_PASSWORD}
    )
    assert response.status_code == 409
    assert response.json() == {"detail": "A user with this e-mail already exists"}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "a@example.com", "password": "short"}, "password"),
        ({"email": "a@example.com", "password": "x" * 129}, "password"),
        ({"email": "a@example.com", "password": 12345678}, "password"),
        ({"email": "not-an-email", "password": TEST_PASSWORD}, "email"),
        ({"password": TEST_PASSWORD}, "email"),
        ({"email": "a@example.com"}, "password"),
    ],
    ids=["short", "long", "number", "bad-email", "no-email", "no-password"],
)
async def test_register_validation(
    anonymous_client: AsyncClient, body: dict[str, Any], field: str
) -> None:
    response = await anonymous_client.post(REGISTER_URL, json=body)
    assert response.status_code == 422
    assert ["body", field] in [error["loc"] for error in response.json()["detail"]]


async def test_log_in_returns_a_bearer_token_for_the_user(anonymous_client: AsyncClient) -> None:
    user = await register(anonymous_client, "linus@example.com")
    response = await anonymous_client.post(
        TOKEN_URL, data={"username": "LINUS@example.com", "password": TEST_PASSWORD}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"
    me = await anonymous_client.get(
        ME_URL, headers={"Authorization": f"Bearer {body['access_token']}"}
    )
    assert me.status_code == 200
    assert me.json() == user


async def test_token_claims(anonymous_client: AsyncClient, settings: Settings) -> None:
    user = await register(anonymous_client, "claims@example.com")
    token = (await log_in(anonymous_client, "claims@example.com"))["Authorization"].split()[1]
    claims = jwt.decode(token, settings.secret_key, algorithms=[ALGORITHM])
    assert claims["sub"] == str(user["id"])
    lifetime = claims["exp"] - claims["iat"]
    assert lifetime == settings.access_token_expire_minutes * 60


@pytest.mark.parametrize(
    ("username", "password"),
    [
        ("nobody@example.com", TEST_PASSWORD),
        ("known@example.com", "wrong password"),
        # No address holds U+0000, and PostgreSQL cannot compare one that does.
        ("known\x00@example.com", TEST_PASSWORD),
    ],
    ids=["unknown-email", "wrong-password", "nul-in-email"],
)
async def test_wrong_credentials_get_the_same_401(
    anonymous_client: AsyncClient, username: str, password: str
) -> None:
    await register(anonymous_client, "known@example.com")
    response = await anonymous_client.post(
        TOKEN_URL, data={"username": username, "password": password}
    )
    assert response.status_code == 401
    assert response.json() == {"detail": "Incorrect e-mail or password"}
    assert response.headers["www-authenticate"] == "Bearer"


async def test_an_unknown_email_still_costs_a_password_verification(
    anonymous_client: AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Answering faster for unknown addresses would tell attackers which accounts exist."""
    verified: list[str] = []
    original = security.password_hash.verify

    def counting_verify(password: str, hashed: str) -> bool:
        verified.append(password)
        return original(password, hashed)

    monkeypatch.setattr(security.password_hash, "verify", counting_verify)
    response = await anonymous_client.post(
        TOKEN_URL, data={"username": "nobody@example.com", "password": "guess-123"}
    )
    assert response.status_code == 401
    assert verified == ["guess-123"]


async def test_a_log_in_that_finds_no_free_hashing_thread_gets_503(
    anonymous_client: AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A flood of log-ins waits for Argon2 a bounded time, then is told to retry."""
    await register(anonymous_client, "busy@example.com")
    credentials = {"username": "busy@example.com", "password": TEST_PASSWORD}
    monkeypatch.setattr(security, "HASHING_WAIT_SECONDS", 0.05)
    # Every hashing thread busy, the way other log-ins would keep them.
    others = [object() for _ in range(int(security.hashing_threads.total_tokens))]
    for other in others:
        security.hashing_threads.acquire_on_behalf_of_nowait(other)
    try:
        # Answered when the wait is over: no thread would free up before this returns.
        with anyio.fail_after(5):
            refused = await anonymous_client.post(TOKEN_URL, data=credentials)
    finally:
        for other in others:
            security.hashing_threads.release_on_behalf_of(other)
    served = await anonymous_client.post(TOKEN_URL, data=credentials)

    assert refused.status_code == 503
    assert refused.json() == {"detail": "Service overloaded, retry later"}
    assert refused.headers["retry-after"] == "5"
    assert served.status_code == 200


async def test_log_in_needs_the_form_fields(anonymous_client: AsyncClient) -> None:
    response = await anonymous_client.post(TOKEN_URL, data={"username": "a@example.com"})
    assert response.status_code == 422


async def test_inactive_user_cannot_log_in_or_use_a_token(
    anonymous_client: AsyncClient,
    database: BlockingDatabase,
    password_hash: str,
    settings: Settings,
) -> None:
    user_id = database.run(
        insert_user, email="gone@example.com", hashed_password=password_hash, is_active=False
    )
    response = await anonymous_client.post(
        TOKEN_URL, data={"username": "gone@example.com", "password": TEST_PASSWORD}
    )
    assert response.status_code == 403
    assert response.json() == {"detail": "Inactive user"}
    me = await anonymous_client.get(ME_URL, headers=bearer_headers(settings, user_id))
    assert me.status_code == 403


async def test_me_needs_a_token(anonymous_client: AsyncClient) -> None:
    response = await anonymous_client.get(ME_URL)
    assert response.status_code == 401
    assert response.json() == {"detail": "Not authenticated"}
    assert response.headers["www-authenticate"] == "Bearer"


def rejected_tokens(settings: Settings, user_id: int) -> dict[str, str]:
    good = sign_token(valid_claims(user_id), settings.secret_key)
    header, payload, signature = good.split(".")
    now = datetime.now(UTC)
    an_hour_ago = now - timedelta(hours=1)
    expired = valid_claims(user_id, iat=an_hour_ago - timedelta(hours=1), exp=an_hour_ago)
    # The allowance for other replicas' clocks does not stretch the expiry.
    just_expired = valid_claims(user_id, iat=an_hour_ago, exp=now - timedelta(seconds=1))
    from_the_future = valid_claims(
        user_id, iat=now + timedelta(hours=1), exp=now + timedelta(hours=2)
    )
    return {
        "malformed": "not-a-jwt",
        "tampered": f"{header}.{payload}.{signature[::-1]}",
        "wrong-key": sign_token(valid_claims(user_id), "another-secret-" * 4),
        "expired": sign_token(expired, settings.secret_key),
        "just-expired": sign_token(just_expired, settings.secret_key),
        "issued-in-an-hour": sign_token(from_the_future, settings.secret_key),
        "hs512": sign_token(valid_claims(user_id), settings.secret_key, "HS512"),
        "alg-none": jwt.encode(valid_claims(user_id), None, algorithm="none"),
        "no-exp": sign_token({"sub": str(user_id), "iat": datetime.now(UTC)}, settings.secret_key),
        "no-sub": sign_token(
            {key: value for key, value in valid_claims(user_id).items() if key != "sub"},
            settings.secret_key,
        ),
        "sub-not-an-id": sign_token(valid_claims(user_id, sub="admin"), settings.secret_key),
        "unknown-user": sign_token(valid_claims(user_id + 1000), settings.secret_key),
    }


@pytest.mark.parametrize(
    "kind",
    [
        "malformed",
        "tampered",
        "wrong-key",
        "expired",
        "just-expired",
        "issued-in-an-hour",
        "hs512",
        "alg-none",
        "no-exp",
        "no-sub",
        "sub-not-an-id",
        "unknown-user",
    ],
)
async def test_bad_tokens_are_401(
    app: FastAPI, anonymous_client: AsyncClient, settings: Settings, user_id: int, kind: str
) -> None:
    token = rejected_tokens(settings, user_id)[kind]
    for url in (ME_URL, TASKS_URL):
        response = await anonymous_client.get(url, headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401, (kind, url)
        assert response.json() == {"detail": "Invalid or expired token"}
        assert response.headers["www-authenticate"] == "Bearer"
    # Rate limiting trusts a well-signed token without a database look-up.
    identity = rate_limit_identity_for(app, token)
    assert identity == (f"user:{user_id + 1000}" if kind == "unknown-user" else None)


async def test_a_token_from_a_replica_whose_clock_runs_ahead_is_accepted(
    anonymous_client: AsyncClient, settings: Settings, user_id: int
) -> None:
    # Issued "in the future" by this replica's clock: a second ahead is enough for PyJWT.
    claims = valid_claims(user_id, iat=datetime.now(UTC) + timedelta(seconds=5))
    token = sign_token(claims, settings.secret_key)
    response = await anonymous_client.get(ME_URL, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    assert response.json()["id"] == user_id


def test_a_token_checked_once_is_refused_when_it_expires(
    settings: Settings, user_id: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    claims = valid_claims(user_id)
    token = sign_token(claims, settings.secret_key)
    assert security.decode_access_token(token, secret_key=settings.secret_key) == user_id

    # Its signature check is remembered; its expiry is not.
    monkeypatch.setattr(security, "time", SimpleNamespace(time=claims["exp"].timestamp))
    with pytest.raises(security.InvalidTokenError, match="expired"):
        security.decode_access_token(token, secret_key=settings.secret_key)


def rate_limit_identity_for(app: Any, token: str) -> str | None:
    scope = {
        "type": "http",
        "app": app,
        "headers": [(b"authorization", f"Bearer {token}".encode())],
    }
    return rate_limit_identity(Request(scope), app.state.settings)


def test_rate_limit_identity_is_the_user(app: FastAPI, settings: Settings, user_id: int) -> None:
    token = bearer_headers(settings, user_id)["Authorization"].split()[1]
    assert rate_limit_identity_for(app, token) == f"user:{user_id}"


@pytest.mark.parametrize(
    ("method", "url"),
    [("GET", TASKS_URL), ("POST", TASKS_URL), ("GET", task_url(1)), ("PATCH", task_url(1))],
)
async def test_task_routes_need_a_user(
    anonymous_client: AsyncClient, method: str, url: str
) -> None:
    response = await anonymous_client.request(method, url, json={"title": "t"})
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


async def test_users_only_ever_see_their_own_tasks(
    client: AsyncClient, database: BlockingDatabase, password_hash: str, settings: Settings
) -> None:
    mine = await create_task(client, title="mine")
    other_id = database.run(insert_user, email="other@example.com", hashed_password=password_hash)
    other = bearer_headers(settings, other_id)
    theirs = (await client.post(TASKS_URL, json={"title": "theirs"}, headers=other)).json()

    assert [task["title"] for task in (await client.get(TASKS_URL)).json()["items"]] == ["mine"]
    assert (await client.get(TASKS_URL)).json()["total"] == 1
    assert (await client.get(TASKS_URL, params={"search": "theirs"})).json()["total"] == 0
    for method in ("GET", "PUT", "PATCH", "DELETE"):
        response = await client.request(method, task_url(theirs["id"]), json={"title": "stolen"})
        assert response.status_code == 404, method
        assert response.json() == {"detail": f"Task {theirs['id']} not found"}
    assert (await client.get(task_url(theirs["id"]), headers=other)).json() == theirs
    assert (await client.get(task_url(mine["id"]), headers=other)).status_code == 404


def delete_user_then_count_tasks(connection: Connection, user_id: int) -> int | None:
    connection.execute(delete(User).where(User.id == user_id))
    return connection.scalar(select(func.count()).select_from(Task))


async def test_deleting_a_user_deletes_their_tasks(
    client: AsyncClient, database: BlockingDatabase, user_id: int
) -> None:
    await create_task(client)
    # The database cascades the delete: SQLite only does so with foreign keys switched on.
    assert database.run(delete_user_then_count_tasks, user_id) == 0


async def test_openapi_offers_the_password_flow(client: AsyncClient) -> None:
    schema = (await client.get("/openapi.json")).json()
    schemes = schema["components"]["securitySchemes"]
    (scheme,) = schemes.values()
    assert scheme["type"] == "oauth2"
    assert scheme["flows"]["password"]["tokenUrl"] == TOKEN_URL
    tasks_get = schema["paths"][TASKS_URL]["get"]
    assert tasks_get["security"]
    assert {"401", "403"} <= set(tasks_get["responses"])
    assert "409" in schema["paths"][REGISTER_URL]["post"]["responses"]
    assert "401" in schema["paths"][TOKEN_URL]["post"]["responses"]


@pytest.mark.parametrize(
    ("secret_key", "reason"),
    [
        ("", "is required in production"),
        ("change-me", "is a placeholder"),
        ("CHANGE-ME", "is a placeholder"),
        ("x" * 31, "must be at least 32 characters long"),
    ],
    ids=["missing", "placeholder", "placeholder-upper-case", "short"],
)
def test_production_refuses_a_weak_secret_key(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any, secret_key: str, reason: str
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ENVIRONMENT", "production")
    monkeypatch.setenv("SECRET_KEY", secret_key)
    with pytest.raises(InvalidSettingsError, match=f"^Invalid configuration: SECRET_KEY: {reason}"):
        load_settings()


def test_production_accepts_a_strong_secret_key(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ENVIRONMENT", "production")
    monkeypatch.setenv("SECRET_KEY", "s" * 32)
    monkeypatch.setenv("ACCESS_TOKEN_EXPIRE_MINUTES", "15")
    settings = load_settings()
    assert settings.secret_key == "s" * 32
    assert settings.access_token_expire_minutes == 15


def test_development_without_a_secret_key_gets_a_random_one() -> None:
    first = Settings(_env_file=None, environment=Environment.DEVELOPMENT)
    second = Settings(_env_file=None, environment=Environment.DEVELOPMENT)
    assert len(first.secret_key) >= 32
    assert first.secret_key != second.secret_key

"""JWT auth: test users, their credentials, and cheap password hashing."""

from collections.abc import Iterator

import pytest
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from {{ cookiecutter.package_name }} import security
from {{ cookiecutter.package_name }}.config import Settings

from .auth_jwt_helpers import TEST_PASSWORD, bearer_headers, insert_user
from .helpers import BlockingDatabase


@pytest.fixture(scope="session", autouse=True)
def _fast_password_hashing() -> Iterator[None]:
    """Argon2 at its recommended cost takes tens of milliseconds per hash, on purpose.
    The tests hash and verify with the same algorithm at its lowest cost instead."""
    with pytest.MonkeyPatch.context() as patch:
        cheap = Argon2Hasher(time_cost=1, memory_cost=8, parallelism=1)
        patch.setattr(security, "password_hash", PasswordHash((cheap,)))
        yield


@pytest.fixture(scope="session")
def password_hash() -> str:
    """The test password, hashed once per run."""
    return security.password_hash.hash(TEST_PASSWORD)


@pytest.fixture
def user_id(database: BlockingDatabase, password_hash: str) -> int:
    return database.run(insert_user, email="owner@example.com", hashed_password=password_hash)


@pytest.fixture
def auth_headers(settings: Settings, user_id: int) -> dict[str, str]:
    """Credentials of the ``user_id`` user."""
    return bearer_headers(settings, user_id)


@pytest.fixture
def other_auth_headers(
    settings: Settings, database: BlockingDatabase, password_hash: str
) -> dict[str, str]:
    """Credentials of another user than ``auth_headers``'."""
    other_id = database.run(insert_user, email="other@example.com", hashed_password=password_hash)
    return bearer_headers(settings, other_id)

"""API-key auth: the credentials of clients, each with a configured key."""

import pytest

from .auth_api_key_helpers import TEST_API_KEYS


@pytest.fixture
def auth_headers() -> dict[str, str]:
    """Credentials of a client: the first configured API key."""
    return {"X-API-Key": TEST_API_KEYS[0]}


@pytest.fixture
def other_auth_headers() -> dict[str, str]:
    """Credentials of another client than ``auth_headers``': the second configured key."""
    return {"X-API-Key": TEST_API_KEYS[1]}

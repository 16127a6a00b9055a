"""No authentication: a client needs no credentials."""

import pytest


@pytest.fixture
def auth_headers() -> dict[str, str]:
    """Credentials of a client: none are needed."""
    return {}

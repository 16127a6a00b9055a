"""Rate limits counted in memory: every test starts with no rate limit counted."""

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient


@pytest.fixture(autouse=True)
def _no_rate_limits_counted(running_client: TestClient) -> None:
    """Empty the shared application's counts; an app a test builds starts with none."""
    app = running_client.app
    assert isinstance(app, FastAPI)
    running_client.portal.call(app.state.rate_limiter.storage.reset)  # type: ignore[union-attr]

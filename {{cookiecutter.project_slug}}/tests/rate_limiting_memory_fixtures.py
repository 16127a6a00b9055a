"""Rate limits counted in memory: every test starts with no rate limit counted."""

import pytest
from fastapi import FastAPI


@pytest.fixture(autouse=True)
async def _no_rate_limits_counted(app: FastAPI, anyio_backend: str) -> None:
    """Empty the shared application's counts; an app a test builds starts with none.

    In the event loop of the shared application, where the limiter's own expiry task runs.
    (``anyio_backend`` lets AnyIO run this for synchronous tests too.)
    """
    await app.state.rate_limiter.storage.reset()

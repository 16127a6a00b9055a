"""Liveness and readiness probes for orchestrators and load balancers."""

import logging
from typing import Literal

import anyio
from fastapi import APIRouter, Response, status
from pydantic import BaseModel

from .deps import ReadinessCheck, ReadinessChecksDep

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/health", tags=["health"])

# A dependency that answers slower than this is reported as down.
CHECK_TIMEOUT_SECONDS = 3

CheckResult = Literal["ok", "unavailable"]


class Liveness(BaseModel):
    status: Literal["ok"] = "ok"


class Readiness(BaseModel):
    status: Literal["ok", "unavailable"]
    checks: dict[str, CheckResult]


@router.get("")
async def liveness() -> Liveness:
    """The process is up and serving; touches no dependency."""
    return Liveness()


async def run_check(name: str, check: ReadinessCheck) -> CheckResult:
    try:
        with anyio.fail_after(CHECK_TIMEOUT_SECONDS):
            await check()
    except Exception as exc:
        logger.warning("Readiness check %r failed: %r", name, exc)
        return "unavailable"
    return "ok"


@router.get(
    "/ready",
    responses={
        status.HTTP_503_SERVICE_UNAVAILABLE: {
            "model": Readiness,
            "description": "A dependency is unavailable; the failing checks are named.",
        }
    },
)
async def readiness(checks: ReadinessChecksDep, response: Response) -> Readiness:
    """Every dependency the API needs to serve requests answers."""
    results = {name: await run_check(name, check) for name, check in checks.items()}
    ready = all(result == "ok" for result in results.values())
    if not ready:
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    return Readiness(status="ok" if ready else "unavailable", checks=results)

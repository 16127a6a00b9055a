"""Liveness and readiness probes for orchestrators and load balancers."""

import logging
from typing import Literal

import anyio
from fastapi import APIRouter, Response, status
from pydantic import BaseModel

from ..readiness import ReadinessCheck
from .deps import ReadinessChecksDep

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/health", tags=["health"])

# A dependency that answers slower than this is reported as down.
CHECK_TIMEOUT_SECONDS = 3

CheckResult = Literal["ok", "unavailable"]


class Liveness(BaseModel):
    status: Literal["ok"] = "ok"


class Readiness(BaseModel):
    # "degraded": only optional dependencies failed (the API serves without them): 200.
    status: Literal["ok", "degraded", "unavailable"]
    checks: dict[str, CheckResult]


@router.get("")
async def liveness() -> Liveness:
    """The process is up and serving; touches no dependency."""
    return Liveness()


async def run_check(name: str, check: ReadinessCheck) -> CheckResult:
    try:
        with anyio.fail_after(CHECK_TIMEOUT_SECONDS):
            await check.probe()
    except Exception as exc:
        logger.warning("Readiness check %r failed: %r", name, exc)
        return "unavailable"
    return "ok"


@router.get(
    "/ready",
    responses={
        status.HTTP_503_SERVICE_UNAVAILABLE: {
            "model": Readiness,
            "description": "A dependency the API needs is unavailable; the failing checks "
            "are named.",
        }
    },
)
async def readiness(checks: ReadinessChecksDep, response: Response) -> Readiness:
    """Every dependency the API needs to serve requests answers.

    200 "ok" when all of them answer; 200 "degraded" when only optional ones fail, which
    the API serves without; 503 "unavailable" when one it needs fails. Failures are named.
    """
    results = {name: await run_check(name, check) for name, check in checks.items()}
    failed = [checks[name] for name, result in results.items() if result != "ok"]
    if any(check.required for check in failed):
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
        return Readiness(status="unavailable", checks=results)
    return Readiness(status="degraded" if failed else "ok", checks=results)

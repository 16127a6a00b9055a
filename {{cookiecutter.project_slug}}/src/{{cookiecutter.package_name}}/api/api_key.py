"""API-key authentication: every /api/v1 route needs a valid ``X-API-Key`` header.

Keys come from the ``API_KEYS`` setting, a list, so a new key can be added, rolled out
to clients, and the old one removed without downtime.
"""

import hashlib
import hmac
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request, Security, status
from fastapi.security import APIKeyHeader

from ..errors import ErrorResponse
from ..feature import Feature, RouteGuards
from .api_key_settings import AuthSettings
from .deps import SettingsDep

API_KEY_HEADER = "X-API-Key"

UNAUTHORIZED: dict[int | str, dict[str, Any]] = {
    status.HTTP_401_UNAUTHORIZED: {
        "model": ErrorResponse,
        "description": f"The {API_KEY_HEADER} header is missing or holds no valid key.",
    }
}


# auto_error=False: a missing key gets the same 401 body as a wrong one, raised below.
api_key_header = APIKeyHeader(name=API_KEY_HEADER, auto_error=False)


def matching_key(provided: str | None, valid_keys: list[str]) -> str | None:
    """The configured key equal to ``provided``, compared in constant time."""
    if not provided:
        return None
    match = None
    provided_bytes = provided.encode()
    # Compare against every key, without stopping early, so timing reveals nothing.
    for key in valid_keys:
        if hmac.compare_digest(provided_bytes, key.encode()):
            match = key
    return match


async def require_api_key(
    settings: SettingsDep, provided: Annotated[str | None, Security(api_key_header)]
) -> None:
    if matching_key(provided, settings.api_keys) is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            detail=f"Missing or invalid {API_KEY_HEADER} header",
            headers={"WWW-Authenticate": API_KEY_HEADER},
        )


def rate_limit_identity(request: Request, settings: AuthSettings) -> str | None:
    """A valid key's fingerprint, so each client key gets its own budget."""
    key = matching_key(request.headers.get(API_KEY_HEADER), settings.api_keys)
    if key is None:
        return None
    return "key:" + hashlib.sha256(key.encode()).hexdigest()[:16]


# Listed after rate limiting in features.py, when both are enabled: a request is counted
# before its key is checked, so floods of wrong keys are throttled too.
AUTHENTICATION = Feature(
    guards=RouteGuards(dependencies=(Depends(require_api_key),), responses=UNAUTHORIZED),
    allowed_headers=(API_KEY_HEADER,),
    identify=rate_limit_identity,
)

"""JWT authentication: user accounts that sign in for bearer tokens.

Registration and log-in are open to everyone; every other route of the versioned API
needs the bearer token of an active user (checked by ``deps.CurrentUser``).
"""

from typing import Any

from fastapi import status

from ..errors import ErrorResponse
from ..feature import Feature, RouteGuards
from ..security import rate_limit_identity
from . import auth, users

AUTH_ERRORS: dict[int | str, dict[str, Any]] = {
    status.HTTP_401_UNAUTHORIZED: {"model": ErrorResponse, "description": "Not authenticated."},
    status.HTTP_403_FORBIDDEN: {"model": ErrorResponse, "description": "Inactive user."},
}

AUTHENTICATION = Feature(
    guards=RouteGuards(responses=AUTH_ERRORS),
    sign_in_routers=(auth.router,),
    protected_routers=(users.router,),
    identify=rate_limit_identity,
    allowed_headers=("Authorization",),
)

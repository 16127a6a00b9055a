"""JWT authentication: user accounts that sign in for bearer tokens.

Registration and log-in are open to everyone; every other route of the versioned API
needs the bearer token of an active user (checked by ``deps.CurrentUser``).
"""

from typing import Any

from fastapi import FastAPI, status

from ..errors import OVERLOADED_DETAIL, ErrorResponse, ServiceUnavailable
from ..feature import Feature, Identify, RouteGuards
from ..security import HashingBusyError, rate_limit_identity
from . import auth, users
from .jwt_settings import AuthSettings

AUTH_ERRORS: dict[int | str, dict[str, Any]] = {
    status.HTTP_401_UNAUTHORIZED: {"model": ErrorResponse, "description": "Not authenticated."},
    status.HTTP_403_FORBIDDEN: {"model": ErrorResponse, "description": "Inactive user."},
}


def install_authentication(
    app: FastAPI, _settings: AuthSettings, _identify: Identify | None
) -> None:
    # A flood of registrations and log-ins: those that wait too long for Argon2 get 503.
    app.add_exception_handler(
        HashingBusyError,
        ServiceUnavailable(
            detail=OVERLOADED_DETAIL,
            warning="No password hashing thread became free in time",
        ),
    )


AUTHENTICATION = Feature(
    guards=RouteGuards(responses=AUTH_ERRORS),
    sign_in_routers=(auth.router,),
    protected_routers=(users.router,),
    identify=rate_limit_identity,
    install=install_authentication,
    allowed_headers=("Authorization",),
)

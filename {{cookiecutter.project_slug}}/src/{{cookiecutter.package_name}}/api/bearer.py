"""Bearer tokens: where a request's token is read, and which active user it names."""

from typing import Annotated

from fastapi import Depends, HTTPException, status
from fastapi.security import OAuth2PasswordBearer

from ..db import Database
from ..security import InvalidTokenError, decode_access_token
from ..user_repository import UserRepository
from ..user_schemas import UserAccount

# auto_error=False: a missing token gets the same 401 body as a bad one, raised below.
bearer_token = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)
BearerToken = Annotated[str | None, Depends(bearer_token)]


def not_authenticated(detail: str) -> HTTPException:
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED, detail=detail, headers={"WWW-Authenticate": "Bearer"}
    )


async def authenticate(token: str | None, *, database: Database, secret_key: str) -> UserAccount:
    """The active user the token names; 401 without a valid token, 403 for an inactive user."""
    if token is None:
        raise not_authenticated("Not authenticated")
    try:
        user_id = decode_access_token(token, secret_key=secret_key)
    except InvalidTokenError:
        raise not_authenticated("Invalid or expired token") from None
    user = await UserRepository(database).get(user_id)
    if user is None:
        raise not_authenticated("Invalid or expired token")
    if not user.is_active:
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail="Inactive user")
    return user

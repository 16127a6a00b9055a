"""Passwords and access tokens.

Passwords are hashed with Argon2 (pwdlib). Access tokens are JWTs signed with HS256
(PyJWT) carrying the user id in ``sub`` and their issue and expiry times.

Argon2 is slow on purpose (tens of milliseconds of CPU and 64 MiB of memory per hash), so
hashing and verifying run in worker threads, never on the event loop, and no more of them
at once than there are cores: a flood of log-ins queues instead of exhausting memory. The
queue is bounded in time, as the database pool's is: a request that finds no free thread
within ``HASHING_WAIT_SECONDS`` is answered 503, not left waiting behind hundreds of others.
"""

import os
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from functools import cache, lru_cache

import anyio
import jwt
from fastapi import Request
from pwdlib import PasswordHash

from .api.jwt_settings import AuthSettings
from .orm import utc_now

ALGORITHM = "HS256"
BEARER_PREFIX = "bearer "
# Tokens whose signature has been checked, remembered per process (a few hundred bytes each).
VERIFIED_TOKENS_KEPT = 4096
# Seconds another replica's clock may run ahead of this one's. PyJWT refuses a token issued
# in the future ("not yet valid (iat)"), and "iat" has whole seconds: without this, a
# client that logs in on one replica and is sent to another at once is refused 401 now and
# then, when their clocks are only a fraction of a second apart. Expiry is checked exactly.
CLOCK_SKEW_SECONDS = 60

# Seconds a registration or log-in waits for a hashing thread before it is answered 503.
HASHING_WAIT_SECONDS = 5.0

password_hash = PasswordHash.recommended()
hashing_threads = anyio.CapacityLimiter(os.cpu_count() or 1)


class InvalidTokenError(Exception):
    """The token is missing a claim, malformed, tampered with, expired or not HS256."""


class HashingBusyError(Exception):
    """No hashing thread became free within ``HASHING_WAIT_SECONDS``."""


@asynccontextmanager
async def hashing_thread() -> AsyncIterator[None]:
    """One of the hashing threads, once one is free within ``HASHING_WAIT_SECONDS``."""
    try:
        with anyio.fail_after(HASHING_WAIT_SECONDS):
            await hashing_threads.acquire()
    except TimeoutError:
        raise HashingBusyError(
            f"no hashing thread became free within {HASHING_WAIT_SECONDS} s"
        ) from None
    # Only the wait for a thread is bounded: a hash that has started always finishes.
    try:
        yield
    finally:
        hashing_threads.release()


async def hash_password(password: str) -> str:
    async with hashing_thread():
        return await anyio.to_thread.run_sync(password_hash.hash, password)


async def verify_password(password: str, hashed: str) -> bool:
    async with hashing_thread():
        return await anyio.to_thread.run_sync(password_hash.verify, password, hashed)


@cache
def _dummy_hash() -> str:
    return password_hash.hash("a password nobody has")


async def spend_verification_time(password: str) -> None:
    """Verify against a throwaway hash, so an unknown e-mail takes as long as a wrong password."""
    async with hashing_thread():
        await anyio.to_thread.run_sync(lambda: password_hash.verify(password, _dummy_hash()))


def create_access_token(*, user_id: int, secret_key: str, expires_in: timedelta) -> str:
    issued_at = utc_now()
    claims = {"sub": str(user_id), "iat": issued_at, "exp": issued_at + expires_in}
    return jwt.encode(claims, secret_key, algorithm=ALGORITHM)


def decode_access_token(token: str, *, secret_key: str) -> int:
    """The user id a valid, unexpired token was issued to."""
    user_id, expires_at = _verified_token(token, secret_key)
    if expires_at <= time.time():
        raise InvalidTokenError("Signature has expired")
    return user_id


# A client sends the same token on every request until it expires, and each request reads
# it twice (rate limit and current user): checking its signature once saves about 25 us of
# CPU per read. Only valid tokens are kept (an exception is not cached); expiry is checked
# again on every read, above.
@lru_cache(maxsize=VERIFIED_TOKENS_KEPT)
def _verified_token(token: str, secret_key: str) -> tuple[int, float]:
    """The user id and expiry time (epoch seconds) of a token whose signature is valid."""
    try:
        claims = jwt.decode(
            token,
            secret_key,
            # Only ever HS256: this also rejects "none" and algorithm-confusion tokens.
            algorithms=[ALGORITHM],
            options={"require": ["sub", "iat", "exp"]},
            leeway=CLOCK_SKEW_SECONDS,
        )
    except jwt.PyJWTError as error:
        raise InvalidTokenError(str(error)) from error
    subject = claims["sub"]
    if not isinstance(subject, str) or not subject.isdigit():
        raise InvalidTokenError("the subject is not a user id")
    return int(subject), float(claims["exp"])


def rate_limit_identity(request: Request, settings: AuthSettings) -> str | None:
    """The user a request's bearer token belongs to, so each user gets their own budget."""
    authorization = request.headers.get("Authorization", "")
    if not authorization.lower().startswith(BEARER_PREFIX):
        return None
    token = authorization[len(BEARER_PREFIX) :]
    try:
        user_id = decode_access_token(token, secret_key=settings.secret_key)
    except InvalidTokenError:
        return None
    return f"user:{user_id}"

"""Dependencies shared by the routers, as ``Annotated`` aliases.

They hand the routes what the application factory keeps in ``request.app.state``: the
settings, the database and the readiness checks. All of them are ``async``: none costs a
thread.
"""

from collections.abc import Awaitable, Callable, Mapping
from typing import Annotated

from fastapi import Depends, {% if cookiecutter.auth == "jwt" %}HTTPException, {% endif %}Request{% if cookiecutter.auth == "jwt" %}, status
from fastapi.security import OAuth2PasswordBearer{% endif %}

from ..config import Settings
from ..db import Database
from ..repository import TaskRepository
{%- if cookiecutter.auth == "jwt" %}
from ..security import InvalidTokenError, decode_access_token
from ..user_repository import UserRepository
from ..user_schemas import UserAccount
{%- endif %}

# What the readiness probe runs, by name: each raises when its dependency does not answer.
ReadinessCheck = Callable[[], Awaitable[None]]
ReadinessChecks = Mapping[str, ReadinessCheck]


async def app_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def app_database(request: Request) -> Database:
    database: Database = request.app.state.database
    return database


async def app_readiness_checks(request: Request) -> ReadinessChecks:
    checks: ReadinessChecks = request.app.state.readiness_checks
    return checks


SettingsDep = Annotated[Settings, Depends(app_settings)]
DatabaseDep = Annotated[Database, Depends(app_database)]
ReadinessChecksDep = Annotated[ReadinessChecks, Depends(app_readiness_checks)]
{%- if cookiecutter.auth == "jwt" %}

# auto_error=False: a missing token gets the same 401 body as a bad one, raised below.
bearer_token = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


def not_authenticated(detail: str) -> HTTPException:
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED, detail=detail, headers={"WWW-Authenticate": "Bearer"}
    )


async def get_current_user(
    token: Annotated[str | None, Depends(bearer_token)],
    database: DatabaseDep,
    settings: SettingsDep,
) -> UserAccount:
    if token is None:
        raise not_authenticated("Not authenticated")
    try:
        user_id = decode_access_token(token, secret_key=settings.secret_key)
    except InvalidTokenError:
        raise not_authenticated("Invalid or expired token") from None
    user = await UserRepository(database).get(user_id)
    if user is None:
        raise not_authenticated("Invalid or expired token")
    if not user.is_active:
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail="Inactive user")
    return user


CurrentUser = Annotated[UserAccount, Depends(get_current_user)]


async def get_task_repository(database: DatabaseDep, user: CurrentUser) -> TaskRepository:
    # Every task query is scoped to the caller: other users' tasks do not exist for them.
    return TaskRepository(database, owner_id=user.id)
{%- else %}


async def get_task_repository(database: DatabaseDep) -> TaskRepository:
    return TaskRepository(database)
{%- endif %}


TaskRepositoryDep = Annotated[TaskRepository, Depends(get_task_repository)]

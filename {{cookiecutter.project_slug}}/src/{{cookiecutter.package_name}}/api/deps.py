"""Dependencies shared by the routers, as ``Annotated`` aliases.

They hand the routes what the application factory keeps in ``request.app.state``: the
settings, the database and the readiness checks. All of them are ``async``: none costs a
thread.
"""

from typing import Annotated

from fastapi import Depends, Request

from ..config import Settings
from ..db import Database
from ..readiness import ReadinessChecks
from ..repository import TaskRepository
{%- if cookiecutter.auth == "jwt" %}
from ..user_schemas import UserAccount
from .bearer import BearerToken, authenticate
{%- endif %}


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


async def get_current_user(
    token: BearerToken, database: DatabaseDep, settings: SettingsDep
) -> UserAccount:
    return await authenticate(token, database=database, secret_key=settings.secret_key)


CurrentUser = Annotated[UserAccount, Depends(get_current_user)]


async def get_task_repository(database: DatabaseDep, user: CurrentUser) -> TaskRepository:
    # Every task query is scoped to the caller: other users' tasks do not exist for them.
    return TaskRepository(database, owner_id=user.id)
{%- else %}


async def get_task_repository(database: DatabaseDep) -> TaskRepository:
    return TaskRepository(database)
{%- endif %}


TaskRepositoryDep = Annotated[TaskRepository, Depends(get_task_repository)]

"""Dependencies shared by the routers, as ``Annotated`` aliases."""

from collections.abc import Iterator
from typing import Annotated{% if cookiecutter.auth == "jwt" %}, Any{% endif %}

from fastapi import Depends, {% if cookiecutter.auth == "jwt" %}HTTPException, {% endif %}Request{% if cookiecutter.auth == "jwt" %}, status
from fastapi.security import OAuth2PasswordBearer{% endif %}
from sqlalchemy.orm import Session

{% if cookiecutter.auth == "jwt" -%}
from ..config import Settings
from ..models import User
{% endif -%}
from ..repository import TaskRepository
{%- if cookiecutter.auth == "jwt" %}
from ..schemas import ErrorResponse
{%- endif %}
{%- if cookiecutter.auth == "jwt" %}
from ..security import InvalidTokenError, decode_access_token
from ..users import UserRepository
{%- endif %}


def get_session(request: Request) -> Iterator[Session]:
    with request.app.state.session_factory() as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]
{%- if cookiecutter.auth == "jwt" %}


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(get_settings)]

AUTH_ERRORS: dict[int | str, dict[str, Any]] = {
    status.HTTP_401_UNAUTHORIZED: {"model": ErrorResponse, "description": "Not authenticated."},
    status.HTTP_403_FORBIDDEN: {"model": ErrorResponse, "description": "Inactive user."},
}

# auto_error=False: a missing token gets the same 401 body as a bad one, raised below.
bearer_token = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


def not_authenticated(detail: str) -> HTTPException:
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED, detail=detail, headers={"WWW-Authenticate": "Bearer"}
    )


def get_current_user(
    token: Annotated[str | None, Depends(bearer_token)],
    session: SessionDep,
    settings: SettingsDep,
) -> User:
    if token is None:
        raise not_authenticated("Not authenticated")
    try:
        user_id = decode_access_token(token, secret_key=settings.secret_key)
    except InvalidTokenError:
        raise not_authenticated("Invalid or expired token") from None
    user = UserRepository(session).get(user_id)
    if user is None:
        raise not_authenticated("Invalid or expired token")
    if not user.is_active:
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail="Inactive user")
    return user


CurrentUser = Annotated[User, Depends(get_current_user)]


async def get_task_repository(session: SessionDep, user: CurrentUser) -> TaskRepository:
    # Every task query is scoped to the caller: other users' tasks do not exist for them.
    return TaskRepository(session, owner_id=user.id)
{%- else %}


async def get_task_repository(session: SessionDep) -> TaskRepository:
    return TaskRepository(session)
{%- endif %}


TaskRepositoryDep = Annotated[TaskRepository, Depends(get_task_repository)]

"""Registration and log-in."""

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, status
from fastapi.security import OAuth2PasswordRequestForm

from ..errors import BAD_BODY, ErrorResponse
from ..security import create_access_token, spend_verification_time, verify_password
from ..user_repository import EmailTakenError, UserRepository
from ..user_schemas import Token, UserCreate, UserRead
from .bearer import not_authenticated
from .deps import DatabaseDep, SettingsDep

router = APIRouter(prefix="/auth", tags=["auth"])

WRONG_CREDENTIALS = "Incorrect e-mail or password"
LOGIN_ERRORS: dict[int | str, dict[str, Any]] = {
    **BAD_BODY,
    status.HTTP_401_UNAUTHORIZED: {"model": ErrorResponse, "description": WRONG_CREDENTIALS},
    status.HTTP_403_FORBIDDEN: {"model": ErrorResponse, "description": "Inactive user."},
}


@router.post(
    "/register",
    status_code=status.HTTP_201_CREATED,
    responses={
        **BAD_BODY,
        status.HTTP_409_CONFLICT: {"model": ErrorResponse, "description": "E-mail already used."},
    },
)
async def register(data: UserCreate, database: DatabaseDep) -> UserRead:
    try:
        user = await UserRepository(database).create(data)
    except EmailTakenError:
        raise HTTPException(
            status.HTTP_409_CONFLICT, detail="A user with this e-mail already exists"
        ) from None
    return UserRead.model_validate(user, from_attributes=True)


@router.post("/token", responses=LOGIN_ERRORS)
async def issue_token(
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    database: DatabaseDep,
    settings: SettingsDep,
) -> Token:
    """OAuth2 password flow: ``username`` is the e-mail address."""
    user = await UserRepository(database).get_by_email(form.username)
    if user is None:
        await spend_verification_time(form.password)
        raise not_authenticated(WRONG_CREDENTIALS)
    if not await verify_password(form.password, user.hashed_password):
        raise not_authenticated(WRONG_CREDENTIALS)
    if not user.is_active:
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail="Inactive user")
    token = create_access_token(
        user_id=user.id,
        secret_key=settings.secret_key,
        expires_in=timedelta(minutes=settings.access_token_expire_minutes),
    )
    return Token(access_token=token)

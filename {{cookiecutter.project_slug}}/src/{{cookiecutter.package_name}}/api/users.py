"""The signed-in user's own account."""

from fastapi import APIRouter

from ..user_schemas import UserRead
from .deps import CurrentUser

router = APIRouter(prefix="/users", tags=["users"])


@router.get("/me")
async def read_current_user(user: CurrentUser) -> UserRead:
    return UserRead.model_validate(user, from_attributes=True)

"""JWT auth in the tests: the test secrets, users made without the API, and their tokens."""

from datetime import timedelta

from sqlalchemy import Connection, insert

from {{ cookiecutter.package_name }}.config import Settings
from {{ cookiecutter.package_name }}.orm import utc_now
from {{ cookiecutter.package_name }}.security import create_access_token
from {{ cookiecutter.package_name }}.user_models import User

TEST_PASSWORD = "correct horse battery staple"
TEST_SECRET_KEY = "test-secret-key-" + "0123456789abcdef" * 4
# What ``make_settings`` gives every test application: the key the tokens are signed with.
AUTH_SETTINGS = {"secret_key": TEST_SECRET_KEY}
# What a valid production configuration must add to the environment.
PRODUCTION_SECRETS = {"SECRET_KEY": TEST_SECRET_KEY}
# What a request without a token gets from the API.
ANONYMOUS_STATUS = 401


def insert_user(
    connection: Connection, *, email: str, hashed_password: str, is_active: bool = True
) -> int:
    statement = insert(User).values(
        email=email, hashed_password=hashed_password, is_active=is_active, created_at=utc_now()
    )
    user_id: int = connection.execute(statement.returning(User.id)).scalar_one()
    return user_id


def bearer_headers(settings: Settings, user_id: int) -> dict[str, str]:
    token = create_access_token(
        user_id=user_id, secret_key=settings.secret_key, expires_in=timedelta(minutes=5)
    )
    return {"Authorization": f"Bearer {token}"}

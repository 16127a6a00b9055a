"""Request and response bodies of the API.

Input is validated strictly: a value of the wrong JSON type is rejected, never coerced
(``"3"``, ``true`` or ``2.5`` is not a priority, ``5`` is not a title or a date).
"""

from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
)

from .models import (
    DESCRIPTION_MAX_LENGTH,
    PRIORITY_MAX,
    PRIORITY_MIN,
    TITLE_MAX_LENGTH,
    TaskStatus,
)
from .orm import MAX_ID


def _require_number(value: Any) -> Any:
    """Integers only: ``2.0`` is the JSON integer 2, but ``"2"``, ``true`` and ``2.5`` are not."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _require_text(value: Any) -> Any:
    """Dates arrive as ISO 8601 strings; numbers would otherwise pass as Unix timestamps."""
    if not isinstance(value, str | datetime):
        raise ValueError("Input should be an ISO 8601 datetime string")
    return value


# Text never holds U+0000: PostgreSQL cannot store it, and the API answers the same on
# every database. The patterns put that in the schema, for clients and their generators.
NO_NUL = r"^[^\x00]*$"
# Not blank, and no U+0000.
NOT_BLANK_NO_NUL = r"^[^\x00]*[^\s\x00][^\x00]*$"

Title = Annotated[
    str,
    # Stripping comes first; the pattern then documents "not blank" in the schema.
    StringConstraints(
        strict=True,
        strip_whitespace=True,
        min_length=1,
        max_length=TITLE_MAX_LENGTH,
        pattern=NOT_BLANK_NO_NUL,
    ),
    Field(description="Short summary; surrounding whitespace is removed.", examples=["Write docs"]),
]
Description = Annotated[
    str,
    StringConstraints(strict=True, max_length=DESCRIPTION_MAX_LENGTH, pattern=NO_NUL),
]
# The constraints come first so they stay in the JSON schema and in error locations.
Priority = Annotated[
    int, Field(strict=True, ge=PRIORITY_MIN, le=PRIORITY_MAX), BeforeValidator(_require_number)
]


def _in_utc(value: datetime) -> datetime:
    """The same moment in UTC, where it must still fall within years 1 to 9999."""
    try:
        return value.astimezone(UTC)
    except OverflowError:
        # 9999-12-31T23:00:00-05:00, say: a valid date whose UTC form no datetime can hold.
        raise ValueError("Input should fall within years 1 to 9999 in UTC") from None


DueDate = Annotated[
    AwareDatetime,
    BeforeValidator(_require_text),
    AfterValidator(_in_utc),
    Field(description="Timezone-aware ISO 8601 datetime.", examples=["2030-01-31T17:00:00Z"]),
]


def _not_nullable(schema: dict[str, Any]) -> None:
    """Document a field as its type alone: None means "not sent", null is refused."""
    variants = schema.pop("anyOf")
    schema.pop("default", None)
    schema.update(next(variant for variant in variants if variant.get("type") != "null"))


class TaskCreate(BaseModel):
    """A new task, or the full replacement of an existing one."""

    model_config = ConfigDict(extra="forbid")

    title: Title
    description: Description | None = None
    status: TaskStatus = TaskStatus.PENDING
    priority: Priority = PRIORITY_MIN
    due_date: DueDate | None = None


class TaskUpdate(BaseModel):
    """A partial update: only the fields sent are changed."""

    model_config = ConfigDict(extra="forbid")

    title: Title | None = Field(default=None, json_schema_extra=_not_nullable)
    description: Description | None = None
    status: TaskStatus | None = Field(default=None, json_schema_extra=_not_nullable)
    priority: Priority | None = Field(default=None, json_schema_extra=_not_nullable)
    due_date: DueDate | None = None

    @field_validator("title", "status", "priority", mode="before")
    @classmethod
    def reject_null(cls, value: Any) -> Any:
        """Omitting a field leaves it unchanged; sending null for a required one is an error."""
        if value is None:
            raise ValueError("Field cannot be null")
        return value

    def changes(self) -> dict[str, Any]:
        return self.model_dump(exclude_unset=True)


class TaskRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    title: str
    description: str | None
    status: TaskStatus
    priority: int
    due_date: datetime | None
    created_at: datetime
    updated_at: datetime


class TaskSortField(StrEnum):
    CREATED_AT = "created_at"
    UPDATED_AT = "updated_at"
    PRIORITY = "priority"
    TITLE = "title"
    DUE_DATE = "due_date"


class SortOrder(StrEnum):
    ASC = "asc"
    DESC = "desc"


class TaskQuery(BaseModel):
    """Filters, ordering and paging of the task list."""

    status: TaskStatus | None = None
    priority: Annotated[int | None, Field(ge=PRIORITY_MIN, le=PRIORITY_MAX)] = None
    search: Annotated[
        str | None,
        Field(
            min_length=1,
            max_length=TITLE_MAX_LENGTH,
            pattern=NO_NUL,
            description="Case-insensitive text.",
        ),
    ] = None
    sort_by: TaskSortField = TaskSortField.CREATED_AT
    order: SortOrder = SortOrder.DESC
    # No table holds more rows than there are ids.
    skip: Annotated[int, Field(ge=0, le=MAX_ID)] = 0
    limit: Annotated[int, Field(ge=1, le=100)] = 20


class TaskPage(BaseModel):
    items: list[TaskRead]
    total: int
    skip: int
    limit: int

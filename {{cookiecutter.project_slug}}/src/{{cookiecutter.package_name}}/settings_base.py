"""Building blocks of the settings classes: the environment, and lists given as text."""

from enum import StrEnum
from typing import Annotated

from pydantic import BeforeValidator
from pydantic_settings import NoDecode


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


def split_comma_separated(value: object) -> object:
    """Accept a comma-separated list, the natural form for an environment variable."""
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    return value


# A list of strings, given in one environment variable as comma-separated text.
CommaSeparated = Annotated[list[str], NoDecode, BeforeValidator(split_comma_separated)]

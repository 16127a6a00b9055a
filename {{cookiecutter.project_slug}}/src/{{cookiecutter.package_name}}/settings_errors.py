"""Settings validation errors, told as one message that names each variable."""

from pydantic import ValidationError


class InvalidSettingsError(RuntimeError):
    """Raised at start-up when the environment holds an unusable configuration."""


def invalid_settings(error: ValidationError) -> InvalidSettingsError:
    """One problem per variable, e.g. ``DATABASE_POOL_SIZE: Input should be ...``."""
    problems = "; ".join(
        f"{'.'.join(str(part) for part in problem['loc']).upper()}: "
        f"{problem['msg'].removeprefix('Value error, ')}"
        for problem in error.errors()
    )
    return InvalidSettingsError(f"Invalid configuration: {problems}")

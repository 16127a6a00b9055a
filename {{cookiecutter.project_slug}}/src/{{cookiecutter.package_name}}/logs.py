"""Logging set-up: human-readable console lines or one JSON object per line."""

import logging
from contextvars import ContextVar

from pythonjsonlogger.json import JsonFormatter

from .config import LogFormat, Settings

# The id of the request being handled, attached to every log record made while handling it.
request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)

HANDLER_NAME = "{{ cookiecutter.package_name }}"
CONSOLE_FORMAT = "%(asctime)s %(levelname)-8s [%(request_id)s] %(name)s: %(message)s"
JSON_FIELDS = "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s"


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get() or "-"
        return True


def configure_logging(settings: Settings) -> None:
    """Install the application's handler on the root logger, replacing an earlier one."""
    handler = logging.StreamHandler()
    handler.set_name(HANDLER_NAME)
    handler.addFilter(RequestIdFilter())
    if settings.log_format is LogFormat.JSON:
        handler.setFormatter(
            JsonFormatter(JSON_FIELDS, rename_fields={"asctime": "time", "levelname": "level"})
        )
    else:
        handler.setFormatter(logging.Formatter(CONSOLE_FORMAT))

    root = logging.getLogger()
    for existing in list(root.handlers):
        if existing.get_name() == HANDLER_NAME:
            root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(settings.log_level)
    # Requests are logged once, by the request middleware, with their id and duration.
    logging.getLogger("uvicorn.access").disabled = True

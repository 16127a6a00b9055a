"""Warnings about trouble that may repeat on every request: at most one per interval."""

import logging
from time import monotonic

# Seconds between two warnings about the same trouble: an outage under load would
# otherwise write one warning per request.
WARNING_INTERVAL_SECONDS = 10


class ThrottledWarning:
    """A warning logged at most once per ``WARNING_INTERVAL_SECONDS``, saying how many
    times the trouble recurred in between."""

    def __init__(self, logger: logging.Logger) -> None:
        self._logger = logger
        self._next_at = 0.0
        self._held_back = 0

    def warn(self, message: str, *args: object) -> None:
        now = monotonic()
        if now < self._next_at:
            self._held_back += 1
            return
        self._logger.warning(f"{message} (%d more since the last warning)", *args, self._held_back)
        self._next_at = now + WARNING_INTERVAL_SECONDS
        self._held_back = 0

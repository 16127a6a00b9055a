"""Open access: the API authenticates no one, and every route serves every client.

This is the authentication mode the project was generated with (``auth=none``). It stands
where the other modes' modules stand: ``features.py`` registers its feature and
``config.py`` its settings, both empty, so adding authentication later means replacing
this module and the two lines that name it.
"""

from pydantic_settings import BaseSettings

from ..feature import Feature


class AuthSettings(BaseSettings):
    """Open access needs no settings."""


# No guards, no routers, no principal: rate limiting, when enabled, counts per address.
AUTHENTICATION = Feature()

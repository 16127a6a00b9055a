"""The features this project was generated with, registered with the router and the factory.

Each authentication mode's module exports its feature as ``AUTHENTICATION`` (open access
too, with an empty one).
"""

from .api.{{ {"jwt": "jwt_auth", "api_key": "api_key", "none": "open_access"}[cookiecutter.auth] }} import AUTHENTICATION
from .feature import Feature
{%- if cookiecutter.rate_limiting != "none" %}
from .rate_limit.feature import RATE_LIMITING
{%- endif %}

FEATURES: list[Feature] = [
    # In the order their route guards run.
{%- if cookiecutter.rate_limiting != "none" %}
    RATE_LIMITING,
{%- endif %}
    AUTHENTICATION,
]

"""The features this project was generated with, registered with the router and the factory.

Each authentication mode's module exports its feature as ``AUTHENTICATION``.
"""

{% if cookiecutter.auth != "none" -%}
from .api.{{ "api_key" if cookiecutter.auth == "api_key" else "jwt_auth" }} import AUTHENTICATION
{% endif -%}
from .feature import Feature
{%- if cookiecutter.rate_limiting != "none" %}
from .rate_limit.feature import RATE_LIMITING
{%- endif %}

FEATURES: list[Feature] = [
    # In the order their route guards run.
{%- if cookiecutter.rate_limiting != "none" %}
    RATE_LIMITING,
{%- endif %}
{%- if cookiecutter.auth != "none" %}
    AUTHENTICATION,
{%- endif %}
]

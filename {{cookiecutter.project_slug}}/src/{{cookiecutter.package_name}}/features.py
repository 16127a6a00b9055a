"""The features this project was generated with, registered with the router and the factory."""

{% if cookiecutter.auth == "api_key" -%}
from .api.api_key import API_KEY_AUTH
{% elif cookiecutter.auth == "jwt" -%}
from .api.jwt_auth import JWT_AUTH
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
{%- if cookiecutter.auth == "api_key" %}
    API_KEY_AUTH,
{%- elif cookiecutter.auth == "jwt" %}
    JWT_AUTH,
{%- endif %}
]

"""The versioned API: every resource router under one prefix, with its guards."""

{% set limited = cookiecutter.rate_limiting != "none" -%}
{% set guarded = limited or cookiecutter.auth != "none" -%}
{% set has_guards = limited or cookiecutter.auth == "api_key" -%}
{% macro guards() %}{% if has_guards %}, dependencies=GUARDS{% endif %}{% if guarded %}, responses=GUARD_RESPONSES{% endif %}{% endmacro -%}
{% if guarded -%}
from typing import Any

{% endif -%}
from fastapi import APIRouter{% if cookiecutter.auth == "api_key" %}, Depends{% endif %}
{%- if has_guards %}
from fastapi.params import Depends as Dependency
{%- endif %}
{% if limited %}
from ..rate_limit import RATE_LIMITED, {% if cookiecutter.auth == "jwt" %}limit_auth, {% endif %}limit_default
{%- endif %}
from . import {% if cookiecutter.auth == "jwt" %}auth, {% endif %}tasks{% if cookiecutter.auth == "jwt" %}, users{% endif %}
{%- if cookiecutter.auth == "api_key" %}
from .api_key import UNAUTHORIZED, require_api_key
{%- elif cookiecutter.auth == "jwt" %}
from .deps import AUTH_ERRORS
{%- endif %}
{%- if has_guards %}

# Run before every protected route, in this order{% if limited and cookiecutter.auth == "api_key" %}: the limit is counted before the key
# is checked, so floods of wrong keys are throttled too{% endif %}.
GUARDS: list[Dependency] = [
{%- if limited %}
    limit_default,
{%- endif %}
{%- if cookiecutter.auth == "api_key" %}
    Depends(require_api_key),
{%- endif %}
]
{%- endif %}
{%- if guarded %}
{%- if not has_guards %}
{# keep one blank line between the imports and the first constant #}
{%- endif %}
GUARD_RESPONSES: dict[int | str, dict[str, Any]] = {
{%- if limited %}
    **RATE_LIMITED,
{%- endif %}
{%- if cookiecutter.auth == "api_key" %}
    **UNAUTHORIZED,
{%- elif cookiecutter.auth == "jwt" %}
    **AUTH_ERRORS,
{%- endif %}
}
{%- endif %}

api_router = APIRouter(prefix="/api/v1")
{%- if cookiecutter.auth == "jwt" %}
{%- if limited %}
# Registration and log-in get the stricter limit: they are where passwords are guessed.
api_router.include_router(auth.router, dependencies=[limit_auth], responses=RATE_LIMITED)
{%- else %}
api_router.include_router(auth.router)
{%- endif %}
api_router.include_router(users.router{{ guards() }})
{%- endif %}
api_router.include_router(tasks.router{{ guards() }})

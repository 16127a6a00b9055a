"""Rate limits on the versioned API, counted by the ``limits`` library.

Every client has its own budget: the authenticated principal when the request carries a
valid credential, otherwise the client address (read from X-Forwarded-For only when the
request came through a proxy listed in TRUSTED_PROXIES).

{% if cookiecutter.rate_limiting == "redis" -%}
The counts live in Redis, so every worker and replica shares one budget per client. When
Redis cannot be reached, requests are let through unlimited (fail open): an outage of the
limiter must not become an outage of the API. It is logged once, and so is the recovery.
{%- else -%}
The counts live in this process's memory: every worker and replica counts on its own, so
with N processes a client may make up to N times the limit.
{%- endif %}

``settings`` reads the limits, ``limiter`` counts, ``headers`` puts the window's figures on
every response, ``docs`` documents the 429, and ``feature`` registers it all.
"""

"""What the readiness probe checks: the dependencies the API uses, and which it needs."""

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class ReadinessCheck:
    """One dependency of the API; ``probe`` raises when it does not answer."""

    probe: Callable[[], Awaitable[None]]
    # False for a dependency the API serves without, in a degraded way. Its failure makes the
    # probe answer 200 with "degraded": a balancer routing on the probe must not take every
    # replica out for a dependency that none of them needs to serve.
    required: bool = True


# By name, as the probe reports them.
ReadinessChecks = Mapping[str, ReadinessCheck]

"""What an optional feature adds to the application, and how its additions combine.

A feature module (rate limiting, an authentication mode) describes what it contributes as
a ``Feature``. ``features.py`` lists the enabled ones; the router and the application
factory apply them without knowing which they are.
"""

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, FastAPI, Request, params
from starlette.types import ASGIApp

if TYPE_CHECKING:
    # Only for annotations: the settings combine the features' own, defined beside them.
    from .config import Settings

Responses = Mapping[int | str, dict[str, Any]]
# Returns a stable key for the principal a request authenticates as, or None.
Identify = Callable[[Request], str | None]
# The same, given the application's settings (its keys, its token secret).
IdentifyWith = Callable[[Request, "Settings"], str | None]
Shutdown = Callable[[], Awaitable[None]]
# Called for each new application: attaches what the feature keeps in the application
# state, given the principal a request authenticates as (when an enabled feature can tell),
# and returns what the application calls at shutdown, if anything.
Install = Callable[[FastAPI, "Settings", Identify | None], Shutdown | None]


@dataclass(frozen=True, kw_only=True)
class RouteGuards:
    """Dependencies that run before each route of a router, and the responses they may give."""

    dependencies: tuple[params.Depends, ...] = ()
    responses: Responses = field(default_factory=dict)

    def __add__(self, other: "RouteGuards") -> "RouteGuards":
        """Both guards, this one's dependencies running first."""
        return RouteGuards(
            dependencies=self.dependencies + other.dependencies,
            responses={**self.responses, **other.responses},
        )


@dataclass(frozen=True, kw_only=True)
class Feature:
    """What one feature adds; each field defaults to nothing of its kind."""

    # On every route that needs credentials: the task routes and ``protected_routers``.
    guards: RouteGuards = field(default_factory=RouteGuards)
    # On the sign-in routes (``sign_in_routers``), where passwords are guessed.
    sign_in_guards: RouteGuards = field(default_factory=RouteGuards)
    sign_in_routers: tuple[APIRouter, ...] = ()
    protected_routers: tuple[APIRouter, ...] = ()
    identify: IdentifyWith | None = None
    install: Install | None = None
    # Pure ASGI middleware, added outside the request context.
    middleware: tuple[Callable[[ASGIApp], ASGIApp], ...] = ()
    # Request headers the feature reads, which browser scripts on other origins may send.
    allowed_headers: tuple[str, ...] = ()
    # Response headers the feature sets, which browser scripts on other origins may read.
    exposed_headers: tuple[str, ...] = ()


def combined_guards(guards: Sequence[RouteGuards]) -> RouteGuards:
    return sum(guards, RouteGuards())


def include_guarded(
    api: APIRouter,
    resources: Sequence[APIRouter],
    features: Sequence[Feature],
) -> None:
    """Mount the features' routers and the ``resources`` on ``api``, each with its guards.

    Every feature's guards apply to every guarded router, in the order the features are
    listed.
    """
    sign_in = combined_guards([feature.sign_in_guards for feature in features])
    guards = combined_guards([feature.guards for feature in features])
    for feature in features:
        for router in feature.sign_in_routers:
            api.include_router(
                router, dependencies=sign_in.dependencies, responses=dict(sign_in.responses)
            )
    protected = [router for feature in features for router in feature.protected_routers]
    for router in [*protected, *resources]:
        api.include_router(
            router, dependencies=guards.dependencies, responses=dict(guards.responses)
        )


def install_features(
    app: FastAPI, settings: "Settings", features: Sequence[Feature]
) -> list[Shutdown]:
    """Install each feature on a new application; what to call at its shutdown, in order."""
    # The enabled authentication's way of telling clients apart, if there is one.
    identify_with = next((feature.identify for feature in features if feature.identify), None)
    identify = None if identify_with is None else bound_to(settings, identify_with)
    shutdowns = []
    for feature in features:
        shutdown = feature.install(app, settings, identify) if feature.install else None
        if shutdown:
            shutdowns.append(shutdown)
    return shutdowns


def bound_to(settings: "Settings", identify_with: IdentifyWith) -> Identify:
    def identify(request: Request) -> str | None:
        return identify_with(request, settings)

    return identify

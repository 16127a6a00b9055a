"""The versioned API: every resource router under one prefix, with the features' guards."""

from fastapi import APIRouter

from ..feature import include_guarded
from ..features import FEATURES
from . import tasks

api_router = APIRouter(prefix="/api/v1")
include_guarded(api_router, [tasks.router], FEATURES)

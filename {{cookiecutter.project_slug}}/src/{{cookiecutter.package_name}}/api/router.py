"""The versioned API: every resource router under one prefix."""

from fastapi import APIRouter

from . import tasks

api_router = APIRouter(prefix="/api/v1")
api_router.include_router(tasks.router)

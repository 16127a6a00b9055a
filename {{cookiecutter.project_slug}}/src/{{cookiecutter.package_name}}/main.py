"""ASGI entry point used by ``fastapi run``, ``fastapi dev`` and ``uvicorn``."""

from .factory import create_app

app = create_app()

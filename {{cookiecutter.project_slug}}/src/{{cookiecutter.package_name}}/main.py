"""ASGI entry point used by ``fastapi run``, ``fastapi dev`` and ``uvicorn``."""

from .factory import create_app
from .gc_tuning import tune_garbage_collection

app = create_app()
# Here, not in create_app: only the serving process is tuned, not the tests' apps.
tune_garbage_collection()

"""ASGI entry for process managers: ``uvicorn zebench.api.asgi:app``."""

from zebench.api.app import create_app
from zebench.api.gc_tuning import tune_for_serving

app = create_app()
tune_for_serving()  # this module is imported only by server processes

"""ASGI entry for process managers: ``uvicorn zebench.api.asgi:app``."""

from zebench.api.app import create_app

app = create_app()

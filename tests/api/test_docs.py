"""docs/api.md describes every operation of the OpenAPI schema, written `METHOD /path`."""

from __future__ import annotations

from pathlib import Path

from zebench.config import Settings
from zebench.server import create_app

API_MD = Path(__file__).resolve().parents[2] / "docs" / "api.md"


def test_every_openapi_path_is_in_docs_api_md(tmp_path: Path) -> None:
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path}/z.db"))
    text = API_MD.read_text()
    missing = [
        f"{method.upper()} {path}"
        for path, operations in app.openapi()["paths"].items()
        for method in operations
        if f"`{method.upper()} {path}`" not in text
    ]
    assert missing == [], f"document these in docs/api.md: {missing}"

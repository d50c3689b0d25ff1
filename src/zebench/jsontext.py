"""Reading JSON stored or sent as text (run and batch metadata, transcripts)."""

from __future__ import annotations

import json
from typing import Any

import orjson


def json_object(value: Any) -> dict[str, Any]:
    """``value`` as an object: parsed when it is JSON text; {} when it is not an object."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return {}
    return value if isinstance(value, dict) else {}


def parse_json_text(text: str | None) -> Any:
    """A stored JSON document, or the text itself if it is not JSON (imported data)."""
    if text is None:
        return None
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return text

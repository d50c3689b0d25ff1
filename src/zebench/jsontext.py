"""Reading JSON objects stored or sent as text (run and batch metadata)."""

from __future__ import annotations

import json
from typing import Any


def json_object(value: Any) -> dict[str, Any]:
    """``value`` as an object: parsed when it is JSON text; {} when it is not an object."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return {}
    return value if isinstance(value, dict) else {}

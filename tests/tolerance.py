"""Comparing figures that were summed in another order: a rebuilt pre-aggregate must
equal what ingest kept, though a float sum may differ in its last bits."""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any


def nearly_equal(a: Any, b: Any) -> bool:
    """Equal, through dicts, lists and tuples, with numbers that are not integers to
    1e-9 relative (1e-12 absolute near zero): far above summation-order noise."""
    if isinstance(a, float | Decimal) and isinstance(b, float | Decimal):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(nearly_equal(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(nearly_equal(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)

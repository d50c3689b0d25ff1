"""The demo data a user is shown holds nothing hostile, and is not shipped."""

from __future__ import annotations

import importlib.util

from demo_data import generate
from xss_fixtures import XSS_PAYLOADS, with_xss_runs


def test_demo_data_carries_no_markup() -> None:
    data = generate(runs=400, batches=6, seed=3)
    text = "\n".join(r.model_dump_json() for r in data.results)
    text += "\n".join(b.model_dump_json() for b in data.batches)
    assert "<" not in text and "javascript:" not in text
    # The hostile rows are added by the tests themselves, and only there.
    hostile = with_xss_runs(data, 0)
    assert len(hostile.results) == len(data.results) + len(XSS_PAYLOADS)
    assert any(XSS_PAYLOADS[0] in r.model_dump_json() for r in hostile.results)


def test_the_generator_is_not_part_of_the_package() -> None:
    assert importlib.util.find_spec("zebench.dev") is None

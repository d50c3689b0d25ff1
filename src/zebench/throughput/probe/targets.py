"""The endpoints ``zebench serve --probe-schedule`` re-probes, from a TOML or JSON file.

TOML::

    [[endpoint]]
    base_url = "http://127.0.0.1:8000/v1"
    model = "Qwen/Qwen2.5-7B-Instruct"
    api_key_env = "VLLM_API_KEY"   # the variable holding the key, never the key itself
    requests = 16
    concurrency = 4                # or rate = 2.0, or sweep = [1, 2, 4, 8]

JSON: ``{"endpoint": [{...}, ...]}`` with the same keys.
"""

from __future__ import annotations

import json
import os
import tomllib
from dataclasses import replace
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from zebench.errors import UserError
from zebench.throughput.probe.runner import ProbeConfig


class ProbeTarget(BaseModel):
    model_config = ConfigDict(extra="forbid")

    base_url: str = Field(pattern=r"^https?://[^/\s]+")
    model: str = Field(min_length=1, max_length=300)
    api_key_env: str | None = None
    requests: int = Field(default=16, ge=1, le=10_000)
    concurrency: int | None = Field(default=None, ge=1, le=1024)
    rate: float | None = Field(default=None, gt=0)
    sweep: list[int] | None = Field(default=None, min_length=1)
    input_tokens: int = Field(default=128, ge=1)
    max_tokens: int = Field(default=128, ge=1)
    warmup: int = Field(default=1, ge=0)
    timeout_s: float = Field(default=300.0, gt=0)

    @model_validator(mode="after")
    def _one_load(self) -> ProbeTarget:
        given = [k for k in ("concurrency", "rate", "sweep") if getattr(self, k) is not None]
        if len(given) > 1:
            raise ValueError(f"give one of concurrency, rate and sweep, not {' and '.join(given)}")
        if self.sweep is not None and min(self.sweep) < 1:
            raise ValueError("sweep: concurrencies of 1 or more")
        return self

    def config(self) -> ProbeConfig:
        """The probe to run; the key is read from ``api_key_env`` now (empty: no key)."""
        key = os.environ.get(self.api_key_env) if self.api_key_env else None
        base = ProbeConfig(
            base_url=self.base_url,
            model=self.model,
            api_key=key or None,
            requests=self.requests,
            input_tokens=self.input_tokens,
            max_tokens=self.max_tokens,
            warmup=self.warmup,
            timeout_s=self.timeout_s,
        )
        if self.rate is not None:
            return replace(base, concurrency=None, rate=self.rate)
        return replace(base, concurrency=self.concurrency or 1)


def load_targets(path: Path) -> list[ProbeTarget]:
    """The file's endpoints; a ``UserError`` naming the file, entry and key when wrong."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UserError(f"{path}: cannot read the probe targets ({exc.strerror})") from None
    try:
        data = json.loads(text) if path.suffix == ".json" else tomllib.loads(text)
    except (json.JSONDecodeError, tomllib.TOMLDecodeError) as exc:
        raise UserError(f"{path}: not valid {path.suffix.lstrip('.') or 'TOML'}: {exc}") from None
    entries = data.get("endpoint") if isinstance(data, dict) else None
    if not isinstance(entries, list) or not entries:
        raise UserError(f"{path}: expected one or more [[endpoint]] entries")
    targets: list[ProbeTarget] = []
    for index, entry in enumerate(entries):
        try:
            targets.append(ProbeTarget.model_validate(entry))
        except ValidationError as exc:
            first = exc.errors()[0]
            key = ".".join(str(part) for part in first["loc"]) or "entry"
            raise UserError(f"{path}: endpoint {index + 1}, {key}: {first['msg']}") from None
    return targets

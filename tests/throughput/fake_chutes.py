"""A local stand-in for chutes.ai: its JSON API and its pages, in their real shapes.

``make_dataset`` builds a deterministic, realistic catalogue (real model names,
sizes that set plausible speeds, popular and niche models, gaps, models added
recently, a partial today). ``FakeChutes`` serves it over real HTTP on a
loopback port, and can be told to fail: a status, a delay, a response held
until the test releases it, or another body for any path.
"""

from __future__ import annotations

import json
import random
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

BASE_NAMES = [
    ("deepseek-ai/DeepSeek-V3-0324", 671),
    ("deepseek-ai/DeepSeek-R1-0528", 671),
    ("deepseek-ai/DeepSeek-V3.1", 671),
    ("Qwen/Qwen3-235B-A22B-Instruct-2507", 235),
    ("Qwen/Qwen3-Coder-480B-A35B-Instruct-FP8", 480),
    ("Qwen/Qwen2.5-72B-Instruct", 72),
    ("Qwen/Qwen2.5-Coder-32B-Instruct", 32),
    ("Qwen/Qwen3-32B", 32),
    ("Qwen/Qwen3-14B", 14),
    ("Qwen/Qwen3-8B", 8),
    ("meta-llama/Llama-3.3-70B-Instruct", 70),
    ("meta-llama/Llama-3.1-8B-Instruct", 8),
    ("meta-llama/Llama-4-Maverick-17B-128E-Instruct-FP8", 400),
    ("meta-llama/Llama-4-Scout-17B-16E-Instruct", 109),
    ("mistralai/Mistral-Small-3.2-24B-Instruct-2506", 24),
    ("mistralai/Devstral-Small-2505", 24),
    ("unsloth/gemma-3-27b-it", 27),
    ("unsloth/gemma-3-12b-it", 12),
    ("moonshotai/Kimi-K2-Instruct", 1000),
    ("zai-org/GLM-4.5-Air", 106),
    ("zai-org/GLM-4.5-FP8", 355),
    ("NousResearch/Hermes-4-405B-FP8", 405),
    ("openai/gpt-oss-120b", 120),
    ("openai/gpt-oss-20b", 20),
    ("MiniMaxAI/MiniMax-M1-80k", 456),
    ("tngtech/DeepSeek-TNG-R1T2-Chimera", 671),
    ("microsoft/MAI-DS-R1-FP8", 671),
    ("THUDM/GLM-4-32B-0414", 32),
    ("agentica-org/DeepCoder-14B-Preview", 14),
    ("chutesai/Mistral-Small-3.1-24B-Instruct-2503", 24),
    ("NousResearch/DeepHermes-3-Mistral-24B-Preview", 24),
    ("ArliAI/QwQ-32B-ArliAI-RpR-v1", 32),
]
NON_LLM = [
    ("stabilityai/stable-diffusion-xl-base-1.0", "diffusion"),
    ("black-forest-labs/FLUX.1-dev", "diffusion"),
    ("hexgrad/Kokoro-82M", "tts"),
    ("BAAI/bge-large-en-v1.5", "embedding"),
]


@dataclass
class FakeModel:
    chute_id: str
    name: str
    params_b: int
    price_prompt: float
    price_completion: float
    days: list[dict[str, Any]] = field(default_factory=list)
    """Daily rows, newest first, in the API's shape."""


@dataclass
class Dataset:
    today: date
    models: list[FakeModel]
    other_chutes: list[tuple[str, str, str]]
    """Non-LLM chutes on the catalogue page: (chute_id, name, template)."""

    def by_id(self, chute_id: str) -> FakeModel:
        return next(m for m in self.models if m.chute_id == chute_id)


def chute_uuid(name: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"https://chutes.ai/app/chute/{name}"))


def model_names(count: int) -> Iterator[tuple[str, int]]:
    for index in range(count):
        name, size = BASE_NAMES[index % len(BASE_NAMES)]
        generation = index // len(BASE_NAMES)
        yield (name if generation == 0 else f"{name}-r{generation}"), size


def make_dataset(
    n_models: int = 40, n_days: int = 75, *, today: date, seed: int = 7, partial: float = 0.45
) -> Dataset:
    """Models with up to ``n_days`` of history ending ``today`` (a ``partial`` day)."""
    rng = random.Random(seed)
    models: list[FakeModel] = []
    for index, (name, size) in enumerate(model_names(n_models)):
        # Bigger models are slower and dearer; popularity is long-tailed.
        base_tps = max(12.0, 260.0 / (1 + size / 40) * rng.uniform(0.8, 1.25))
        base_ttft = 0.35 + size / 350 * rng.uniform(0.7, 1.4)
        popularity = int(10 ** rng.uniform(2.3, 6.2))
        price_in = round(0.02 + size / 1000 * rng.uniform(0.2, 0.5), 4)
        model = FakeModel(
            chute_id=chute_uuid(name),
            name=name,
            params_b=size,
            price_prompt=price_in,
            price_completion=round(price_in * rng.uniform(2.5, 4.0), 4),
        )
        # A few models are new; a few have outages (missing days).
        history = n_days if index % 9 else rng.randint(5, n_days)
        for back in range(history):
            day = today - timedelta(days=back)
            if index % 13 == 5 and back in (3, 4, 17):
                continue
            requests = int(popularity * rng.uniform(0.6, 1.4))
            if back == 0:
                requests = int(requests * partial)
            load = requests / (popularity * 1.4)
            tps = base_tps * (1.1 - 0.35 * load) * rng.uniform(0.9, 1.1)
            ttft = base_ttft * (0.8 + 0.6 * load) * rng.uniform(0.9, 1.1)
            in_tokens = requests * rng.randint(900, 6000)
            out_tokens = requests * rng.randint(150, 1200)
            zero_day = index % 17 == 3 and back == 8
            model.days.append(
                {
                    "chute_id": model.chute_id,
                    "name": name,
                    "date": day.isoformat(),
                    "total_requests": 0 if zero_day else requests,
                    "total_input_tokens": 0 if zero_day else in_tokens,
                    "total_output_tokens": 0 if zero_day else out_tokens,
                    "average_tps": None if zero_day else round(tps, 6),
                    "average_ttft": None if zero_day else round(ttft, 6),
                }
            )
        models.append(model)
    others = [(chute_uuid(n), n, t) for n, t in NON_LLM]
    return Dataset(today=today, models=models, other_chutes=others)


# --- rendering in the source's shapes ------------------------------------------------


def stats_json(ds: Dataset) -> bytes:
    """``/invocations/stats/llm``: every chute and day, newest date first."""
    rows = [row for m in ds.models for row in m.days]
    rows.sort(key=lambda r: r["date"], reverse=True)
    return json.dumps(rows, separators=(",", ":")).encode()


def catalogue_json(ds: Dataset) -> bytes:
    """``/v1/models``: OpenAI-style list with chute ids and prices."""
    data = [
        {
            "id": m.name,
            "root": m.name,
            "object": "model",
            "created": 1_735_000_000 + i,
            "owned_by": "vllm",
            "chute_id": m.chute_id,
            "pricing": {"prompt": m.price_prompt, "completion": m.price_completion},
            "price": {"input": {"usd": m.price_prompt}, "output": {"usd": m.price_completion}},
            "context_length": 131072,
            "max_model_len": 131072,
            "quantization": "fp8" if m.params_b > 100 else "bf16",
            "input_modalities": ["text"],
            "output_modalities": ["text"],
            "supported_features": ["json_mode", "tools"],
        }
        for i, m in enumerate(ds.models)
    ]
    return json.dumps({"object": "list", "data": data}).encode()


def _js(value: Any) -> str:
    """A JS literal as SvelteKit's serialiser writes it: unquoted keys, JSON values."""
    if isinstance(value, dict):
        return "{" + ",".join(f"{k}:{_js(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ",".join(_js(v) for v in value) + "]"
    if value is None:
        return "null"
    return json.dumps(value)


def _page(title: str, data: str) -> bytes:
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title} | Chutes</title>
<link rel="modulepreload" href="/_app/immutable/entry/start.BxT3k9.js">
<style>.card{{display:flex}} .x{{content:"{{"}}</style></head>
<body data-sveltekit-preload-data="hover"><div style="display: contents">
<nav><a href="/app">Chutes</a> <span title="say &quot;hi&quot;">Docs</span></nav>
<main><h1>{title}</h1><p>Loading…</p></main>
<script>
{{__sveltekit_1f8k2x={{base:new URL(".",location).pathname.slice(0,-1),env:{{}}}};
const element=document.currentScript.parentElement;
const data=[null,{{type:"data",data:{data},uses:{{url:1}}}}];
Promise.all([import("/_app/immutable/entry/start.BxT3k9.js")]).then(([kit])=>{{kit.start(element,{{node_ids:[0,4],data,form:null}})}});}}
</script></div></body></html>""".encode()


def catalogue_html(ds: Dataset) -> bytes:
    """``/app``: every chute, LLMs with ``standard_template:"vllm"`` in their object."""
    chutes: list[dict[str, Any]] = []
    for i, m in enumerate(ds.models):
        chutes.append(
            {
                "chute_id": m.chute_id,
                "name": m.name,
                "tagline": f"{m.name.split('/')[-1]} served with vLLM {{fast}}",
                "slug": m.name.lower().replace("/", "-"),
                "image": {"image_id": chute_uuid(m.name + "/image"), "name": "vllm"},
                "standard_template": "vllm",
                "public": True,
                "invocation_count": 1000 + i,
                "cords": [{"method": "POST", "path": "/v1/chat/completions"}],
            }
        )
    for j, (chute_id, name, template) in enumerate(ds.other_chutes):
        chutes.insert(
            j * 7 % (len(chutes) + 1),
            {
                "chute_id": chute_id,
                "name": name,
                "tagline": "not an LLM",
                "image": {"image_id": chute_uuid(name + "/image"), "name": template},
                "standard_template": template,
                "public": True,
            },
        )
    return _page("Chutes", _js({"chutes": chutes, "total": len(chutes)}))


def stats_html(ds: Dataset, chute_id: str) -> bytes:
    """``/app/chute/<id>?tab=stats``: the chute, then one literal per day."""
    m = ds.by_id(chute_id)
    data = {
        "chute": {"chute_id": m.chute_id, "name": m.name, "standard_template": "vllm"},
        "llm_stats": m.days,
    }
    return _page(m.name, _js(data))


# --- the server --------------------------------------------------------------------


HOLD_LIMIT_S = 30.0
"""The longest a held response waits for its release, so a failing test cannot hang."""


@dataclass
class Fault:
    status: int | None = None
    delay_s: float = 0.0
    body: bytes | None = None
    times: int | None = None
    """How many requests it applies to; None = until reset."""
    reached: threading.Event | None = None
    """Set when a request for the path arrives."""
    hold: threading.Event | None = None
    """The response waits until this is set (at most ``HOLD_LIMIT_S``)."""


class FakeChutes:
    """chutes.ai on ``http://127.0.0.1:<port>``: API, LLM catalogue and pages on one host."""

    def __init__(self, dataset: Dataset) -> None:
        self.lock = threading.Lock()
        self.faults: dict[str, Fault] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self.set_dataset(dataset)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def set_dataset(self, dataset: Dataset) -> None:
        with self.lock:
            self.dataset = dataset
            self._bodies = {
                "/invocations/stats/llm": stats_json(dataset),
                "/v1/models": catalogue_json(dataset),
                "/app": catalogue_html(dataset),
            }
            self._pages: dict[str, bytes] = {}

    def fail(self, path: str, **fault: Any) -> None:
        """Make ``path`` (exact, without query) answer differently, see ``Fault``."""
        with self.lock:
            self.faults[path] = Fault(**fault)

    def reset(self) -> None:
        with self.lock:
            self.faults.clear()
            self.requests.clear()
            self.max_in_flight = 0

    def paths(self) -> list[str]:
        with self.lock:
            return [path for path, _ in self.requests]

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _body(self, path: str) -> bytes | None:
        if path in self._bodies:
            return self._bodies[path]
        prefix = "/app/chute/"
        if path.startswith(prefix):
            chute_id = path[len(prefix) :]
            if chute_id not in self._pages:
                try:
                    self._pages[chute_id] = stats_html(self.dataset, chute_id)
                except StopIteration:
                    return None
            return self._pages[chute_id]
        return None

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                path = urlsplit(self.path).path
                with fake.lock:
                    fake.requests.append((path, dict(self.headers.items())))
                    fake.in_flight += 1
                    fake.max_in_flight = max(fake.max_in_flight, fake.in_flight)
                    fault = fake.faults.get(path)
                    if fault is not None and fault.times is not None:
                        fault.times -= 1
                        if fault.times < 0:
                            fault = None
                    body = fake._body(path)
                try:
                    if fault is not None and fault.reached is not None:
                        fault.reached.set()
                    if fault is not None and fault.hold is not None:
                        fault.hold.wait(timeout=HOLD_LIMIT_S)
                    if fault is not None and fault.delay_s:
                        time.sleep(fault.delay_s)
                    status = 200 if body is not None else 404
                    if fault is not None:
                        status = fault.status or status
                        body = fault.body if fault.body is not None else body
                    payload = body if body is not None else b'{"detail":"Not Found"}'
                    kind = "text/html" if path.startswith("/app") else "application/json"
                    self.send_response(status)
                    self.send_header("Content-Type", f"{kind}; charset=utf-8")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout under test)
                finally:
                    with fake.lock:
                        fake.in_flight -= 1

        return Handler


def main() -> None:
    """Serve a dataset from its own process (for benchmarks/scrape.py) until killed."""
    import argparse
    import sys

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--models", type=int, default=1000)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--today", type=date.fromisoformat, required=True)
    parser.add_argument("--partial", type=float, default=0.45)
    args = parser.parse_args()
    fake = FakeChutes(make_dataset(args.models, args.days, today=args.today, partial=args.partial))
    sys.stdout.write(fake.url + "\n")
    sys.stdout.flush()
    threading.Event().wait()


if __name__ == "__main__":
    main()

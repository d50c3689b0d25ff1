"""An OpenAI-compatible server that streams tokens on a known schedule.

Run as its own process (``python tests/fakes/streaming_llm.py``) so that its
event loop never competes with the client's for the interpreter: it binds a
loopback port, prints it on stdout, then serves ``POST /v1/chat/completions``
with ``stream: true`` in the real wire format (Server-Sent Events, chunked).

How a request is answered is read from the model name's query string, so one
server can play every part a test needs, e.g. ``fake?ttft_ms=200&itl_ms=20``:

- ``ttft_ms``: first token this long after the request arrived;
- ``itl_ms``: then one chunk every this long, on an absolute schedule (no drift);
- ``tokens``: tokens per answer (capped by ``max_tokens``); ``chunk``: tokens per chunk;
- ``usage=0``: never send ``usage`` (as some servers do not);
- ``stamp=1``: each content chunk carries ``x_sent``, when the server wrote it;
- ``fault_every=N`` with ``fault=status|break|error_event|hang``: every Nth request
  (by the number leading its prompt) answers 503, drops the connection mid-stream,
  sends an error event mid-stream, or stops sending; ``fault_after`` tokens first.
``--profile NAME=QUERY`` gives a behaviour a plain model name (the demo uses it).
A request without ``Authorization: Bearer <--api-key>`` gets OpenAI's 401.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import socket
import sys
import time
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qs

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

PROMPT_INDEX = re.compile(r"^Request (-?\d+)\.")
ERROR_EVENT = b'data: {"error": {"message": "model overloaded", "type": "server_error"}}\n\n'


class Dropped(Exception):
    """Raised inside the stream to make the server drop the connection mid-answer."""


PROFILES: dict[str, str] = {}
"""Model name -> behaviour query, from ``--profile NAME=QUERY`` (friendlier names)."""


def behaviour(model: str) -> dict[str, Any]:
    query = parse_qs(PROFILES.get(model) or model.partition("?")[2])
    values = {k: v[-1] for k, v in query.items()}
    return {
        "ttft": float(values.get("ttft_ms", 50)) / 1000,
        "itl": float(values.get("itl_ms", 10)) / 1000,
        "tokens": int(values.get("tokens", 20)),
        "chunk": int(values.get("chunk", 1)),
        "usage": values.get("usage", "1") != "0",
        "fault_every": int(values.get("fault_every", 0)),
        "fault": values.get("fault", "status"),
        "fault_after": int(values.get("fault_after", 3)),
        "stamp": values.get("stamp") == "1",
    }


def chunk(
    model: str, delta: dict[str, Any], finish: str | None = None, *, stamp: bool = False
) -> bytes:
    event: dict[str, Any] = {
        "id": "chatcmpl-fake",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }
    if stamp:
        # When it was written, on CLOCK_MONOTONIC: the same clock as the client's
        # perf_counter on Linux, so benchmarks/probe.py can see the client's own lag.
        event["x_sent"] = time.perf_counter()
    return b"data: " + json.dumps(event).encode() + b"\n\n"


async def events(
    body: dict[str, Any], how: dict[str, Any], arrived: float, faulty: bool
) -> AsyncIterator[bytes]:
    loop = asyncio.get_running_loop()
    model = body["model"]
    tokens = min(how["tokens"], int(body.get("max_tokens") or how["tokens"]))
    yield chunk(model, {"role": "assistant", "content": ""})
    sent = 0
    step = 0
    while sent < tokens:
        if faulty and sent >= how["fault_after"]:
            if how["fault"] == "break":
                raise Dropped()
            if how["fault"] == "error_event":
                yield ERROR_EVENT
                return
            if how["fault"] == "hang":
                await asyncio.sleep(3600)
        due = arrived + how["ttft"] + step * how["itl"]
        await asyncio.sleep(max(0.0, due - loop.time()))
        n = min(how["chunk"], tokens - sent)
        yield chunk(model, {"content": " tok" * n}, stamp=how["stamp"])
        sent += n
        step += 1
    yield chunk(model, {}, "length")
    if how["usage"] and (body.get("stream_options") or {}).get("include_usage"):
        usage = {
            "prompt_tokens": len(str(body["messages"][-1]["content"]).split()),
            "completion_tokens": sent,
        }
        usage["total_tokens"] = usage["prompt_tokens"] + sent
        event = {
            "id": "chatcmpl-fake",
            "object": "chat.completion.chunk",
            "created": 0,
            "model": model,
            "choices": [],
            "usage": usage,
        }
        yield b"data: " + json.dumps(event).encode() + b"\n\n"
    yield b"data: [DONE]\n\n"


def make_app(api_key: str | None) -> Starlette:
    async def completions(request: Request) -> Response:
        arrived = asyncio.get_running_loop().time()
        if api_key and request.headers.get("authorization") != f"Bearer {api_key}":
            return JSONResponse(
                {
                    "error": {
                        "message": "Incorrect API key provided",
                        "type": "invalid_request_error",
                    }
                },
                status_code=401,
            )
        body = await request.json()
        if not body.get("stream"):
            return JSONResponse({"error": {"message": "this fake only streams"}}, status_code=400)
        how = behaviour(str(body.get("model", "")))
        found = PROMPT_INDEX.match(str(body["messages"][-1]["content"]))
        index = int(found.group(1)) if found else -1
        faulty = (
            how["fault_every"] > 0
            and index >= 0
            and index % how["fault_every"] == how["fault_every"] - 1
        )
        if faulty and how["fault"] == "status":
            return JSONResponse(
                {"error": {"message": "busy", "type": "server_error"}}, status_code=503
            )
        return StreamingResponse(events(body, how, arrived, faulty), media_type="text/event-stream")

    return Starlette(routes=[Route("/v1/chat/completions", completions, methods=["POST"])])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--api-key", default=None)
    parser.add_argument("--profile", action="append", default=[], metavar="NAME=QUERY")
    args = parser.parse_args()
    for item in args.profile:
        name, _, query = item.partition("=")
        PROFILES[name] = query
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    # Connections wait in the backlog until uvicorn accepts them, so the port can be
    # announced before the server loop runs.
    print(sock.getsockname()[1], flush=True)
    config = uvicorn.Config(make_app(args.api_key), log_level="warning", lifespan="off")
    uvicorn.Server(config).run(sockets=[sock])


if __name__ == "__main__":
    sys.exit(main())

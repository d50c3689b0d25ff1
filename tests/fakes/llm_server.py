"""A scripted LLM provider on a loopback port, speaking the real wire formats.

``POST /v1/messages`` answers like Anthropic's Messages API and
``POST /v1/chat/completions`` like OpenAI's Chat Completions. Each request takes
the next reply from the script (a ``Reply``, or a function of the request that
returns one); an exhausted script answers 500 so a test cannot pass by accident.

Requests are checked the way the real APIs check them (auth header, version header,
tool results answering exactly the previous turn's tool calls); a malformed
conversation gets the provider's 400 error envelope. Every request is recorded.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

ANTHROPIC_PATH = "/v1/messages"
OPENAI_PATH = "/v1/chat/completions"
FAKE_MODEL = "fake-model-1"


@dataclass
class Reply:
    status: int = 200
    body: dict[str, Any] | str = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class RecordedRequest:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]

    @property
    def wire(self) -> str:
        return "anthropic" if self.path == ANTHROPIC_PATH else "openai"


ScriptItem = Reply | Callable[[RecordedRequest], Reply]


# --- reply builders ------------------------------------------------------------


def anthropic_message(
    text: str = "",
    tool_calls: list[tuple[str, str, dict[str, Any]]] | None = None,
    *,
    input_tokens: int = 100,
    output_tokens: int = 20,
    cache_read: int = 0,
    model: str = FAKE_MODEL,
    stop_reason: str | None = None,
) -> Reply:
    """A Messages API reply; ``tool_calls`` are (id, name, input)."""
    content: list[dict[str, Any]] = []
    if text:
        content.append({"type": "text", "text": text})
    for call_id, name, arguments in tool_calls or []:
        content.append({"type": "tool_use", "id": call_id, "name": name, "input": arguments})
    usage: dict[str, Any] = {"input_tokens": input_tokens, "output_tokens": output_tokens}
    if cache_read:
        usage["cache_read_input_tokens"] = cache_read
        usage["cache_creation_input_tokens"] = 0
    return Reply(
        body={
            "id": "msg_fake",
            "type": "message",
            "role": "assistant",
            "model": model,
            "content": content,
            "stop_reason": stop_reason or ("tool_use" if tool_calls else "end_turn"),
            "stop_sequence": None,
            "usage": usage,
        }
    )


def openai_completion(
    text: str | None = None,
    tool_calls: list[tuple[str, str, dict[str, Any] | str]] | None = None,
    *,
    prompt_tokens: int = 100,
    completion_tokens: int = 20,
    cost: float | None = None,
    model: str = FAKE_MODEL,
    finish_reason: str | None = None,
) -> Reply:
    """A Chat Completions reply; ``tool_calls`` are (id, name, arguments: dict or raw string)."""
    message: dict[str, Any] = {"role": "assistant", "content": text}
    if tool_calls:
        message["tool_calls"] = [
            {
                "id": call_id,
                "type": "function",
                "function": {
                    "name": name,
                    "arguments": args if isinstance(args, str) else json.dumps(args),
                },
            }
            for call_id, name, args in tool_calls
        ]
    usage: dict[str, Any] = {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
    }
    if cost is not None:
        usage["cost"] = cost
    return Reply(
        body={
            "id": "chatcmpl-fake",
            "object": "chat.completion",
            "created": 1700000000,
            "model": model,
            "choices": [
                {
                    "index": 0,
                    "message": message,
                    "finish_reason": finish_reason or ("tool_calls" if tool_calls else "stop"),
                }
            ],
            "usage": usage,
        }
    )


def anthropic_error(
    status: int, message: str, kind: str = "api_error", headers: dict[str, str] | None = None
) -> Reply:
    return Reply(
        status, {"type": "error", "error": {"type": kind, "message": message}}, headers or {}
    )


def openai_error(
    status: int, message: str, kind: str = "server_error", headers: dict[str, str] | None = None
) -> Reply:
    body = {"error": {"message": message, "type": kind, "code": status}}
    return Reply(status, body, headers or {})


# --- request checks, as strict as the real APIs ---------------------------------------


def _anthropic_problem(request: RecordedRequest, api_key: str | None) -> Reply | None:
    if api_key and request.headers.get("x-api-key") != api_key:
        return anthropic_error(401, "invalid x-api-key", "authentication_error")
    if not request.headers.get("anthropic-version"):
        return anthropic_error(400, "anthropic-version header is required", "invalid_request_error")
    body = request.body
    if not isinstance(body.get("max_tokens"), int) or not body.get("model"):
        return anthropic_error(400, "model and max_tokens are required", "invalid_request_error")
    messages = body.get("messages") or []
    pending: set[str] = set()
    for i, message in enumerate(messages):
        role = message.get("role")
        if role != ("user" if i % 2 == 0 else "assistant"):
            return anthropic_error(
                400, f"messages.{i}: roles must alternate", "invalid_request_error"
            )
        blocks = message["content"] if isinstance(message.get("content"), list) else []
        if role == "user":
            answered = {b.get("tool_use_id") for b in blocks if b.get("type") == "tool_result"}
            if answered != pending:
                return anthropic_error(
                    400,
                    f"messages.{i}: tool_result blocks must answer exactly {sorted(pending)}",
                    "invalid_request_error",
                )
            pending = set()
        else:
            pending = {b.get("id") for b in blocks if b.get("type") == "tool_use"}
    return None


def _openai_problem(request: RecordedRequest, api_key: str | None) -> Reply | None:
    if api_key and request.headers.get("authorization") != f"Bearer {api_key}":
        return openai_error(401, "Incorrect API key provided", "invalid_request_error")
    messages = request.body.get("messages") or []
    pending: set[str] = set()
    for i, message in enumerate(messages):
        role = message.get("role")
        if role == "tool":
            if message.get("tool_call_id") not in pending:
                return openai_error(
                    400, f"messages[{i}]: unexpected tool_call_id", "invalid_request_error"
                )
            pending.discard(message["tool_call_id"])
            continue
        if pending:
            return openai_error(
                400,
                f"messages[{i}]: tool calls {sorted(pending)} have no response",
                "invalid_request_error",
            )
        if role == "assistant":
            pending = {c["id"] for c in message.get("tool_calls") or []}
    if pending:
        return openai_error(
            400, f"tool calls {sorted(pending)} have no response", "invalid_request_error"
        )
    return None


class ScriptedLLMServer:
    """Loopback HTTP server answering from a script; use as a context manager."""

    def __init__(self, api_key: str | None = "test-key") -> None:
        self.api_key = api_key
        self.script: deque[ScriptItem] = deque()
        self.requests: list[RecordedRequest] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def anthropic_base_url(self) -> str:
        return self.url

    @property
    def openai_base_url(self) -> str:
        return self.url + "/v1"

    def push(self, *items: ScriptItem) -> None:
        with self._lock:
            self.script.extend(items)

    def start(self) -> ScriptedLLMServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> ScriptedLLMServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _answer(self, request: RecordedRequest) -> Reply:
        check = _anthropic_problem if request.wire == "anthropic" else _openai_problem
        problem = check(request, self.api_key)
        with self._lock:
            self.requests.append(request)
            if problem is not None:
                return problem
            item = self.script.popleft() if self.script else None
        if item is None:
            error = anthropic_error if request.wire == "anthropic" else openai_error
            return error(500, "fake server: script exhausted")
        return item(request) if callable(item) else item

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in two writes; with Nagle on, the second waits for
            # the client's delayed ACK (~40 ms per call on loopback).
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length)
                if self.path not in (ANTHROPIC_PATH, OPENAI_PATH):
                    self._send(Reply(404, {"error": {"message": f"no route {self.path}"}}))
                    return
                try:
                    body = json.loads(raw or b"{}")
                except ValueError:
                    self._send(Reply(400, {"error": {"message": "body is not JSON"}}))
                    return
                headers = {k.lower(): v for k, v in self.headers.items()}
                self._send(server._answer(RecordedRequest(self.path, headers, body)))

            def _send(self, reply: Reply) -> None:
                data = (
                    reply.body.encode()
                    if isinstance(reply.body, str)
                    else json.dumps(reply.body).encode()
                )
                self.send_response(reply.status)
                content_type = "text/plain" if isinstance(reply.body, str) else "application/json"
                self.send_header("content-type", content_type)
                self.send_header("content-length", str(len(data)))
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

        return Handler

"""Reading the free-form parts of a run (metadata, transcript) into fixed shapes.

Runs come from our harness, from the original TypeScript one (imported) and
from third parties, so these readers accept the spellings each of them uses
and never fail on an unexpected shape: what they do not recognise is left out
of the structured view (the raw JSON is still shown on the run page).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

_MAX_TEXT = 20_000
"""Longest text shown inline; transcripts can hold whole files."""


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        text = value
    else:
        text = json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False, default=str)
    if len(text) > _MAX_TEXT:
        return text[:_MAX_TEXT] + f"\n… ({len(text) - _MAX_TEXT:,} more characters)"
    return text


def json_document(text: str | None) -> Any:
    """A stored JSON document parsed; None when there is none or it is not JSON."""
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


def _first(mapping: Mapping[str, Any], *keys: str) -> Any:
    for key in keys:
        if key in mapping and mapping[key] is not None:
            return mapping[key]
    return None


# --- failures --------------------------------------------------------------------


@dataclass(frozen=True)
class Failure:
    kind: str
    """What failed (agent, timeout, workspace, evaluation, …); "unknown" when unsaid."""
    message: str


def failure_of(status: str, metadata: Any) -> Failure | None:
    """The error of a run: from ``metadata.error``/``errorType``, or bare status "failed"."""
    meta = metadata if isinstance(metadata, Mapping) else {}
    error = meta.get("error")
    kind = _first(meta, "errorType", "errorKind", "error_type")
    if isinstance(error, Mapping):
        kind = kind or _first(error, "type", "kind")
        error = _first(error, "message", "error") or error
    if error in (None, "") and status != "failed":
        return None
    message = _text(error) if error not in (None, "") else "The run failed without a message."
    return Failure(kind=str(kind) if kind else "unknown", message=message)


# --- validation commands -----------------------------------------------------------


@dataclass(frozen=True)
class ValidationCommand:
    name: str
    command: str
    exit_code: int | None
    passed: bool | None
    duration_ms: int | None
    timed_out: bool
    output: str


def validation_commands(metadata: Mapping[str, Any]) -> list[ValidationCommand]:
    raw = _first(metadata, "validation", "validationResults", "validation_results", "commands")
    if isinstance(raw, Mapping):
        inner = raw.get("commands")
        if isinstance(inner, (Mapping, list)):
            raw = inner
    items: list[tuple[str, Any]] = []
    if isinstance(raw, Mapping):
        items = [(str(k), v) for k, v in raw.items()]
    elif isinstance(raw, list):
        items = [("", v) for v in raw]
    out: list[ValidationCommand] = []
    for name, value in items:
        if not isinstance(value, Mapping):
            continue
        exit_code = _first(value, "exitCode", "exit_code", "returncode", "code")
        exit_code = exit_code if isinstance(exit_code, int) else None
        passed = _first(value, "passed", "ok", "success")
        if not isinstance(passed, bool):
            passed = None if exit_code is None else exit_code == 0
        output = _first(value, "output", "outputTail", "output_tail", "tail")
        if output is None:
            parts = [_first(value, "stdout"), _first(value, "stderr")]
            output = "\n".join(_text(p) for p in parts if p)
        duration = _first(value, "durationMs", "duration_ms")
        out.append(
            ValidationCommand(
                name=str(_first(value, "name", "kind") or name or "command"),
                command=_text(_first(value, "command", "cmd")),
                exit_code=exit_code,
                passed=passed,
                duration_ms=int(duration) if isinstance(duration, (int, float)) else None,
                timed_out=bool(_first(value, "timedOut", "timed_out")),
                output=_text(output),
            )
        )
    return out


# --- files changed -----------------------------------------------------------------


@dataclass(frozen=True)
class FileChange:
    path: str
    change: str
    additions: int | None = None
    deletions: int | None = None


def files_changed(metadata: Mapping[str, Any]) -> list[FileChange]:
    raw = _first(metadata, "diffSummary", "filesChanged", "files_changed", "diff")
    if isinstance(raw, Mapping) and isinstance(raw.get("files"), list):
        raw = raw["files"]
    out: list[FileChange] = []
    if isinstance(raw, Mapping):
        # {"added": [...], "modified": [...], "deleted": [...]}
        for change, paths in raw.items():
            if isinstance(paths, list):
                out.extend(FileChange(_text(p), str(change)) for p in paths)
        return out
    if not isinstance(raw, list):
        return out
    for item in raw:
        if isinstance(item, str):
            out.append(FileChange(item, "modified"))
        elif isinstance(item, Mapping):
            path = _first(item, "file", "path", "name")
            if path is None:
                continue
            additions = _first(item, "additions", "added_lines", "insertions")
            deletions = _first(item, "deletions", "removed_lines")
            out.append(
                FileChange(
                    _text(path),
                    _text(_first(item, "changeType", "change", "status", "type") or "modified"),
                    additions if isinstance(additions, int) else None,
                    deletions if isinstance(deletions, int) else None,
                )
            )
    return out


# --- transcripts -------------------------------------------------------------------


@dataclass
class ToolCall:
    id: str | None
    name: str
    arguments: str
    result: str | None = None
    is_error: bool = False


@dataclass
class TranscriptEntry:
    role: str
    texts: list[str] = field(default_factory=list)
    tool_calls: list[ToolCall] = field(default_factory=list)
    orphan_results: list[ToolCall] = field(default_factory=list)
    """Tool results whose call is not in the transcript."""


def _messages(doc: Any) -> list[Any]:
    if isinstance(doc, list):
        return doc
    if isinstance(doc, Mapping):
        for key in ("messages", "transcript", "turns"):
            if isinstance(doc.get(key), list):
                return list(doc[key])
    return []


def _arguments(value: Any) -> str:
    if isinstance(value, str):
        try:
            return _text(json.loads(value))
        except ValueError:
            return _text(value)
    return _text(value)


def _call_of(raw: Any) -> ToolCall | None:
    if not isinstance(raw, Mapping):
        return None
    nested = raw.get("function")
    function: Mapping[str, Any] = nested if isinstance(nested, Mapping) else {}
    name = _first(raw, "name", "tool") or _first(function, "name") or "tool"
    args = _first(raw, "arguments", "input", "args", "parameters")
    if args is None:
        args = _first(function, "arguments")
    call_id = _first(raw, "id", "tool_call_id", "tool_use_id")
    return ToolCall(
        id=str(call_id) if call_id is not None else None,
        name=_text(name),
        arguments=_arguments(args),
    )


def _result_content(value: Any) -> str:
    if isinstance(value, list):
        texts = [
            _text(b.get("text")) if isinstance(b, Mapping) and "text" in b else _text(b)
            for b in value
        ]
        return "\n".join(texts)
    return _text(value)


def _result_of(raw: Mapping[str, Any]) -> tuple[str | None, str, bool, str | None]:
    call_id = _first(raw, "tool_use_id", "tool_call_id", "id", "call_id")
    content = _first(raw, "content", "output", "result", "text")
    is_error = bool(_first(raw, "isError", "is_error", "error"))
    name = _first(raw, "name", "tool")
    return (
        str(call_id) if call_id is not None else None,
        _result_content(content),
        is_error,
        _text(name) if name is not None else None,
    )


def transcript_entries(doc: Any) -> list[TranscriptEntry]:
    """Messages in order, each with its text and its tool calls (results attached by id)."""
    entries: list[TranscriptEntry] = []
    calls_by_id: dict[str, ToolCall] = {}
    for message in _messages(doc):
        if not isinstance(message, Mapping):
            entries.append(TranscriptEntry(role="message", texts=[_text(message)]))
            continue
        entry = TranscriptEntry(role=_text(message.get("role") or "message"))
        results = _read_message(entry, message)
        for call in entry.tool_calls:
            if call.id is not None:
                calls_by_id[call.id] = call
        _attach_results(entry, results, calls_by_id)
        if entry.texts or entry.tool_calls or entry.orphan_results:
            entries.append(entry)
    return entries


def _read_message(entry: TranscriptEntry, message: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """A message's texts and tool calls into ``entry``; the tool results it carries."""
    results: list[Mapping[str, Any]] = []
    content = message.get("content")
    if isinstance(content, list):
        for block in content:
            if not isinstance(block, Mapping):
                entry.texts.append(_text(block))
                continue
            kind = block.get("type")
            if kind == "tool_use":
                call = _call_of(block)
                if call is not None:
                    entry.tool_calls.append(call)
            elif kind == "tool_result":
                results.append(block)
            elif "text" in block:
                entry.texts.append(_text(block["text"]))
            else:
                entry.texts.append(_text(block))
    elif content not in (None, ""):
        if entry.role == "tool" and _first(message, "tool_call_id", "tool_use_id"):
            results.append(message)
        else:
            entry.texts.append(_text(content))
    for raw_call in message.get("tool_calls") or []:
        call = _call_of(raw_call)
        if call is not None:
            entry.tool_calls.append(call)
    tool_result = message.get("tool_result")
    if isinstance(tool_result, Mapping):
        results.append(tool_result)
    elif isinstance(tool_result, list):
        results.extend(r for r in tool_result if isinstance(r, Mapping))
    return results


def _attach_results(
    entry: TranscriptEntry, results: list[Mapping[str, Any]], calls_by_id: dict[str, ToolCall]
) -> None:
    """Each result onto the call it answers, or kept as an orphan when none is waiting."""
    for raw_result in results:
        call_id, text, is_error, name = _result_of(raw_result)
        target = calls_by_id.get(call_id) if call_id is not None else None
        if target is not None and target.result is None:
            target.result = text
            target.is_error = is_error
        else:
            entry.orphan_results.append(
                ToolCall(
                    id=call_id,
                    name=name or "tool result",
                    arguments="",
                    result=text,
                    is_error=is_error,
                )
            )


# --- timeline ------------------------------------------------------------------------


@dataclass(frozen=True)
class TimelineStep:
    kind: str
    """``model`` (a model call), ``tool`` (a tool call) or ``process`` (a CLI agent)."""
    name: str
    start_ms: int
    duration_ms: int
    is_error: bool = False


def _ms(value: Any) -> int | None:
    return int(value) if isinstance(value, (int, float)) and value >= 0 else None


def timeline(doc: Any) -> list[TimelineStep]:
    """Model calls and tool calls in order with their durations, from the transcript.

    The harness's agents run them one after the other, so each starts where the
    previous one ended; entries without a recorded duration are left out.
    """
    steps: list[TimelineStep] = []
    clock = 0
    for message in _messages(doc):
        if not isinstance(message, Mapping):
            continue
        took = _ms(message.get("durationMs"))
        if took is None:
            continue
        role = message.get("role")
        result = message.get("tool_result")
        if isinstance(result, Mapping):
            _, _, is_error, name = _result_of(result)
            step = TimelineStep("tool", name or "tool", clock, took, is_error)
        elif role == "process":
            argv = message.get("argv")
            program = argv[0] if isinstance(argv, list) and argv else "process"
            failed = message.get("exitCode") not in (0, None) or bool(message.get("timedOut"))
            step = TimelineStep("process", _text(program), clock, took, failed)
        else:
            calls = [c.name for c in (_call_of(c) for c in message.get("tool_calls") or []) if c]
            label = _text(message.get("model") or role or "model")
            step = TimelineStep(
                "model", label + (f" → {', '.join(calls)}" if calls else ""), clock, took
            )
        steps.append(step)
        clock += took
    return steps

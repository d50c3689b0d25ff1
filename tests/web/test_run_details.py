"""Reading transcripts, validation results, changed files and errors in every shape we meet."""

from __future__ import annotations

from zebench.service.run_details import (
    failure_of,
    files_changed,
    transcript_entries,
    validation_commands,
)


def test_harness_transcript_attaches_results_to_calls() -> None:
    doc = {
        "messages": [
            {"role": "user", "content": "Update deps"},
            {
                "role": "assistant",
                "content": "Reading",
                "tool_calls": [{"id": "c1", "name": "readFile", "arguments": {"path": "a.json"}}],
            },
            {"role": "tool", "tool_result": {"id": "c1", "content": "{}", "isError": False}},
        ]
    }
    entries = transcript_entries(doc)
    assert [e.role for e in entries] == ["user", "assistant"]
    call = entries[1].tool_calls[0]
    assert (call.name, call.result, call.is_error) == ("readFile", "{}", False)
    assert '"path": "a.json"' in call.arguments


def test_anthropic_content_blocks() -> None:
    doc = [
        {
            "role": "assistant",
            "content": [
                {"type": "text", "text": "Let me run it"},
                {"type": "tool_use", "id": "tu1", "name": "runCommand", "input": {"cmd": "ls"}},
            ],
        },
        {
            "role": "user",
            "content": [
                {
                    "type": "tool_result",
                    "tool_use_id": "tu1",
                    "content": [{"type": "text", "text": "boom"}],
                    "is_error": True,
                }
            ],
        },
    ]
    entries = transcript_entries(doc)
    assert len(entries) == 1  # the result-only message is shown with its call
    call = entries[0].tool_calls[0]
    assert entries[0].texts == ["Let me run it"]
    assert (call.result, call.is_error) == ("boom", True)


def test_openai_tool_calls_with_string_arguments() -> None:
    doc = {
        "messages": [
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": "call_9",
                        "type": "function",
                        "function": {"name": "writeFile", "arguments": '{"path": "x"}'},
                    }
                ],
            },
            {"role": "tool", "tool_call_id": "call_9", "content": "ok"},
            {"role": "tool", "tool_call_id": "unknown", "content": "stray"},
        ]
    }
    entries = transcript_entries(doc)
    call = entries[0].tool_calls[0]
    assert (call.name, call.result) == ("writeFile", "ok")
    assert '"path": "x"' in call.arguments
    assert entries[1].orphan_results[0].result == "stray"


def test_unexpected_shapes_do_not_fail() -> None:
    assert transcript_entries({"something": 1}) == []
    assert transcript_entries("text") == []
    entries = transcript_entries([42, {"role": "user", "content": {"a": 1}}])
    assert entries[0].texts == ["42"]
    assert '"a": 1' in entries[1].texts[0]


def test_validation_as_list_and_as_mapping() -> None:
    listed = validation_commands(
        {"validation": [{"name": "install", "command": "pnpm i", "exitCode": 1, "output": "E"}]}
    )
    assert listed[0].name == "install"
    assert (listed[0].exit_code, listed[0].passed, listed[0].output) == (1, False, "E")
    mapped = validation_commands(
        {"validation": {"test": {"cmd": "pytest", "exit_code": 0, "stdout": "ok", "stderr": "w"}}}
    )
    assert (mapped[0].name, mapped[0].command, mapped[0].passed) == ("test", "pytest", True)
    assert mapped[0].output == "ok\nw"
    assert validation_commands({}) == []
    assert validation_commands({"validation": "nonsense"}) == []


def test_files_changed_shapes() -> None:
    original = files_changed({"diffSummary": [{"file": "package.json", "changeType": "modified"}]})
    assert [(f.path, f.change) for f in original] == [("package.json", "modified")]
    grouped = files_changed({"filesChanged": {"added": ["a.py"], "deleted": ["b.py"]}})
    assert [(f.path, f.change) for f in grouped] == [("a.py", "added"), ("b.py", "deleted")]
    plain = files_changed({"diff": {"files": ["c.txt"]}})
    assert [(f.path, f.change) for f in plain] == [("c.txt", "modified")]


def test_failure_of_a_run() -> None:
    original = failure_of("failed", {"error": "Agent timed out", "errorType": "agent"})
    assert original is not None
    assert (original.kind, original.message) == ("agent", "Agent timed out")
    nested = failure_of("failed", {"error": {"message": "boom", "type": "timeout"}})
    assert nested is not None and (nested.kind, nested.message) == ("timeout", "boom")
    bare = failure_of("failed", None)
    assert bare is not None and bare.kind == "unknown"
    assert failure_of("completed", {"packageManager": "pnpm"}) is None

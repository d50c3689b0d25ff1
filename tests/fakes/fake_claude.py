"""Stands in for the ``claude`` CLI (and any agent CLI) in tests.

Called like ``claude -p PROMPT --output-format json [...]`` (or with the prompt on
stdin), it works in its current directory and prints the JSON object Claude Code
prints. ``FAKE_CLAUDE_MODE`` picks the behaviour:

- ``success`` (default): writes ``CLAUDE_WAS_HERE.txt`` holding the prompt, prints a result;
- ``error``: prints an ``is_error`` result (``error_max_turns``) and exits 1;
- ``crash``: prints a message on stderr and exits 3, no JSON;
- ``hang``: starts a child process, writes both pids to ``FAKE_CLAUDE_PIDS``, then
  waits forever (for timeout tests);
- ``plain``: prints plain text, no JSON.

``FAKE_CLAUDE_ARGV`` names a file that receives the argv and stdin as JSON.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

RESULT = {
    "type": "result",
    "subtype": "success",
    "is_error": False,
    "duration_ms": 5210,
    "duration_api_ms": 4870,
    "num_turns": 6,
    "result": "Updated the dependencies and ran the tests.",
    "session_id": "0f8a6c1e-6d0b-4c39-9d55-3c1f3e2a7b10",
    "total_cost_usd": 0.0734,
    "usage": {
        "input_tokens": 41,
        "cache_creation_input_tokens": 5120,
        "cache_read_input_tokens": 20480,
        "output_tokens": 1337,
        "server_tool_use": {"web_search_requests": 0},
        "service_tier": "standard",
    },
    "modelUsage": {
        "claude-sonnet-4-20250514": {
            "inputTokens": 41,
            "outputTokens": 1337,
            "cacheReadInputTokens": 20480,
            "cacheCreationInputTokens": 5120,
            "costUSD": 0.0734,
        }
    },
    "permission_denials": [],
    "uuid": "5b6f2a8e-1c3d-4e5f-8a9b-0c1d2e3f4a5b",
}


def _prompt(argv: list[str], stdin: str) -> str:
    if "-p" in argv:
        i = argv.index("-p")
        if i + 1 < len(argv) and not argv[i + 1].startswith("--"):
            return argv[i + 1]
    return stdin


def main() -> int:
    argv = sys.argv[1:]
    stdin = "" if sys.stdin is None or sys.stdin.isatty() else sys.stdin.read()
    record = os.environ.get("FAKE_CLAUDE_ARGV")
    if record:
        Path(record).write_text(json.dumps({"argv": argv, "stdin": stdin, "cwd": os.getcwd()}))
    mode = os.environ.get("FAKE_CLAUDE_MODE", "success")
    if mode == "hang":
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(3600)"])
        Path(os.environ["FAKE_CLAUDE_PIDS"]).write_text(f"{os.getpid()} {child.pid}")
        while True:
            time.sleep(3600)
    if mode == "crash":
        sys.stderr.write("fatal: could not reach the model\n")
        return 3
    if mode == "plain":
        sys.stdout.write("I changed some files.\n")
        return 0
    if mode == "error":
        result = dict(RESULT, subtype="error_max_turns", is_error=True, result="")
        result["result"] = "Reached maximum number of turns (5)"
        sys.stdout.write(json.dumps(result))
        return 1
    Path("CLAUDE_WAS_HERE.txt").write_text(_prompt(argv, stdin))
    sys.stdout.write(json.dumps(RESULT))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""``zebench probe`` as a user runs it: the JSON report's keys, the tables, and bad
options refused in one line before anything is sent."""

from __future__ import annotations

import json
import os
import subprocess

import pytest
from streaming_support import API_KEY, fake_model

from harness_support import ZEBENCH

MODEL = fake_model(ttft_ms=20, itl_ms=5, tokens=10)
FIGURES = ("ttftMs", "interTokenLatencyMs", "tpotMs", "e2eLatencyMs", "outputTokensPerSecond")


def zebench(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ZEBENCH_", "OPENAI_"))}
    return subprocess.run(
        [ZEBENCH, "probe", *args], capture_output=True, text=True, timeout=120, env=env,
        check=False,
    )  # fmt: skip


def test_json_report_has_every_figure(streaming_url: str) -> None:
    done = zebench(f"--base-url={streaming_url}", f"--model={MODEL}", f"--api-key={API_KEY}",
                   "-n", "6", "-c", "2", "--max-tokens", "10", "--format", "json")  # fmt: skip
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    for key in FIGURES:
        assert set(report[key]) == {"p50", "p90", "p95", "p99", "mean", "min", "max"}
        assert report[key]["min"] <= report[key]["p50"] <= report[key]["max"]
    assert report["requests"] == 6 and report["errors"] == 0 and report["errorsByKind"] == {}
    assert report["totalOutputTokensPerSecond"] > 0 and report["requestsPerSecond"] > 0
    config = report["configuration"]
    assert config["concurrency"] == 2 and config["maxTokens"] == 10 and "apiKey" not in config
    assert API_KEY not in done.stdout


def test_tables_say_where_token_counts_come_from(streaming_url: str) -> None:
    usageless = fake_model(ttft_ms=20, itl_ms=5, tokens=10, usage=0)
    done = zebench(f"--base-url={streaming_url}", f"--model={usageless}", f"--api-key={API_KEY}",
                   "-n", "4", "--sweep", "1,2")  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Concurrency" in done.stdout and "counted from content deltas" in done.stdout


def test_every_request_failing_exits_one(streaming_url: str) -> None:
    failing = fake_model(ttft_ms=5, itl_ms=1, tokens=4, fault="status", fault_every=1)
    done = zebench(f"--base-url={streaming_url}", f"--model={failing}", f"--api-key={API_KEY}",
                   "-n", "3", "--warmup", "0")  # fmt: skip
    assert done.returncode == 1
    assert "errors by kind: http_503 3" in done.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-c", "2", "--rate", "1"], "--rate and --concurrency: give one"),
        (["--sweep", "1,x"], "--sweep '1,x': expected concurrencies"),
        (["--sweep", "0,2"], "concurrencies of 1 or more"),
        (["--sweep", "1,2", "-c", "4"], "--sweep replaces --concurrency and --rate"),
        (["--requests", "0"], "--requests 0: expected 1 or more"),
        (["--rate", "0"], "--rate 0: expected more than 0"),
        (["--max-tokens", "0"], "--max-tokens 0: expected 1 or more"),
        (["--format", "xml"], "--format 'xml': expected table or json"),
        (["--timeout", "0"], "--timeout 0: expected more than 0 seconds"),
    ],
)
def test_bad_options_are_one_line(args: list[str], message: str) -> None:
    # Port 9 (discard) is never contacted: options are checked first.
    done = zebench("--base-url=http://127.0.0.1:9/v1", "--model=m", *args)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr == f"error: {done.stderr[7:]}" and message in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1

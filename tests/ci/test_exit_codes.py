"""``zebench run`` and ``zebench batch`` exit codes, gates and reports, as real processes
on the embedded store: 0 passed, 1 a gate failed, 2 usage error, 3 runs not completed."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from harness_support import cli_env, zebench

SLUGIFY = ["batch", "--suite", "example", "--scenario", "fix-slugify", "--tier", "L1"]


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = cli_env(tmp_path / "home", **extra)
    for name in ("GITHUB_STEP_SUMMARY", "GITHUB_ACTIONS", "GITHUB_SHA", "GITHUB_REF_NAME", "CI"):
        if name not in extra:
            env.pop(name, None)
    return env


def _out(proc: Any) -> str:
    return f"exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}"


def test_all_completed_and_gates_passed_exits_0_with_reports(tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    summary.write_text("# earlier step\n")
    env = _env(
        tmp_path,
        GITHUB_STEP_SUMMARY=str(summary),
        GITHUB_SHA="0123456789abcdef0123456789abcdef01234567",
        GITHUB_REF_NAME="feature/x",
        ZEBENCH_DASHBOARD_URL="https://bench.example/",
    )
    junit, report = tmp_path / "out" / "junit.xml", tmp_path / "out" / "summary.json"
    proc = zebench(
        [
            *SLUGIFY,
            "--agent", "reference,echo", "-n", "2", "--tag", "main", "--tag", "nightly,main",
            "--note", "from the test", "--fail-under", "0", "--min-success-rate", "0",
            "--junit", str(junit), "--json", str(report),
        ],
        env,
    )  # fmt: skip
    assert proc.returncode == 0, _out(proc)

    root = ET.parse(junit).getroot()
    assert root.tag == "testsuites" and root.get("tests") == "4" and root.get("failures") == "2"
    cases = root.findall("./testsuite/testcase")
    assert len(cases) == 4
    by_agent: dict[str, list[ET.Element]] = {}
    for case in cases:
        by_agent.setdefault(case.get("name", "").split(" ")[0], []).append(case)
    for case in by_agent["echo"]:
        failure = case.find("failure")
        assert failure is not None and "not successful" in failure.get("message", "")
        assert case.get("classname") == "example.fix-slugify.L1"
    for case in by_agent["reference"]:
        assert case.find("failure") is None and case.find("error") is None
        props = {p.get("name"): p.get("value") for p in case.iter("property")}
        assert float(props["score"] or 0) == 10.0
        assert props["runId"].startswith("run-")
        assert props["dashboard"] == f"https://bench.example/runs/{props['runId']}"

    data = json.loads(report.read_text())
    assert data["exitCode"] == 0 and data["runs"] == 4 and data["incompleteRuns"] == 0
    assert data["tags"] == ["main", "nightly"]
    assert data["git"]["commit"].startswith("0123456789ab") and data["git"]["branch"] == "feature/x"
    cells = {c["agent"]: c for c in data["cells"]}
    assert cells["reference"]["score"] == 10.0 and cells["reference"]["successRate"] == 1.0
    assert cells["echo"]["successRate"] == 0.0 and cells["echo"]["score"] < 8

    text = summary.read_text()
    assert text.startswith("# earlier step\n")  # appended, not overwritten
    assert f"[{data['batchId']}](https://bench.example/batches/{data['batchId']})" in text
    assert "| reference | default | 2 | 0 | 100% | 10.00 |" in text
    assert "tags `main`, `nightly`" in text and "commit `0123456789ab`" in text


def test_a_gate_that_fails_exits_1_and_names_the_cell(tmp_path: Path) -> None:
    env = _env(tmp_path)
    report = tmp_path / "summary.json"
    proc = zebench(
        [*SLUGIFY, "--agent", "reference,echo", "--fail-under", "8", "--json", str(report)], env
    )
    assert proc.returncode == 1, _out(proc)
    echo_score = json.loads(report.read_text())["cells"][0]["score"]
    assert (
        f"gate failed echo (default model): score {echo_score:.2f} < --fail-under 8" in proc.stdout
    )
    assert "reference (default model)" not in proc.stdout.split("gate failed", 1)[1]
    gates = json.loads(report.read_text())["gateFailures"]
    assert [(g["agent"], g["gate"]) for g in gates] == [("echo", "fail-under")]

    rate = zebench([*SLUGIFY, "--agent", "reference,echo", "--min-success-rate", "0.5"], env)
    assert rate.returncode == 1, _out(rate)
    assert "echo (default model): success rate 0.0% < --min-success-rate 0.5" in rate.stdout


def test_runs_that_could_not_complete_exit_3_unless_allowed(tmp_path: Path) -> None:
    env = _env(tmp_path, ZEBENCH_CLAUDE_CODE_BINARY=str(tmp_path / "no-such-claude"))
    junit = tmp_path / "junit.xml"
    args = ["run", "example", "fix-slugify", "L1", "claude-code", "--junit", str(junit)]
    proc = zebench(args, env)
    assert proc.returncode == 3, _out(proc)
    assert "1 run(s) could not be completed" in proc.stdout
    [case] = ET.parse(junit).getroot().iter("testcase")
    error = case.find("error")
    assert error is not None and error.get("message", "").startswith("run failed: ")
    assert case.find("failure") is None

    allowed = zebench([*args, "--allow-failed-runs"], env)
    assert allowed.returncode == 0, _out(allowed)
    assert "allowed by --allow-failed-runs" in allowed.stdout
    # Allowed, a failed run still counts as 0 for the gates.
    gated = zebench([*args, "--allow-failed-runs", "--fail-under", "0.5"], env)
    assert gated.returncode == 1, _out(gated)
    assert "score 0.00 < --fail-under 0.5" in gated.stdout


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    env = _env(tmp_path)
    for args in (
        [*SLUGIFY, "--fail-under", "11"],
        [*SLUGIFY, "--min-success-rate", "1.5"],
        ["batch", "--suite", "no-such-suite"],
        [*SLUGIFY, "--tag", "x" * 101],
        ["run", "example", "fix-slugify", "L9"],
    ):
        proc = zebench(args, env)
        assert proc.returncode == 2, (args, _out(proc))
        assert "Traceback" not in proc.stderr


def test_help_documents_the_exit_codes() -> None:
    import subprocess

    from harness_support import ZEBENCH

    for command in ("run", "batch"):
        text = subprocess.run(
            [ZEBENCH, command, "--help"], capture_output=True, text=True, check=True,
            env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"},
        ).stdout  # fmt: skip
        flat = " ".join(text.split())
        assert "1 a quality gate failed" in flat and "3 a run could not be completed" in flat
        for flag in ("--fail-under", "--min-success-rate", "--allow-failed-runs", "--junit"):
            assert flag in text

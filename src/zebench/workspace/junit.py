"""Per-test outcomes from a JUnit XML report (pytest ``--junitxml``, jest-junit, gotestsum...).

A test is named ``classname::name`` (pytest: ``tests.test_slug::test_accents[1]``),
which is the same before and after the agent as long as the test itself is kept.
Outcomes are ``passed``, ``failed`` (a failure or an error) and ``skipped`` (pytest
writes xfailed tests as skipped too). A test that is not in the report at all
(deleted, renamed, deselected) is simply absent.

The standard library parser is used: it never fetches external entities, and the
expat it ships with (2.4.1 and later) refuses entity expansion attacks.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

CaseStatus = Literal["passed", "failed", "skipped"]
MAX_REPORT_BYTES = 32 * 1024 * 1024
"""A bigger report is not read (the run falls back to the command's exit status)."""
_MESSAGE_CHARS = 300


class ReportError(Exception):
    """The report is missing, too big or not JUnit XML."""


@dataclass(frozen=True)
class CaseResult:
    status: CaseStatus
    message: str = ""


@dataclass(frozen=True)
class JUnitReport:
    tests: dict[str, CaseResult] = field(default_factory=dict)

    def ids(self, status: CaseStatus) -> set[str]:
        return {test_id for test_id, case in self.tests.items() if case.status == status}

    def status(self, test_id: str) -> CaseStatus | None:
        case = self.tests.get(test_id)
        return case.status if case is not None else None


def _case(element: ET.Element) -> CaseResult:
    for tag, status in (("failure", "failed"), ("error", "failed"), ("skipped", "skipped")):
        child = element.find(tag)
        if child is not None:
            message = child.get("message") or child.get("type") or ""
            if status == "skipped" and child.get("type") == "pytest.xfail":
                message = f"xfail {message}".strip()
            return CaseResult(status, message[:_MESSAGE_CHARS])  # type: ignore[arg-type]
    return CaseResult("passed")


def parse_report(text: str) -> JUnitReport:
    """The test cases of a JUnit XML document; raises ``ReportError`` when it is not one."""
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        raise ReportError(f"not XML: {exc}") from None
    if root.tag not in ("testsuites", "testsuite"):
        raise ReportError(f"not a JUnit report: root element <{root.tag}>")
    tests: dict[str, CaseResult] = {}
    for element in root.iter("testcase"):
        name = element.get("name") or ""
        classname = element.get("classname") or ""
        test_id = f"{classname}::{name}" if classname else name
        case = _case(element)
        previous = tests.get(test_id)
        # The same id twice (a runner that retries): a failure anywhere counts.
        if previous is None or previous.status != "failed":
            tests[test_id] = case
    return JUnitReport(tests)


def read_report(path: Path) -> JUnitReport:
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ReportError(f"no report at {path.name}: {exc.strerror}") from None
    if size > MAX_REPORT_BYTES:
        raise ReportError(f"{path.name} is {size} bytes, more than {MAX_REPORT_BYTES}")
    return parse_report(path.read_text(encoding="utf-8", errors="replace"))

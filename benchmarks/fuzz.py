"""A long schemathesis run against the real app: prints test cases and failures.

    .venv/bin/python benchmarks/fuzz.py                    # SQLite, >= 20,000 cases
    .venv/bin/python benchmarks/fuzz.py --engine postgres --cases 20000
    .venv/bin/python benchmarks/fuzz.py --engine both

Every operation of /openapi.json, through schemathesis's coverage, fuzzing and
stateful phases, with the checks of the test suite's bounded run
(``tests/api/test_schemathesis.py``): any 5xx, any answer not matching its
declared schema or media type is a failure. Runs follow one another with
successive seeds (the coverage phase only in the first, it does not vary) over
one database per engine, which so fills with what the earlier runs stored,
until ``--cases`` test cases were generated. Exit status 1 when anything failed.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from loopback import pg_unreachable
from schema_fuzz import fuzz_target, run_schemathesis


def fuzz_engine(engine: str, *, cases: int, max_examples: int, seed: int) -> tuple[int, int]:
    """Runs until ``cases`` cases; returns (cases, failures + errors)."""
    total = bad = 0
    with tempfile.TemporaryDirectory(prefix="zebench-fuzz-") as tmp:
        url = "postgres" if engine == "postgres" else f"sqlite:///{tmp}/fuzz.db"
        with fuzz_target(url) as base_url:
            run = 0
            while total < cases:
                started = time.monotonic()
                outcome = run_schemathesis(
                    base_url,
                    Path(tmp) / f"report-{run}.json",
                    max_examples=max_examples,
                    seed=seed + run,
                    phases="coverage,fuzzing,stateful" if run == 0 else "fuzzing,stateful",
                )
                total += outcome.cases
                problems = [*outcome.failures, *outcome.errors]
                bad += sum(int(p.get("count", 1)) for p in problems)
                print(
                    f"{engine:8} seed {seed + run:<5} {outcome.cases:>6} cases  "
                    f"{len(problems)} failure kinds  ({time.monotonic() - started:.0f} s)",
                    flush=True,
                )
                for problem in problems:
                    where = ", ".join(problem.get("operations", []))
                    print(f"    {problem.get('code', '')} {problem['title']}: {where}")
                if problems:
                    print(outcome.output[-4000:])
                run += 1
    return total, bad


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", choices=["sqlite", "postgres", "both"], default="sqlite")
    parser.add_argument("--cases", type=int, default=20_000, help="cases per engine, at least")
    parser.add_argument("--max-examples", type=int, default=300, help="per operation and run")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    engines = ["sqlite", "postgres"] if args.engine == "both" else [args.engine]
    failed = False
    for engine in engines:
        if engine == "postgres" and (reason := pg_unreachable()):
            sys.exit(f"fuzz.py: {reason}")
        cases, bad = fuzz_engine(
            engine, cases=args.cases, max_examples=args.max_examples, seed=args.seed
        )
        print(f"{engine}: {cases} test cases, {bad} failures")
        failed = failed or bad > 0
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()

"""Pure statistics (no I/O, no framework), shared by the harness, the CLI, the service
and the pages: descriptive figures and the paired tests, and the regression gate's
permutation test."""

from zebench.stats.regression import (
    DEFAULT_CONFIDENCE,
    CellRuns,
    RegressionTest,
    ScoredRun,
    pair_runs,
    regression_test,
)

__all__ = [
    "DEFAULT_CONFIDENCE",
    "CellRuns",
    "RegressionTest",
    "ScoredRun",
    "pair_runs",
    "regression_test",
]

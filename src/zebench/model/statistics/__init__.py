"""Pure statistics (no I/O, no framework), shared by the harness, the CLI, the service
and the pages, so that every figure has one definition.

- descriptive figures of plain sequences of floats: ``mean``, ``median``,
  ``percentile``, ``sample_stdev`` and the 95% t-interval (``ci95_half_width``, or
  ``ci95_half_width_from_sums`` for aggregates that arrive as sums);
- paired tests: ``sign_test`` and ``paired_bootstrap``;
- the regression gate: ``regression_test``, a permutation test stratified by cell
  over runs paired by ``pair_runs``.
"""

from zebench.model.statistics._descriptive import (
    BootstrapResult,
    SignTest,
    ci95_half_width,
    ci95_half_width_from_sums,
    mean,
    median,
    paired_bootstrap,
    percentile,
    sample_stdev,
    sign_test,
    t_critical_95,
)
from zebench.model.statistics._regression import (
    DEFAULT_CONFIDENCE,
    CellKey,
    CellRuns,
    RegressionTest,
    ScoredRun,
    Verdict,
    pair_runs,
    regression_test,
)

__all__ = [
    "DEFAULT_CONFIDENCE",
    "BootstrapResult",
    "CellKey",
    "CellRuns",
    "RegressionTest",
    "ScoredRun",
    "SignTest",
    "Verdict",
    "ci95_half_width",
    "ci95_half_width_from_sums",
    "mean",
    "median",
    "pair_runs",
    "paired_bootstrap",
    "percentile",
    "regression_test",
    "sample_stdev",
    "sign_test",
    "t_critical_95",
]

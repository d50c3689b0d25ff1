"""Suites in the ze-benchmarks format: the scenario model, loading, tiers, oracle, validation."""

from zebench.suites.errors import Problem, SuiteError, UnknownName
from zebench.suites.loader import (
    EXAMPLE_SUITES_DIR,
    LoadedScenario,
    find_suite,
    list_scenarios,
    list_suites,
    list_tiers,
    load_scenario,
    suite_search_path,
)
from zebench.suites.model import VALIDATION_STEPS, Scenario
from zebench.suites.validate import validate_path

__all__ = [
    "EXAMPLE_SUITES_DIR",
    "VALIDATION_STEPS",
    "LoadedScenario",
    "Problem",
    "Scenario",
    "SuiteError",
    "UnknownName",
    "find_suite",
    "list_scenarios",
    "list_suites",
    "list_tiers",
    "load_scenario",
    "suite_search_path",
    "validate_path",
]

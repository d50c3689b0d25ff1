"""Catalogue commands: ``suites``, ``scenarios``, ``validate``.

Only Typer is imported at module level; the suites load when a command runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from zebench.cli.output import FormatOption, OutputFormat
from zebench.cli.run_options import SuitesDir, command_settings

if TYPE_CHECKING:
    from rich.console import Console


def register(app: typer.Typer) -> None:
    app.command("suites")(suites)
    app.command("scenarios")(scenarios)
    app.command("validate")(validate)


def suites(suites_dir: SuitesDir = None, output: FormatOption = OutputFormat.table) -> None:
    """List the suites that can be run, and where they are."""
    from rich.table import Table

    from zebench.cli.output import make_console, print_json
    from zebench.suites import list_scenarios, list_suites, suite_search_path

    settings = command_settings(suites_dir)
    found: list[dict[str, Any]] = [
        {"suite": name, "scenarios": len(list_scenarios(path)), "path": str(path)}
        for name, path in list_suites(suite_search_path(settings.harness.suites_dir)).items()
    ]
    if output is OutputFormat.json:
        print_json(found)
        return
    table = Table()
    for column in ("suite", "scenarios", "path"):
        table.add_column(column)
    for row in found:
        table.add_row(row["suite"], str(row["scenarios"]), row["path"])
    make_console().print(table)


def scenarios(
    suite: Annotated[str, typer.Argument(metavar="SUITE", help="Suite name.")],
    suites_dir: SuitesDir = None,
    output: FormatOption = OutputFormat.table,
) -> None:
    """List a suite's scenarios with their tiers."""
    from rich.markup import escape
    from rich.table import Table

    from zebench.cli.output import make_console, print_json
    from zebench.suites import find_suite, list_scenarios, list_tiers, suite_search_path
    from zebench.suites.loader import parse_scenario

    settings = command_settings(suites_dir)
    suite_dir = find_suite(suite, suite_search_path(settings.harness.suites_dir))
    found: list[dict[str, Any]] = []
    for name in list_scenarios(suite_dir):
        parsed, _, problems = parse_scenario(suite_dir / "scenarios" / name / "scenario.yaml")
        found.append(
            {
                "suite": suite,
                "scenario": name,
                "tiers": list(list_tiers(suite_dir, name)),
                "title": parsed.title if parsed else None,
                "invalid": None if parsed else str(problems[0]),
            }
        )
    if output is OutputFormat.json:
        print_json(found)
        return
    table = Table(title=f"{suite} ({suite_dir})")
    for column in ("scenario", "tiers", "title"):
        table.add_column(column)
    for row in found:
        title = escape(row["title"] or "")
        if row["invalid"]:
            title = f"[red]invalid: {escape(row['invalid'])}[/]"
        table.add_row(escape(row["scenario"]), ", ".join(row["tiers"]) or "-", title)
    make_console().print(table)


def validate(
    path: Annotated[Path, typer.Argument(help="A suites directory, a suite or a scenario.")],
    run: Annotated[
        bool,
        typer.Option(
            "--run",
            help="Also run each scenario without an agent, on the untouched fixture (twice) "
            "and with its reference solution: guards, unwinnable checks, flaky tests.",
        ),
    ] = False,
) -> None:
    """Check suites and report every problem at once (exit 1 when there are errors)."""
    from rich.markup import escape

    from zebench.cli.output import make_console
    from zebench.suites import validate_path

    console = make_console()
    problems = validate_path(path)
    errors = [p for p in problems if not p.warning]
    warnings = [p for p in problems if p.warning]
    for problem in errors:
        console.print(f"[red]error[/] {escape(str(problem))}")
    for problem in warnings:
        console.print(f"[yellow]warning[/] {escape(str(problem))}")
    console.print(f"{path}: {len(errors)} error(s), {len(warnings)} warning(s)")
    if errors:
        raise typer.Exit(1)
    if run and _validate_run(path, console) > 0:
        raise typer.Exit(1)


def _validate_run(path: Path, console: Console) -> int:
    """Run every scenario under ``path`` without an agent; the number of errors found."""
    import asyncio

    from rich.markup import escape

    from zebench.config import Settings
    from zebench.harness.scenario_check import check_scenario
    from zebench.suites import load_scenario
    from zebench.suites.validate import scenarios_at

    settings = Settings()
    colours = {"info": "dim", "warning": "yellow", "error": "red"}
    errors = 0
    for suite_dir, scenario_id in scenarios_at(path):
        loaded = load_scenario(suite_dir, scenario_id)
        check = asyncio.run(check_scenario(loaded, settings))
        for finding in check.findings:
            colour = colours[finding.level]
            console.print(
                f"[{colour}]{finding.level}[/] {escape(check.scenario)}: {escape(finding.message)}"
            )
        errors += check.errors
    console.print(f"{path} --run: {errors} error(s)")
    return errors

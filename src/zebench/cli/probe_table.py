"""``zebench probe`` as tables: one probe's distributions, or a sweep's load points."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from zebench.cli.output import make_console
from zebench.throughput.probe.figures import Distribution
from zebench.throughput.probe.runner import ProbeResult

_ROWS = (
    ("TTFT", "ms", "ttft_ms"),
    ("Inter-token latency", "ms", "itl_ms"),
    ("TPOT", "ms", "tpot_ms"),
    ("End-to-end latency", "ms", "e2e_ms"),
    ("Output tokens/s (per request)", "tok/s", "output_tps"),
)


def print_result(result: ProbeResult, console: Console | None = None) -> None:
    out = console or make_console()
    f, c = result.figures, result.config
    load = f"rate {c.rate:g}/s" if c.rate is not None else f"concurrency {c.concurrency}"
    table = Table(title=f"{escape(c.model)} at {escape(c.base_url)}, {load}", title_justify="left")
    table.add_column("Figure")
    table.add_column("Unit")
    for name in ("p50", "p90", "p95", "p99", "mean", "min", "max"):
        table.add_column(name, justify="right")
    for label, unit, attr in _ROWS:
        dist: Distribution | None = getattr(f, attr)
        values = [f"{v:,.1f}" for v in dist.as_dict().values()] if dist else ["—"] * 7
        table.add_row(label, unit, *values)
    out.print(table)
    out.print(
        f"requests {f.requests}, completed {f.completed}, errors {f.error_count}"
        f" ({f.error_rate:.1%}) in {f.duration_s:.2f} s; "
        f"system {f.total_output_tps:,.1f} output tok/s, {f.requests_per_second:,.2f} req/s"
    )
    if f.errors:
        kinds = ", ".join(f"{kind} {count}" for kind, count in f.errors.items())
        out.print(f"errors by kind: {kinds}")
    _print_token_note(out, f.token_source)


def print_sweep(results: list[ProbeResult], console: Console | None = None) -> None:
    out = console or make_console()
    c = results[0].config
    table = Table(title=f"{escape(c.model)} at {escape(c.base_url)}, sweep", title_justify="left")
    heads = "Concurrency|req/s|tok/s (system)|TTFT p50 ms|TTFT p90 ms|TPOT p50 ms|ITL p50 ms"
    for head in [*heads.split("|"), "tok/s p50 (req)", "Errors"]:
        table.add_column(head, justify="right")
    for r in results:
        f = r.figures
        table.add_row(
            str(r.config.concurrency),
            f"{f.requests_per_second:,.2f}",
            f"{f.total_output_tps:,.1f}",
            _cell(f.ttft_ms, "p50"),
            _cell(f.ttft_ms, "p90"),
            _cell(f.tpot_ms, "p50"),
            _cell(f.itl_ms, "p50"),
            _cell(f.output_tps, "p50"),
            str(f.error_count),
        )
    out.print(table)
    sources = {r.figures.token_source for r in results}
    _print_token_note(out, sources.pop() if len(sources) == 1 else "mixed")


def _cell(dist: Distribution | None, name: str) -> str:
    return f"{getattr(dist, name):,.1f}" if dist else "—"


def _print_token_note(out: Console, source: str) -> None:
    if source == "deltas":
        out.print(
            "output tokens counted from content deltas: the server sent no usage "
            "(one delta may hold several tokens)"
        )
    elif source == "mixed":
        out.print("output tokens: from usage where the server sent it, else from content deltas")

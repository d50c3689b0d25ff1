"""``zebench probe``: measure an OpenAI-compatible endpoint's speed (TTFT, ITL, tokens/s)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from zebench.cli.options import DatabaseUrl

if TYPE_CHECKING:
    from zebench.store.database import Database
    from zebench.throughput.probe.runner import ProbeConfig, ProbeResult


BaseUrl = Annotated[
    str, typer.Option("--base-url", help="The endpoint's base, e.g. http://127.0.0.1:8000/v1.")
]
Model = Annotated[str, typer.Option("--model", help="The model name the endpoint serves.")]
ApiKey = Annotated[
    str | None,
    typer.Option("--api-key", envvar="OPENAI_API_KEY", help="Bearer key (or OPENAI_API_KEY)."),
]
Requests = Annotated[int, typer.Option("--requests", "-n", help="Measured requests.")]
Concurrency = Annotated[
    int | None, typer.Option("--concurrency", "-c", help="Requests in flight (default 1).")
]
Rate = Annotated[
    float | None,
    typer.Option("--rate", help="Requests started per second (Poisson), instead of -c."),
]
InputTokens = Annotated[int, typer.Option(help="Prompt size in tokens (about).")]
MaxTokens = Annotated[int, typer.Option(help="Output tokens asked per request.")]
Warmup = Annotated[int, typer.Option(help="Unmeasured requests sent first.")]
Timeout = Annotated[float, typer.Option(help="Seconds one request may take.")]
IgnoreEos = Annotated[
    bool, typer.Option(help="Ask the server to always generate --max-tokens (vLLM).")
]
Sweep = Annotated[
    str | None,
    typer.Option(help="Concurrencies to measure in turn, e.g. 1,2,4,8 (instead of -c)."),
]
OutputFormat = Annotated[str, typer.Option("--format", help="table or json.", case_sensitive=False)]
Save = Annotated[
    bool, typer.Option("--save", help="Store the probe in the database (see /models).")
]


def register(app: typer.Typer) -> None:
    app.command()(probe)


def probe(
    base_url: BaseUrl,
    model: Model,
    api_key: ApiKey = None,
    requests: Requests = 32,
    concurrency: Concurrency = None,
    rate: Rate = None,
    input_tokens: InputTokens = 128,
    max_tokens: MaxTokens = 128,
    warmup: Warmup = 1,
    timeout: Timeout = 300.0,
    ignore_eos: IgnoreEos = False,
    sweep: Sweep = None,
    output_format: OutputFormat = "table",
    save: Save = False,
    database_url: DatabaseUrl = None,
) -> None:
    """Stream chat completions to an endpoint and report TTFT, inter-token latency,
    TPOT, end-to-end latency and tokens/s (p50/p90/p95/p99, mean, min, max).

    Exits 1 when every measured request failed, 2 on bad options or when the
    endpoint refuses the first request (nothing is measured then).
    """
    from zebench.errors import UserError
    from zebench.throughput.probe.runner import ProbeConfig

    fmt = output_format.lower()
    if fmt not in ("table", "json"):
        raise UserError(f"--format {output_format!r}: expected table or json")
    levels = _parse_sweep(sweep) if sweep is not None else None
    _check(requests=requests, concurrency=concurrency, rate=rate, sweep=levels)
    _check_sizes(input_tokens=input_tokens, max_tokens=max_tokens, warmup=warmup, timeout=timeout)
    config = ProbeConfig(
        base_url=base_url,
        model=model,
        api_key=api_key or None,
        requests=requests,
        concurrency=None if rate is not None else (concurrency or 1),
        rate=rate,
        input_tokens=input_tokens,
        max_tokens=max_tokens,
        warmup=warmup,
        timeout_s=timeout,
        ignore_eos=ignore_eos,
    )
    db = _open_for_save(database_url) if save else None
    results = _measure(config, levels, fmt, db)
    if all(r.figures.completed == 0 for r in results):
        raise typer.Exit(1)


def _measure(
    config: ProbeConfig, levels: list[int] | None, fmt: str, db: Database | None
) -> list[ProbeResult]:
    """Probe (or sweep), print the figures and save them when ``db`` is given."""
    import asyncio

    from zebench.throughput.probe.runner import run_probe, run_sweep

    try:
        results = (
            asyncio.run(run_sweep(config, levels)) if levels else [asyncio.run(run_probe(config))]
        )
        _print(results, fmt, sweep=levels is not None)
        if db is not None:
            _save(db, results, fmt)
    finally:
        if db is not None:
            db.close()
    return results


def _parse_sweep(text: str) -> list[int]:
    from zebench.errors import UserError

    try:
        levels = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise UserError(f"--sweep {text!r}: expected concurrencies such as 1,2,4,8") from None
    if not levels or any(level < 1 for level in levels):
        raise UserError(f"--sweep {text!r}: expected concurrencies of 1 or more, such as 1,2,4,8")
    return sorted(set(levels))


def _check(
    *, requests: int, concurrency: int | None, rate: float | None, sweep: list[int] | None
) -> None:
    from zebench.errors import UserError

    if requests < 1:
        raise UserError(f"--requests {requests}: expected 1 or more")
    if concurrency is not None and concurrency < 1:
        raise UserError(f"--concurrency {concurrency}: expected 1 or more")
    if rate is not None and rate <= 0:
        raise UserError(f"--rate {rate:g}: expected more than 0 requests per second")
    if rate is not None and concurrency is not None:
        raise UserError("--rate and --concurrency: give one (a rate paces requests, -c caps them)")
    if sweep is not None and (rate is not None or concurrency is not None):
        raise UserError("--sweep replaces --concurrency and --rate: give only --sweep")


def _check_sizes(*, input_tokens: int, max_tokens: int, warmup: int, timeout: float) -> None:
    from zebench.errors import UserError

    if input_tokens < 1:
        raise UserError(f"--input-tokens {input_tokens}: expected 1 or more")
    if max_tokens < 1:
        raise UserError(f"--max-tokens {max_tokens}: expected 1 or more")
    if warmup < 0:
        raise UserError(f"--warmup {warmup}: expected 0 or more")
    if timeout <= 0:
        raise UserError(f"--timeout {timeout:g}: expected more than 0 seconds")


def _open_for_save(database_url: str | None) -> Database:
    from zebench.cli.options import open_database

    # Opened before measuring, so a wrong --database-url fails before minutes of probing.
    return open_database(database_url)


def _print(results: list[ProbeResult], fmt: str, *, sweep: bool) -> None:
    import orjson

    from zebench.cli.probe_table import print_result, print_sweep

    if fmt == "json":
        data = {"sweep": [r.as_dict() for r in results]} if sweep else results[0].as_dict()
        typer.echo(orjson.dumps(data, option=orjson.OPT_INDENT_2).decode())
    elif sweep:
        print_sweep(results)
    else:
        print_result(results[0])


def _save(db: Database, results: list[ProbeResult], fmt: str) -> None:
    import sys

    from zebench.model.time import now_ms
    from zebench.throughput.probe.saved import save_probe

    chute_id = db.write(lambda conn: save_probe(conn, results, now_ms=now_ms()))
    # Off stdout when it carries JSON, so the JSON stays one document.
    stream = sys.stderr if fmt == "json" else sys.stdout
    stream.write(f"saved as {chute_id} (see /models/{chute_id})\n")

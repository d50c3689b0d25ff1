"""``zebench worker``: execute the runs of distributed batches (``zebench batch --broker``)."""

from __future__ import annotations

from typing import Annotated

import typer

Broker = Annotated[
    str,
    typer.Option(
        "--broker",
        envvar="ZEBENCH_BROKER_URL",
        help="Celery broker: amqp://user:pass@host:5672// (RabbitMQ) or redis://host:6379/0.",
    ),
]
Queue = Annotated[
    str,
    typer.Option("--queue", envvar="ZEBENCH_QUEUE", help="Queue to take runs from."),
]


def register(app: typer.Typer) -> None:
    app.command("worker")(worker)


def worker(
    broker: Broker,
    concurrency: Annotated[
        int, typer.Option("--concurrency", "-c", min=1, help="Runs at once in this worker.")
    ] = 1,
    queue: Queue = "zebench",
    name: Annotated[
        str | None,
        typer.Option(
            "--name", help="Node name (default zebench@%h); each worker on a host needs its own."
        ),
    ] = None,
    visibility_timeout: Annotated[
        float,
        typer.Option(
            "--visibility-timeout",
            envvar="ZEBENCH_VISIBILITY_TIMEOUT",
            min=3,
            help="Redis only: seconds before a dead worker's run goes to another worker.",
        ),
    ] = 120.0,
    loglevel: Annotated[str, typer.Option("--loglevel", help="DEBUG, INFO, WARNING.")] = "INFO",
) -> None:
    """Execute runs of distributed batches, delivering them to ZE_BENCHMARKS_WORKER_URL.

    SIGTERM finishes the runs in flight and stops; SIGQUIT hands them back at once.
    """
    from zebench.harness.distributed.worker import run_worker

    code = run_worker(
        broker,
        queue=queue,
        concurrency=concurrency,
        name=name,
        visibility_timeout_s=visibility_timeout,
        loglevel=loglevel.upper(),
    )
    raise typer.Exit(code)

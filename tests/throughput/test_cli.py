"""``zebench scrape`` and ``zebench serve --scrape`` as a user runs them: real processes."""

from __future__ import annotations

import json
import os
import subprocess

import pytest
from fake_chutes import FakeChutes

from harness_support import ZEBENCH
from zebench.model.time import now_ms
from zebench.store.database import Database
from zebench.store.migrate import upgrade
from zebench.store.throughput_tables import scrape_leases
from zebench.throughput.lease import SCRAPE_LEASE


def zebench(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("ZEBENCH_", "ZE_"))}
    clean.update(env or {})
    return subprocess.run(
        [ZEBENCH, *args], capture_output=True, text=True, timeout=60, env=clean, check=False
    )


def source_options(chutes: FakeChutes) -> list[str]:
    return [
        f"--chutes-api-url={chutes.url}",
        f"--chutes-llm-url={chutes.url}",
        f"--chutes-web-url={chutes.url}",
    ]


def test_scrape_runs_one_cycle_and_prints_one_line(sqlite_url: str, chutes: FakeChutes) -> None:
    done = zebench("scrape", f"--database-url={sqlite_url}", *source_options(chutes))
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 1 and lines[0].startswith("scraped 40 of 40 listed models from json")
    again = zebench(
        "scrape", "--json", *source_options(chutes), env={"ZEBENCH_DATABASE_URL": sqlite_url}
    )
    summary = json.loads(again.stdout)
    assert (summary["status"], summary["daily_rows_written"]) == ("ok", 0)


def test_scrape_reads_the_environment(sqlite_url: str, chutes: FakeChutes) -> None:
    env = {
        "ZEBENCH_DATABASE_URL": sqlite_url,
        "ZEBENCH_CHUTES_API_URL": chutes.url,
        "ZEBENCH_CHUTES_LLM_URL": chutes.url,
        "ZEBENCH_CHUTES_WEB_URL": chutes.url,
        "ZEBENCH_CHUTES_SOURCE": "html",
        "ZEBENCH_SCRAPE_HTML_BATCH_SIZE": "7",
    }
    done = zebench("scrape", env=env)
    assert done.returncode == 0, done.stderr
    assert "from html, next batch at 7" in done.stdout
    assert done.stdout.startswith("scraped 7 of 40")


def test_scrape_failure_exits_1_with_one_line_and_changes_nothing(
    sqlite_url: str, chutes: FakeChutes
) -> None:
    chutes.fail("/invocations/stats/llm", status=500)
    done = zebench(
        "scrape",
        f"--database-url={sqlite_url}",
        "--source=json",
        *source_options(chutes),
        env={"ZEBENCH_SCRAPE_RETRIES": "1", "ZEBENCH_SCRAPE_BACKOFF_S": "0"},
    )
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.startswith("scrape failed after")
    assert "HTTP 500 (after 2 tries)" in done.stderr and len(done.stderr.splitlines()) == 1


def test_scrape_is_skipped_while_another_process_holds_the_lease(
    sqlite_url: str, chutes: FakeChutes
) -> None:
    db = Database(sqlite_url)
    upgrade(db)
    holder = "worker-2.example:4242:0a1b2c3d"
    db.write(
        lambda c: c.execute(
            scrape_leases.insert().values(
                name=SCRAPE_LEASE, holder=holder, expires_at=now_ms() + 60_000, cycle_at=0
            )
        )
    )
    db.close()
    done = zebench("scrape", f"--database-url={sqlite_url}", *source_options(chutes))
    assert done.returncode == 0
    assert done.stdout.startswith(f"scrape skipped: another process ({holder}) is scraping until")
    assert chutes.paths() == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["scrape", "--source=xml"], "error: --source: Input should be 'auto', 'json' or 'html'"),
        (
            ["scrape", "--batch-size=0"],
            "error: --batch-size: Input should be greater than or equal to 1",
        ),
        (["serve", "--scrape", "every ten minutes"], "error: --scrape: invalid cron expression"),
    ],
)
def test_bad_options_are_one_line_errors(args: list[str], message: str, sqlite_url: str) -> None:
    done = zebench(*args, f"--database-url={sqlite_url}")
    assert done.returncode == 2
    assert done.stderr.startswith(message) and len(done.stderr.splitlines()) == 1

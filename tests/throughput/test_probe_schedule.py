"""Re-probing configured endpoints: the targets file, one prober per tick across
processes (the lease), refusals skipped, and the schedule started by the server."""

from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path

import pytest
from streaming_support import API_KEY, fake_model

from harness_support import ZEBENCH
from loopback import app_settings, serving_app
from zebench.config import Settings
from zebench.errors import UserError
from zebench.store.database import Database
from zebench.throughput import list_models
from zebench.throughput.probe.schedule import ProbeCycle, Prober
from zebench.throughput.probe.targets import ProbeTarget, load_targets

MODEL = fake_model(ttft_ms=20, itl_ms=5, tokens=8)


def targets_file(tmp_path: Path, url: str) -> Path:
    path = tmp_path / "targets.toml"
    path.write_text(
        f"""
[[endpoint]]
base_url = "{url}"
model = "{MODEL}"
api_key_env = "PROBE_TEST_KEY"
requests = 4
max_tokens = 8
concurrency = 2

[[endpoint]]
base_url = "{url}"
model = "{MODEL}&second=1"
api_key_env = "PROBE_TEST_KEY"
requests = 4
max_tokens = 8
sweep = [1, 2]

[[endpoint]]
base_url = "{url}"
model = "{MODEL}&keyless=1"
requests = 2
""",
        encoding="utf-8",
    )
    return path


def test_one_process_probes_each_tick(
    db: Database, streaming_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PROBE_TEST_KEY", API_KEY)
    targets = load_targets(targets_file(tmp_path, streaming_url))
    settings = Settings(database_url="sqlite://")
    first, second = (
        Prober(db, settings.throughput, targets),
        Prober(db, settings.throughput, targets),
    )

    async def both() -> tuple[ProbeCycle, ProbeCycle]:
        one = await first.run_cycle(tick_ms=1_000)
        other = await second.run_cycle(tick_ms=1_000)  # the same tick, another process
        return one, other

    done, again = asyncio.run(both())
    assert done.status == "ok" and len(done.probed) == 2
    # The third endpoint has no key: refused before measuring, reported, not fatal.
    assert list(done.skipped) == [f"{MODEL}&keyless=1 at {streaming_url}"]
    assert "401" in done.line()
    assert again.status == "skipped" and "already taken" in again.line()
    probed = list_models(db, origin="probe")
    assert probed.total == 2
    later = asyncio.run(second.run_cycle(tick_ms=2_000))
    assert later.status == "ok"
    trends = sorted(len(m.trend_tps) for m in list_models(db, origin="probe").models)
    assert trends == [2, 2]  # one headline point per probe, a sweep's included


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "expected one or more [[endpoint]] entries"),
        ("[[endpoint]]\nmodel = 'm'\n", "endpoint 1, base_url: Field required"),
        (
            "[[endpoint]]\nbase_url = 'http://h/v1'\nmodel = 'm'\nrate = 1.0\nsweep = [1]\n",
            "give one of concurrency, rate and sweep, not rate and sweep",
        ),
        ("[[endpoint]]\nbase_url = 'ftp://h'\nmodel = 'm'\n", "endpoint 1, base_url"),
        ("[[endpoint]]\nbase_url = 'http://h'\nmodel = 'm'\napi_key = 'x'\n", "api_key: Extra"),
        ("[[endpoint\n", "not valid toml"),
    ],
)
def test_a_wrong_targets_file_names_the_entry_and_key(
    tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "targets.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(UserError, match=r"targets\.toml: ") as caught:
        load_targets(path)
    assert message in str(caught.value)


def test_json_targets_and_their_probe_configuration(tmp_path: Path) -> None:
    path = tmp_path / "targets.json"
    path.write_text('{"endpoint": [{"base_url": "http://h:1/v1", "model": "m", "rate": 2}]}')
    (target,) = load_targets(path)
    assert isinstance(target, ProbeTarget)
    config = target.config()
    assert config.rate == 2 and config.concurrency is None and config.api_key is None


def test_the_server_starts_the_schedule(
    sqlite_db: Database, streaming_url: str, tmp_path: Path
) -> None:
    path = targets_file(tmp_path, streaming_url)
    settings = app_settings(
        sqlite_db.url, throughput={"probe_cron": "0 * * * *", "probe_targets": path}
    )
    with serving_app(settings, sqlite_db) as served:
        prober = served.app.state.prober
        assert isinstance(prober, Prober) and len(prober.targets) == 3


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--probe-schedule", "0 * * * *"], "--probe-schedule needs --probe-targets FILE"),
        (["--probe-schedule", "soon", "--probe-targets", "x.toml"], "--probe-schedule: invalid"),
        (["--probe-schedule", "0 * * * *", "--probe-targets", "nope.toml"], "nope.toml: cannot"),
    ],
)
def test_serve_refuses_a_wrong_schedule_in_one_line(
    args: list[str], message: str, tmp_path: Path
) -> None:
    done = subprocess.run(
        [ZEBENCH, "serve", "--database-url", f"sqlite:///{tmp_path}/z.db", *args],
        capture_output=True, text=True, timeout=60, cwd=tmp_path, check=False,
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.startswith("error: ") and message in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1

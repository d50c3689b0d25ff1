"""Settings: flat variables read into their groups, CLI overrides over the environment,
paths under home, and a bad value named by its variable."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from zebench.config import Settings, env_var, load_settings


def test_flat_variables_fill_their_groups(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZEBENCH_PORT", "9001")
    monkeypatch.setenv("API_SECRET_KEY", "s3cret")
    monkeypatch.setenv("ZE_BENCHMARKS_WORKER_URL", "http://results.example")
    monkeypatch.setenv("ZEBENCH_SANDBOX", "none")
    monkeypatch.setenv("ZEBENCH_SANDBOX_HIDE", '["/srv/private"]')
    monkeypatch.setenv("ZEBENCH_LLM_PRICES", '{"m": {"input": 1, "output": 2}}')
    monkeypatch.setenv("ZEBENCH_JUDGE_MODEL", "judge/m")
    monkeypatch.setenv("ZEBENCH_SCRAPE_CRON", "*/5 * * * *")
    settings = Settings()
    assert settings.server.port == 9001 and settings.server.api_secret_key == "s3cret"
    assert settings.delivery.worker_url == "http://results.example"
    assert settings.sandbox.backend == "none"
    assert settings.sandbox.sandbox_hide == [Path("/srv/private")]
    assert settings.llm.llm_prices["m"].output == 2.0
    assert settings.judge.judge_model == "judge/m"
    assert settings.throughput.scrape_cron == "*/5 * * * *"


def test_options_override_one_field_and_keep_the_rest_of_its_group(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ZEBENCH_PORT", "9001")
    monkeypatch.setenv("API_SECRET_KEY", "s3cret")
    settings = load_settings("sqlite:///elsewhere.db", server={"host": "0.0.0.0"})
    assert settings.server.host == "0.0.0.0"
    assert settings.server.port == 9001 and settings.server.api_secret_key == "s3cret"
    assert settings.database_url == "sqlite:///elsewhere.db"


def test_unset_paths_live_under_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("ZEBENCH_DATABASE_URL", raising=False)
    monkeypatch.delenv("ZEBENCH_SPOOL_DIR", raising=False)
    monkeypatch.delenv("ZEBENCH_WORKSPACES_DIR", raising=False)
    settings = Settings(home=tmp_path)
    assert settings.database_url == f"sqlite:///{tmp_path / 'zebench.db'}"
    assert settings.delivery.spool_dir == tmp_path / "spool"
    assert settings.harness.workspaces_dir == tmp_path / "workspaces"


def test_a_bad_value_is_named_by_its_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZEBENCH_PORT", "eighty")
    with pytest.raises(ValidationError) as caught:
        Settings()
    assert env_var(caught.value.errors()[0]["loc"]) == "ZEBENCH_PORT"
    assert env_var(("server", "api_secret_key")) == "API_SECRET_KEY"
    assert env_var(("sandbox", "backend")) == "ZEBENCH_SANDBOX"


def test_a_setting_outside_its_group_is_refused() -> None:
    with pytest.raises(ValidationError, match="port"):
        Settings(port=1)  # type: ignore[call-arg]

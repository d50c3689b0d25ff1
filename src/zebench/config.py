"""Every setting and environment variable, typed, in one place, grouped by subsystem.

``Settings`` holds what every part shares (``home``, ``database_url``) and one group
per subsystem: ``server``, ``harness``, ``delivery``, ``llm`` (provider endpoints,
shared by agents and the judge), ``agents``, ``judge``, ``sandbox`` and
``throughput``. Each subsystem is handed only its group.

The environment stays flat: a group's field ``name`` is read from ``ZEBENCH_NAME``
(the judge's from ``ZEBENCH_JUDGE_NAME``, the sandbox's from ``ZEBENCH_SANDBOX_NAME``)
unless the field names its variables itself, as the original system's
``API_SECRET_KEY``, ``ZE_BENCHMARKS_WORKER_URL`` and ``ZE_BENCHMARKS_API_KEY`` and the
providers' ``ANTHROPIC_API_KEY``, ``OPENAI_API_KEY`` and ``OPENROUTER_API_KEY`` do.
CLI options override the environment through ``load_settings(group={field: value})``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import AliasChoices, BaseModel, Field, model_validator
from pydantic.fields import FieldInfo
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from zebench.config_groups import (
    DEFAULT_PORT,
    DEV_LOCAL_KEY,
    AgentSettings,
    DeliverySettings,
    HarnessSettings,
    JudgeSettings,
    LLMSettings,
    ModelPrice,
    SandboxSettings,
    ServerSettings,
    ThroughputSettings,
    default_home,
)

__all__ = [
    "DEFAULT_PORT",
    "DEV_LOCAL_KEY",
    "AgentSettings",
    "DeliverySettings",
    "HarnessSettings",
    "JudgeSettings",
    "LLMSettings",
    "ModelPrice",
    "SandboxSettings",
    "ServerSettings",
    "Settings",
    "ThroughputSettings",
    "default_home",
    "env_names",
    "env_var",
    "field_at",
    "get_settings",
    "load_settings",
    "setting_variables",
]

PREFIX = "ZEBENCH_"


def env_names(field_name: str, field: FieldInfo, prefix: str = PREFIX) -> list[str]:
    """The variables one field is read from, first the one the docs name."""
    alias = field.validation_alias
    if isinstance(alias, AliasChoices):
        return [str(choice) for choice in alias.choices]
    if isinstance(alias, str):
        return [alias]
    return [(prefix + field_name).upper()]


def _group_of(field: FieldInfo) -> type[BaseModel] | None:
    kind = field.annotation
    if isinstance(kind, type) and issubclass(kind, BaseModel) and hasattr(kind, "env_prefix"):
        return kind
    return None


def _group_prefix(group: type[BaseModel]) -> str:
    prefix: str = getattr(group, "env_prefix", PREFIX)
    return prefix


def setting_variables() -> Iterator[tuple[str, str, list[str]]]:
    """(group or "", field, variables) for every setting, in declaration order."""
    for name, field in Settings.model_fields.items():
        group = _group_of(field)
        if group is None:
            yield "", name, env_names(name, field)
            continue
        for sub_name, sub_field in group.model_fields.items():
            yield name, sub_name, env_names(sub_name, sub_field, _group_prefix(group))


def _setting_at(loc: tuple[int | str, ...]) -> tuple[str, str, list[str]] | None:
    parts = [str(part) for part in loc]
    for group, name, variables in setting_variables():
        if parts[: 2 if group else 1] == ([group, name] if group else [name]):
            return group, name, variables
    return None


def env_var(loc: tuple[int | str, ...]) -> str:
    """The variable behind a validation error's location, e.g. ("server", "port") ->
    ZEBENCH_PORT, so a bad value is reported by the name the user set."""
    found = _setting_at(loc)
    return found[2][0] if found else (PREFIX + "_".join(str(part) for part in loc)).upper()


def field_at(loc: tuple[int | str, ...]) -> str:
    """The field a validation error's location names, e.g. ("server", "port") -> port."""
    found = _setting_at(loc)
    return found[1] if found else ".".join(str(part) for part in loc)


class _FlatEnvSource(EnvSettingsSource):
    """Reads each group's fields from their flat variables (``ZEBENCH_PORT``, not
    ``ZEBENCH_SERVER__PORT``), so the names people already set keep working."""

    def __call__(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for name, field in self.settings_cls.model_fields.items():
            group = _group_of(field)
            if group is None:
                self._read(data, name, field, PREFIX)
                continue
            values: dict[str, Any] = {}
            for sub_name, sub_field in group.model_fields.items():
                self._read(values, sub_name, sub_field, _group_prefix(group))
            if values:
                data[name] = values
        return data

    def _read(self, into: dict[str, Any], name: str, field: FieldInfo, prefix: str) -> None:
        for variable in env_names(name, field, prefix):
            raw = self.env_vars.get(variable if self.case_sensitive else variable.lower())
            if raw is not None:
                into[name] = self.prepare_field_value(
                    name, field, raw, self.field_is_complex(field)
                )
                return


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=PREFIX, extra="forbid", populate_by_name=True)

    home: Path = Field(default_factory=default_home)
    database_url: str = ""
    """SQLAlchemy URL; ``sqlite:///…`` (default, under ``home``) or ``postgresql://…``."""

    server: ServerSettings = Field(default_factory=ServerSettings)
    # Unset paths are filled under ``home`` by ``_resolve`` before these defaults apply.
    harness: HarnessSettings = Field(
        default_factory=lambda: HarnessSettings(workspaces_dir=default_home() / "workspaces")
    )
    delivery: DeliverySettings = Field(
        default_factory=lambda: DeliverySettings(spool_dir=default_home() / "spool")
    )
    llm: LLMSettings = Field(default_factory=LLMSettings)
    agents: AgentSettings = Field(default_factory=AgentSettings)
    judge: JudgeSettings = Field(default_factory=JudgeSettings)
    sandbox: SandboxSettings = Field(default_factory=SandboxSettings)
    throughput: ThroughputSettings = Field(default_factory=ThroughputSettings)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, _FlatEnvSource(settings_cls), file_secret_settings)

    @model_validator(mode="before")
    @classmethod
    def _resolve(cls, data: Any) -> Any:
        """Paths left unset live under ``home``; resolved here so each group is whole."""
        if not isinstance(data, dict):
            return data
        home = Path(data.get("home") or default_home())
        data["home"] = home
        if not data.get("database_url"):
            data["database_url"] = f"sqlite:///{home / 'zebench.db'}"
        for group, key, default in (
            ("harness", "workspaces_dir", home / "workspaces"),
            ("delivery", "spool_dir", home / "spool"),
        ):
            values = _as_dict(data.get(group))
            if values.get(key) is None:
                values[key] = default
            data[group] = values
        return data


def _as_dict(value: Any) -> dict[str, Any]:
    if isinstance(value, BaseModel):
        return value.model_dump(exclude_unset=True)
    return dict(value) if isinstance(value, Mapping) else {}


def load_settings(database_url: str | None = None, **groups: Mapping[str, Any]) -> Settings:
    """Settings from the environment with the given group fields over it, e.g.
    ``load_settings(server={"port": 9000})``: CLI options win, the rest stays."""
    given: dict[str, Any] = {group: dict(values) for group, values in groups.items()}
    if database_url:
        given["database_url"] = database_url
    return Settings(**given)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Settings from the environment, read once per process."""
    return Settings()

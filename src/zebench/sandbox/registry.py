"""Providers by name: ``bubblewrap`` (the default on Linux) and ``none``; others register.

A third-party provider registers under the ``zebench.sandboxes`` entry-point group
(a ``SandboxProvider`` factory taking no arguments) or with ``register_provider``.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib.metadata import entry_points

from zebench.sandbox.base import SandboxConfig, SandboxProvider, SandboxUnavailable
from zebench.sandbox.bubblewrap import BubblewrapProvider
from zebench.sandbox.host import HostProvider

_providers: dict[str, Callable[[], SandboxProvider]] = {
    "bubblewrap": BubblewrapProvider,
    "none": HostProvider,
}


def register_provider(name: str, factory: Callable[[], SandboxProvider]) -> None:
    _providers[name] = factory


def provider_names() -> list[str]:
    return sorted({*_providers, *(e.name for e in entry_points(group="zebench.sandboxes"))})


def get_provider(name: str) -> SandboxProvider:
    factory = _providers.get(name)
    if factory is None:
        found = [e for e in entry_points(group="zebench.sandboxes") if e.name == name]
        if not found:
            known = ", ".join(provider_names())
            raise SandboxUnavailable(f"unknown sandbox {name!r}; sandboxes: {known}")
        factory = found[0].load()
    return factory()


def require_provider(config: SandboxConfig) -> SandboxProvider:
    """The provider ``config`` names, checked to work here; else ``SandboxUnavailable``
    with one line saying why and how to fix it."""
    provider = get_provider(config.provider)
    problem = provider.unavailable(config)
    if problem is not None:
        raise SandboxUnavailable(problem)
    return provider

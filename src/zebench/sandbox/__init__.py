"""Contained runs: the ``Sandbox`` contract, its providers, and the run's current sandbox."""

from zebench.sandbox.base import (
    Limits,
    Network,
    Sandbox,
    SandboxConfig,
    SandboxProvider,
    SandboxUnavailable,
)
from zebench.sandbox.current import current_sandbox, using_sandbox
from zebench.sandbox.host import WARNING as NO_ISOLATION_WARNING
from zebench.sandbox.registry import (
    get_provider,
    provider_names,
    register_provider,
    require_provider,
)

__all__ = [
    "NO_ISOLATION_WARNING",
    "Limits",
    "Network",
    "Sandbox",
    "SandboxConfig",
    "SandboxProvider",
    "SandboxUnavailable",
    "current_sandbox",
    "get_provider",
    "provider_names",
    "register_provider",
    "require_provider",
    "using_sandbox",
]

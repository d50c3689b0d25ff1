"""Write keys: who may POST, and with what scope.

``Authorization: Bearer <key>`` is required on writes: missing -> 401
``{"error": "Unauthorized"}``, unknown -> 403 ``{"error": "Invalid API key"}``
(the original Worker's answers). Accepted keys:

- ``API_SECRET_KEY`` (``settings.api_secret_key``), with admin scope;
- keys made by ``zebench keys create`` (``zebench.service.keys``), with their scope;
- ``dev-local-key`` with admin scope, only while no key is configured at all
  (no secret, no active stored key) and the server is bound to loopback.

Comparisons are constant-time. What a process learned about a key is cached
for ``settings.key_cache_seconds``. Each accepted request then takes a token
from the key's rate-limit bucket (429 with Retry-After when empty); each refused
key takes one from its client address's bucket of ``key_failures_per_minute``.

Other modules protect their routes with ``Depends(require_write_key)`` or
``Depends(require_admin_key)``.
"""

from __future__ import annotations

import functools
import hmac
import ipaddress
import logging
import time
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from zebench.api.errors import ApiError
from zebench.api.ratelimit import RateLimiter, retry_after_header
from zebench.config import DEV_LOCAL_KEY, ServerSettings
from zebench.model.time import now_ms
from zebench.service import keys as key_service
from zebench.service.keys import Scope
from zebench.store.database import Database

log = logging.getLogger("zebench.api")

bearer = HTTPBearer(
    auto_error=False, description="A write key: API_SECRET_KEY or `zebench keys create`"
)

_CACHE_LIMIT = 4096
_TOUCH_EVERY_S = 60.0
"""How often a process records a key's ``last_used_at``."""


@dataclass(frozen=True)
class Principal:
    """Who made a request: the key's name (``API_SECRET_KEY``, ``dev-local-key`` or a
    stored key's name) and its scope."""

    name: str
    scope: Scope


@functools.lru_cache(maxsize=64)
def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class KeyVerifier:
    """Decides whether a bearer token is a key this server accepts (one per app)."""

    def __init__(self, settings: ServerSettings, db: Database) -> None:
        self.settings = settings
        self.db = db
        self.ttl = settings.key_cache_seconds
        self._keys: dict[str, tuple[float, Principal | None]] = {}
        self._any_key: tuple[float, bool] | None = None
        self._touched: dict[str, float] = {}

    async def verify(self, token: str, server_host: str | None) -> Principal | None:
        secret = self.settings.api_secret_key
        if secret and hmac.compare_digest(token.encode(), secret.encode()):
            return Principal("API_SECRET_KEY", "admin")
        stored = await self._stored_key(token)
        if stored is not None:
            return stored
        if hmac.compare_digest(token.encode(), DEV_LOCAL_KEY.encode()) and (
            await self.dev_key_allowed(server_host)
        ):
            return Principal(DEV_LOCAL_KEY, "admin")
        return None

    async def dev_key_allowed(self, server_host: str | None) -> bool:
        """True while no key is configured and both the configured and the actual
        listening address are loopback."""
        if self.settings.api_secret_key:
            return False
        if not is_loopback(self.settings.host):
            return False
        if server_host is not None and not is_loopback(server_host):
            return False
        return not await self._any_stored_key()

    async def _stored_key(self, token: str) -> Principal | None:
        digest = key_service.hash_key(token)
        now = time.monotonic()
        hit = self._keys.get(digest)
        if hit is not None and hit[0] > now:
            return hit[1]
        info = await run_in_threadpool(self._lookup, digest)
        principal = Principal(info.name, info.scope) if info is not None else None
        if self.ttl > 0:
            if len(self._keys) >= _CACHE_LIMIT:
                self._keys.clear()
            self._keys[digest] = (now + self.ttl, principal)
        if principal is not None and self._touched.get(principal.name, 0.0) <= now:
            self._touched[principal.name] = now + _TOUCH_EVERY_S
            await self._touch(principal.name)
        return principal

    def _lookup(self, digest: str) -> key_service.KeyInfo | None:
        with self.db.read() as conn:
            return key_service.find_active_key(conn, digest)

    async def _any_stored_key(self) -> bool:
        now = time.monotonic()
        if self._any_key is not None and self._any_key[0] > now:
            return self._any_key[1]
        found = await run_in_threadpool(self._has_keys)
        if self.ttl > 0:
            self._any_key = (now + self.ttl, found)
        return found

    def _has_keys(self) -> bool:
        with self.db.read() as conn:
            return key_service.has_active_keys(conn)

    async def _touch(self, name: str) -> None:
        # At most once a minute per key and process: cheap, and best effort.
        when = now_ms()
        try:
            await self.db.awrite(lambda conn: key_service.touch_key(conn, name, when))
        except Exception:
            log.warning("could not record the use of key %r", name, exc_info=True)


def _state(request: Request) -> tuple[KeyVerifier, RateLimiter, RateLimiter]:
    state = request.app.state
    verifier: KeyVerifier | None = getattr(state, "key_verifier", None)
    if verifier is None:
        settings: ServerSettings = state.settings.server
        state.rate_limiter = RateLimiter(settings.rate_limit_per_minute)
        state.key_failure_limiter = RateLimiter(settings.key_failures_per_minute)
        verifier = state.key_verifier = KeyVerifier(settings, state.db)
    return verifier, state.rate_limiter, state.key_failure_limiter


def _too_many(message: str, limiter: RateLimiter, wait: float) -> ApiError:
    return ApiError(
        429,
        message,
        {"limitPerMinute": limiter.per_minute, "retryAfterSeconds": round(wait, 3)},
        {"Retry-After": retry_after_header(wait)},
    )


async def authorize_write(request: Request, authorization: str | None) -> Principal:
    """Check an ``Authorization`` header value for a write; raises 401/403/429.

    The dependency below is the usual way in; hot routes call this directly to
    skip the dependency machinery. A client address that made
    ``settings.key_failures_per_minute`` refused key attempts is answered 429
    (whatever key it sends) until its allowance refills: guessing keys stays slow.
    """
    verifier, limiter, failures = _state(request)
    address = request.client.host if request.client is not None else "unknown"
    blocked = failures.wait(address)
    if blocked > 0:
        raise _too_many("Too many refused key attempts from this address", failures, blocked)
    scheme, _, token = (authorization or "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise ApiError(401, "Unauthorized", {"expected": "Authorization: Bearer <key>"})
    server = request.scope.get("server")
    principal = await verifier.verify(token, server[0] if server else None)
    if principal is None:
        failures.acquire(address)
        raise ApiError(403, "Invalid API key")
    wait = limiter.acquire(principal.name)
    if wait > 0:
        raise _too_many("Rate limit exceeded", limiter, wait)
    return principal


async def require_write_key(
    request: Request,
    _credentials: HTTPAuthorizationCredentials | None = Depends(bearer),
) -> Principal:
    """The caller's key, which may write; raises 401/403/429 as described above."""
    return await authorize_write(request, request.headers.get("authorization"))


async def require_admin_key(principal: Principal = Depends(require_write_key)) -> Principal:
    """As ``require_write_key``, and the key must have admin scope (403 otherwise)."""
    if principal.scope != "admin":
        raise ApiError(
            403,
            "This key does not have admin scope",
            {"scope": principal.scope, "required": "admin"},
        )
    return principal


WriteKey = Annotated[Principal, Depends(require_write_key)]
"""A route parameter that requires a key which may write."""
AdminKey = Annotated[Principal, Depends(require_admin_key)]
"""A route parameter that requires a key with admin scope."""

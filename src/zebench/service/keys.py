"""API keys: made once, shown once, stored only as a hash, revocable by name.

A key is ``zeb_`` followed by 32 random bytes (URL-safe base64). Because it is
random and long, a plain SHA-256 of it is not guessable, and the hash doubles
as the lookup key; the stored hash is still compared in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, fields, replace
from typing import Literal

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from zebench.model.errors import Conflict, NotFound
from zebench.model.time import now_ms, to_iso
from zebench.store.database import Database
from zebench.store.tables import api_keys

Scope = Literal["write", "admin"]
SCOPES: tuple[Scope, ...] = ("write", "admin")
KEY_PREFIX = "zeb_"
_SHOWN_PREFIX = 12
"""Characters of a key kept in clear, so ``keys list`` can tell keys apart."""


@dataclass(frozen=True)
class KeyInfo:
    name: str
    scope: Scope
    prefix: str
    created_at: int
    revoked_at: int | None
    last_used_at: int | None

    def as_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "scope": self.scope,
            "prefix": self.prefix,
            "createdAt": to_iso(self.created_at),
            "revokedAt": to_iso(self.revoked_at),
            "lastUsedAt": to_iso(self.last_used_at),
        }


@dataclass(frozen=True)
class CreatedKey:
    info: KeyInfo
    key: str
    """The secret itself; it is not stored and cannot be shown again."""


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _info(row: sa.Row[object]) -> KeyInfo:
    m = row._mapping
    return KeyInfo(**{f.name: m[f.name] for f in fields(KeyInfo)})


def create_key(db: Database, name: str, scope: Scope = "write") -> CreatedKey:
    """Make a key named ``name``. A name held by a revoked key is reused (the
    revoked record is dropped); one held by an active key raises ``Conflict``."""
    if scope not in SCOPES:
        raise ValueError(f"scope must be one of {', '.join(SCOPES)}")
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    created = now_ms()

    def job(conn: Connection) -> KeyInfo:
        holder = conn.execute(
            sa.select(api_keys.c.revoked_at).where(api_keys.c.name == name)
        ).first()
        if holder is not None:
            if holder.revoked_at is None:
                raise Conflict(f"a key named {name!r} already exists", {"field": "name"})
            conn.execute(api_keys.delete().where(api_keys.c.name == name))
        conn.execute(
            api_keys.insert().values(
                name=name,
                prefix=key[:_SHOWN_PREFIX],
                key_hash=hash_key(key),
                scope=scope,
                created_at=created,
            )
        )
        return KeyInfo(name, scope, key[:_SHOWN_PREFIX], created, None, None)

    return CreatedKey(db.write(job), key)


def list_keys(db: Database) -> list[KeyInfo]:
    """Every key, active and revoked, oldest first."""
    with db.read() as conn:
        rows = conn.execute(sa.select(api_keys).order_by(api_keys.c.created_at)).all()
    return [_info(r) for r in rows]


def revoke_key(db: Database, name: str) -> KeyInfo:
    """Revoke the active key ``name``; ``NotFound`` if there is none."""
    revoked = now_ms()

    def job(conn: Connection) -> KeyInfo:
        row = conn.execute(
            sa.select(api_keys).where(api_keys.c.name == name, api_keys.c.revoked_at.is_(None))
        ).first()
        if row is None:
            raise NotFound(f"no active key named {name!r}", {"field": "name"})
        conn.execute(api_keys.update().where(api_keys.c.name == name).values(revoked_at=revoked))
        return replace(_info(row), revoked_at=revoked)

    return db.write(job)


def find_active_key(conn: Connection, digest: str) -> KeyInfo | None:
    """The active key whose secret hashes (``hash_key``) to ``digest``, or ``None``."""
    row = conn.execute(
        sa.select(api_keys).where(api_keys.c.key_hash == digest, api_keys.c.revoked_at.is_(None))
    ).first()
    if row is None or not hmac.compare_digest(row.key_hash, digest):
        return None
    return _info(row)


def has_active_keys(conn: Connection) -> bool:
    found = conn.execute(
        sa.select(api_keys.c.id).where(api_keys.c.revoked_at.is_(None)).limit(1)
    ).first()
    return found is not None


def touch_key(conn: Connection, name: str, when: int) -> None:
    """Record that the key was used (api.auth does it at most once a minute per process)."""
    conn.execute(api_keys.update().where(api_keys.c.name == name).values(last_used_at=when))

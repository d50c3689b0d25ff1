"""Who may write: the auth matrix of FORMATS.md section 3 plus stored keys, scopes,
the loopback-only dev key and the per-key rate limit; real HTTP, both engines."""

from __future__ import annotations

import subprocess
from pathlib import Path

import httpx
import sqlalchemy as sa
from api_support import result, serve
from fastapi import Depends, FastAPI

from harness_support import ZEBENCH
from zebench.api.auth import Principal, require_admin_key
from zebench.service.keys import create_key, revoke_key
from zebench.store.database import Database


def _post(url: str, key: str | None, scheme: str = "Bearer") -> httpx.Response:
    headers = {"Authorization": f"{scheme} {key}"} if key is not None else {}
    return httpx.post(f"{url}/api/results", json=result(), headers=headers, timeout=30)


def _add_admin_route(app: FastAPI) -> None:
    @app.post("/test/admin")
    async def admin(principal: Principal = Depends(require_admin_key)) -> dict[str, str]:
        return {"name": principal.name}


def test_missing_and_wrong_keys(db: Database) -> None:
    with serve(db, api_secret_key="s3cret") as server:
        missing = _post(server.url, None)
        assert (missing.status_code, missing.json()["error"]) == (401, "Unauthorized")
        basic = _post(server.url, "s3cret", scheme="Basic")
        assert basic.status_code == 401
        wrong = _post(server.url, "not-the-key")
        assert (wrong.status_code, wrong.json()["error"]) == (403, "Invalid API key")
        assert _post(server.url, "s3cret").status_code == 201
        # Reads stay public.
        assert httpx.get(f"{server.url}/api/runs").status_code == 200


def test_stored_keys_scopes_and_revocation(db: Database) -> None:
    writer = create_key(db, "ci", "write")
    admin = create_key(db, "ops", "admin")
    with serve(db, api_secret_key="s3cret", key_cache_seconds=0, customise=_add_admin_route) as s:
        assert _post(s.url, writer.key).status_code == 201
        assert _post(s.url, admin.key).status_code == 201
        assert _post(s.url, "s3cret").status_code == 201

        def admin_call(key: str) -> httpx.Response:
            return httpx.post(f"{s.url}/test/admin", headers={"Authorization": f"Bearer {key}"})

        refused = admin_call(writer.key)
        assert refused.status_code == 403
        assert refused.json()["details"] == {"scope": "write", "required": "admin"}
        assert admin_call(admin.key).json() == {"name": "ops"}
        assert admin_call("s3cret").json() == {"name": "API_SECRET_KEY"}

        revoke_key(db, "ci")
        gone = _post(s.url, writer.key)
        assert (gone.status_code, gone.json()["error"]) == (403, "Invalid API key")
        assert _post(s.url, admin.key).status_code == 201
    with db.read() as conn:
        used = conn.execute(
            sa.text("SELECT last_used_at FROM api_keys WHERE name = 'ops'")
        ).scalar_one()
    assert used is not None


def test_dev_local_key_only_while_no_key_is_configured_on_loopback(db: Database) -> None:
    with serve(db, key_cache_seconds=0) as server:
        assert _post(server.url, "dev-local-key").status_code == 201
        create_key(db, "first", "write")
        assert _post(server.url, "dev-local-key").status_code == 403
    with serve(db, api_secret_key="s3cret") as server:
        assert _post(server.url, "dev-local-key").status_code == 403


def test_dev_local_key_refused_when_configured_off_loopback(db: Database) -> None:
    # The app believes it serves 0.0.0.0 (as `zebench serve --host 0.0.0.0` would tell it).
    with serve(db, host="0.0.0.0") as server:
        assert _post(server.url, "dev-local-key").status_code == 403


def test_rate_limit_per_key(db: Database) -> None:
    other = create_key(db, "other", "write")
    with serve(db, api_secret_key="s3cret", rate_limit_per_minute=2) as server:
        assert _post(server.url, "s3cret").status_code == 201
        assert _post(server.url, "s3cret").status_code == 201
        limited = _post(server.url, "s3cret")
        assert limited.status_code == 429
        assert limited.json()["error"] == "Rate limit exceeded"
        assert limited.json()["details"]["limitPerMinute"] == 2
        assert int(limited.headers["retry-after"]) >= 1
        assert _post(server.url, other.key).status_code == 201  # its own bucket


def test_serve_refuses_a_public_interface_without_a_key(tmp_path: Path) -> None:
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "ZEBENCH_HOME": str(tmp_path / "home"),
    }
    done = subprocess.run(
        [ZEBENCH, "serve", "--host", "0.0.0.0", "--port", "1"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error: refusing to listen on 0.0.0.0 without a write key")

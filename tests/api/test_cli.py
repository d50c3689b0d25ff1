"""`zebench db` and `zebench keys`, as a user runs them (subprocess, real exit codes)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory

from harness_support import ZEBENCH
from zebench.service.keys import hash_key
from zebench.store.database import Database
from zebench.store.migrate import MIGRATIONS_DIR


def zebench(*args: str, home: Path, url: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(home), "ZEBENCH_HOME": str(home / "zb")}
    if url is not None:
        env["ZEBENCH_DATABASE_URL"] = url
    return subprocess.run([ZEBENCH, *args], env=env, capture_output=True, text=True, timeout=120)


def test_db_upgrade_and_current(tmp_path: Path, db_url: str) -> None:
    assert zebench("db", "current", "--database-url", db_url, home=tmp_path).stdout == "none\n"
    up = zebench("db", "upgrade", "--database-url", db_url, home=tmp_path)
    assert up.returncode == 0, up.stderr
    head = ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()
    assert head is not None and head != "0001"
    assert up.stdout.strip().endswith(f"at revision {head}")
    # The environment variable names the database just as well.
    assert zebench("db", "current", home=tmp_path, url=db_url).stdout == f"{head}\n"


def test_db_errors_are_one_line(tmp_path: Path) -> None:
    down = zebench("db", "upgrade", "--database-url", "postgresql://x@127.0.0.1:1/x", home=tmp_path)
    assert down.returncode == 2
    assert len(down.stderr.strip().splitlines()) == 1
    assert down.stderr.startswith("error: cannot open database postgresql://x@127.0.0.1:1/x")
    bogus = zebench("db", "current", "--database-url", "nosuch://here", home=tmp_path)
    assert bogus.returncode == 2
    assert bogus.stderr.startswith("error: --database-url nosuch://here is not a database URL")


def test_keys_create_list_revoke(tmp_path: Path, db_url: str) -> None:
    made = zebench("keys", "create", "--name", "ci", "--database-url", db_url, home=tmp_path)
    assert made.returncode == 0, made.stderr
    key = made.stdout.strip()
    assert key.startswith("zeb_") and len(key) > 40
    assert "shown only this once" in made.stderr
    admin = zebench(
        "keys", "create", "--name", "ops", "--scope", "admin", home=tmp_path, url=db_url
    )
    assert admin.returncode == 0

    db = Database(db_url)
    try:
        with db.read() as conn:
            rows = conn.execute(sa.text("SELECT name, scope, key_hash FROM api_keys")).all()
    finally:
        db.close()
    by_name = {name: (scope, digest) for name, scope, digest in rows}
    assert by_name["ci"] == ("write", hash_key(key))  # stored hashed, never in clear
    assert by_name["ops"][0] == "admin"
    assert all(key not in str(row) for row in rows)

    again = zebench("keys", "create", "--name", "ci", home=tmp_path, url=db_url)
    assert again.returncode == 2
    assert again.stderr.startswith("error: a key named 'ci' already exists")

    listed = zebench("keys", "list", home=tmp_path, url=db_url)
    assert "ci" in listed.stdout and "ops" in listed.stdout and key[:12] in listed.stdout
    assert key not in listed.stdout

    revoked = zebench("keys", "revoke", "ci", home=tmp_path, url=db_url)
    assert (revoked.returncode, revoked.stdout) == (0, "revoked key 'ci'\n")
    twice = zebench("keys", "revoke", "ci", home=tmp_path, url=db_url)
    assert (twice.returncode, twice.stderr) == (2, "error: no active key named 'ci'\n")
    # A revoked key's name can be given to a new key.
    assert zebench("keys", "create", "--name", "ci", home=tmp_path, url=db_url).returncode == 0


@pytest.mark.parametrize("scope", ["owner", ""])
def test_keys_create_rejects_unknown_scopes(tmp_path: Path, scope: str) -> None:
    bad = zebench("keys", "create", "--name", "x", "--scope", scope, home=tmp_path)
    assert bad.returncode != 0
    assert "scope" in bad.stderr.lower()

"""The private SQLite working copy the original's database is read from.

A ``wrangler d1 export`` dump is executed there statement by statement (never against
the results database, and with ATTACH refused so a dump cannot write elsewhere); an old
``benchmarks.db`` file is copied with SQLite's backup API (the user's file is opened
read-only and never changed).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from zebench.errors import UserError

# Statements are fed to SQLite in pieces of about this many characters, so a dump of
# any size loads with bounded memory.
_SCRIPT_PIECE = 1 << 20


def copy_sqlite_file(path: Path, work: sqlite3.Connection) -> None:
    try:
        src = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise UserError(f"{path}: cannot open as SQLite ({exc})") from None
    try:
        src.execute("SELECT count(*) FROM sqlite_master").fetchone()
        src.backup(work)
    except sqlite3.Error as exc:
        raise UserError(f"{path}: cannot read as SQLite ({exc})") from None
    finally:
        src.close()


def _deny_attach(action: int, *_args: Any) -> int:
    if action in (sqlite3.SQLITE_ATTACH, sqlite3.SQLITE_DETACH):
        return sqlite3.SQLITE_DENY
    return sqlite3.SQLITE_OK


def execute_dump(path: Path, work: sqlite3.Connection) -> None:
    work.set_authorizer(_deny_attach)
    piece: list[str] = []
    size = 0
    first_line = number = 1
    try:
        with path.open(encoding="utf-8-sig") as lines:
            for number, line in enumerate(lines, 1):
                piece.append(line)
                size += len(line)
                if size >= _SCRIPT_PIECE and line.rstrip().endswith(";"):
                    script = "".join(piece)
                    if sqlite3.complete_statement(script):
                        _run_script(path, work, script, first_line, number)
                        piece, size, first_line = [], 0, number + 1
            script = "".join(piece)
            if script.strip():
                if not sqlite3.complete_statement(script):
                    if ";" not in script:
                        raise UserError(f"{path}: not a SQL dump (no SQL statement in it)")
                    raise UserError(
                        f"{path}: the SQL dump ends in the middle of a statement "
                        f"(line {number}); is the file truncated?"
                    )
                _run_script(path, work, script, first_line, number)
    except UnicodeDecodeError as exc:
        raise UserError(f"{path}: not UTF-8 text, so not a SQL dump ({exc.reason})") from None
    finally:
        work.set_authorizer(None)


def _run_script(path: Path, work: sqlite3.Connection, script: str, first: int, last: int) -> None:
    try:
        work.executescript(script)
    except sqlite3.Error as exc:
        raise UserError(
            f"{path}: not a SQL dump SQLite can load: {exc} (in lines {first}-{last})"
        ) from None


def table_names(conn: sqlite3.Connection) -> set[str]:
    rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    return {row[0] for row in rows}

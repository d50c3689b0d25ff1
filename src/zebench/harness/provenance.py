"""Where a batch comes from: the git commit it ran at, and the CI run that started it.

Recorded in the batch's metadata (``git`` and ``ci``) so a dashboard reader can
tell which commit a score belongs to. CI variables win over asking git: in a
GitHub Actions job ``GITHUB_SHA``/``GITHUB_REF_NAME`` name what triggered the
run even on a detached checkout.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

MAX_TAGS = 20
MAX_TAG_CHARS = 100


def _git(args: list[str], cwd: Path) -> str | None:
    git = shutil.which("git")
    if git is None:
        return None
    try:
        done = subprocess.run(
            [git, *args], cwd=cwd, capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def git_state(cwd: Path | None = None, env: dict[str, str] | None = None) -> dict[str, Any] | None:
    """``{commit, branch, dirty}`` of the checkout at ``cwd`` (CI variables first);
    None outside a repository when no CI variable names a commit."""
    env = dict(os.environ) if env is None else env
    where = cwd or Path.cwd()
    commit = env.get("GITHUB_SHA") or env.get("CI_COMMIT_SHA") or _git(["rev-parse", "HEAD"], where)
    if not commit:
        return None
    branch = (
        env.get("GITHUB_HEAD_REF") or env.get("GITHUB_REF_NAME") or env.get("CI_COMMIT_REF_NAME")
    )
    if not branch:
        name = _git(["rev-parse", "--abbrev-ref", "HEAD"], where)
        branch = name if name and name != "HEAD" else None
    status = _git(["status", "--porcelain", "--untracked-files=no"], where)
    dirty = bool(status) if status is not None else None
    return {"commit": commit, "branch": branch, "dirty": dirty}


def ci_run(env: dict[str, str] | None = None) -> dict[str, Any] | None:
    """The CI job that runs the batch (GitHub Actions in detail, any CI by ``CI``)."""
    env = dict(os.environ) if env is None else env
    if env.get("GITHUB_ACTIONS") == "true":
        server = env.get("GITHUB_SERVER_URL", "https://github.com")
        repo, run_id = env.get("GITHUB_REPOSITORY"), env.get("GITHUB_RUN_ID")
        return {
            "provider": "github-actions",
            "repository": repo,
            "workflow": env.get("GITHUB_WORKFLOW"),
            "event": env.get("GITHUB_EVENT_NAME"),
            "runId": run_id,
            "url": f"{server}/{repo}/actions/runs/{run_id}" if repo and run_id else None,
        }
    if env.get("CI"):
        return {"provider": env.get("CI_NAME") or "ci"}
    return None


def clean_tags(values: list[str]) -> list[str]:
    """Tags as given (comma-separated or repeated), trimmed, unique, order kept."""
    from zebench.errors import UserError

    tags = list(dict.fromkeys(t.strip() for v in values for t in v.split(",") if t.strip()))
    for tag in tags:
        if len(tag) > MAX_TAG_CHARS or any(ord(ch) < 32 for ch in tag):
            raise UserError(
                f"--tag {tag[:40]!r}: expected at most {MAX_TAG_CHARS} printable characters"
            )
    if len(tags) > MAX_TAGS:
        raise UserError(f"--tag: at most {MAX_TAGS} tags, got {len(tags)}")
    return tags


def batch_labels(tags: list[str], note: str | None) -> dict[str, Any]:
    """The metadata a new batch records about itself: tags, note, git, CI."""
    labels: dict[str, Any] = {"tags": tags}
    if note:
        labels["note"] = note
    git = git_state()
    if git is not None:
        labels["git"] = git
    ci = ci_run()
    if ci is not None:
        labels["ci"] = ci
    return labels

"""Suites shipped to workers as content-addressed tarballs, cached by hash where they land.

A bundle is a gzipped tar of one suite directory, built deterministically
(sorted entries, fixed times and owners, no caches) so that the same suite
content always has the same SHA-256: the results service stores it once, and a
worker unpacks it once per hash. Unpacking checks the hash first and refuses
absolute paths, ``..`` and links leaving the suite (tarfile's ``data`` filter).
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import io
import os
import re
import shutil
import tarfile
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from zebench.errors import UserError

SHA256 = re.compile(r"^[0-9a-f]{64}$")
_SKIPPED_DIRS = frozenset({"__pycache__", ".git", ".pytest_cache", ".mypy_cache", ".ruff_cache"})
_SKIPPED_SUFFIXES = (".pyc", ".pyo")
_unpacking = threading.Lock()


class BundleError(UserError):
    """A bundle that cannot be used: wrong hash, not a tarball, unsafe entries."""


@dataclass(frozen=True)
class SuiteBundle:
    suite: str
    """The suite's name: the top directory inside the tarball."""
    sha256: str
    data: bytes

    @property
    def size(self) -> int:
        return len(self.data)


def _entries(suite_dir: Path) -> list[Path]:
    found: list[Path] = []
    for root, dirs, files in os.walk(suite_dir):
        dirs[:] = sorted(d for d in dirs if d not in _SKIPPED_DIRS)
        base = Path(root)
        found += [base / d for d in dirs]
        found += [base / f for f in sorted(files) if not f.endswith(_SKIPPED_SUFFIXES)]
    return sorted(found, key=lambda p: p.relative_to(suite_dir).as_posix())


def _normalised(info: tarfile.TarInfo) -> tarfile.TarInfo:
    info.mtime = 0
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    info.mode &= 0o755 if info.isdir() or info.mode & 0o100 else 0o644
    return info


def pack_suite(suite_dir: Path) -> SuiteBundle:
    """The suite at ``suite_dir`` as a bundle; the same content gives the same hash."""
    name = suite_dir.resolve().name
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        tar.add(suite_dir, arcname=name, recursive=False, filter=_normalised)
        for path in _entries(suite_dir):
            arcname = f"{name}/{path.relative_to(suite_dir).as_posix()}"
            tar.add(path, arcname=arcname, recursive=False, filter=_normalised)
    packed = io.BytesIO()
    # mtime=0 keeps the gzip header (and so the hash) independent of when it was built.
    with gzip.GzipFile(fileobj=packed, mode="wb", mtime=0, compresslevel=6) as gz:
        gz.write(raw.getvalue())
    data = packed.getvalue()
    return SuiteBundle(name, hashlib.sha256(data).hexdigest(), data)


def cached_suite(cache_dir: Path, sha256: str, suite: str) -> Path | None:
    """The unpacked suite of bundle ``sha256`` if this machine has it already."""
    path = cache_dir / sha256 / suite
    return path if (path / "scenarios").is_dir() else None


def unpack_bundle(data: bytes, sha256: str, suite: str, cache_dir: Path) -> Path:
    """Unpack a bundle into ``cache_dir/<sha256>/<suite>`` (once) and return that directory.

    Raises ``BundleError`` naming the bundle when the bytes do not hash to
    ``sha256``, are not a gzipped tarball, hold anything but ``suite/...`` or
    entries the ``data`` filter refuses. Safe against concurrent unpackers: each
    works in a directory of its own and the first rename wins.
    """
    if not SHA256.match(sha256):
        raise BundleError(f"suite bundle hash {sha256!r} is not a SHA-256 hex digest")
    actual = hashlib.sha256(data).hexdigest()
    if actual != sha256:
        raise BundleError(f"suite bundle {sha256[:12]}: its content hashes to {actual[:12]}")
    with _unpacking:
        found = cached_suite(cache_dir, sha256, suite)
        if found is not None:
            return found
        cache_dir.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=f".unpack-{sha256[:12]}-", dir=cache_dir))
        try:
            _extract(data, sha256, suite, work)
            if not (work / suite / "scenarios").is_dir():
                raise BundleError(f"suite bundle {sha256[:12]} has no {suite}/scenarios/ directory")
            with contextlib.suppress(FileExistsError, OSError):
                os.rename(work, cache_dir / sha256)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    found = cached_suite(cache_dir, sha256, suite)
    if found is None:
        raise BundleError(f"suite bundle {sha256[:12]} could not be put in {cache_dir}")
    return found


def _extract(data: bytes, sha256: str, suite: str, target: Path) -> None:
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
            members = tar.getmembers()
            outside = [m.name for m in members if m.name.split("/", 1)[0] != suite]
            if outside:
                raise BundleError(
                    f"suite bundle {sha256[:12]}: entry {outside[0]!r} is outside {suite}/"
                )
            tar.extractall(target, members=members, filter="data")
    except (tarfile.TarError, OSError, EOFError, gzip.BadGzipFile) as exc:
        raise BundleError(
            f"suite bundle {sha256[:12]} cannot be unpacked: {exc.__class__.__name__}: {exc}"
        ) from None

"""Suite bundles: deterministic packing, verified and confined unpacking, a cache by hash."""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import tarfile
from pathlib import Path

import pytest

from distributed_support import make_suite
from zebench.harness.bundle import BundleError, cached_suite, pack_suite, unpack_bundle


def test_the_same_content_packs_to_the_same_hash(tmp_path: Path) -> None:
    suite = make_suite(tmp_path / "a", scenarios=2)
    first = pack_suite(suite)
    for path in suite.rglob("*"):
        os.utime(path, (1_000_000, 1_000_000))  # times do not count
    (suite / "scenarios" / "s1" / "__pycache__").mkdir()
    (suite / "scenarios" / "s1" / "__pycache__" / "x.pyc").write_bytes(b"\0")  # caches neither
    assert pack_suite(suite).sha256 == first.sha256

    (suite / "scenarios" / "s1" / "repo-fixture" / "README.md").write_text("changed\n")
    assert pack_suite(suite).sha256 != first.sha256


def test_a_bundle_unpacks_once_into_the_cache(tmp_path: Path) -> None:
    suite = make_suite(tmp_path / "src")
    script = suite / "scenarios" / "s1" / "repo-fixture" / "run.sh"
    script.write_text("#!/bin/sh\n")
    script.chmod(0o755)
    bundle = pack_suite(suite)
    cache = tmp_path / "cache"
    assert cached_suite(cache, bundle.sha256, "dist") is None

    unpacked = unpack_bundle(bundle.data, bundle.sha256, "dist", cache)
    assert unpacked == cache / bundle.sha256 / "dist"
    fixture = unpacked / "scenarios" / "s1" / "repo-fixture"
    assert (fixture / "README.md").read_text() == "fixture s1\n"
    assert os.access(fixture / "run.sh", os.X_OK)
    assert unpack_bundle(bundle.data, bundle.sha256, "dist", cache) == unpacked
    assert [p.name for p in cache.iterdir()] == [bundle.sha256]  # no leftovers


def test_bytes_with_another_hash_are_refused(tmp_path: Path) -> None:
    bundle = pack_suite(make_suite(tmp_path / "src"))
    with pytest.raises(BundleError, match="hashes to"):
        unpack_bundle(bundle.data + b"x", bundle.sha256, "dist", tmp_path / "cache")


def _tarball(entries: dict[str, bytes], links: dict[str, str] | None = None) -> bytes:
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as tar:
        for name, data in entries.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        for name, target in (links or {}).items():
            info = tarfile.TarInfo(name)
            info.type = tarfile.SYMTYPE
            info.linkname = target
            tar.addfile(info)
    return gzip.compress(raw.getvalue())


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"not a tarball", "cannot be unpacked"),
        (_tarball({"other/scenarios/x": b""}), "outside dist/"),
        (_tarball({"dist/../../escape.txt": b"x"}), "cannot be unpacked"),
        (_tarball({"dist/scenarios/a": b""}, {"dist/link": "/etc/passwd"}), "cannot be unpacked"),
        (_tarball({"dist/README": b""}), "no dist/scenarios/"),
    ],
)
def test_unusable_bundles_are_refused_and_leave_nothing(
    tmp_path: Path, data: bytes, message: str
) -> None:
    digest = hashlib.sha256(data).hexdigest()
    cache = tmp_path / "cache"
    with pytest.raises(BundleError, match=message):
        unpack_bundle(data, digest, "dist", cache)
    assert not (tmp_path / "escape.txt").exists()
    assert list(cache.iterdir()) == []

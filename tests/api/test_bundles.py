"""PUT/GET/HEAD /api/suites/{sha256}: suite bundles stored once per content hash, behind a key."""

from __future__ import annotations

import hashlib

import httpx
from api_support import unique

from loopback import AppServer

AUTH = {"Authorization": "Bearer dev-local-key"}


def _bundle() -> tuple[bytes, str]:
    data = f"bundle {unique('b')}".encode()
    return data, hashlib.sha256(data).hexdigest()


def test_a_bundle_is_stored_once_and_read_back(api: AppServer) -> None:
    data, digest = _bundle()
    url = f"{api.url}/api/suites/{digest}"
    first = httpx.put(url, content=data, params={"suite": "dist"}, headers=AUTH)
    assert first.status_code == 201 and first.json()["duplicate"] is False
    again = httpx.put(url, content=data, params={"suite": "dist"}, headers=AUTH)
    assert again.status_code == 200 and again.json()["duplicate"] is True

    got = httpx.get(url, headers=AUTH)
    assert got.status_code == 200 and got.content == data
    assert got.headers["x-suite"] == "dist"
    head = httpx.head(url, headers=AUTH)
    assert head.status_code == 200 and head.headers["x-bundle-size"] == str(len(data))


def test_bytes_that_do_not_hash_to_the_path_are_refused(api: AppServer) -> None:
    data, _ = _bundle()
    other = hashlib.sha256(b"other").hexdigest()
    answer = httpx.put(
        f"{api.url}/api/suites/{other}", content=data, params={"suite": "dist"}, headers=AUTH
    )
    assert answer.status_code == 422
    assert "body" in answer.json()["error"]
    assert httpx.head(f"{api.url}/api/suites/{other}", headers=AUTH).status_code == 404


def test_bad_names_are_refused_naming_the_field(api: AppServer) -> None:
    data, digest = _bundle()
    bad_hash = httpx.put(
        f"{api.url}/api/suites/XYZ", content=data, params={"suite": "dist"}, headers=AUTH
    )
    assert bad_hash.status_code == 422 and "sha256" in bad_hash.json()["error"]
    bad_suite = httpx.put(
        f"{api.url}/api/suites/{digest}", content=data, params={"suite": "../x"}, headers=AUTH
    )
    assert bad_suite.status_code == 422 and "suite" in bad_suite.json()["error"]
    assert httpx.get(f"{api.url}/api/suites/XYZ", headers=AUTH).status_code == 422


def test_bundles_need_a_key_both_ways(api: AppServer) -> None:
    data, digest = _bundle()
    url = f"{api.url}/api/suites/{digest}"
    assert httpx.put(url, content=data, params={"suite": "dist"}).status_code == 401
    assert httpx.put(url, content=data, params={"suite": "dist"}, headers=AUTH).status_code == 201
    assert httpx.get(url).status_code == 401
    wrong = {"Authorization": "Bearer not-a-key"}
    assert httpx.get(url, headers=wrong).status_code == 403
    assert httpx.get(f"{api.url}/api/suites/{'0' * 64}", headers=AUTH).status_code == 404

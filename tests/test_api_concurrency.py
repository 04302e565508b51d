"""Concurrent edits of one diary entry: two app workers, each with its own Store (its own
connection pool), on one database. With the same If-Match exactly one PATCH wins and the other
gets 412; without If-Match both changes are kept. No acknowledged change is ever lost."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from backcare.config import Settings
from backcare.store.repo import Store
from backcare.web.app import create_app

HOSTS = ("testserver",)
TRIALS = 30


@pytest.fixture
def two_workers(db_url: str) -> Iterator[tuple[TestClient, TestClient]]:
    """Two apps on one database, as two uvicorn workers would be (separate stores and pools)."""
    stores = [Store(db_url), Store(db_url)]
    try:
        yield tuple(TestClient(create_app(Settings(allowed_hosts=HOSTS), s)) for s in stores)  # type: ignore[misc]
    finally:
        for s in stores:
            s.close()


def at_once(*calls: Callable[[], Any]) -> list[Any]:
    """Run the calls in threads released together by a barrier, so the requests overlap."""
    barrier = threading.Barrier(len(calls))

    def run(call: Callable[[], Any]) -> Any:
        barrier.wait()
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def test_two_patches_with_the_same_if_match_one_wins_the_other_gets_412(
    two_workers: tuple[TestClient, TestClient],
) -> None:
    a, b = two_workers
    for trial in range(TRIALS):
        created = a.post("/api/v1/diary/episodes", json={"pain": 5, "note": "start"})
        entry_id, tag = created.json()["entry"]["id"], created.headers["etag"]
        url = f"/api/v1/diary/entries/{entry_id}"
        first, second = at_once(
            partial(a.patch, url, json={"note": f"from a {trial}"}, headers={"If-Match": tag}),
            partial(b.patch, url, json={"note": f"from b {trial}"}, headers={"If-Match": tag}),
        )
        statuses = sorted([first.status_code, second.status_code])
        assert statuses == [200, 412], (trial, first.text, second.text)
        winner = first if first.status_code == 200 else second
        shown = b.get(url)
        assert shown.json()["entry"]["note"] == winner.json()["entry"]["note"]
        assert shown.headers["etag"] == winner.headers["etag"] != tag
        assert len(shown.json()["history"]) == 1  # the refused edit left no trace
        loser = second if winner is first else first
        assert loser.json()["error"]["status"] == 412


def test_two_patches_without_if_match_both_changes_are_kept(two_workers: tuple[TestClient, TestClient]) -> None:
    a, b = two_workers
    for trial in range(TRIALS):
        entry_id = a.post("/api/v1/diary/episodes", json={"pain": 5, "note": "start"}).json()["entry"]["id"]
        url = f"/api/v1/diary/entries/{entry_id}"
        first, second = at_once(
            partial(a.patch, url, json={"pain": 2}),
            partial(b.patch, url, json={"note": f"changed {trial}"}),
        )
        assert (first.status_code, second.status_code) == (200, 200)
        entry = a.get(url).json()["entry"]
        assert (entry["pain"], entry["note"]) == (2, f"changed {trial}"), trial


def test_a_delete_with_an_old_etag_is_refused_and_keeps_the_entry(two_workers: tuple[TestClient, TestClient]) -> None:
    a, b = two_workers
    created = a.post("/api/v1/diary/episodes", json={"pain": 5})
    url, tag = f"/api/v1/diary/entries/{created.json()['entry']['id']}", created.headers["etag"]
    newer = b.patch(url, json={"pain": 6}, headers={"If-Match": tag})
    assert newer.status_code == 200
    assert a.delete(url, headers={"If-Match": tag}).status_code == 412
    assert a.get(url).json()["entry"]["pain"] == 6
    assert a.delete(url, headers={"If-Match": newer.headers["etag"]}).status_code == 204
    assert b.get(url).status_code == 404


# --- two real uvicorn worker processes on PostgreSQL ----------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _call(method: str, url: str, body: dict[str, Any] | None = None, **headers: str) -> tuple[int, dict[str, Any]]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data, method=method, headers={"content-type": "application/json", **headers})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, {"etag": response.headers.get("etag"), **json.loads(response.read() or b"{}")}
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


@pytest.fixture
def uvicorn_workers(db_url: str, tmp_path: Path) -> Iterator[str]:
    if not db_url.startswith("postgresql"):
        pytest.skip("several worker processes share a PostgreSQL database (a local SQLite diary has one)")
    Store(db_url).close()  # migrate once, before the workers race to
    port = _free_port()
    env = {
        **os.environ,
        "BACKCARE_DATABASE_URL": db_url,
        "BACKCARE_MODE": "local",
        "BACKCARE_ALLOWED_HOSTS": "127.0.0.1",
        "HOME": str(tmp_path),
    }
    command = [sys.executable, "-m", "uvicorn", "backcare.web.serve:app_from_env", "--factory", "--workers", "2"]
    log = (tmp_path / "uvicorn.log").open("wb")
    server = subprocess.Popen(
        [*command, "--port", str(port), "--log-level", "warning"], env=env, stdout=log, stderr=log
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if _call("GET", f"{base}/api/v1/products")[0] == 200:
                    break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("uvicorn did not start")
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
    assert b"Traceback" not in (tmp_path / "uvicorn.log").read_bytes()


@pytest.mark.slow
def test_two_uvicorn_workers_same_if_match_exactly_one_patch_wins(uvicorn_workers: str) -> None:
    base = uvicorn_workers
    for trial in range(TRIALS):
        status, created = _call("POST", f"{base}/api/v1/diary/episodes", {"pain": 5})
        assert status == 201
        url = f"{base}/api/v1/diary/entries/{created['entry']['id']}"
        tag = str(created["etag"])
        results = at_once(
            partial(_call, "PATCH", url, {"note": f"a{trial}"}, **{"If-Match": tag}),
            partial(_call, "PATCH", url, {"note": f"b{trial}"}, **{"If-Match": tag}),
        )
        assert sorted(s for s, _ in results) == [200, 412], results
        won = next(body for s, body in results if s == 200)
        status, shown = _call("GET", url)
        assert status == 200 and shown["entry"]["note"] == won["entry"]["note"] and len(shown["history"]) == 1

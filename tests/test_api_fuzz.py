"""Schemathesis fuzzes every operation of /openapi.json, in local mode and in server mode (a
registered, signed-in person): no server error, and every answer matches the documented status,
media type and body schema. Valid (positive) and invalid (negative) requests; the entry routes
also on real entries of each kind. Bounded: ``BACKCARE_FUZZ_EXAMPLES`` examples per operation and
mode (25 unless set), no deadline. ``scripts/fuzz-api`` runs it with a bigger budget."""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from starlette.testclient import TestClient

from backcare.config import Settings
from backcare.store.repo import Store
from backcare.web.app import create_app
from tests.conftest import postgres_database

SAME_ORIGIN = {"sec-fetch-site": "same-origin"}
"""What a browser sends from backcare's own pages; a client that sends cookies must say so too."""

pytestmark = pytest.mark.slow

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES = int(os.environ.get("BACKCARE_FUZZ_EXAMPLES", "25"))
HOSTS = ("testserver",)
SECRET = "f" * 40


@dataclass
class Tally:
    operations: int = 0
    examples: int = 0
    failures: dict[str, str] = field(default_factory=dict)
    statuses: Counter[int] = field(default_factory=Counter)


def fuzz(app: Any, headers: dict[str, str], entry_ids: list[str], examples: int) -> Tally:
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    tally = Tally()
    for result in schema.get_all_operations():
        operation = result.ok()
        tally.operations += 1
        runs: list[tuple[str, Any]] = [
            (mode.value, operation.as_strategy(generation_mode=mode))
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
        ]
        if "{entry_id}" in operation.path and operation.method != "delete":
            runs += [
                (f"entry {i}", operation.as_strategy(path_parameters={"entry_id": entry_id}))
                for i, entry_id in enumerate(entry_ids)
            ]
        for label, strategy in runs:

            @given(case=strategy)
            @settings(
                max_examples=examples,
                deadline=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
                database=None,
            )
            def run(case: Any) -> None:
                tally.examples += 1
                tally.statuses[case.call_and_validate(headers=headers, checks=CHECKS).status_code] += 1

            try:
                run()
            except Unsatisfiable:
                pass  # nothing invalid can be sent to an operation without parameters
            except (Exception, BaseExceptionGroup) as exc:
                tally.failures[f"{operation.label} ({label})"] = str(exc)
    return tally


def some_entries(client: TestClient, headers: dict[str, str]) -> list[str]:
    """One entry of each kind the API logs, so PATCH and GET reach real entries too."""
    made = [
        client.post("/api/v1/diary/episodes", json={"pain": 4, "locations": ["lower"]}, headers=headers),
        client.post("/api/v1/diary/medicines", json={"product": "ibuprofen-200", "units": 1}, headers=headers),
        client.post("/api/v1/diary/actions", json={"action": "heat", "minutes": 15}, headers=headers),
    ]
    assert [r.status_code for r in made] == [201, 201, 201]
    return [r.json()["entry"]["id"] for r in made]


@pytest.fixture(params=["local-sqlite", "server-postgresql"])
def app_and_headers(
    request: pytest.FixtureRequest, tmp_path: Path, postgres_ok: bool
) -> Iterator[tuple[Any, dict[str, str]]]:
    """The app and the headers its client sends: none in local mode (SQLite); in server mode
    (PostgreSQL) the session cookie of a registered, signed-in person and the Sec-Fetch-Site header
    that a request with cookies must carry."""
    if request.param == "local-sqlite":
        store = Store(f"sqlite:///{tmp_path / 'fuzz.sqlite3'}")
        yield create_app(Settings(allowed_hosts=HOSTS), store), {}
        store.close()
        return
    with postgres_database(postgres_ok, "backcare_fuzz") as url:
        store = Store(url)
        config = Settings(mode="server", secret_key=SECRET, secure_cookies=False, allowed_hosts=HOSTS)
        app = create_app(config, store)
        client = TestClient(app)
        form = {"username": "fuzzer", "password": "correct horse battery"}
        client.post("/account/register", data={**form, "confirm": form["password"]}, headers=SAME_ORIGIN)
        cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
        headers = {"cookie": cookie, **SAME_ORIGIN}
        client.cookies.clear()
        assert client.get("/api/v1/diary/entries", headers=headers).status_code == 200
        assert client.get("/api/v1/diary/entries").status_code == 401
        yield app, headers
        store.close()


def test_every_operation_answers_as_documented(app_and_headers: tuple[Any, dict[str, str]]) -> None:
    app, headers = app_and_headers
    entry_ids = some_entries(TestClient(app), headers)
    started = time.perf_counter()
    tally = fuzz(app, headers, entry_ids, EXAMPLES)
    seconds = time.perf_counter() - started
    print(
        f"\nfuzz: {tally.operations} operations, {tally.examples} requests, "
        f"{len(tally.failures)} failures, {seconds:.1f} s ({EXAMPLES} examples per operation and mode); "
        f"statuses {dict(sorted(tally.statuses.items()))}"
    )
    assert tally.operations >= 15
    assert tally.statuses[200] and tally.statuses[201] and not {401, 403} & set(tally.statuses)  # signed in
    assert not tally.failures, "\n\n".join(f"{k}:\n{v}" for k, v in tally.failures.items())

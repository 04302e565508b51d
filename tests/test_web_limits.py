"""Server mode hardened (issue 10): request-size limits before parsing, NUL characters refused with
a message, PATCH keys checked, server-made ids only and id prefixes that are not wildcards. Never a
500, on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from backcare.config import Settings
from backcare.service.entries import NUL
from backcare.store.repo import Store
from backcare.web.app import create_app
from backcare.web.limits import BODY_LIMIT, IMPORT_LIMIT, RequestLimits

SECRET = "s" * 40
HOSTS = ("testserver",)


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    s = Store(db_url)
    yield s
    s.close()


@pytest.fixture
def api(store: Store) -> TestClient:
    """Local mode, no cookies: the JSON API as a program uses it."""
    return TestClient(create_app(Settings(allowed_hosts=HOSTS), store), raise_server_exceptions=False)


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[Store]:
    s = Store(f"sqlite:///{tmp_path / 'limits.sqlite3'}")
    yield s
    s.close()


def server(store: Store) -> TestClient:
    settings = Settings(mode="server", secret_key=SECRET, secure_cookies=False, allowed_hosts=HOSTS)
    browser = {"sec-fetch-site": "same-origin"}
    return TestClient(create_app(settings, store), raise_server_exceptions=False, headers=browser)


# --- body size --------------------------------------------------------------------------------


def test_a_2_mb_sign_in_form_gets_a_small_413_page(sqlite_store: Store) -> None:
    client = server(sqlite_store)
    form = {"username": "a" * (2 * 1024 * 1024), "password": "x"}
    response = client.post("/account/login", data=form)
    assert response.status_code == 413
    assert response.headers["content-type"].startswith("text/html")
    assert len(response.content) < 1024 and "too large" in response.text and "64 KB" in response.text
    assert response.headers["content-security-policy"]  # still a page of ours


def test_a_5_mb_assess_body_gets_a_small_json_413(sqlite_store: Store) -> None:
    client = TestClient(create_app(Settings(allowed_hosts=HOSTS), sqlite_store))
    body = json.dumps({"answers": {"age": 40, "note": "x" * (5 * 1024 * 1024)}})
    response = client.post("/api/v1/assess", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 413 and len(response.content) < 512
    assert response.json()["error"]["status"] == 413


def test_a_body_without_content_length_is_cut_off_at_the_limit(sqlite_store: Store) -> None:
    client = TestClient(create_app(Settings(allowed_hosts=HOSTS), sqlite_store))

    def chunks() -> Iterator[bytes]:
        for _ in range(64):  # 4 MB in 64 KB pieces, sent chunked
            yield b" " * 65536

    response = client.post("/api/v1/assess", content=chunks(), headers={"content-type": "application/json"})
    assert response.status_code == 413 and response.json()["error"]["status"] == 413


def test_the_import_upload_has_a_larger_limit_but_still_one(sqlite_store: Store) -> None:
    client = TestClient(create_app(Settings(allowed_hosts=HOSTS), sqlite_store))
    bigger_than_a_form = b'{"format": "backcare-diary", "padding": "' + b"x" * (BODY_LIMIT * 2) + b'"}'
    accepted = client.post("/import", files={"file": ("e.json", bigger_than_a_form, "application/json")})
    assert accepted.status_code == 400 and "Nothing was imported" in accepted.text  # read and checked, not 413
    huge = b"x" * (IMPORT_LIMIT + 1)
    refused = client.post("/import", files={"file": ("e.json", huge, "application/json")})
    assert refused.status_code == 413 and len(refused.content) < 1024
    assert TestClient(client.app).post("/api/v1/import", content=huge).status_code == 413


async def _echo(scope: object, receive: object, send: object) -> None:
    """A tiny app that reads the whole body, as the import route does."""
    body = b""
    while True:
        message = await receive()  # type: ignore[operator]
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    await send({"type": "http.response.start", "status": 200, "headers": []})  # type: ignore[operator]
    await send({"type": "http.response.body", "body": str(len(body)).encode()})  # type: ignore[operator]


def test_a_streamed_import_is_counted_as_it_is_read() -> None:
    client = TestClient(RequestLimits(_echo, import_limit=100_000))

    def chunks(n: int) -> Iterator[bytes]:
        for _ in range(n):
            yield b"x" * 10_000

    assert client.post("/import", content=chunks(5)).text == "50000"
    over = client.post("/import", content=chunks(20))
    assert over.status_code == 413 and "too large" in over.text


def test_assess_bounds_the_number_of_answers(sqlite_store: Store) -> None:
    client = TestClient(create_app(Settings(allowed_hosts=HOSTS), sqlite_store))
    answers = {f"question_{i}": "yes" for i in range(201)}
    response = client.post("/api/v1/assess", json={"answers": answers})
    assert response.status_code == 422
    assert any(p.startswith("answers:") and "200" in p for p in response.json()["error"]["problems"])


# --- NUL characters, on SQLite and PostgreSQL -----------------------------------------------------


def test_nul_in_api_fields_is_a_422_naming_the_field(api: TestClient) -> None:
    response = api.post("/api/v1/diary/episodes", json={"pain": 3, "note": "a\x00b"})
    assert response.status_code == 422
    assert response.json()["error"]["problems"] == [f"note: {NUL}"]
    entry = api.post("/api/v1/diary/episodes", json={"pain": 3}).json()["entry"]
    for path, body in (
        (f"/api/v1/diary/entries/{entry['id']}", {"note": "\x00"}),
        ("/api/v1/diary/medicines", {"product": "pill\x00", "contains": {"paracetamol": 500}}),
        ("/api/v1/diary/actions", {"action": "heat", "tz": "Europe/London\x00"}),
        ("/api/v1/assess", {"answers": {"age\x00": 40}}),
    ):
        method = api.patch if "entries" in path else api.post
        assert method(path, json=body).status_code == 422, path
    assert api.get("/api/v1/diary/entries/ab%00cd").status_code == 422
    assert api.get("/api/v1/diary/entries", params={"days": "3\x00"}).status_code == 422
    assert api.get(f"/api/v1/diary/entries/{entry['id']}").json()["entry"]["note"] == ""


def test_nul_in_an_import_is_refused_with_a_message(api: TestClient) -> None:
    now = datetime.now(UTC).isoformat()
    document = {
        "format": "backcare-diary",
        "version": 1,
        "exported_at": now,
        "knowledge_version": "x",
        "episodes": [
            {"id": "0" * 8 + "-0000-4000-8000-" + "0" * 12, "started_at": now, "pain": 2, "note": "a\x00", "tz": "UTC"}
        ],
    }
    response = api.post("/api/v1/import", json=document)
    assert response.status_code == 422 and "episodes.0.note: contains a NUL character" in response.text
    assert api.get("/api/v1/diary/entries").json()["count"] == 0


def test_nul_in_a_page_form_is_a_400_page_with_a_message(store: Store) -> None:
    client = server(store)
    login = client.post("/account/login", data={"username": "ann\x00", "password": "x"})
    assert login.status_code == 400 and "NUL character" in login.text and "username" in login.text
    register = client.post(
        "/account/register",
        data={"username": "ann", "password": "pass\x00word12", "confirm": "x"},
    )
    assert register.status_code == 400 and "password" in register.text
    assert client.get("/learn/treatment?notice=%00").status_code == 400


# --- PATCH keys, ids and id prefixes, on SQLite and PostgreSQL -------------------------------------


def test_patch_with_unknown_keys_is_a_422_naming_them(api: TestClient) -> None:
    entry = api.post("/api/v1/diary/episodes", json={"pain": 3}).json()["entry"]
    url = f"/api/v1/diary/entries/{entry['id']}"
    response = api.patch(url, json={"pain": 2, "colour": "red", "entry_id": "x", "self": 1})
    assert response.status_code == 422
    problems = response.json()["error"]["problems"]
    assert {"colour: is not a field of this entry", "entry_id: is not a field of this entry"} <= set(problems)
    assert api.patch(url, json={"id": "0" * 36}).json()["error"]["problems"][0] == "id: cannot be changed"
    assert api.get(url).json()["entry"]["pain"] == 3  # nothing changed
    medicine = api.post("/api/v1/diary/medicines", json={"product": "ibuprofen-200"}).json()["entry"]
    assert api.patch(f"/api/v1/diary/entries/{medicine['id']}", json={"contains": 5}).status_code == 422


def test_ids_are_made_by_the_server(api: TestClient) -> None:
    first = api.post("/api/v1/diary/episodes", json={"pain": 3}).json()["entry"]
    for path, body in (
        ("/api/v1/diary/episodes", {"pain": 4, "id": first["id"]}),
        ("/api/v1/diary/episodes", {"pain": 4, "id": "not-an-id"}),
        ("/api/v1/diary/medicines", {"product": "ibuprofen-200", "id": first["id"]}),
        ("/api/v1/diary/actions", {"action": "heat", "id": first["id"]}),
    ):
        response = api.post(path, json=body)
        assert response.status_code == 422, (path, response.text)
        assert response.json()["error"]["problems"] == ["id: chosen by the server; leave it out"]
    assert api.get("/api/v1/diary/entries").json()["count"] == 1


def test_id_prefixes_are_not_wildcards(api: TestClient) -> None:
    entry = api.post("/api/v1/diary/episodes", json={"pain": 3}).json()["entry"]
    for prefix in ("%25%25%25%25", "____", entry["id"][:3] + "_", entry["id"][:4] + "%25", "%5C%25%25%25"):
        assert api.get(f"/api/v1/diary/entries/{prefix}").status_code == 404, prefix
        assert api.delete(f"/api/v1/diary/entries/{prefix}").status_code == 404, prefix
    assert api.get(f"/api/v1/diary/entries/{entry['id'][:4]}").status_code == 200  # a real prefix still works
    assert api.get("/api/v1/diary/entries").json()["count"] == 1

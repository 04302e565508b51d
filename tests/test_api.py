"""The REST API's contract: ETag and If-Match on diary entries, the edit form's version, the
OpenAPI document (bodies, statuses, media types) and no database work on the event loop."""

from __future__ import annotations

import inspect
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import APIRoute
from starlette.testclient import TestClient

from backcare.config import Settings
from backcare.store.repo import Store
from backcare.web.app import create_app

SAME_ORIGIN = {"sec-fetch-site": "same-origin"}
"""What a browser sends with a form from backcare's own page (the cross-site check)."""

HOSTS = ("testserver",)


@pytest.fixture
def api(db_url: str) -> Iterator[TestClient]:
    store = Store(db_url)
    yield TestClient(create_app(Settings(allowed_hosts=HOSTS), store))
    store.close()


@pytest.fixture
def local(tmp_path: Path) -> Iterator[TestClient]:
    store = Store(f"sqlite:///{tmp_path / 'api.sqlite3'}")
    yield TestClient(create_app(Settings(allowed_hosts=HOSTS), store))
    store.close()


def new_episode(api: TestClient, **fields: Any) -> tuple[str, str]:
    created = api.post("/api/v1/diary/episodes", json={"pain": 5, **fields})
    assert created.status_code == 201
    return f"/api/v1/diary/entries/{created.json()['entry']['id']}", created.headers["etag"]


def test_an_entry_has_an_etag_that_changes_with_every_edit(api: TestClient) -> None:
    url, created = new_episode(api)
    shown = api.get(url)
    assert shown.headers["etag"] == created and re.fullmatch(r'"[0-9a-f-]{36}\.1"', created)
    edited = api.patch(url, json={"pain": 4}, headers={"If-Match": created})
    assert edited.status_code == 200 and edited.headers["etag"] not in (created, "")
    assert api.get(url).headers["etag"] == edited.headers["etag"]


def test_a_patch_from_an_old_version_is_412_and_changes_nothing(api: TestClient) -> None:
    url, old = new_episode(api, note="first")
    assert api.patch(url, json={"note": "second"}, headers={"If-Match": old}).status_code == 200
    stale = api.patch(url, json={"note": "from an old copy"}, headers={"If-Match": old})
    assert stale.status_code == 412
    assert stale.json()["error"]["message"].startswith("the entry has changed since you read it")
    shown = api.get(url).json()
    assert shown["entry"]["note"] == "second" and len(shown["history"]) == 1


def test_if_match_star_any_version_and_tags_of_other_entries_or_weak_tags_never_match(api: TestClient) -> None:
    url, tag = new_episode(api)
    _, other = new_episode(api)
    for refused in (other, f"W/{tag}", '"nonsense"', tag.replace(".1", ".99999999999")):
        assert api.patch(url, json={"pain": 1}, headers={"If-Match": refused}).status_code == 412, refused
    assert api.patch(url, json={"pain": 2}, headers={"If-Match": f"{other}, {tag}"}).status_code == 200
    assert api.patch(url, json={"pain": 3}, headers={"If-Match": "*"}).status_code == 200
    assert api.get(url).json()["entry"]["pain"] == 3


def test_a_delete_honours_if_match_too(api: TestClient) -> None:
    url, tag = new_episode(api)
    newer = api.patch(url, json={"pain": 1}).headers["etag"]
    assert api.delete(url, headers={"If-Match": tag}).status_code == 412
    assert api.delete(url, headers={"If-Match": newer}).status_code == 204
    assert api.get(url).status_code == 404
    assert api.delete(url, headers={"If-Match": newer}).status_code == 404


def test_moving_a_check_in_onto_a_day_that_has_one_is_a_422(db_url: str) -> None:
    from backcare.service.diary import DiaryService

    store = Store(db_url)
    try:
        service = DiaryService(store)
        first = service.check_in(day=date(2026, 11, 2), pain_free=True).entry
        second = service.check_in(day=date(2026, 11, 3), pain_free=False, pain=3).entry
        api = TestClient(create_app(Settings(allowed_hosts=HOSTS), store))
        moved = api.patch(f"/api/v1/diary/entries/{second.id}", json={"day": "2026-11-02"})
        assert moved.status_code == 422
        assert moved.json()["error"]["problems"] == ["day: there is already a check-in for that day"]
        assert api.get(f"/api/v1/diary/entries/{first.id}").json()["entry"]["day"] == "2026-11-02"
        assert api.get(f"/api/v1/diary/entries/{second.id}").json()["entry"]["day"] == "2026-11-03"
    finally:
        store.close()


def test_unknown_keys_and_wrong_values_are_422_in_plain_words(local: TestClient) -> None:
    refused = local.post("/api/v1/diary/episodes", json={"pain": 3, "colour": "red", "locations": ["moon"]})
    assert refused.status_code == 422
    error = refused.json()["error"]
    assert error["status"] == 422 and "colour: is not a field backcare knows" in error["problems"]
    assert any(p.startswith("locations.0: must be one of 'upper', 'middle'") for p in error["problems"]), error
    assert "Input should" not in refused.text
    assert local.get("/api/v1/trends", params={"weeks": 0}).json()["error"]["problems"] == [
        "weeks (query): must be 1 or more"
    ]


def test_openapi_documents_bodies_statuses_and_media_types(local: TestClient) -> None:
    spec = local.get("/openapi.json").json()
    paths, schemas = spec["paths"], spec["components"]["schemas"]
    for path, method in [
        ("/api/v1/diary/episodes", "post"),
        ("/api/v1/diary/medicines", "post"),
        ("/api/v1/diary/actions", "post"),
        ("/api/v1/diary/entries/{entry_id}", "patch"),
        ("/api/v1/import", "post"),
        ("/api/v1/assess", "post"),
    ]:
        body = paths[path][method]["requestBody"]["content"]["application/json"]["schema"]
        model = schemas[body["$ref"].rsplit("/", 1)[1]]
        assert model["additionalProperties"] is False, path
        assert paths[path][method]["responses"]["422"]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/ErrorBody"
        }
    patch = paths["/api/v1/diary/entries/{entry_id}"]["patch"]
    assert {"200", "404", "412", "422"} <= set(patch["responses"])
    assert any(p["name"] == "If-Match" and p["in"] == "header" for p in patch["parameters"])
    assert "ETag" in patch["responses"]["200"]["headers"]
    assert set(paths["/api/v1/report"]["get"]["responses"]["200"]["content"]) == {"application/pdf"}
    assert set(paths["/api/v1/export"]["get"]["responses"]["200"]["content"]) == {
        "application/json",
        "text/csv",
        "application/fhir+json",
    }
    assert "HTTPValidationError" not in schemas  # every 422 is the API's own error shape


def test_two_tabs_editing_one_entry_the_second_save_is_refused_with_a_clear_message(local: TestClient) -> None:
    url, _ = new_episode(local, note="as logged")
    entry_id = url.rsplit("/", 1)[1]
    tab_one, tab_two = local.get(f"/diary/{entry_id}/edit").text, local.get(f"/diary/{entry_id}/edit").text
    opened = [re.search(r'name="version" value="(\d+)"', tab).group(1) for tab in (tab_one, tab_two)]  # type: ignore[union-attr]
    form = {"pain": "5", "tz": "UTC"}
    saved = local.post(
        f"/diary/{entry_id}/edit", data={**form, "note": "tab one", "version": opened[0]}, headers=SAME_ORIGIN
    )
    assert saved.status_code == 200 and "Changes saved" in saved.text
    late = local.post(
        f"/diary/{entry_id}/edit", data={**form, "note": "tab two", "version": opened[1]}, headers=SAME_ORIGIN
    )
    assert late.status_code == 409
    assert "This entry changed since you opened it" in late.text and "were not saved" in late.text
    assert "tab one" in late.text  # the form now shows the entry as it is
    assert local.get(url).json()["entry"]["note"] == "tab one"
    fresh = re.search(r'name="version" value="(\d+)"', late.text).group(1)  # type: ignore[union-attr]
    again = local.post(f"/diary/{entry_id}/edit", data={**form, "note": "tab two", "version": fresh})
    assert "Changes saved" in again.text and local.get(url).json()["entry"]["note"] == "tab two"


def test_no_async_route_touches_the_database(local: TestClient) -> None:
    """An ``async def`` route runs on the event loop: one that queried the database (the session
    lookup included) would stall every other request of the worker."""
    blocking = re.compile(r"\b(diary_for|render|current_user|require_user|is_admin|_svc|store)\b|web\(request\)\.store")
    app: Any = local.app
    while not hasattr(app, "routes"):
        app = app.app
    for route in app.routes:
        if isinstance(route, APIRoute) and inspect.iscoroutinefunction(route.endpoint):
            body = inspect.getsource(route.endpoint).split(":", 1)[1]
            assert not blocking.search(body), f"{route.path} is async and does database work: use a thread"

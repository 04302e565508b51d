"""The web app and REST API through an in-process client: pages without JavaScript, the stateless
check, security headers, CSRF, and in server mode accounts that cannot see each other's data."""

from __future__ import annotations

import html
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from backcare.config import Settings
from backcare.store.repo import Store
from backcare.web.app import create_app

SECRET = "s" * 40


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store(f"sqlite:///{tmp_path / 'web.sqlite3'}")
    yield s
    s.close()


@pytest.fixture
def db_store(db_url: str) -> Iterator[Store]:
    """SQLite and the PostgreSQL server: server mode is what a clinic runs on PostgreSQL."""
    s = Store(db_url)
    yield s
    s.close()


TEST_HOSTS = ("testserver",)
BROWSER = {"sec-fetch-site": "same-origin"}
"""What a browser sends with every request from backcare's own pages (the cross-site check)."""
CROSS_SITE = {"sec-fetch-site": "cross-site", "origin": "https://evil.example"}


@pytest.fixture
def local(store: Store) -> TestClient:
    return TestClient(create_app(Settings(allowed_hosts=TEST_HOSTS), store), headers=BROWSER)


def server_client(store: Store) -> TestClient:
    settings = Settings(mode="server", secret_key=SECRET, secure_cookies=False, allowed_hosts=TEST_HOSTS)
    return TestClient(create_app(settings, store), headers=BROWSER)


def post(client: TestClient, path: str, data: dict[str, object], **kw: object) -> object:
    return client.post(path, data=data, **kw)  # type: ignore[arg-type]


def step(client: TestClient, screen: str, data: dict[str, object], **kw: object) -> object:
    """Answer one screen of the check (a POST answered by a redirect to the next screen)."""
    return post(client, f"/check/step/{screen}", data, **kw)


def start_check(client: TestClient) -> None:
    post(client, "/check/new", {"country": "uk"})


def text_of(page: str) -> str:
    """What a person reads: tags dropped, entities decoded, spaces squeezed."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


def test_every_page_sends_the_security_headers(local: TestClient) -> None:
    for path in ("/", "/check", "/learn", "/api/v1/questions", "/static/css/app.css", "/nope"):
        headers = local.get(path).headers
        csp = headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "same-origin"


def test_pages_contain_no_inline_script(local: TestClient) -> None:
    for path in ("/", "/check", "/plan", "/prevent", "/diary", "/report", "/learn", "/learn/treatment"):
        page = local.get(path).text
        assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page) is None, path
        assert " on" + "click=" not in page and "style=" not in page, path


def test_home_puts_check_my_back_first_with_the_intended_use(local: TestClient) -> None:
    page = local.get("/").text
    main = page.split('<main id="main"', 1)[1]
    assert main.index("Check my back") < main.index("Your plan")
    assert "not a diagnosis" in page


def test_emergency_answer_shows_the_emergency_screen_at_once(local: TestClient) -> None:
    start_check(local)
    page = step(local, "start", {"back_pain_present": "yes", "age": "40", "sex": "male"}).text  # type: ignore[attr-defined]
    assert "Do you have any of these now" in page and "None of these" in page
    page = step(local, "emergency_now", {"answer": "none"}).text  # type: ignore[attr-defined]
    page = step(local, "emergency_nerves", {"answer": "bladder_control"}).text  # type: ignore[attr-defined]
    words = text_of(page)
    assert "Call 999 now" in words and "Do not drive yourself" in words
    assert 'href="tel:999"' in page and "I chose the wrong answer" in words
    assert "bladder_control" not in words


def test_every_screen_has_its_own_address_and_back_shows_the_answer_given(local: TestClient) -> None:
    start_check(local)
    moved = step(local, "start", {"back_pain_present": "yes", "age": "40", "sex": "male"}, follow_redirects=False)
    assert moved.status_code == 303 and moved.headers["location"] == "/check/step/emergency_now"  # type: ignore[attr-defined]
    again = local.get("/check/step/start").text
    assert re.search(r'value="male"\s+checked', again) and 'value="40"' in again
    assert "I don't know" in again
    reload = local.get("/check/step/emergency_now")
    assert reload.status_code == 200 and 'href="/check/step/start"' in reload.text


def test_a_missing_answer_is_asked_again_with_a_message_and_keeps_the_rest(local: TestClient) -> None:
    start_check(local)
    again = step(local, "start", {"back_pain_present": "yes", "age": "40"})
    assert again.status_code == 400  # type: ignore[attr-defined]
    page = again.text  # type: ignore[attr-defined]
    assert "Please choose an answer" in page and 'value="40"' in page
    none_and_more = step(local, "emergency_now", {"answer": ["none", "chest_pain"]})
    assert none_and_more.status_code in (303, 400, 200)


def test_a_damaged_check_in_the_session_starts_again_instead_of_failing(local: TestClient) -> None:
    local.cookies.set("backcare_session", "not-a-signed-cookie")
    response = local.get("/check")
    assert response.status_code == 200 and "About you" in response.text


def test_a_form_sent_from_another_site_is_refused(local: TestClient) -> None:
    local.get("/")
    response = local.post("/diary", data={"pain": "3"}, headers=CROSS_SITE)
    assert response.status_code == 403
    assert "only accepts forms sent from its own pages" in response.text


def test_a_form_posted_from_another_site_without_cookies_is_refused(store: Store) -> None:
    client = TestClient(create_app(Settings(allowed_hosts=TEST_HOSTS), store), headers=CROSS_SITE)
    response = client.post("/diary", data={"pain": "9", "note": "forged"})
    assert response.status_code == 403
    entry = TestClient(client.app).post("/api/v1/diary/episodes", json={"pain": 2}).json()["entry"]
    assert client.post(f"/diary/{entry['id']}/delete").status_code == 403
    with store.transaction() as s:
        from sqlalchemy import text

        assert s.execute(text("SELECT count(*) FROM episodes")).scalar() == 1


def test_local_mode_answers_only_to_loopback_names(store: Store) -> None:
    app = create_app(Settings(), store)
    assert TestClient(app, base_url="http://127.0.0.1:8000").get("/").status_code == 200
    assert TestClient(app, base_url="http://localhost:8000").get("/").status_code == 200
    rebound = TestClient(app, base_url="http://evil.example")
    assert rebound.get("/export/json").status_code == 400


def test_import_upload_works_and_is_refused_from_another_site(local: TestClient, tmp_path: Path) -> None:
    api = TestClient(local.app)
    api.post("/api/v1/diary/episodes", json={"pain": 5, "note": "to move"})
    exported = api.get("/api/v1/export").content
    other = Store(f"sqlite:///{tmp_path / 'other.sqlite3'}")
    fresh = TestClient(create_app(Settings(allowed_hosts=TEST_HOSTS), other), headers=BROWSER)
    forged = fresh.post("/import", files={"file": ("e.json", exported, "application/json")}, headers=CROSS_SITE)
    assert forged.status_code == 403
    done = fresh.post("/import", files={"file": ("e.json", exported, "application/json")})
    assert done.status_code == 200 and "Imported 1 episodes" in done.text
    broken = fresh.post("/import", files={"file": ("b.json", b'{"format": 1', "application/json")})
    assert broken.status_code == 400 and "Nothing was imported" in broken.text


def test_stateless_api_assessment_gives_next_question_then_result(local: TestClient) -> None:
    api = TestClient(local.app)
    first = api.post("/api/v1/assess", json={"answers": {}}).json()
    assert first["next_question"]["id"] == "back_pain_present" and not first["finished"]
    about = {"back_pain_present": "yes", "age": 40, "sex": "male"}
    checklist = api.post("/api/v1/assess", json={"answers": about}).json()["next_question"]
    assert checklist["kind"] == "multi" and checklist["emergency"]
    assert any("none" in o["id"] for o in checklist["options"])
    ticked_none = api.post("/api/v1/assess", json={"answers": {**about, checklist["id"]: ["none"]}}).json()
    assert ticked_none["next_question"]["id"] != checklist["id"]
    assert first["result"]["status"] == "incomplete"
    emergency = api.post("/api/v1/assess", json={"answers": {"back_pain_present": "yes", "chest_pain": "yes"}}).json()
    assert emergency["finished"] and emergency["result"]["urgency"] == "emergency_now"
    bad = api.post("/api/v1/assess", json={"answers": {"age": "old"}})
    assert bad.status_code == 422 and bad.json()["error"]["problems"] == [
        "age: expected a number from 0 to 120, got 'old'"
    ]


def test_api_diary_crud_and_errors(local: TestClient) -> None:
    api = TestClient(local.app)
    created = api.post(
        "/api/v1/diary/episodes", json={"pain": 6, "locations": ["lower", "left"], "triggers": ["lifting"]}
    )
    assert created.status_code == 201
    entry_id = created.json()["entry"]["id"]
    assert api.get(f"/api/v1/diary/entries/{entry_id}").json()["entry"]["pain"] == 6
    assert api.patch(f"/api/v1/diary/entries/{entry_id}", json={"pain": 4}).json()["entry"]["pain"] == 4
    assert api.get(f"/api/v1/diary/entries/{entry_id}").json()["history"][0]["before"]["pain"] == 6
    assert api.post("/api/v1/diary/episodes", json={"pain": 11}).status_code == 422
    assert api.post("/api/v1/diary/medicines", json={"units": 2}).status_code == 422
    med = api.post("/api/v1/diary/medicines", json={"product": "ibuprofen-200", "units": 2})
    assert med.status_code == 201
    assert api.get("/api/v1/trends").json()["weeks"][-1]["episodes"] == 1
    assert api.get("/api/v1/export", params={"format": "csv"}).text.startswith("kind,id")
    assert api.get("/api/v1/report").content[:5] == b"%PDF-"
    assert api.delete(f"/api/v1/diary/entries/{entry_id}").status_code == 204
    assert api.get(f"/api/v1/diary/entries/{entry_id}").status_code == 404


def test_diary_page_logs_lists_edits_and_deletes(local: TestClient) -> None:
    page = post(
        local,
        "/diary",
        {
            "pain": "6",
            "locations": ["lower", "left"],
            "triggers": ["lifting"],
            "helped": ["heat"],
            "tz": "Europe/London",
        },
    )
    assert "pain 6/10; lower back, left side; after lifting; helped: heat" in page.text  # type: ignore[attr-defined]
    entry_id = re.search(r"/diary/([0-9a-f-]{36})/edit", page.text).group(1)  # type: ignore[attr-defined,union-attr]
    edited = post(
        local, f"/diary/{entry_id}/edit", {"pain": "3", "locations": ["lower"], "note": "better", "tz": "Europe/London"}
    )
    assert "pain 3/10" in edited.text  # type: ignore[attr-defined]
    assert "Delete for good" in local.get(f"/diary/{entry_id}/delete").text
    gone = post(local, f"/diary/{entry_id}/delete", {})
    assert "Entry deleted" in gone.text and "pain 3/10" not in gone.text  # type: ignore[attr-defined]
    assert local.get("/diary/chart.svg").headers["content-type"].startswith("image/svg+xml")


def test_diary_page_logs_medicines_self_care_and_pain_free_days(local: TestClient) -> None:
    page = post(local, "/diary/medicine", {"product": "paracetamol-500", "units": "8", "tz": "UTC"})
    assert "paracetamol" in page.text.lower()  # type: ignore[attr-defined]
    over = post(local, "/diary/medicine", {"product": "paracetamol-500", "units": "2", "tz": "UTC"})
    assert "More paracetamol than the label allows" in over.text and "Call NHS 111 now" in over.text  # type: ignore[attr-defined]
    assert "heat" in post(local, "/diary/selfcare", {"action": "heat", "minutes": "15", "tz": "UTC"}).text  # type: ignore[attr-defined]
    assert "no pain today" in post(local, "/diary/painfree", {}).text  # type: ignore[attr-defined]
    bad = post(local, "/diary/medicine", {"product": "mystery", "units": "1"})
    assert bad.status_code == 400 and "is not a known product" in bad.text  # type: ignore[attr-defined]


def test_the_sitting_reminder_interval_is_kept_per_person(local: TestClient) -> None:
    assert 'value="30"' in local.get("/prevent").text
    saved = post(local, "/prevent/reminder", {"minutes": "45"})
    assert "reminders every 45 minutes" in saved.text and 'value="45"' in saved.text  # type: ignore[attr-defined]
    refused = post(local, "/prevent/reminder", {"minutes": "2"})
    assert refused.status_code == 400 and "choose from 5 to 180" in refused.text  # type: ignore[attr-defined]


def test_an_invalid_edit_keeps_what_was_typed(local: TestClient) -> None:
    page = post(local, "/diary", {"pain": "6", "note": "first", "tz": "UTC"})
    entry_id = re.search(r"/diary/([0-9a-f-]{36})/edit", page.text).group(1)  # type: ignore[attr-defined,union-attr]
    again = post(local, f"/diary/{entry_id}/edit", {"pain": "11", "note": "typed but invalid", "tz": "UTC"})
    assert again.status_code == 400 and "typed but invalid" in again.text  # type: ignore[attr-defined]


def test_learn_counts_views_and_holds_comments_for_moderation(local: TestClient) -> None:
    assert "8 articles" not in local.get("/learn").text
    first = local.get("/learn/treatment").text
    assert "views" in first and "min read" in first and "Read next" in first and "Sources" in first
    second = local.get("/learn/treatment").text
    views = [int(re.search(r"(\d+) views", p).group(1)) for p in (first, second)]  # type: ignore[union-attr]
    assert views[1] == views[0] + 1
    errors = post(local, "/learn/treatment/comments", {"name": "", "email": "not-an-email", "body": "", "started": "0"})
    assert errors.status_code == 400  # type: ignore[attr-defined]
    for message in ("Please give a name", "does not look like an email", "at least a few words"):
        assert message in errors.text  # type: ignore[attr-defined]
    spam = post(
        local,
        "/learn/treatment/comments",
        {"name": "Bot", "email": "b@x.org", "body": "buy now", "website": "http://spam", "started": "0"},
    )
    assert spam.status_code == 400  # type: ignore[attr-defined]
    held = post(
        local,
        "/learn/treatment/comments",
        {
            "name": "Sam",
            "email": "sam@example.org",
            "body": "The heat timer helped me.",
            "started": str(time.time() - 60),
        },
    )
    assert "appear once a moderator has approved it" in held.text  # type: ignore[attr-defined]
    assert "The heat timer helped me." not in held.text  # type: ignore[attr-defined]
    queue = local.get("/admin/comments").text
    comment_id = re.search(r"/admin/comments/([0-9a-f-]{36})", queue).group(1)  # type: ignore[union-attr]
    post(local, f"/admin/comments/{comment_id}", {"decision": "approve"})
    shown = local.get("/learn/treatment").text
    assert "The heat timer helped me." in shown and "Sam" in shown and "sam@example.org" not in shown


def register(client: TestClient, name: str, password: str = "correct horse battery") -> None:
    response = post(client, "/account/register", {"username": name, "password": password, "confirm": password})
    assert response.status_code == 200, response.text  # type: ignore[attr-defined]


def test_registering_and_signing_out_are_confirmed_on_the_next_page(db_store: Store) -> None:
    client = server_client(db_store)
    response = post(
        client,
        "/account/register",
        {"username": "carol", "password": "correct horse battery", "confirm": "correct horse battery"},
    )
    assert "Your account is ready and you are signed in." in response.text  # type: ignore[attr-defined]
    response = post(client, "/account/logout", {})
    assert "You are signed out." in response.text  # type: ignore[attr-defined]
    assert "You are signed out." not in client.get("/?account=nonsense").text


def test_server_mode_people_cannot_see_each_others_data(db_store: Store) -> None:
    store = db_store
    alice, bob = server_client(store), server_client(store)
    register(alice, "alice")
    register(bob, "bobby")
    page = post(alice, "/diary", {"pain": "7", "note": "alice private", "tz": "UTC"})
    entry_id = re.search(r"/diary/([0-9a-f-]{36})/edit", page.text).group(1)  # type: ignore[attr-defined,union-attr]
    assert "alice private" not in bob.get("/diary").text
    assert bob.get(f"/diary/{entry_id}/edit").status_code == 404
    assert post(bob, f"/diary/{entry_id}/delete", {}).status_code == 404  # type: ignore[attr-defined]
    assert bob.get(f"/api/v1/diary/entries/{entry_id}").status_code == 404
    assert bob.delete(f"/api/v1/diary/entries/{entry_id}").status_code == 404
    assert "alice private" not in bob.get("/export/json").text
    assert "alice private" not in bob.get("/api/v1/export", params={"format": "csv"}).text
    assert "alice private" in alice.get("/export/json").text


def test_server_mode_requires_sign_in_for_personal_pages(store: Store) -> None:
    anonymous = server_client(store)
    response = anonymous.get("/diary", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/account/login")
    assert anonymous.get("/api/v1/diary/entries").status_code == 401
    assert anonymous.get("/check").status_code == 200  # the check itself needs no account


def test_a_check_done_before_signing_in_is_kept_and_can_be_saved_and_reopened(store: Store) -> None:
    client = server_client(store)
    start_check(client)
    step(client, "start", {"back_pain_present": "yes", "age": "40", "sex": "male"})
    step(client, "emergency_now", {"answer": "chest_pain"})
    saved = post(client, "/check/save", {}, follow_redirects=False)
    assert saved.headers["location"].startswith("/account/login")  # type: ignore[attr-defined]
    register(client, "carol")
    done = post(client, "/check/save", {}, follow_redirects=False)
    assert done.headers["location"] == "/check/result?saved=1"  # type: ignore[attr-defined]
    listing = client.get("/checks").text
    assert "Emergency" in listing
    check_id = re.search(r"/checks/([0-9a-f-]{36})/open", listing).group(1)  # type: ignore[union-attr]
    start_check(client)
    opened = post(client, f"/checks/{check_id}/open", {})
    assert "Call 999 now" in text_of(opened.text)  # type: ignore[attr-defined]


def test_login_is_rate_limited(db_store: Store) -> None:
    store = db_store
    client = server_client(store)
    register(client, "carol")
    client.post("/account/logout")
    attacker = server_client(store)
    codes = [
        post(attacker, "/account/login", {"username": "carol", "password": f"wrong{i}"}).status_code for i in range(6)
    ]  # type: ignore[attr-defined]
    assert codes[:5] == [400] * 5 and codes[5] == 429
    blocked = post(attacker, "/account/login", {"username": "carol", "password": "correct horse battery"})
    assert blocked.status_code == 429  # type: ignore[attr-defined]


def test_session_cookie_is_signed_httponly_and_samesite(store: Store) -> None:
    client = server_client(store)
    response = client.post(
        "/account/register",
        data={
            "username": "dave1",
            "password": "correct horse battery",
            "confirm": "correct horse battery",
        },
        follow_redirects=False,
    )
    cookie = next(
        v for k, v in response.headers.multi_items() if k == "set-cookie" and v.startswith("backcare_session=")
    )
    assert "httponly" in cookie.lower() and "samesite=lax" in cookie.lower()


def test_account_deletion_deletes_the_data_after_offering_an_export(db_store: Store) -> None:
    store = db_store
    client = server_client(store)
    register(client, "erin1")
    post(client, "/diary", {"pain": "5", "tz": "UTC"})
    page = client.get("/account").text
    assert "/export/json" in page
    assert post(client, "/account/delete", {"confirm": "wrong"}).status_code == 400  # type: ignore[attr-defined]
    post(client, "/account/delete", {"confirm": "erin1"})
    with store.transaction() as s:
        from sqlalchemy import text

        assert s.execute(text("SELECT count(*) FROM episodes")).scalar() == 0
        assert s.execute(text("SELECT count(*) FROM users WHERE name = 'erin1'")).scalar() == 0


def test_only_the_admin_moderates_in_server_mode(db_store: Store) -> None:
    store = db_store
    admin, reader = server_client(store), server_client(store)
    register(admin, "admin1")
    register(reader, "reader1")
    assert admin.get("/admin/comments").status_code == 403  # registering first grants nothing
    from backcare.service.community import set_admin

    set_admin(store, "admin1")
    assert reader.get("/admin/comments").status_code == 403
    assert admin.get("/admin/comments").status_code == 200


def test_openapi_lists_the_v1_api(local: TestClient) -> None:
    paths = local.get("/openapi.json").json()["paths"]
    assert {"/api/v1/assess", "/api/v1/diary/entries", "/api/v1/trends", "/api/v1/export", "/api/v1/import"} <= set(
        paths
    )
    assert local.get("/api/docs").status_code == 200


UK_ONLY = re.compile(r"\b999\b|A&E|\bGP\b|NHS 111|\bNHS\b|paracetamol|physiotherap", re.IGNORECASE)
US_ONLY = re.compile(r"\b911\b|emergency room|urgent care|acetaminophen|primary care provider|physical therap")


def walk_in_browser_forms(client: TestClient, answers: dict[str, object], country: str) -> list[str]:
    """Answer a whole check through the web forms, as a person would; return every page's text
    (screens, "Check your answers", the result) with the sources list left out (it names the
    documents read, such as NHS pages)."""
    from backcare.service import check

    post(client, "/check/new", {"country": country})
    pages = []
    path = check.walk(check.read_answers(answers))
    for screen_id in path.visited:
        page = client.get(f"/check/step/{screen_id}").text
        pages.append(page)
        step_def = check.engine().kb.steps[screen_id]
        if step_def.checklist:
            ticked = [q for q in step_def.questions if path.given.get(q) == "yes"]
            form: dict[str, object] = {"answer": ticked or ["none"]}
        else:
            form = {}
            for qid in step_def.questions:
                if qid in path.given:
                    value = path.given[qid]
                    form[qid] = (
                        list(value) if isinstance(value, tuple) else f"{value:g}" if isinstance(value, float) else value
                    )
        step(client, screen_id, form)
    pages.append(client.get("/check/answers").text)
    pages.append(client.get("/check/result").text)
    return [without_sources(p) for p in pages]


def without_sources(page: str) -> str:
    """A page without its source lists: they name the documents read (an NHS page, a paper on
    paracetamol), which is a citation, not advice in the wrong country's words."""
    page = re.sub(r'<details class="sources">.*?</details>', "", page, flags=re.S)
    return re.sub(r'<p class="sources[^"]*">.*?</p>', "", page, flags=re.S)


@pytest.mark.parametrize("country", ["us", "uk"])
def test_every_screen_and_result_speaks_one_country(local: TestClient, country: str) -> None:
    from backcare.engine.evaluate import case_answers
    from backcare.knowledge.loader import DATA_DIR, read_cases
    from backcare.service import engine

    cases = {c.id: c for c, _f, _l in read_cases(DATA_DIR / "cases")[0]}
    other = UK_ONLY if country == "us" else US_ONLY
    for case_id in ("o-pregnant-24-weeks-ache", "s-kidney-stone-colic", "o-us-office-middle-low"):
        case = cases[case_id]
        answers = {k: list(v) if isinstance(v, tuple) else v for k, v in case_answers(engine(), case).items()}
        for page in walk_in_browser_forms(local, answers, country):
            words = text_of(page)
            found = other.search(words)
            assert found is None, (case_id, found.group(0) if found else "", words[:200])


def finish_a_self_care_check(client: TestClient) -> None:
    """A whole ordinary check answered through the forms, ending at a self-care result."""
    from backcare.engine.evaluate import case_answers
    from backcare.knowledge.loader import DATA_DIR, read_cases
    from backcare.service import engine

    case = next(c for c, _f, _l in read_cases(DATA_DIR / "cases")[0] if c.id == "o-us-office-middle-low")
    answers = {k: list(v) if isinstance(v, tuple) else v for k, v in case_answers(engine(), case).items()}
    walk_in_browser_forms(client, answers, "uk")


def test_a_warning_sign_logged_in_the_diary_shows_at_the_top_of_every_result_page(local: TestClient) -> None:
    finish_a_self_care_check(local)
    assert "Self-care" in text_of(local.get("/check/result").text)
    post(local, "/check/save", {})
    assert "diary-banner" not in local.get("/plan").text  # nothing urgent logged yet
    post(local, "/diary", {"pain": "5", "signs_shown": "1", "red_flags": ["saddle_numbness"], "tz": "UTC"})
    for page in ("/plan", "/check/result", "/checks", "/", "/prevent", "/report"):
        body = local.get(page).text
        banner = re.search(r'<section class="alert diary-banner level-emergency_now".*?</section>', body, re.S)
        assert banner, page
        words = text_of(banner.group(0))
        assert "Call 999 now or go to A&E" in words and "between your inner thighs" in words, page
        assert 'href="tel:999"' in banner.group(0) and 'href="/diary#saved">See your diary' in banner.group(0), page
        assert body.index("diary-banner") < body.index("<h1"), page  # at the top, before the page's own words


def test_a_diary_with_only_self_care_shows_no_banner(local: TestClient) -> None:
    post(local, "/diary", {"pain": "3", "tz": "UTC"})
    post(local, "/diary/selfcare", {"action": "heat", "minutes": "15", "tz": "UTC"})
    for page in ("/plan", "/checks", "/", "/prevent", "/report"):
        assert "diary-banner" not in local.get(page).text, page


def test_the_banner_is_not_computed_for_the_api(local: TestClient) -> None:
    post(local, "/diary", {"pain": "5", "signs_shown": "1", "red_flags": ["saddle_numbness"], "tz": "UTC"})
    assert "diary-banner" not in local.get("/api/v1/diary").text


def test_medicines_and_self_care_logged_later_keep_the_time_they_were_taken(local: TestClient) -> None:
    from datetime import UTC, datetime, timedelta

    now = datetime.now(UTC).replace(second=0, microsecond=0)
    first, second = now - timedelta(hours=5), now - timedelta(hours=1)
    for moment in (first, second):
        post(
            local,
            "/diary/medicine",
            {"product": "paracetamol-500", "units": "2", "tz": "UTC", "when": f"{moment:%Y-%m-%dT%H:%M}"},
        )
    page = local.get("/diary").text
    assert "sooner than the label allows" not in page
    assert f"{first:%Y-%m-%d %H:%M}" in page and f"{second:%Y-%m-%d %H:%M}" in page
    done = post(local, "/diary/selfcare", {"action": "heat", "tz": "UTC", "when": f"{first:%Y-%m-%dT%H:%M}"})
    assert f"{first:%Y-%m-%d %H:%M} self-care Heat" in text_of(done.text)  # type: ignore[attr-defined]


def test_a_medicine_or_self_care_time_in_the_future_is_refused_and_kept(local: TestClient) -> None:
    from datetime import UTC, datetime, timedelta

    later = f"{datetime.now(UTC) + timedelta(days=1):%Y-%m-%dT%H:%M}"
    for path, form in (
        ("/diary/medicine", {"product": "paracetamol-500", "units": "2"}),
        ("/diary/selfcare", {"action": "heat"}),
    ):
        refused = post(local, path, {**form, "tz": "UTC", "when": later})
        assert refused.status_code == 400, path  # type: ignore[attr-defined]
        assert "The time is in the future" in text_of(refused.text) and f'value="{later}"' in refused.text  # type: ignore[attr-defined]
        assert 'href="#err-when"' in refused.text and 'id="err-when"' in refused.text  # type: ignore[attr-defined]
    assert "No entries yet" in local.get("/diary").text


def test_an_overdose_alert_has_a_button_to_call_the_service_it_names(store: Store) -> None:
    uk = TestClient(create_app(Settings(allowed_hosts=TEST_HOSTS), store), headers=BROWSER)
    page = post(uk, "/diary/medicine", {"product": "paracetamol-500", "units": "10", "tz": "UTC"})
    assert 'href="tel:111">Call NHS 111</a>' in page.text  # type: ignore[attr-defined]
    assert 'href="tel:111">Call NHS 111</a>' in uk.get("/plan").text  # the banner too


def test_a_us_overdose_alert_calls_poison_control_in_us_words(tmp_path: Path) -> None:
    s = Store(f"sqlite:///{tmp_path / 'us.sqlite3'}")
    us = TestClient(create_app(Settings(allowed_hosts=TEST_HOSTS, jurisdiction="us"), s), headers=BROWSER)
    from backcare.domain import Jurisdiction
    from backcare.service.diary import products_for

    product = next(p["id"] for p in products_for(Jurisdiction.US) if "paracetamol" in p["contains"])
    page = post(us, "/diary/medicine", {"product": product, "units": "12", "tz": "UTC"})
    assert 'href="tel:18002221222">Call Poison Control</a>' in page.text  # type: ignore[attr-defined]
    banner = re.search(r'<section class="alert diary-banner.*?</section>', us.get("/").text, re.S)
    assert banner and "tel:18002221222" in banner.group(0)
    assert not UK_ONLY.search(text_of(banner.group(0)))
    s.close()


def test_saving_the_same_check_twice_keeps_one_and_says_already_saved(local: TestClient) -> None:
    finish_a_self_care_check(local)
    first = post(local, "/check/save", {})
    assert "Saved to your diary." in text_of(first.text)  # type: ignore[attr-defined]
    assert "Save to my diary" not in first.text  # type: ignore[attr-defined]
    again = post(local, "/check/save", {})
    assert "Already saved" in text_of(again.text)  # type: ignore[attr-defined]
    assert len(re.findall(r"/checks/[0-9a-f-]{36}/open", local.get("/checks").text)) == 1


def test_home_offers_the_result_after_a_finished_check_and_carry_on_before(local: TestClient) -> None:
    start_check(local)
    step(local, "start", {"back_pain_present": "yes", "age": "40", "sex": "male"})
    started = text_of(local.get("/").text)
    assert "Carry on with the check you started" in started and "Start a new check" in started
    finish_a_self_care_check(local)
    post(local, "/check/save", {})
    home = local.get("/").text
    assert 'href="/check/result">See your result' in home and "Start a new check" in home
    assert "Carry on" not in home

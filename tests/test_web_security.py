"""Server-mode security (issue 10, items 2, 6, 7): the cross-site check by Sec-Fetch-Site and
Origin, import uploads read only after sign-in and that check, no 500 from any body to any page,
and rate limits that hold when the requests arrive together. On SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import re
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from starlette.routing import Route
from starlette.testclient import TestClient
from starlette.types import ASGIApp, Message

from backcare.config import Settings
from backcare.service import community
from backcare.store.repo import Store
from backcare.web import api, pages_account, pages_check, pages_diary, pages_learn
from backcare.web.app import create_app

SECRET = "s" * 40
HOSTS = ("testserver",)
SAME_ORIGIN = {"sec-fetch-site": "same-origin"}
CROSS_SITE = {"sec-fetch-site": "cross-site", "origin": "https://evil.example"}
PASSWORD = "correct horse battery"


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    s = Store(db_url)
    yield s
    s.close()


def local_app(store: Store) -> ASGIApp:
    return create_app(Settings(allowed_hosts=HOSTS), store)


def server_app(store: Store) -> ASGIApp:
    return create_app(Settings(mode="server", secret_key=SECRET, secure_cookies=False, allowed_hosts=HOSTS), store)


def browser(app: ASGIApp, address: str = "198.51.100.7") -> TestClient:
    """A browser on backcare's own pages: it says so in Sec-Fetch-Site on every request."""
    return TestClient(app, headers=SAME_ORIGIN, client=(address, 50000), raise_server_exceptions=False)


def signed_up(app: ASGIApp, name: str, address: str = "198.51.100.7") -> TestClient:
    client = browser(app, address)
    form = {"username": name, "password": PASSWORD, "confirm": PASSWORD}
    assert client.post("/account/register", data=form).status_code == 200
    return client


def episodes(store: Store) -> int:
    from sqlalchemy import text

    with store.transaction() as s:
        return int(s.execute(text("SELECT count(*) FROM episodes")).scalar() or 0)


# --- item 7: the cross-site check -------------------------------------------------------------


def test_a_form_from_another_site_gets_a_clear_403_page_and_changes_nothing(store: Store) -> None:
    client = TestClient(local_app(store))
    for headers in (
        CROSS_SITE,
        {"sec-fetch-site": "same-site"},  # a sibling subdomain is another site to backcare
        {"origin": "https://evil.example"},  # an older browser without Sec-Fetch-Site
        {"origin": "null"},  # a sandboxed frame or a redirect chain through another site
    ):
        refused = client.post("/diary", data={"pain": "9", "note": "forged", "tz": "UTC"}, headers=headers)
        assert refused.status_code == 403, headers
        assert refused.headers["content-type"].startswith("text/html")
        assert "only accepts forms sent from its own pages" in refused.text and "Nothing was changed" in refused.text
        assert refused.headers["content-security-policy"]  # still one of backcare's pages
    assert episodes(store) == 0


def test_a_form_from_backcares_own_pages_is_accepted(store: Store) -> None:
    app = local_app(store)
    assert browser(app).post("/diary", data={"pain": "4", "tz": "UTC"}).status_code == 200
    # An older browser: no Sec-Fetch-Site, an Origin naming this server.
    older = TestClient(app, headers={"origin": "http://testserver"})
    assert older.post("/diary", data={"pain": "5", "tz": "UTC"}).status_code == 200
    typed = TestClient(app, headers={"sec-fetch-site": "none"})  # the person's own navigation
    assert typed.post("/diary", data={"pain": "6", "tz": "UTC"}).status_code == 200
    assert episodes(store) == 3


def test_the_api_refuses_another_origin_with_json_and_accepts_programs_without_cookies(store: Store) -> None:
    app = local_app(store)
    program = TestClient(app)  # no cookies, no browser headers: curl, a script, another service
    assert program.post("/api/v1/diary/episodes", json={"pain": 2}).status_code == 201
    refused = program.post("/api/v1/diary/episodes", json={"pain": 2}, headers=CROSS_SITE)
    assert refused.status_code == 403
    assert refused.json()["error"]["status"] == 403 and "another website" in refused.json()["error"]["message"]
    assert episodes(store) == 1


def test_json_api_calls_with_cookies_from_another_origin_are_refused(store: Store) -> None:
    app = server_app(store)
    alice = signed_up(app, "alice")
    assert alice.post("/api/v1/diary/episodes", json={"pain": 3}).status_code == 201
    cookies = {"cookie": f"backcare_session={alice.cookies['backcare_session']}"}
    forged = TestClient(app, raise_server_exceptions=False)
    for headers in (
        {**cookies, "origin": "https://evil.example"},  # fetch() with credentials from another origin
        {**cookies, "sec-fetch-site": "cross-site"},
        cookies,  # cookies, yet no word of where the request comes from
    ):
        response = forged.post("/api/v1/diary/episodes", json={"pain": 9}, headers=headers)
        assert response.status_code == 403, headers
        assert response.headers["content-type"] == "application/json"
    same_origin = forged.post(
        "/api/v1/diary/episodes", json={"pain": 4}, headers={**cookies, "origin": "http://testserver"}
    )
    assert same_origin.status_code == 201  # a script with the session cookie that names this server
    assert episodes(store) == 2


def _routes() -> list[tuple[str, str]]:
    """Every route that accepts a body: (method, path with made-up path parameters)."""
    found = []
    for module in (pages_check, pages_diary, pages_learn, pages_account, api):
        for route in module.router.routes:
            assert isinstance(route, Route)
            for method in sorted((route.methods or set()) - {"GET", "HEAD"}):
                path = re.sub(r"\{[^}]+\}", str(uuid.uuid4()), route.path)
                found.append((method, path))
    return found


BOUNDARY = "----backcare-test"
BODIES: list[tuple[str, bytes]] = [
    (  # a well-formed multipart form with a field and a file
        f"multipart/form-data; boundary={BOUNDARY}",
        (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="pain"\r\n\r\n3\r\n'
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="a.json"\r\n'
            f"Content-Type: application/json\r\n\r\n{{}}\r\n--{BOUNDARY}--\r\n"
        ).encode(),
    ),
    (f"multipart/form-data; boundary={BOUNDARY}", b"--" + BOUNDARY.encode() + b"\r\nnot a part header at all"),
    ("multipart/form-data", b"--x\r\n\r\nno boundary was declared\r\n--x--"),
    ("multipart/form-data; boundary=", b"\r\n\r\n"),
    ("application/x-www-form-urlencoded", b"%%%=&&==%zz&pain=%FF%FE"),
    ("application/json", b'{"pain": '),
    ("application/json", b"[1, 2, 3]"),
    ("text/plain", "ünïcode ☃ but not what was asked for".encode()),
    ("application/octet-stream", bytes(range(1, 256))),
]


@pytest.mark.parametrize("mode", ["local", "server"])
def test_no_body_of_any_kind_to_any_route_gives_a_500(store: Store, mode: str) -> None:
    app = local_app(store) if mode == "local" else server_app(store)
    clients = [browser(app)] if mode == "local" else [browser(app), signed_up(app, "mallory")]
    routes = _routes()
    assert len(routes) > 15
    for client in clients:
        for method, path in routes:
            if path == "/account/logout":
                continue  # would sign the second client out half-way through
            for kind, body in BODIES:
                response = client.request(method, path, content=body, headers={"content-type": kind})
                assert response.status_code < 500, (method, path, kind, response.text[:300])


# --- item 2: imports are read only after sign-in and the cross-site check ----------------------


def _call(app: ASGIApp, path: str, headers: dict[str, str], body: bytes) -> tuple[int, bool]:
    """Send one POST straight to the ASGI app; returns the status and whether any of the body was read."""
    read = False
    sent: list[Message] = []

    async def receive() -> Message:
        nonlocal read
        read = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    raw = [(k.lower().encode(), v.encode()) for k, v in {"host": "testserver", **headers}.items()]
    scope: dict[str, Any] = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": raw,
        "client": ("203.0.113.9", 40000),
        "server": ("testserver", 80),
    }
    asyncio.run(app(scope, receive, send))  # type: ignore[arg-type]
    return int(sent[0]["status"]), read


def _upload(size: int) -> tuple[dict[str, str], bytes]:
    body = (
        (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="e.json"\r\n'
            f"Content-Type: application/json\r\n\r\n"
        ).encode()
        + b"x" * size
        + f"\r\n--{BOUNDARY}--\r\n".encode()
    )
    return {"content-type": f"multipart/form-data; boundary={BOUNDARY}", "content-length": str(len(body))}, body


def test_an_upload_without_a_session_is_refused_before_any_of_it_is_read(store: Store) -> None:
    app = server_app(store)
    headers, body = _upload(2 * 1024 * 1024)
    status, read = _call(app, "/import", {**headers, **SAME_ORIGIN}, body)
    assert status == 303 and not read  # to the sign-in page; nothing parsed, nothing spooled to disk
    status, read = _call(app, "/api/v1/import", {"content-type": "application/json", **SAME_ORIGIN}, b"{}" * 1000)
    assert status == 401 and not read
    stale = {**headers, **SAME_ORIGIN, "cookie": "backcare_session=not-a-session"}
    status, read = _call(app, "/import", stale, body)
    assert status == 303 and not read


def test_an_upload_from_another_site_is_refused_before_any_of_it_is_read(store: Store) -> None:
    headers, body = _upload(2 * 1024 * 1024)
    for app in (local_app(store), server_app(store)):
        status, read = _call(app, "/import", {**headers, **CROSS_SITE}, body)
        assert status == 403 and not read
        status, read = _call(app, "/api/v1/import", {"content-type": "application/json", **CROSS_SITE}, b"{}")
        assert status == 403 and not read


def test_a_signed_in_person_can_still_import_and_the_size_limit_still_holds(store: Store) -> None:
    app = server_app(store)
    owner = signed_up(app, "olive")
    entry = owner.post("/api/v1/diary/episodes", json={"pain": 5, "note": "moving house"}).json()["entry"]
    exported = owner.get("/api/v1/export").content
    assert owner.delete(f"/api/v1/diary/entries/{entry['id']}").status_code in (200, 204)
    done = owner.post("/import", files={"file": ("e.json", exported, "application/json")})
    assert done.status_code == 200 and "Imported 1 episodes" in done.text
    again = owner.post("/api/v1/import", content=exported, headers={"content-type": "application/json"})
    assert again.status_code == 422 and "nothing was imported" in again.text  # read and checked
    huge = owner.post("/import", files={"file": ("e.json", b"x" * (17 * 1024 * 1024), "application/json")})
    assert huge.status_code == 413


# --- item 6: rate limits under concurrency, bounded hashing, lockout per name and address ---------


def test_concurrent_sign_in_attempts_check_no_more_passwords_than_the_limit(store: Store) -> None:
    community.register(store, "target", PASSWORD, PASSWORD, client="192.0.2.1")
    start = threading.Barrier(20)

    def attempt(i: int) -> str:
        start.wait()
        try:
            return "checked" if not community.authenticate(store, "target", f"guess {i}", "203.0.113.50") else "in"
        except community.TooManyAttempts:
            return "refused"

    with ThreadPoolExecutor(max_workers=20) as pool:
        outcomes = list(pool.map(attempt, range(20)))
    assert outcomes.count("checked") == community.MAX_FAILURES
    assert outcomes.count("refused") == 20 - community.MAX_FAILURES


def test_the_atomic_counter_gives_each_concurrent_request_its_own_count(store: Store) -> None:
    from backcare.store import community as db

    now = datetime(2026, 12, 3, 12, tzinfo=UTC)
    start = threading.Barrier(16)

    def hit(_: int) -> int:
        start.wait()
        with store.transaction() as s:
            return db.hit(s, "test:race", now, now - timedelta(minutes=15))

    with ThreadPoolExecutor(max_workers=16) as pool:
        counts = sorted(pool.map(hit, range(16)))
    assert counts == list(range(1, 17))


def test_no_more_than_the_allowed_number_of_password_hashes_run_at_once(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    running, most = 0, 0
    lock = threading.Lock()
    real = community.HASHER

    def counted(work: Any) -> Any:
        def wrapper(*args: Any) -> Any:
            nonlocal running, most
            with lock:
                running += 1
                most = max(most, running)
            try:
                time.sleep(0.02)  # long enough for the others to pile up if nothing held them back
                return work(*args)
            finally:
                with lock:
                    running -= 1

        return wrapper

    class CountingHasher:
        verify = staticmethod(counted(real.verify))
        hash = staticmethod(counted(real.hash))
        check_needs_rehash = staticmethod(real.check_needs_rehash)

    community.register(store, "hasher", PASSWORD, PASSWORD, client="192.0.2.1")
    monkeypatch.setattr(community, "HASHER", CountingHasher())
    with ThreadPoolExecutor(max_workers=12) as pool:
        results = list(pool.map(lambda i: community.authenticate(store, "hasher", PASSWORD, f"10.0.0.{i}"), range(12)))
    assert all(results)
    assert 1 <= most <= community.HASHING_AT_ONCE


def test_a_server_too_busy_hashing_says_so_with_a_503(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    app = server_app(store)
    community.register(store, "patient", PASSWORD, PASSWORD, client="192.0.2.1")
    monkeypatch.setattr(community, "HASH_WAIT", 0.05)
    taken = [community._hashing.acquire(timeout=1) for _ in range(community.HASHING_AT_ONCE)]
    try:
        page = browser(app).post("/account/login", data={"username": "patient", "password": PASSWORD})
    finally:
        for got in taken:
            if got:
                community._hashing.release()
    assert page.status_code == 503 and page.headers["retry-after"] == "5"
    assert "busy" in page.text and "Traceback" not in page.text


def test_failed_sign_ins_elsewhere_do_not_lock_the_owner_out(store: Store) -> None:
    app = server_app(store)
    signed_up(app, "owner", address="192.0.2.10")
    attacker = browser(app, address="203.0.113.66")
    codes = [
        attacker.post("/account/login", data={"username": "owner", "password": f"wrong {i}"}).status_code
        for i in range(community.MAX_FAILURES + 1)
    ]
    assert codes == [400] * community.MAX_FAILURES + [429]
    assert "Too many attempts" in attacker.post("/account/login", data={"username": "owner", "password": PASSWORD}).text
    owner = browser(app, address="192.0.2.10")
    home = owner.post("/account/login", data={"username": "owner", "password": PASSWORD}, follow_redirects=False)
    assert home.status_code == 303


def test_one_address_trying_many_names_is_limited_too(store: Store) -> None:
    for i in range(community.MAX_FAILURES_PER_ADDRESS):
        assert community.authenticate(store, f"name{i}", "nope", "203.0.113.77") is False
    with pytest.raises(community.TooManyAttempts):
        community.authenticate(store, "another", "nope", "203.0.113.77")
    assert community.authenticate(store, "another", "nope", "203.0.113.78") is False


def test_an_ipv6_address_counts_with_the_rest_of_its_64(store: Store) -> None:
    for i in range(community.MAX_FAILURES_PER_ADDRESS):
        assert community.authenticate(store, f"v6name{i}", "nope", f"2001:db8:1:2::{i + 1:x}") is False
    with pytest.raises(community.TooManyAttempts):
        community.authenticate(store, "v6other", "nope", "2001:db8:1:2:ffff::1")
    assert community.authenticate(store, "v6other", "nope", "2001:db8:1:3::1") is False


def test_the_sign_in_limit_ends_with_its_window_and_a_right_password_clears_it(store: Store) -> None:
    community.register(store, "clocked", PASSWORD, PASSWORD, client="192.0.2.1")
    t0 = datetime(2026, 12, 3, 9, tzinfo=UTC)
    for i in range(community.MAX_FAILURES):
        assert not community.authenticate(store, "clocked", f"no {i}", "198.51.100.1", clock=lambda: t0)
    with pytest.raises(community.TooManyAttempts):
        community.authenticate(store, "clocked", PASSWORD, "198.51.100.1", clock=lambda: t0 + timedelta(minutes=14))
    later = t0 + community.LOGIN_WINDOW + timedelta(seconds=1)
    assert community.authenticate(store, "clocked", PASSWORD, "198.51.100.1", clock=lambda: later)
    for i in range(community.MAX_FAILURES):  # the success started the count again
        assert not community.authenticate(store, "clocked", f"no {i}", "198.51.100.1", clock=lambda: later)


def test_registration_is_limited_per_address_per_hour(store: Store) -> None:
    app = server_app(store)
    here = browser(app, address="203.0.113.20")
    for i in range(community.MAX_REGISTRATIONS):
        form = {"username": f"newbie{i}", "password": PASSWORD, "confirm": PASSWORD}
        assert here.post("/account/register", data=form).status_code == 200
        here.post("/account/logout")
    form = {"username": "newbie-extra", "password": PASSWORD, "confirm": PASSWORD}
    refused = here.post("/account/register", data=form)
    assert refused.status_code == 429 and "Too many new accounts from this address" in refused.text
    assert browser(app, address="203.0.113.21").post("/account/register", data=form).status_code == 200
    t0 = datetime.now(UTC) + community.REGISTER_WINDOW + timedelta(minutes=1)
    community.register(store, "newbie-later", PASSWORD, PASSWORD, client="203.0.113.20", clock=lambda: t0)


def test_a_form_that_fails_its_checks_does_not_use_up_the_registration_limit(store: Store) -> None:
    for _ in range(community.MAX_REGISTRATIONS + 2):
        with pytest.raises(community.FormErrors):
            community.register(store, "x", "short", "short", client="203.0.113.30")
    community.register(store, "patience", PASSWORD, PASSWORD, client="203.0.113.30")

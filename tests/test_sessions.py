"""Server-side sign-in sessions (issue 10, item 1): a cookie names a session record bound to an
account id; sign-out, password change and account deletion revoke it; a session for a deleted
account never opens (or recreates) an account. On SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update
from starlette.testclient import TestClient

from backcare.service import community, sessions
from backcare.store.models import SignInSession, User
from backcare.store.repo import Store
from tests.test_web import post, register, server_client

PASSWORD = "correct horse battery"


@pytest.fixture
def db_store(db_url: str) -> Iterator[Store]:
    s = Store(db_url)
    yield s
    s.close()


def signed_in(client: TestClient) -> bool:
    return client.get("/account", follow_redirects=False).status_code == 200


def copy_of(client: TestClient, store: Store) -> TestClient:
    """Another browser holding a copy of ``client``'s session cookie."""
    thief = server_client(store)
    thief.cookies.set("backcare_session", client.cookies["backcare_session"], domain="testserver.local")
    return thief


def test_a_copied_cookie_stops_working_after_sign_out(db_store: Store) -> None:
    client = server_client(db_store)
    register(client, "alice")
    thief = copy_of(client, db_store)
    assert signed_in(thief)
    post(client, "/account/logout", {})
    assert not signed_in(client)
    assert not signed_in(thief)
    assert thief.get("/api/v1/diary/entries").status_code == 401


def test_a_deleted_accounts_cookie_does_not_open_a_new_account_of_that_name(db_store: Store) -> None:
    client = server_client(db_store)
    register(client, "erin1")
    thief = copy_of(client, db_store)
    post(client, "/account/delete", {"confirm": "erin1"})
    newcomer = server_client(db_store)
    register(newcomer, "erin1")
    post(newcomer, "/diary", {"pain": "3", "note": "newcomer private", "tz": "UTC"})
    assert not signed_in(thief)
    assert "newcomer private" not in thief.get("/export/json").text
    assert "backcare_session" not in thief.cookies  # the stale cookie is cleared


def test_a_session_for_a_deleted_account_is_refused_and_never_recreates_it(db_store: Store) -> None:
    community.register(db_store, "frank", PASSWORD, PASSWORD)
    sid = sessions.start(db_store, "frank")
    assert sessions.signed_in(db_store, sid) == "frank"
    community.delete_account(db_store, "frank")
    assert sessions.signed_in(db_store, sid) is None
    with db_store.transaction() as s:
        assert s.scalar(select(func.count()).select_from(User).where(User.name == "frank")) == 0


def test_password_change_needs_the_current_password_and_signs_out_other_browsers(db_store: Store) -> None:
    client = server_client(db_store)
    register(client, "grace")
    other = server_client(db_store)
    post(other, "/account/login", {"username": "grace", "password": PASSWORD})
    assert signed_in(other)
    assert "/account/password" in client.get("/account").text
    wrong = post(
        client,
        "/account/password",
        {"current": "not it at all", "new": "a new long pass", "confirm": "a new long pass"},
    )
    assert wrong.status_code == 400  # type: ignore[attr-defined]
    assert signed_in(other)
    mismatch = post(
        client, "/account/password", {"current": PASSWORD, "new": "a new long pass", "confirm": "different"}
    )
    assert mismatch.status_code == 400  # type: ignore[attr-defined]
    cross_site = {"sec-fetch-site": "cross-site", "origin": "https://evil.example"}
    refused = client.post(
        "/account/password", data={"current": PASSWORD, "new": "x" * 12, "confirm": "x" * 12}, headers=cross_site
    )
    assert refused.status_code == 403  # sent from another site
    done = post(
        client, "/account/password", {"current": PASSWORD, "new": "a new long pass", "confirm": "a new long pass"}
    )
    assert done.status_code == 200 and "every other device is signed out" in done.text  # type: ignore[attr-defined]
    assert signed_in(client)  # a new session for the browser that made the change
    assert not signed_in(other)
    fresh = server_client(db_store)
    assert post(fresh, "/account/login", {"username": "grace", "password": PASSWORD}).status_code == 400  # type: ignore[attr-defined]
    post(fresh, "/account/login", {"username": "grace", "password": "a new long pass"})
    assert signed_in(fresh)


def test_an_expired_session_is_refused(db_store: Store) -> None:
    community.register(db_store, "henry", PASSWORD, PASSWORD)
    long_ago = datetime.now(UTC) - sessions.LIFETIME - timedelta(minutes=1)
    sid = sessions.start(db_store, "henry", clock=lambda: long_ago)
    assert sessions.signed_in(db_store, sid, clock=lambda: long_ago + timedelta(days=1)) == "henry"
    assert sessions.signed_in(db_store, sid) is None
    assert sessions.signed_in(db_store, "made-up") is None
    assert sessions.signed_in(db_store, None) is None


def test_an_expired_session_cookie_counts_as_signed_out(db_store: Store) -> None:
    client = server_client(db_store)
    register(client, "irene")
    assert signed_in(client)
    with db_store.transaction() as s:
        s.execute(update(SignInSession).values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))
    response = client.get("/account", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/account/login")
    assert "backcare_session" not in client.cookies


def test_only_a_hash_of_the_session_id_is_stored(db_store: Store) -> None:
    community.register(db_store, "judy1", PASSWORD, PASSWORD)
    sid = sessions.start(db_store, "judy1")
    with db_store.transaction() as s:
        stored = s.scalars(select(SignInSession.id_hash)).all()
    assert sid not in stored and len(stored) == 1

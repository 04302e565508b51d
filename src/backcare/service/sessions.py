"""Server-side sign-in sessions (server mode): the cookie holds a random session id, the database
keeps only its SHA-256 with the account's id, times and a revoked flag. Sign-out revokes one
session; a password change or account deletion revokes them all. A session whose account is gone
is refused and never brings the account back."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from backcare.store import community as db
from backcare.store.repo import Store

Clock = Callable[[], datetime]
LIFETIME = timedelta(days=14)  # the session cookie's own lifetime (Starlette's default max_age)
TOUCH_EVERY = timedelta(minutes=5)  # last-seen is written at most this often


def utc_now() -> datetime:
    return datetime.now(UTC)


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def start(store: Store, name: str, clock: Clock = utc_now) -> str:
    """A new session for the account ``name``: returns the id to put in the cookie."""
    now = clock()
    session_id = secrets.token_urlsafe(32)
    with store.transaction() as s:
        user_id = db.user_id_of(s, name)
        if user_id is None:
            raise LookupError(f"no account named {name!r}")
        db.delete_stale_sessions(s, user_id, now)
        db.add_session(s, _hash(session_id), user_id, now, now + LIFETIME)
    return session_id


def signed_in(store: Store, session_id: object, clock: Clock = utc_now) -> str | None:
    """The name of the account this session belongs to, or None if the session is unknown,
    expired, revoked or its account was deleted."""
    if not isinstance(session_id, str) or not session_id or len(session_id) > 200:
        return None
    now = clock()
    id_hash = _hash(session_id)
    with store.transaction() as s:
        found = db.session_user(s, id_hash)
        if found is None:
            return None
        record, name = found
        if record.revoked or record.expires_at <= now:
            return None
        if now - record.last_seen_at >= TOUCH_EVERY:
            db.touch_session(s, id_hash, now)
        return name


def revoke(store: Store, session_id: object) -> None:
    """Sign out this session (anything not a session id is ignored)."""
    if isinstance(session_id, str) and session_id:
        with store.transaction() as s:
            db.revoke_session(s, _hash(session_id))


def revoke_all(store: Store, name: str) -> None:
    """Sign the account out everywhere."""
    with store.transaction() as s:
        user_id = db.user_id_of(s, name)
        if user_id is not None:
            db.revoke_sessions(s, user_id)

"""Web use-cases beyond the diary: accounts (server mode), Learn articles, views and comments."""

from __future__ import annotations

import ipaddress
import re
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy.exc import IntegrityError

from backcare.domain import Jurisdiction, localize
from backcare.knowledge.articles import CITATION as CITATION
from backcare.knowledge.articles import Article, read_articles
from backcare.service import engine
from backcare.store import community as db
from backcare.store.models import Comment
from backcare.store.repo import Store

HASHER = PasswordHasher()
USERNAME = re.compile(r"^[A-Za-z0-9_.-]{3,40}$")
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
LOGIN_WINDOW = timedelta(minutes=15)
MAX_FAILURES = 5
"""Failed sign-ins for one name from one address per window. Keyed to the pair, so someone
elsewhere guessing a name cannot lock its owner out."""
MAX_FAILURES_PER_ADDRESS = 20
"""Failed sign-ins from one address per window, whatever the names (one address spraying many)."""
REGISTER_WINDOW = timedelta(hours=1)
MAX_REGISTRATIONS = 5
"""Registrations from one address per hour (each costs a password hash and creates an account)."""
HASHING_AT_ONCE = 2
"""Password hashes (argon2: 64 MiB and about 50 ms of one core each) running at once per process.
More would not finish sooner on a small server, only use more memory; the others wait."""
HASH_WAIT = 10.0
"""Seconds a request waits for a hashing slot before it is told the server is busy."""
COMMENTS_PER_HOUR = 3
MIN_SECONDS_TO_COMMENT = 3

Clock = Callable[[], datetime]
_hashing = threading.BoundedSemaphore(HASHING_AT_ONCE)


def utc_now() -> datetime:
    return datetime.now(UTC)


class FormErrors(ValueError):
    """Field → message, for forms to show next to each field."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


class TooManyAttempts(Exception):
    pass


class Busy(Exception):
    """Too many passwords are being checked at this moment; try again in a few seconds."""


# --- accounts ---------------------------------------------------------------------------------


@contextmanager
def _hashing_slot() -> Iterator[None]:
    if not _hashing.acquire(timeout=HASH_WAIT):
        raise Busy
    try:
        yield
    finally:
        _hashing.release()


def _hash(password: str) -> str:
    with _hashing_slot():
        return HASHER.hash(password)


def _verify(password_hash: str | None, password: str) -> bool:
    """The password matches; with no hash (no such account) the same work is done anyway, so the
    time taken does not reveal which names exist."""
    with _hashing_slot():
        if password_hash is None:
            HASHER.hash(password)
            return False
        try:
            return HASHER.verify(password_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False


def _within(store: Store, limits: list[tuple[str, int, timedelta]], now: datetime) -> bool:
    """Count this attempt against each (key, most, window); True if every count is within its
    limit. The counts are taken before the password is checked and committed at once, so requests
    arriving together see each other's attempts."""
    with store.transaction() as s:
        # Always the same key order, so two requests never wait on each other's rows (PostgreSQL).
        counts = [(db.hit(s, key, now, now - window), most) for key, most, window in sorted(limits)]
    return all(count <= most for count, most in counts)


def _client_key(client: str) -> str:
    """The address a limit counts against. IPv6 by its /64: one home or server usually gets a whole
    /64, so counting single addresses would give one attacker billions of fresh limits."""
    try:
        address = ipaddress.ip_address(client)
    except ValueError:
        return client[:100]
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def _password_errors(password: str, confirm: str, field: str = "password") -> dict[str, str]:
    errors: dict[str, str] = {}
    if len(password) < 10:
        errors[field] = "Use at least 10 characters."
    elif len(password) > 200:
        errors[field] = "Use at most 200 characters."
    if password != confirm:
        errors["confirm"] = "The two passwords do not match."
    return errors


def register(store: Store, name: str, password: str, confirm: str, client: str = "", clock: Clock = utc_now) -> None:
    """Create an account; raises ``FormErrors``, or ``TooManyAttempts`` after ``MAX_REGISTRATIONS``
    tries from the client's address in an hour (a bad name or password does not count; a taken
    name does, so the form cannot be used to list names quickly)."""
    errors: dict[str, str] = {}
    if not USERNAME.match(name):
        errors["username"] = "Use 3 to 40 letters, numbers, dots, dashes or underscores."
    errors.update(_password_errors(password, confirm))
    if errors:
        raise FormErrors(errors)
    now = clock()
    if not _within(store, [(f"register:{_client_key(client)}", MAX_REGISTRATIONS, REGISTER_WINDOW)], now):
        raise TooManyAttempts
    with store.transaction() as s:
        taken = db.user_exists(s, name)
    if taken:  # checked again below; asking first saves a hash for a name that is plainly taken
        raise FormErrors({"username": "That name is taken; choose another."})
    password_hash = _hash(password)
    try:
        with store.transaction() as s:
            if db.user_exists(s, name):
                raise FormErrors({"username": "That name is taken; choose another."})
            # Nobody becomes an administrator by registering: the operator grants it with
            # `backcare admin grant NAME` (registrations racing to be "first" cannot make admins).
            db.create_account(s, name, password_hash, False, now)
    except IntegrityError:  # the same name registered at the same moment by another request
        raise FormErrors({"username": "That name is taken; choose another."}) from None


def authenticate(store: Store, name: str, password: str, client: str, clock: Clock = utc_now) -> bool:
    """True if the password is right. Raises ``TooManyAttempts`` once this name has failed
    ``MAX_FAILURES`` times from this client address in ``LOGIN_WINDOW`` (or the address has failed
    ``MAX_FAILURES_PER_ADDRESS`` times); the password is then not checked at all. Raises ``Busy``
    when the server is checking too many passwords at once."""
    now = clock()
    address = _client_key(client)
    pair = f"login:{name.lower()[:60]}|{address}"
    from_address = f"login-from:{address}"
    limits = [(pair, MAX_FAILURES, LOGIN_WINDOW), (from_address, MAX_FAILURES_PER_ADDRESS, LOGIN_WINDOW)]
    if not _within(store, limits, now):
        raise TooManyAttempts
    with store.transaction() as s:
        found = db.find_account(s, name)
        user_id, stored = (found[0].id, found[1].password_hash) if found is not None else (None, None)
    ok = _verify(stored, password)
    if ok:
        new_hash = _hash(password) if stored and HASHER.check_needs_rehash(stored) else None
        with store.transaction() as s:
            # A right password is not a failure: this pair starts again, the address gets its try back.
            db.reset(s, pair)
            db.give_back(s, from_address)
            if new_hash is not None and user_id is not None:
                db.set_password_hash(s, user_id, new_hash)
            db.forget_counters_before(s, now - max(LOGIN_WINDOW, REGISTER_WINDOW))
    return ok


def change_password(store: Store, name: str, current: str, new: str, confirm: str, clock: Clock = utc_now) -> None:
    """Set a new password after checking the current one, and sign the account out everywhere
    (the caller starts a new session for the browser that made the change). At most
    ``MAX_FAILURES`` tries in ``LOGIN_WINDOW``: someone holding a stolen session cannot guess on."""
    now = clock()
    key = f"password:{name.lower()}"
    if not _within(store, [(key, MAX_FAILURES, LOGIN_WINDOW)], now):
        raise TooManyAttempts
    with store.transaction() as s:
        found = db.find_account(s, name)
        if found is None:
            raise FormErrors({"current": "That is not your current password."})
        user_id, password_hash = found[0].id, found[1].password_hash
    if not _verify(password_hash, current):
        raise FormErrors({"current": "That is not your current password."})
    errors = _password_errors(new, confirm, field="new")
    if errors:
        with store.transaction() as s:
            db.give_back(s, key)  # the right current password: only the new one needs changing
        raise FormErrors(errors)
    new_hash = _hash(new)
    with store.transaction() as s:
        db.set_password_hash(s, user_id, new_hash)
        db.revoke_sessions(s, user_id)
        db.reset(s, key)


class NoSuchAccount(LookupError):
    pass


def set_admin(store: Store, name: str, admin: bool = True) -> None:
    """Make an account an administrator (it moderates comments), or stop it being one; raises
    ``NoSuchAccount``."""
    with store.transaction() as s:
        if not db.set_admin(s, name, admin):
            raise NoSuchAccount(name)


def is_admin(store: Store, name: str) -> bool:
    with store.transaction() as s:
        found = db.find_account(s, name)
    return bool(found and found[1].is_admin)


def delete_account(store: Store, name: str) -> None:
    """Delete the account and its data; its sessions go with it, so no cookie opens a later
    account of the same name."""
    with store.transaction() as s:
        db.delete_user(s, name)


# --- Learn ------------------------------------------------------------------------------------


@cache
def articles() -> dict[str, Article]:
    found, problems = read_articles(known_sources=set(engine().kb.sources))
    if problems:
        from backcare.knowledge.loader import KnowledgeError

        raise KnowledgeError(problems)
    return {a.meta.slug: a for a in found}


@cache
def articles_in(jurisdiction: Jurisdiction) -> dict[str, Article]:
    """The articles in one country's words (services, numbers and medicine names)."""
    return {
        slug: replace(
            a,
            meta=a.meta.model_copy(
                update={
                    "title": localize(a.meta.title, jurisdiction),
                    "summary": localize(a.meta.summary, jurisdiction),
                }
            ),
            body=localize(a.body, jurisdiction),
        )
        for slug, a in articles().items()
    }


def count_view(store: Store, slug: str) -> int:
    try:
        with store.transaction() as s:
            return db.add_view(s, slug)
    except IntegrityError:  # two first views at once: the other request created the row
        with store.transaction() as s:
            return db.add_view(s, slug)


def view_counts(store: Store) -> dict[str, int]:
    with store.transaction() as s:
        return db.views(s)


@dataclass(frozen=True)
class PublicComment:
    name: str
    body: str
    created_at: datetime


def approved_comments(store: Store, slug: str) -> list[PublicComment]:
    with store.transaction() as s:
        return [PublicComment(c.name, c.body, c.created_at) for c in db.comments(s, slug, "approved")]


def submit_comment(
    store: Store, slug: str, name: str, email: str, body: str, honeypot: str, started: float | None
) -> None:
    """Check a reader comment and hold it for moderation. Spam-resistant: a hidden field people do
    not fill, a minimum time on the page, and a per-address hourly limit."""
    errors: dict[str, str] = {}
    name, email, body = name.strip(), email.strip(), body.strip()
    if not name:
        errors["name"] = "Please give a name to show with your comment."
    elif len(name) > 80:
        errors["name"] = "Please keep the name under 80 characters."
    if not email:
        errors["email"] = "Please give an email address (it is never shown)."
    elif not EMAIL.match(email) or len(email) > 254:
        errors["email"] = "That does not look like an email address."
    if len(body) < 5:
        errors["body"] = "Please write a comment of at least a few words."
    elif len(body) > 3000:
        errors["body"] = "Please keep the comment under 3,000 characters."
    now = datetime.now(UTC)
    too_fast = started is not None and now.timestamp() - started < MIN_SECONDS_TO_COMMENT
    if honeypot or too_fast:
        errors["form"] = "The comment could not be accepted. Please wait a moment and try again."
    if slug not in articles():
        errors["form"] = "That article does not exist."
    with store.transaction() as s:
        if not errors and db.recent_comments_by(s, email.lower(), now - timedelta(hours=1)) >= COMMENTS_PER_HOUR:
            errors["form"] = "Thank you; you have sent several comments recently. Please try again later."
        if errors:
            raise FormErrors(errors)
        db.add_comment(
            s,
            Comment(
                id=str(uuid.uuid4()),
                slug=slug,
                name=name,
                email=email.lower(),
                body=body,
                created_at=now,
                status="pending",
            ),
        )


def pending_comments(store: Store) -> list[Comment]:
    with store.transaction() as s:
        return list(db.comments(s, None, "pending"))


def moderate(store: Store, comment_id: str, approve: bool) -> bool:
    with store.transaction() as s:
        return db.set_comment_status(s, comment_id, "approved" if approve else "rejected")

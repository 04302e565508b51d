"""Web use-cases beyond the diary: accounts (server mode), Learn articles, views and comments."""

from __future__ import annotations

import re
import uuid
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
COMMENTS_PER_HOUR = 3
MIN_SECONDS_TO_COMMENT = 3


class FormErrors(ValueError):
    """Field → message, for forms to show next to each field."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


class TooManyAttempts(Exception):
    pass


# --- accounts ---------------------------------------------------------------------------------


def _password_errors(password: str, confirm: str, field: str = "password") -> dict[str, str]:
    errors: dict[str, str] = {}
    if len(password) < 10:
        errors[field] = "Use at least 10 characters."
    elif len(password) > 200:
        errors[field] = "Use at most 200 characters."
    if password != confirm:
        errors["confirm"] = "The two passwords do not match."
    return errors


def register(store: Store, name: str, password: str, confirm: str) -> None:
    errors: dict[str, str] = {}
    if not USERNAME.match(name):
        errors["username"] = "Use 3 to 40 letters, numbers, dots, dashes or underscores."
    errors.update(_password_errors(password, confirm))
    if errors:
        raise FormErrors(errors)
    password_hash = HASHER.hash(password)
    try:
        with store.transaction() as s:
            if db.user_exists(s, name):
                raise FormErrors({"username": "That name is taken; choose another."})
            # Nobody becomes an administrator by registering: the operator grants it with
            # `backcare admin grant NAME` (registrations racing to be "first" cannot make admins).
            db.create_account(s, name, password_hash, False, datetime.now(UTC))
    except IntegrityError:  # the same name registered at the same moment by another request
        raise FormErrors({"username": "That name is taken; choose another."}) from None


def authenticate(store: Store, name: str, password: str, client: str) -> bool:
    """True if the password is right; raises ``TooManyAttempts`` after repeated failures."""
    now = datetime.now(UTC)
    keys = [f"user:{name.lower()}", f"ip:{client}"]
    with store.transaction() as s:
        if any(db.failures_since(s, key, now - LOGIN_WINDOW) >= MAX_FAILURES for key in keys):
            raise TooManyAttempts
        found = db.find_account(s, name)
        ok = False
        if found is not None:
            user, account = found
            try:
                ok = HASHER.verify(account.password_hash, password)
            except (VerifyMismatchError, VerificationError, InvalidHashError):
                ok = False
            if ok and HASHER.check_needs_rehash(account.password_hash):
                db.set_password_hash(s, user.id, HASHER.hash(password))
        else:
            HASHER.hash(password)  # same work either way, so timing does not reveal names
        if ok:
            db.clear_failures(s, keys[0])
        else:
            for key in keys:
                db.record_failure(s, key, now)
    return ok


def change_password(store: Store, name: str, current: str, new: str, confirm: str) -> None:
    """Set a new password after checking the current one, and sign the account out everywhere
    (the caller starts a new session for the browser that made the change). Wrong current
    passwords count towards the same sign-in limit as failed sign-ins."""
    now = datetime.now(UTC)
    key = f"user:{name.lower()}"
    with store.transaction() as s:
        if db.failures_since(s, key, now - LOGIN_WINDOW) >= MAX_FAILURES:
            raise TooManyAttempts
        found = db.find_account(s, name)
        if found is None:
            raise FormErrors({"current": "That is not your current password."})
        user_id, password_hash = found[0].id, found[1].password_hash
    ok: bool
    try:
        ok = HASHER.verify(password_hash, current)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        ok = False
    if not ok:
        with store.transaction() as s:
            db.record_failure(s, key, now)
        raise FormErrors({"current": "That is not your current password."})
    errors = _password_errors(new, confirm, field="new")
    if errors:
        raise FormErrors(errors)
    new_hash = HASHER.hash(new)
    with store.transaction() as s:
        db.set_password_hash(s, user_id, new_hash)
        db.revoke_sessions(s, user_id)


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

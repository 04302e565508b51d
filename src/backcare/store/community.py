"""Accounts, rate-limit counters, article views and reader comments: the web app's own tables."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import case, delete, func, literal, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from backcare.store.models import Account, ArticleView, Comment, RateCounter, SignInSession, User


def find_account(s: Session, name: str) -> tuple[User, Account] | None:
    row = s.execute(select(User, Account).join(Account, Account.user_id == User.id).where(User.name == name)).first()
    return (row[0], row[1]) if row else None


def user_exists(s: Session, name: str) -> bool:
    return s.scalar(select(func.count()).select_from(User).where(User.name == name)) != 0


def create_account(s: Session, name: str, password_hash: str, is_admin: bool, now: datetime) -> None:
    user = User(name=name, created_at=now)
    s.add(user)
    s.flush()
    s.add(Account(user_id=user.id, password_hash=password_hash, is_admin=is_admin, created_at=now))


def set_admin(s: Session, name: str, admin: bool) -> bool:
    """True if the account exists (and now has the given role)."""
    user_id = s.scalar(select(User.id).where(User.name == name))
    if user_id is None:
        return False
    result = s.execute(update(Account).where(Account.user_id == user_id).values(is_admin=admin))
    return bool(result.rowcount)  # type: ignore[attr-defined]


def count_accounts(s: Session) -> int:
    return int(s.scalar(select(func.count()).select_from(Account)) or 0)


def set_password_hash(s: Session, user_id: int, password_hash: str) -> None:
    s.execute(update(Account).where(Account.user_id == user_id).values(password_hash=password_hash))


def delete_user(s: Session, name: str) -> None:
    """Deletes the person and, through ON DELETE CASCADE, every row of their data."""
    user_id = s.scalar(select(User.id).where(User.name == name))
    if user_id is None:
        return
    # SQLite enforces the cascade only with foreign keys on (set per connection in db.py);
    # deleting child rows explicitly keeps the result the same everywhere.
    from backcare.store.models import (
        ActionRow,
        AssessmentRow,
        AuditRow,
        CheckInRow,
        EpisodeRow,
        IntakeRow,
        UserSettings,
    )

    models = (
        EpisodeRow,
        IntakeRow,
        ActionRow,
        CheckInRow,
        AssessmentRow,
        AuditRow,
        UserSettings,
        SignInSession,
        Account,
    )
    for model in models:
        s.execute(delete(model).where(model.user_id == user_id))
    s.execute(delete(User).where(User.id == user_id))


def user_id_of(s: Session, name: str) -> int | None:
    return s.scalar(select(User.id).where(User.name == name))


def add_session(s: Session, id_hash: str, user_id: int, now: datetime, expires: datetime) -> None:
    s.add(SignInSession(id_hash=id_hash, user_id=user_id, created_at=now, last_seen_at=now, expires_at=expires))


def session_user(s: Session, id_hash: str) -> tuple[SignInSession, str] | None:
    """The session and its account's name; None if unknown or its account is gone."""
    row = s.execute(
        select(SignInSession, User.name)
        .join(User, User.id == SignInSession.user_id)
        .join(Account, Account.user_id == User.id)
        .where(SignInSession.id_hash == id_hash)
    ).first()
    return (row[0], row[1]) if row else None


def touch_session(s: Session, id_hash: str, now: datetime) -> None:
    s.execute(update(SignInSession).where(SignInSession.id_hash == id_hash).values(last_seen_at=now))


def revoke_session(s: Session, id_hash: str) -> None:
    s.execute(update(SignInSession).where(SignInSession.id_hash == id_hash).values(revoked=True))


def revoke_sessions(s: Session, user_id: int, keep: str | None = None) -> None:
    q = update(SignInSession).where(SignInSession.user_id == user_id, SignInSession.revoked.is_(False))
    if keep is not None:
        q = q.where(SignInSession.id_hash != keep)
    s.execute(q.values(revoked=True))


def delete_stale_sessions(s: Session, user_id: int, now: datetime) -> None:
    s.execute(
        delete(SignInSession).where(
            SignInSession.user_id == user_id, (SignInSession.expires_at < now) | SignInSession.revoked.is_(True)
        )
    )


def hit(s: Session, key: str, now: datetime, since: datetime) -> int:
    """Count one attempt for ``key`` and return the count in its window, this one included. A
    window that began before ``since`` is over: the count starts again at 1 from ``now``.

    One ``INSERT ... ON CONFLICT DO UPDATE ... RETURNING`` statement: the database serialises
    concurrent ones on the row, so N requests at once get the counts 1..N, never the same one."""
    insert = postgresql.insert if s.get_bind().dialect.name == "postgresql" else sqlite.insert
    at = literal(now, RateCounter.window_start.type)
    expired = RateCounter.window_start < literal(since, RateCounter.window_start.type)
    statement = (
        insert(RateCounter)
        .values(key=key, window_start=now, count=1)
        .on_conflict_do_update(
            index_elements=[RateCounter.key],
            set_={
                "count": case((expired, 1), else_=RateCounter.count + 1),
                "window_start": case((expired, at), else_=RateCounter.window_start),
            },
        )
        .returning(RateCounter.count)
    )
    return int(s.execute(statement).scalar_one())


def give_back(s: Session, key: str) -> None:
    """Take one attempt off ``key`` (an attempt that turned out to be allowed, such as a sign-in
    with the right password, should not count towards the limit on its address)."""
    still_counted = (RateCounter.key == key) & (RateCounter.count > 0)
    s.execute(update(RateCounter).where(still_counted).values(count=RateCounter.count - 1))


def reset(s: Session, key: str) -> None:
    s.execute(delete(RateCounter).where(RateCounter.key == key))


def forget_counters_before(s: Session, before: datetime) -> None:
    """Drop counters whose window began before ``before`` (they count for nothing any more)."""
    s.execute(delete(RateCounter).where(RateCounter.window_start < before))


def add_view(s: Session, slug: str) -> int:
    updated = s.execute(update(ArticleView).where(ArticleView.slug == slug).values(views=ArticleView.views + 1))
    if updated.rowcount == 0:  # type: ignore[attr-defined]
        s.add(ArticleView(slug=slug, views=1))
        s.flush()
    return int(s.scalar(select(ArticleView.views).where(ArticleView.slug == slug)) or 0)


def views(s: Session) -> dict[str, int]:
    return {slug: n for slug, n in s.execute(select(ArticleView.slug, ArticleView.views))}


def add_comment(s: Session, comment: Comment) -> None:
    s.add(comment)


def comments(s: Session, slug: str | None, status: str, limit: int = 200) -> Sequence[Comment]:
    q = select(Comment).where(Comment.status == status)
    if slug is not None:
        q = q.where(Comment.slug == slug)
    return s.scalars(q.order_by(Comment.created_at).limit(limit)).all()


def recent_comments_by(s: Session, email: str, since: datetime) -> int:
    return int(
        s.scalar(select(func.count()).select_from(Comment).where(Comment.email == email, Comment.created_at >= since))
        or 0
    )


def set_comment_status(s: Session, comment_id: str, status: str) -> bool:
    result = s.execute(update(Comment).where(Comment.id == comment_id).values(status=status))
    return bool(result.rowcount)  # type: ignore[attr-defined]

"""Database tables. Times are stored in UTC; each timed row keeps the time zone it was logged in."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, Boolean, Date, DateTime, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.sql.expression import false
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, on SQLite (no zone support) and PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: diary times must carry a time zone")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime, dict[str, Any]: JSON, list[Any]: JSON}


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    created_at: Mapped[datetime]


class AssessmentRow(Base):
    __tablename__ = "assessments"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime]
    jurisdiction: Mapped[str] = mapped_column(String(4))
    knowledge_version: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(12))
    urgency: Mapped[str] = mapped_column(String(16))
    answers: Mapped[dict[str, Any]]
    result: Mapped[dict[str, Any]]
    __table_args__ = (Index("ix_assessments_user_time", "user_id", "created_at"),)


# Diary entries carry a version (migration 0006), raised by one on every edit: an edit or delete
# made against a version someone else has since changed is refused (HTTP If-Match / 412).


class EpisodeRow(Base):
    __tablename__ = "episodes"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    started_at: Mapped[datetime]
    tz: Mapped[str] = mapped_column(String(64))
    ended_at: Mapped[datetime | None]
    pain: Mapped[int] = mapped_column(Integer)
    locations: Mapped[list[Any]]
    qualities: Mapped[list[Any]]
    triggers: Mapped[list[Any]]
    helped: Mapped[list[Any]]
    red_flags: Mapped[list[Any]]
    note: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    __table_args__ = (Index("ix_episodes_user_time", "user_id", "started_at"),)


class IntakeRow(Base):
    __tablename__ = "medicine_intakes"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    taken_at: Mapped[datetime]
    tz: Mapped[str] = mapped_column(String(64))
    product: Mapped[str] = mapped_column(String(120))
    units: Mapped[float] = mapped_column(Float)
    contains: Mapped[dict[str, Any]]
    note: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    __table_args__ = (Index("ix_intakes_user_time", "user_id", "taken_at"),)


class ActionRow(Base):
    __tablename__ = "self_care_actions"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    done_at: Mapped[datetime]
    tz: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    minutes: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    __table_args__ = (Index("ix_actions_user_time", "user_id", "done_at"),)


class CheckInRow(Base):
    __tablename__ = "checkins"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    pain_free: Mapped[bool] = mapped_column(Boolean)
    pain: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    __table_args__ = (UniqueConstraint("user_id", "day", name="uq_checkins_user_day"),)


class AuditRow(Base):
    """One edit of a diary entry: what it was before and after. Deleting the entry deletes these."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    entry_kind: Mapped[str] = mapped_column(String(16))
    entry_id: Mapped[str] = mapped_column(String(36))
    changed_at: Mapped[datetime]
    before: Mapped[dict[str, Any]]
    after: Mapped[dict[str, Any]]
    __table_args__ = (Index("ix_audit_entry", "entry_id"),)


class UserSettings(Base):
    """Per-person preferences kept with their data (added in migration 0002)."""

    __tablename__ = "user_settings"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    jurisdiction: Mapped[str] = mapped_column(String(4), default="uk", server_default="uk")
    sitting_reminder_minutes: Mapped[int] = mapped_column(Integer, default=30, server_default="30")
    updated_at: Mapped[datetime]


class Account(Base):
    """Sign-in details for server mode (added in migration 0003). Local mode has no accounts."""

    __tablename__ = "accounts"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime]


class SignInSession(Base):
    """A signed-in browser (server mode, added in migration 0004). The cookie holds a random id;
    only its SHA-256 is kept here, so a copy of the database opens no account."""

    __tablename__ = "sessions"
    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    revoked: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    __table_args__ = (Index("ix_sessions_user", "user_id"),)


class RateCounter(Base):
    """Attempts per key (sign-in, registration) in the current window, shared by every app worker
    so the limits hold behind a load balancer (migration 0005). One row per key, updated by a
    single upsert that returns the new count, so concurrent requests cannot all pass the check."""

    __tablename__ = "rate_limits"
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    window_start: Mapped[datetime]
    count: Mapped[int] = mapped_column(Integer)
    __table_args__ = (Index("ix_rate_limits_window_start", "window_start"),)


class ArticleView(Base):
    __tablename__ = "article_views"
    slug: Mapped[str] = mapped_column(String(80), primary_key=True)
    views: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class Comment(Base):
    """A reader comment on a Learn article; held until a moderator approves it. The email is kept
    for the moderator only and never shown."""

    __tablename__ = "comments"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    slug: Mapped[str] = mapped_column(String(80))
    name: Mapped[str] = mapped_column(String(80))
    email: Mapped[str] = mapped_column(String(254))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(12), default="pending", server_default="pending")
    __table_args__ = (Index("ix_comments_slug_status", "slug", "status", "created_at"),)

"""The diary repository: reads and writes for one person, always through indexed, bounded queries.

Rows become domain values at this boundary, so nothing above the store sees SQLAlchemy objects.
Every write happens inside the caller's transaction (``Store.transaction``), so a failed import
or edit leaves nothing half-written.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Engine, delete, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from backcare.domain import CheckIn, Episode, MedicineIntake, SelfCareAction
from backcare.store.db import make_engine, private_sqlite_files, session_factory, sqlite_path
from backcare.store.migrate import upgrade
from backcare.store.models import (
    ActionRow,
    AssessmentRow,
    AuditRow,
    Base,
    CheckInRow,
    EpisodeRow,
    IntakeRow,
    User,
    UserSettings,
)

Entry = Episode | MedicineIntake | SelfCareAction | CheckIn
KIND_OF: dict[type[Any], str] = {
    Episode: "episode",
    MedicineIntake: "medicine",
    SelfCareAction: "action",
    CheckIn: "checkin",
}
ROW_OF: dict[str, Any] = {
    "episode": EpisodeRow,
    "medicine": IntakeRow,
    "action": ActionRow,
    "checkin": CheckInRow,
}
LOCAL_USER = "local"
ID_CHARS = re.compile(r"[0-9a-f-]+")
ID_LENGTH = 36


class NotFound(LookupError):
    pass


class Ambiguous(LookupError):
    pass


class Changed(Exception):
    """The entry is no longer at the version the caller read: someone else changed or deleted it
    in between, so this write was not made."""


def new_id() -> str:
    return str(uuid.uuid4())


def now_utc() -> datetime:
    return datetime.now(UTC)


# --- row <-> domain ---------------------------------------------------------------------------


def to_episode(r: EpisodeRow) -> Episode:
    return Episode(
        id=r.id,
        started_at=r.started_at,
        tz=r.tz,
        pain=r.pain,
        ended_at=r.ended_at,
        locations=tuple(r.locations),
        qualities=tuple(r.qualities),
        triggers=tuple(r.triggers),
        helped=tuple(r.helped),
        red_flags=tuple(r.red_flags),
        note=r.note,
    )


def to_intake(r: IntakeRow) -> MedicineIntake:
    return MedicineIntake(
        id=r.id,
        taken_at=r.taken_at,
        tz=r.tz,
        product=r.product,
        units=r.units,
        contains=tuple(sorted((k, float(v)) for k, v in r.contains.items())),
        note=r.note,
    )


def to_action(r: ActionRow) -> SelfCareAction:
    return SelfCareAction(id=r.id, done_at=r.done_at, tz=r.tz, action=r.action, minutes=r.minutes, note=r.note)


def to_checkin(r: CheckInRow) -> CheckIn:
    return CheckIn(id=r.id, day=r.day, pain_free=r.pain_free, pain=r.pain, note=r.note)


def to_domain(row: Base) -> Entry:
    if isinstance(row, EpisodeRow):
        return to_episode(row)
    if isinstance(row, IntakeRow):
        return to_intake(row)
    if isinstance(row, ActionRow):
        return to_action(row)
    if isinstance(row, CheckInRow):
        return to_checkin(row)
    raise TypeError(row)


def row_values(entry: Entry) -> dict[str, Any]:
    values = asdict(entry)
    for key, value in list(values.items()):
        if isinstance(value, tuple):
            values[key] = list(value)
    if isinstance(entry, MedicineIntake):
        values["contains"] = dict(entry.contains)
    return values


def jsonable(entry: Entry) -> dict[str, Any]:
    """The entry as JSON-ready values (for the audit trail)."""
    out: dict[str, Any] = {}
    for key, value in row_values(entry).items():
        out[key] = value.isoformat() if isinstance(value, datetime | date) else value
    return out


# --- the store --------------------------------------------------------------------------------


class Store:
    """One database, migrated to the latest schema when opened (unless ``migrate=False``: server
    mode checks the schema instead, and ``backcare db upgrade`` migrates)."""

    def __init__(self, url: str, *, migrate: bool = True) -> None:
        self.engine: Engine = make_engine(url)
        upgraded = upgrade(self.engine) if migrate else None
        self.backup = upgraded.backup if upgraded else None
        path = sqlite_path(self.engine)
        if path is not None:  # only now: the file has proved to be a SQLite database
            private_sqlite_files(path)
        self.sessions: sessionmaker[Session] = session_factory(self.engine)

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        with self.sessions.begin() as session:
            yield session

    def user_id(self, session: Session, name: str = LOCAL_USER) -> int:
        found = session.scalar(select(User.id).where(User.name == name))
        if found is not None:
            return found
        user = User(name=name, created_at=now_utc())
        session.add(user)
        session.flush()
        return user.id


class Diary:
    """One person's diary inside an open transaction."""

    def __init__(self, session: Session, user_id: int) -> None:
        self.s = session
        self.user_id = user_id

    # writes

    def add(self, entry: Entry) -> Entry:
        row_type = ROW_OF[KIND_OF[type(entry)]]
        self.s.add(row_type(user_id=self.user_id, **row_values(entry)))
        self.s.flush()
        return entry

    def replace(self, before: Entry, after: Entry, version: int | None = None) -> int:
        """Save an edit and record it in the audit trail; returns the entry's new version.

        With ``version``, the write is one ``UPDATE ... WHERE version = :version``: the check and
        the write are a single statement, atomic on SQLite and PostgreSQL alike (a concurrent
        writer's row lock makes the second UPDATE re-read the row and match nothing), so of two
        edits made from the same version exactly one is saved and the other raises ``Changed``."""
        kind = KIND_OF[type(before)]
        model = ROW_OF[kind]
        values = {k: v for k, v in row_values(after).items() if k != "id"}
        where = [model.id == before.id, model.user_id == self.user_id]
        if version is not None:
            where.append(model.version == version)
        new_version = self.s.execute(
            update(model).where(*where).values(**values, version=model.version + 1).returning(model.version)
        ).scalar()
        if new_version is None:
            raise Changed(before.id)
        self.s.add(
            AuditRow(
                user_id=self.user_id,
                entry_kind=kind,
                entry_id=before.id,
                changed_at=now_utc(),
                before=jsonable(before),
                after=jsonable(after),
            )
        )
        self.s.flush()
        return int(new_version)

    def delete(self, entry: Entry, version: int | None = None) -> None:
        """A real delete: the entry and its audit trail are gone. With ``version``, only if the
        entry is still at that version (one atomic statement, as in ``replace``)."""
        model = ROW_OF[KIND_OF[type(entry)]]
        where = [model.id == entry.id, model.user_id == self.user_id]
        if version is not None:
            where.append(model.version == version)
        if self.s.execute(delete(model).where(*where)).rowcount != 1:  # type: ignore[attr-defined]
            raise Changed(entry.id)
        self.s.execute(delete(AuditRow).where(AuditRow.user_id == self.user_id, AuditRow.entry_id == entry.id))

    def save_assessment(self, answers: dict[str, Any], result: dict[str, Any], at: datetime | None = None) -> str:
        aid = new_id()
        self.s.add(
            AssessmentRow(
                id=aid,
                user_id=self.user_id,
                created_at=at or now_utc(),
                jurisdiction=result["jurisdiction"],
                knowledge_version=result["knowledge_version"],
                status=result["status"],
                urgency=result["urgency"],
                answers=answers,
                result=result,
            )
        )
        self.s.flush()
        return aid

    def import_assessment(
        self,
        aid: str,
        created_at: datetime,
        jurisdiction: str,
        knowledge_version: str,
        status: str,
        urgency: str,
        answers: dict[str, Any],
        result: dict[str, Any],
    ) -> None:
        self.s.add(
            AssessmentRow(
                id=aid,
                user_id=self.user_id,
                created_at=created_at,
                jurisdiction=jurisdiction,
                knowledge_version=knowledge_version,
                status=status,
                urgency=urgency,
                answers=answers,
                result=result,
            )
        )

    def import_audit(
        self, kind: str, entry_id: str, changed_at: datetime, before: dict[str, Any], after: dict[str, Any]
    ) -> None:
        self.s.add(
            AuditRow(
                user_id=self.user_id,
                entry_kind=kind,
                entry_id=entry_id,
                changed_at=changed_at,
                before=before,
                after=after,
            )
        )

    # reads

    def find(self, id_or_prefix: str) -> Entry:
        """An entry by id or a unique id prefix (at least 4 characters), of any kind."""
        return self.find_versioned(id_or_prefix)[0]

    def find_versioned(self, id_or_prefix: str) -> tuple[Entry, int]:
        """``find``, with the entry's version (raised by one on every edit)."""
        prefix = id_or_prefix.strip().lower()
        if len(prefix) < 4:
            raise NotFound(f"'{id_or_prefix}': give at least 4 characters of the id")
        if len(prefix) > ID_LENGTH or not ID_CHARS.fullmatch(prefix):
            # Ids are hex digits and dashes; anything else (a NUL, % or _) can match nothing.
            raise NotFound(f"no diary entry with id '{id_or_prefix}'")
        found: list[Base] = []
        for model in ROW_OF.values():
            found += self.s.scalars(
                select(model)
                .where(model.user_id == self.user_id, model.id.startswith(prefix, autoescape=True))
                .limit(2)
            ).all()
        if not found:
            raise NotFound(f"no diary entry with id '{id_or_prefix}'")
        if len(found) > 1:
            raise Ambiguous(f"'{id_or_prefix}' matches more than one entry; give more of the id")
        return to_domain(found[0]), int(found[0].version)  # type: ignore[attr-defined]

    def episodes(self, start: datetime, end: datetime) -> list[Episode]:
        rows = self.s.scalars(
            select(EpisodeRow)
            .where(EpisodeRow.user_id == self.user_id, EpisodeRow.started_at >= start, EpisodeRow.started_at < end)
            .order_by(EpisodeRow.started_at)
        )
        return [to_episode(r) for r in rows]

    def intakes(self, start: datetime, end: datetime) -> list[MedicineIntake]:
        rows = self.s.scalars(
            select(IntakeRow)
            .where(IntakeRow.user_id == self.user_id, IntakeRow.taken_at >= start, IntakeRow.taken_at < end)
            .order_by(IntakeRow.taken_at)
        )
        return [to_intake(r) for r in rows]

    def actions(self, start: datetime, end: datetime) -> list[SelfCareAction]:
        rows = self.s.scalars(
            select(ActionRow)
            .where(ActionRow.user_id == self.user_id, ActionRow.done_at >= start, ActionRow.done_at < end)
            .order_by(ActionRow.done_at)
        )
        return [to_action(r) for r in rows]

    def checkins(self, start: date, end: date) -> list[CheckIn]:
        rows = self.s.scalars(
            select(CheckInRow)
            .where(CheckInRow.user_id == self.user_id, CheckInRow.day >= start, CheckInRow.day < end)
            .order_by(CheckInRow.day)
        )
        return [to_checkin(r) for r in rows]

    def first_and_last(self) -> tuple[datetime | None, datetime | None]:
        row = self.s.execute(
            select(func.min(EpisodeRow.started_at), func.max(EpisodeRow.started_at)).where(
                EpisodeRow.user_id == self.user_id
            )
        ).one()
        return row[0], row[1]

    def count(self) -> dict[str, int]:
        return {
            kind: int(self.s.scalar(select(func.count()).select_from(model).where(model.user_id == self.user_id)) or 0)
            for kind, model in ROW_OF.items()
        }

    def reminder_minutes(self) -> int | None:
        row = self.s.get(UserSettings, self.user_id)
        return row.sitting_reminder_minutes if row else None

    def set_reminder_minutes(self, minutes: int) -> None:
        row = self.s.get(UserSettings, self.user_id)
        if row is None:
            self.s.add(UserSettings(user_id=self.user_id, sitting_reminder_minutes=minutes, updated_at=now_utc()))
        else:
            row.sitting_reminder_minutes = minutes
            row.updated_at = now_utc()

    def latest_assessment(self) -> AssessmentRow | None:
        return self.s.scalar(
            select(AssessmentRow)
            .where(AssessmentRow.user_id == self.user_id)
            .order_by(AssessmentRow.created_at.desc())
            .limit(1)
        )

    def assessments(self) -> Sequence[AssessmentRow]:
        return self.s.scalars(
            select(AssessmentRow).where(AssessmentRow.user_id == self.user_id).order_by(AssessmentRow.created_at)
        ).all()

    def audit(self) -> Sequence[AuditRow]:
        return self.s.scalars(select(AuditRow).where(AuditRow.user_id == self.user_id).order_by(AuditRow.id)).all()

    def audit_of(self, entry_id: str) -> Sequence[AuditRow]:
        return self.s.scalars(
            select(AuditRow)
            .where(AuditRow.user_id == self.user_id, AuditRow.entry_id == entry_id)
            .order_by(AuditRow.id)
        ).all()

"""Alembic migrations, run from code: safe to interrupt, safe to run twice at once.

Every migration runs in its own transaction, on a connection of its own:

- PostgreSQL has transactional DDL. The upgrade holds a session advisory lock
  (``pg_advisory_lock``), so two workers or two ``backcare db upgrade`` runs on one database
  queue instead of racing; the second finds the schema current and does nothing.
- SQLite can roll DDL back too, but Python's ``sqlite3`` (legacy transaction control, the default
  before Python 3.16) issues no BEGIN before DDL, so each statement would commit on its own. The
  migration connection therefore turns the driver's transaction handling off and says
  ``BEGIN IMMEDIATE`` itself (SQLAlchemy's documented recipe). Foreign keys are off while
  migrating, as batch mode rebuilds tables (a DROP with them on would cascade), and checked
  before each migration commits. A lock file beside the database serialises upgraders, and a
  private copy is taken first (SQLite's online backup); if any migration fails, the copy is put
  back, so the file is exactly as it was before the upgrade.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.pool import NullPool

from backcare.store.db import sqlite_path

MIGRATIONS = Path(__file__).parent / "migrations"
PG_LOCK_KEY = 0x6261636B63617265 >> 1
"""One advisory lock id for backcare's schema upgrades ("backcare" in ASCII, as a positive bigint)."""


class MigrationFailed(RuntimeError):
    """A migration failed; the database is as it was before the upgrade (SQLite: restored from
    the backup; PostgreSQL: at the last migration that committed, and the failed one rolled back)."""


class SchemaTooNew(RuntimeError):
    """The database was migrated by a newer backcare; nothing was touched."""


@dataclass(frozen=True)
class Upgraded:
    before: str | None
    after: str
    backup: Path | None
    """SQLite: the copy of the database taken before the first migration (kept)."""


def _config(connection: Connection, script_location: Path = MIGRATIONS) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(script_location))
    cfg.attributes["connection"] = connection
    return cfg


def head_revision(script_location: Path | None = None) -> str:
    head = ScriptDirectory(str(script_location or MIGRATIONS)).get_current_head()
    assert head is not None
    return head


def known_revision(revision: str, script_location: Path | None = None) -> bool:
    try:
        return ScriptDirectory(str(script_location or MIGRATIONS)).get_revision(revision) is not None
    except Exception:  # alembic raises several kinds for an id it has never seen
        return False


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, script_location: Path | None = None, to: str = "head") -> Upgraded | None:
    """Bring the schema to head (or to revision ``to``); ``None`` if it was already there.
    Raises ``MigrationFailed``."""
    script_location = script_location or MIGRATIONS
    head = head_revision(script_location) if to == "head" else to
    current = current_revision(engine)
    if current == head:
        return None
    if current is not None and not known_revision(current, script_location):
        raise SchemaTooNew(current)
    if engine.dialect.name == "postgresql":
        return _upgrade_postgresql(engine, script_location, head)
    path = sqlite_path(engine)
    if path is None:  # an in-memory database: nothing to keep, no one to race
        with engine.connect() as conn:
            before = MigrationContext.configure(conn).get_current_revision()
            conn.commit()
            try:
                _run(conn, script_location, head)
            except Exception as exc:
                raise MigrationFailed(_why(exc)) from exc
        return Upgraded(before, head, None)
    return _upgrade_sqlite(engine, path, script_location, head)


def _run(conn: Connection, script_location: Path, to: str) -> None:
    command.upgrade(_config(conn, script_location), to)


# --- PostgreSQL ---------------------------------------------------------------------------------


def _upgrade_postgresql(engine: Engine, script_location: Path, head: str) -> Upgraded | None:
    # NullPool: the session (and with it the advisory lock) ends when this connection closes,
    # even if the unlock below never runs.
    migrator = create_engine(engine.url, poolclass=NullPool)
    try:
        with migrator.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": PG_LOCK_KEY})
            conn.commit()
            try:
                before = MigrationContext.configure(conn).get_current_revision()
                conn.commit()  # alembic must find no open transaction, or it runs all in one
                if before == head:
                    return None  # another upgrader finished while this one waited
                try:
                    _run(conn, script_location, head)
                except Exception as exc:
                    conn.rollback()
                    now = MigrationContext.configure(conn).get_current_revision()
                    raise MigrationFailed(
                        f"{_why(exc)}; that migration was rolled back and the schema is at {now or 'empty'}"
                    ) from exc
                return Upgraded(before, head, None)
            finally:
                conn.rollback()
                conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": PG_LOCK_KEY})
                conn.commit()
    finally:
        migrator.dispose()


# --- SQLite ---------------------------------------------------------------------------------------


def _sqlite_migrator(engine: Engine) -> Engine:
    migrator = create_engine(engine.url, poolclass=NullPool)

    @event.listens_for(migrator, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # the driver stops issuing (and skipping) BEGIN
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=OFF")  # a no-op inside a transaction: set it here
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(migrator, "begin")
    def _begin(conn: Connection) -> None:
        # IMMEDIATE: take the write lock now, so a migration never fails half way on a busy database.
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return migrator


@contextlib.contextmanager
def _upgrade_lock(path: Path) -> Iterator[None]:
    """Only one process upgrades this file at a time (a second one waits, then finds it current)."""
    import fcntl

    fd = os.open(path.with_name(f"{path.name}.upgrade-lock"), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def _backup_copy(source: Path, target: Path) -> None:
    """A consistent copy through SQLite's online backup (it reads committed pages, WAL included)."""
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # private from the start
    os.close(fd)
    with contextlib.closing(sqlite3.connect(source)) as src, contextlib.closing(sqlite3.connect(target)) as dst:
        src.backup(dst)


def _restore(backup: Path, path: Path) -> None:
    """Put the copy back through SQLite itself, in one transaction, so the live file, its WAL and
    anyone reading it see either the failed upgrade or the old database, never a mix."""
    with contextlib.closing(sqlite3.connect(backup)) as src, contextlib.closing(sqlite3.connect(path)) as dst:
        dst.execute("PRAGMA busy_timeout=30000")
        src.backup(dst)


def _upgrade_sqlite(engine: Engine, path: Path, script_location: Path, head: str) -> Upgraded | None:
    migrator = _sqlite_migrator(engine)
    try:
        with _upgrade_lock(path):
            before = current_revision(migrator)
            if before == head:
                return None
            backup = None
            if inspect(migrator).get_table_names():
                stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
                backup = path.with_name(f"{path.name}.backup-{before or 'unversioned'}-{stamp}")
                _backup_copy(path, backup)
            try:
                with migrator.connect() as conn:
                    _run(conn, script_location, head)
            except Exception as exc:
                migrator.dispose()
                if backup is None:  # a new, empty database: nothing to restore
                    raise MigrationFailed(f"{_why(exc)}; that migration was rolled back") from exc
                _restore(backup, path)
                backup.unlink()  # the database is that copy again; no need to keep two
                raise MigrationFailed(f"{_why(exc)}; the database was put back as it was before the upgrade") from exc
            return Upgraded(before, head, backup)
    finally:
        migrator.dispose()


def foreign_key_problems(conn: Connection) -> list[str]:
    """SQLite's own check of every reference, run before each migration commits."""
    rows = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    return [f"{r[0]} row {r[1]} refers to a missing {r[2]}" for r in rows]


def _why(exc: BaseException) -> str:
    first = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return first[0] if first else type(exc).__name__

"""Alembic migrations, run from code: the database is brought to the latest schema on start.

For SQLite, a copy of the file is taken before any migration of an existing database.
"""

from __future__ import annotations

import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect

from backcare.store.db import sqlite_path

MIGRATIONS = Path(__file__).parent / "migrations"


def _config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def head_revision() -> str:
    head = ScriptDirectory(str(MIGRATIONS)).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def _private_copy(source: Path, target: Path) -> None:
    """Copy the database to a new file that only its owner can read (a copy is as private as the
    original, whatever the umask), keeping the original's times."""
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with open(source, "rb") as src, os.fdopen(fd, "wb") as dst:
        shutil.copyfileobj(src, dst)
        dst.flush()
        os.fsync(dst.fileno())
    st = source.stat()
    os.utime(target, ns=(st.st_atime_ns, st.st_mtime_ns))


def upgrade(engine: Engine) -> Path | None:
    """Bring the schema to head; return the backup file made first, if any."""
    current = current_revision(engine)
    if current == head_revision():
        return None
    backup = None
    path = sqlite_path(engine)
    has_tables = bool(inspect(engine).get_table_names())
    if path is not None and path.exists() and has_tables:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        backup = path.with_name(f"{path.name}.backup-{current or 'unversioned'}-{stamp}")
        with engine.connect() as conn:  # checkpoint WAL so the copy is complete
            conn.exec_driver_sql("PRAGMA wal_checkpoint(FULL)")
        _private_copy(path, backup)
    command.upgrade(_config(engine), "head")
    return backup

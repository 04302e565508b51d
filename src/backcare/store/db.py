"""Opening the database: the default SQLite file, or the URL in BACKCARE_DATABASE_URL.

A SQLite diary is health data: the file (and SQLite's ``-wal``/``-shm`` files, which take its
mode) is created readable by its owner only, and backcare's own data folder is kept at 0700.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

APP_NAME = "backcare"
SQLITE_COMPANIONS = ("-wal", "-shm", "-journal")


def default_url() -> str:
    from platformdirs import user_data_dir

    folder = Path(user_data_dir(APP_NAME, appauthor=False))
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    private_file(folder, 0o700)  # a folder made by an older version may be world-readable
    return f"sqlite:///{folder / 'backcare.sqlite3'}"


def private_file(path: Path, mode: int = 0o600) -> None:
    """Take group and other access away from a file (or folder) of ours; never touch another's."""
    try:
        st = path.stat()
        if st.st_uid == os.geteuid() and st.st_mode & 0o077:
            path.chmod(mode)
    except OSError:
        pass


def private_sqlite_files(path: Path) -> None:
    """The database, SQLite's companion files and the backups made before migrations: owner only."""
    for candidate in (path, *(path.with_name(path.name + s) for s in SQLITE_COMPANIONS)):
        private_file(candidate)
    for backup in path.parent.glob(f"{path.name}.backup-*"):
        private_file(backup)


def _create_private(url: str) -> None:
    """Create a new SQLite file as 0600 before SQLite does (it would use the umask, usually 0644)."""
    parsed = make_url(url)
    database = parsed.database
    if not database or database == ":memory:" or database.startswith("file:") or parsed.query.get("uri"):
        return
    # OSError: it exists already, or the folder is missing (SQLite says so when it connects).
    with contextlib.suppress(OSError):
        os.close(os.open(database, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL keeps committed entries safe if the process is killed mid-burst and lets readers work
    # while a write is under way; foreign keys are off by default in SQLite.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        _create_private(url)
        engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


def sqlite_path(engine: Engine) -> Path | None:
    if engine.dialect.name != "sqlite":
        return None
    database = engine.url.database
    if not database or database == ":memory:":
        return None
    return Path(database)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)

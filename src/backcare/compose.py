"""The composition root: the one place that turns settings into a store and a running app.

The shells (cli, web) never open a database or import the store, the engine or the knowledge
base themselves; they get a ready service from here (and the web app, in ``web/serve.py``, its
store and secret).
"""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path

from alembic.util.exc import CommandError
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from backcare.config import Settings
from backcare.service.diary import DiaryService, database_url
from backcare.store.db import private_file, sqlite_path
from backcare.store.repo import Store

DIALECTS = ("sqlite", "postgresql")
URL_EXAMPLES = "sqlite:////path/to/backcare.sqlite3 or postgresql+psycopg://user@host/database"


class StoreUnavailable(RuntimeError):
    """The database could not be opened; the message says why in one line."""


def _check_url(url: str, where: str) -> None:
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError) as exc:
        detail = "" if isinstance(exc, ArgumentError) else f" ({exc})"
        raise StoreUnavailable(f"{where} is not a database URL{detail}; use {URL_EXAMPLES}") from None
    if parsed.get_backend_name() not in DIALECTS:
        raise StoreUnavailable(
            f"{where}: backcare works with SQLite and PostgreSQL, not {parsed.get_backend_name()!r}; use {URL_EXAMPLES}"
        )


def _one_line(exc: BaseException) -> str:
    """The driver's message without SQLAlchemy's wrapping: "(psycopg.OperationalError) …" and the
    "Background on this error" link."""
    first = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return re.sub(r"^\([\w.]+\) ", "", first[0] if first else type(exc).__name__)


def open_store(settings: Settings) -> Store:
    """The store for these settings, migrated; every way of failing is one ``StoreUnavailable`` line."""
    url = settings.database_url or database_url()
    named = settings.database_url or os.environ.get("BACKCARE_DATABASE_URL")
    where = "BACKCARE_DATABASE_URL" if named else "the database"
    _check_url(url, where)
    try:
        return Store(url)
    except CommandError as exc:
        raise StoreUnavailable(
            f"cannot open the database: its schema is not one this backcare knows ({_one_line(exc)}); "
            "is it from a newer version?"
        ) from None
    except (SQLAlchemyError, ImportError, ValueError, OSError) as exc:
        raise StoreUnavailable(f"cannot open the database in {where}: {_one_line(exc)}") from None


def diary_service(settings: Settings) -> tuple[DiaryService, Path | None]:
    """A diary service for the local person, and the backup made if the database was upgraded."""
    store = open_store(settings)
    return DiaryService(store, settings.jurisdiction), store.backup


def local_secret(store: Store) -> str:
    """A per-installation secret for local mode, kept beside the SQLite file (or per process)."""
    path = sqlite_path(store.engine)
    if path is None:
        return secrets.token_urlsafe(48)
    secret_file = path.with_name("backcare.secret")
    try:
        # Created readable by its owner only from the start (no window with the umask's mode).
        fd = os.open(secret_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        private_file(secret_file)  # tighten one made by an older version
    else:
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_urlsafe(48))
    return secret_file.read_text().strip()

"""The composition root: the one place that turns settings into a store and a running app.

The shells (cli, web) never open a database or import the store, the engine or the knowledge
base themselves; they get a ready service from here (and the web app, in ``web/serve.py``, its
store and secret).
"""

from __future__ import annotations

import secrets
from pathlib import Path

from sqlalchemy.exc import OperationalError

from backcare.config import Settings
from backcare.service.diary import DiaryService, database_url
from backcare.store.db import sqlite_path
from backcare.store.repo import Store


class StoreUnavailable(RuntimeError):
    """The database could not be opened; the message says why in one line."""


def open_store(settings: Settings) -> Store:
    try:
        return Store(settings.database_url or database_url())
    except OperationalError as exc:
        raise StoreUnavailable(f"cannot open the database: {str(exc).splitlines()[0]}") from None


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
    if not secret_file.exists():
        secret_file.write_text(secrets.token_urlsafe(48))
        secret_file.chmod(0o600)
    return secret_file.read_text().strip()

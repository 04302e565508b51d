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
from backcare.service.diary import DiaryService
from backcare.service.entries import use_zone
from backcare.store.db import default_url, private_file, sqlite_path
from backcare.store.migrate import (
    MigrationFailed,
    SchemaTooNew,
    Upgraded,
    current_revision,
    head_revision,
    known_revision,
    upgrade,
)
from backcare.store.repo import Store

DIALECTS = ("sqlite", "postgresql")
URL_EXAMPLES = "sqlite:////path/to/backcare.sqlite3 or postgresql+psycopg://user@host/database"


UPGRADE_HINT = "run `backcare db upgrade` (with the same settings) first"


class StoreUnavailable(RuntimeError):
    """The database could not be opened; the message says why in one line."""


class UpgradeFailed(StoreUnavailable):
    """A migration failed (and was rolled back)."""


NO_DRIVER = (
    "BACKCARE_DATABASE_URL names PostgreSQL, but its driver is not installed; "
    "install it with: pip install 'backcare[postgres]'"
)


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


def _located(settings: Settings) -> tuple[str, str]:
    """The database URL and how to name it in a message."""
    if settings.database_url:
        url, where = settings.database_url, "BACKCARE_DATABASE_URL"
    else:
        url, where = default_url(), "the database"
    _check_url(url, where)
    return url, where


def _require_current(store: Store) -> None:
    """Server mode never migrates on start (many workers would race, and an operator should
    choose the moment and take the backup): it refuses an old, empty or newer schema instead."""
    current, head = current_revision(store.engine), head_revision()
    if current == head:
        return
    if current is None:
        raise StoreUnavailable(f"the database has no backcare tables yet; {UPGRADE_HINT}")
    if not known_revision(current):
        raise StoreUnavailable(
            f"the database's schema ({current}) is newer than this backcare knows ({head}); "
            "upgrade backcare on every worker"
        )
    raise StoreUnavailable(f"the database's schema ({current}) is older than this backcare's ({head}); {UPGRADE_HINT}")


def _open(settings: Settings, migrate: bool) -> Store:
    url, where = _located(settings)
    try:
        return Store(url, migrate=migrate)
    except MigrationFailed as exc:
        raise UpgradeFailed(f"the database upgrade failed: {exc}") from None
    except (CommandError, SchemaTooNew) as exc:
        raise StoreUnavailable(
            f"cannot open the database: its schema is not one this backcare knows ({_one_line(exc)}); "
            "is it from a newer version?"
        ) from None
    except ImportError as exc:
        if exc.name in ("psycopg", "psycopg2"):
            raise StoreUnavailable(NO_DRIVER) from None
        raise StoreUnavailable(f"cannot open the database in {where}: {_one_line(exc)}") from None
    except (SQLAlchemyError, ValueError, OSError) as exc:
        raise StoreUnavailable(f"cannot open the database in {where}: {_one_line(exc)}") from None


def open_store(settings: Settings) -> Store:
    """The store for these settings; every way of failing is one ``StoreUnavailable`` line.

    Local mode upgrades the schema as it opens (one person's own file: a backup first, undone on
    failure), so nobody has to run a command; server mode only checks it (``upgrade_database``)."""
    use_zone(settings.zone)
    if settings.mode == "local":
        return _open(settings, migrate=True)
    store = _open(settings, migrate=False)
    try:
        _require_current(store)
    except (StoreUnavailable, SQLAlchemyError) as exc:
        store.close()
        if isinstance(exc, StoreUnavailable):
            raise
        raise StoreUnavailable(f"cannot read the database's schema version: {_one_line(exc)}") from None
    return store


def upgrade_database(settings: Settings) -> Upgraded:
    """``backcare db upgrade``: migrate to the latest schema (``before == after``: it was there)."""
    store = _open(settings, migrate=False)
    try:
        done = upgrade(store.engine)
        head = head_revision()
        return done or Upgraded(head, head, None)
    except MigrationFailed as exc:
        raise UpgradeFailed(f"the database upgrade failed: {exc}") from None
    except SchemaTooNew as exc:
        raise StoreUnavailable(
            f"the database's schema ({exc}) is newer than this backcare knows; upgrade backcare"
        ) from None
    except CommandError as exc:
        raise StoreUnavailable(
            f"cannot upgrade: the database's schema is not one this backcare knows ({_one_line(exc)})"
        ) from None
    except SQLAlchemyError as exc:
        raise StoreUnavailable(f"cannot upgrade the database: {_one_line(exc)}") from None
    finally:
        store.close()


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

"""Entry points for uvicorn: build the app from settings (and, for extra workers, from the environment)."""

from __future__ import annotations

from starlette.types import ASGIApp

from backcare.config import Settings
from backcare.service.diary import database_url
from backcare.store.repo import Store
from backcare.web.app import create_app


def build(settings: Settings) -> ASGIApp:
    store = Store(settings.database_url or database_url())
    return create_app(settings, store)


def app_from_env() -> ASGIApp:
    """Used by ``uvicorn --factory`` in each worker process."""
    return build(Settings.from_env())

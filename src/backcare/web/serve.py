"""Entry points for uvicorn: the app built from settings (and, for extra workers, the environment)."""

from __future__ import annotations

from starlette.types import ASGIApp

from backcare.compose import local_secret, open_store
from backcare.config import Settings
from backcare.web.app import create_app


def build(settings: Settings) -> ASGIApp:
    store = open_store(settings)
    return create_app(settings, store, secret=settings.secret_key or local_secret(store))


def app_from_env() -> ASGIApp:
    """Used by ``uvicorn --factory`` in each worker process."""
    return build(Settings.from_env())

"""Settings, read from ``BACKCARE_*`` environment variables by entry points only."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from backcare.domain import Jurisdiction


class SettingsError(ValueError):
    pass


@dataclass(frozen=True)
class Settings:
    jurisdiction: Jurisdiction = Jurisdiction.UK
    mode: Literal["local", "server"] = "local"
    """local: one person, no login, loopback only. server: accounts, many people."""
    secret_key: str | None = None
    database_url: str | None = None
    secure_cookies: bool = True
    """Server mode only: mark session cookies Secure (turn off only behind plain-HTTP tests)."""
    allowed_hosts: tuple[str, ...] = ()
    """Host names the web app answers to; empty means loopback names in local mode, any in server mode."""

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        raw = env.get("BACKCARE_JURISDICTION", "uk").strip().lower()
        try:
            jurisdiction = Jurisdiction(raw)
        except ValueError:
            choices = ", ".join(j.value for j in Jurisdiction)
            raise SettingsError(f"BACKCARE_JURISDICTION must be one of {choices}, not {raw!r}") from None
        mode = env.get("BACKCARE_MODE", "local").strip().lower()
        if mode not in ("local", "server"):
            raise SettingsError(f"BACKCARE_MODE must be local or server, not {mode!r}")
        secret = env.get("BACKCARE_SECRET_KEY") or None
        if secret is not None and len(secret) < 32:
            raise SettingsError("BACKCARE_SECRET_KEY must be at least 32 characters")
        return cls(
            jurisdiction=jurisdiction,
            mode=mode,  # type: ignore[arg-type]
            secret_key=secret,
            database_url=env.get("BACKCARE_DATABASE_URL") or None,
            secure_cookies=env.get("BACKCARE_SECURE_COOKIES", "1").strip() not in ("0", "false", "no"),
            allowed_hosts=tuple(h.strip() for h in env.get("BACKCARE_ALLOWED_HOSTS", "").split(",") if h.strip()),
        )

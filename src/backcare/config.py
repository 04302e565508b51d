"""Settings, read from ``BACKCARE_*`` environment variables by entry points only."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from backcare.domain import Jurisdiction


class SettingsError(ValueError):
    pass


@dataclass(frozen=True)
class Settings:
    jurisdiction: Jurisdiction = Jurisdiction.UK

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        raw = env.get("BACKCARE_JURISDICTION", "uk").strip().lower()
        try:
            jurisdiction = Jurisdiction(raw)
        except ValueError:
            choices = ", ".join(j.value for j in Jurisdiction)
            raise SettingsError(f"BACKCARE_JURISDICTION must be one of {choices}, not {raw!r}") from None
        return cls(jurisdiction=jurisdiction)

"""Settings: one typed model, read from ``BACKCARE_*`` environment variables by the entry points.

``Settings(...)`` is a plain value (the app factory and the tests build one); only
``Settings.from_env()`` reads the environment, and the CLI and the web workers call it once and
pass the result on. Nothing else in backcare reads environment variables.
"""

from __future__ import annotations

import os
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, PydanticBaseSettingsSource, SettingsConfigDict

from backcare.domain import Jurisdiction

PREFIX = "BACKCARE_"
FALSE_WORDS = ("0", "false", "no", "off")
TRUE_WORDS = ("1", "true", "yes", "on")


class SettingsError(ValueError):
    """A setting has a value backcare cannot use; the message is one line naming the variable."""


def _zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=PREFIX, frozen=True, extra="ignore")

    jurisdiction: Jurisdiction = Jurisdiction.UK
    """BACKCARE_JURISDICTION: uk or us (medicine labels, emergency number, words)."""
    mode: Literal["local", "server"] = "local"
    """local: one person, no login, loopback only. server: accounts, many people."""
    secret_key: str | None = Field(default=None, repr=False)
    """BACKCARE_SECRET_KEY: signs session cookies in server mode; 32+ characters, the same on every worker."""
    database_url: str | None = None
    """BACKCARE_DATABASE_URL: SQLite or PostgreSQL; default a SQLite file in the user data folder."""
    secure_cookies: bool = True
    """Server mode only: mark session cookies Secure (turn off only behind plain-HTTP tests)."""
    allowed_hosts: Annotated[tuple[str, ...], NoDecode] = ()
    """Host names the web app answers to; empty means loopback names in local mode, any in server mode."""
    tz: str | None = None
    """BACKCARE_TZ: the person's time zone (an IANA name such as Europe/London); default the system's."""
    system_tz: str | None = Field(default=None, validation_alias="TZ")
    """The system's ``TZ``, used when BACKCARE_TZ is not set (ignored if it is not a zone name)."""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Only from_env() reads the environment; Settings(...) is exactly what it is given.
        return (init_settings, env_settings) if issubclass(settings_cls, _FromEnvironment) else (init_settings,)

    @classmethod
    def from_env(cls) -> Settings:
        """The settings in the environment; raises ``SettingsError`` (one line) for a bad value."""
        try:
            return _FromEnvironment()
        except ValidationError as exc:
            raise SettingsError(_explain(exc)) from None

    @property
    def zone(self) -> str | None:
        """The configured time zone, if any: BACKCARE_TZ, else a usable TZ."""
        return self.tz or self.system_tz

    @field_validator("jurisdiction", "mode", mode="before")
    @classmethod
    def _lower(cls, value: Any) -> Any:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("secret_key", "database_url", "tz", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("secret_key")
    @classmethod
    def _long_enough(cls, value: str | None) -> str | None:
        if value is not None and len(value) < 32:
            raise ValueError("must be at least 32 characters")
        return value

    @field_validator("secure_cookies", mode="before")
    @classmethod
    def _yes_no(cls, value: Any) -> Any:
        if isinstance(value, str):
            word = value.strip().lower()
            if word in FALSE_WORDS + TRUE_WORDS:
                return word in TRUE_WORDS
            raise ValueError(f"must be 1 or 0 (or true/false, yes/no), not {value!r}")
        return value

    @field_validator("allowed_hosts", mode="before")
    @classmethod
    def _comma_separated(cls, value: Any) -> Any:
        if isinstance(value, str):
            return tuple(h.strip() for h in value.split(",") if h.strip())
        return value

    @field_validator("tz")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is not None and not _zone(value):
            raise ValueError(f"must be a time zone name such as Europe/London or America/New_York, not {value!r}")
        return value

    @field_validator("system_tz", mode="before")
    @classmethod
    def _usable_zone(cls, value: Any) -> Any:
        # TZ belongs to the system and may be in a POSIX form ZoneInfo cannot read: skip it then.
        return value if isinstance(value, str) and value and _zone(value) else None


class _FromEnvironment(Settings):
    """Settings with the environment as a source (see ``Settings.from_env``)."""


CHOICES = {"jurisdiction": "one of " + ", ".join(j.value for j in Jurisdiction), "mode": "local or server"}


def _explain(exc: ValidationError) -> str:
    """The first problem, as ``BACKCARE_NAME must …`` with no pydantic wording."""
    error = exc.errors()[0]
    field = str(error["loc"][0]) if error["loc"] else ""
    name = PREFIX + field.upper()
    if field in CHOICES:
        return f"{name} must be {CHOICES[field]}, not {error.get('input')!r}"
    message = str(error["msg"]).removeprefix("Value error, ")
    return f"{name} {message}" if message.startswith("must") else f"{name}: {message}"


def hand_to_workers(settings: Settings) -> None:
    """uvicorn builds each worker's app from the environment (``web.serve.app_from_env``), so
    choices made on the command line (``serve --mode``) travel there as the variables they override."""
    os.environ[PREFIX + "MODE"] = settings.mode

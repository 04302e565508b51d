"""Checking diary input before it reaches the store: one set of rules for the CLI, the web app and
imports, with messages that name the field that is wrong."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from backcare.domain import (
    LOCATIONS,
    QUALITIES,
    SELF_CARE_ACTIONS,
    TRIGGERS,
    CheckIn,
    Episode,
    MedicineIntake,
    SelfCareAction,
)

# Entries dated a little ahead are allowed (clock skew, a different device), a day ahead is not.
FUTURE_SLACK = timedelta(minutes=10)
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)


class InvalidEntry(ValueError):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


PLAIN = [
    (re.compile(r"^Input should be less than or equal to (\S+)$"), r"must be \1 or less"),
    (re.compile(r"^Input should be greater than or equal to (\S+)$"), r"must be \1 or more"),
    (re.compile(r"^Input should be greater than (\S+)$"), r"must be more than \1"),
    (re.compile(r"^Input should be a valid integer.*$"), "must be a whole number"),
    (re.compile(r"^Input should be a valid number.*$"), "must be a number"),
    (re.compile(r"^Extra inputs are not permitted$"), "is not a field backcare knows"),
    (re.compile(r"^Field required$"), "is missing"),
    (re.compile(r"^String should have at most (\d+) characters$"), r"is too long (at most \1 characters)"),
]


def plain(message: str) -> str:
    """pydantic's wording, said the way a person would."""
    message = message.removeprefix("Value error, ")
    for pattern, replacement in PLAIN:
        if pattern.match(message):
            return pattern.sub(replacement, message)
    return message


def explain(exc: ValidationError, prefix: str = "") -> list[str]:
    out = []
    for e in exc.errors():
        loc = ".".join(str(p) for p in e["loc"])
        message = plain(str(e["msg"]))
        out.append(f"{prefix}{loc}: {message}" if loc else f"{prefix}{message}")
    return out


_configured_zone: str | None = None


def use_zone(name: str | None) -> None:
    """The person's time zone from the settings (BACKCARE_TZ, else TZ); the composition root sets
    it when it opens the store, so entries logged without a zone get this one."""
    global _configured_zone
    _configured_zone = name


def local_zone_name() -> str:
    """The person's time zone: the configured one, the system zone, or UTC."""
    if _configured_zone and valid_zone(_configured_zone):
        return _configured_zone
    try:
        target = Path("/etc/localtime").resolve()
        name = str(target).split("zoneinfo/", 1)[1]
        if valid_zone(name):
            return name
    except (OSError, IndexError):
        pass
    return "UTC"


def valid_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _subset(values: list[str], allowed: tuple[str, ...], what: str) -> list[str]:
    unknown = [v for v in values if v not in allowed]
    if unknown:
        raise ValueError(f"unknown {what} {', '.join(repr(u) for u in unknown)} (choose from {', '.join(allowed)})")
    return list(dict.fromkeys(values))


NUL = "contains a NUL character (U+0000), which backcare cannot store"


def clip(path: str, limit: int = 80) -> str:
    return path if len(path) <= limit else path[: limit - 1] + "…"


def nul_paths(value: Any, where: str = "") -> list[str]:
    """Where in ``value`` (dotted paths, keys included) a string holds NUL: PostgreSQL refuses it
    in text and JSON, so it is refused for every database with a message naming the field.
    Iterative, so a deeply nested value cannot exhaust the stack."""
    found: list[str] = []
    stack: list[tuple[str, Any]] = [(where, value)]
    while stack:
        path, item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                found.append(clip(path or "value"))
        elif isinstance(item, list | tuple):
            stack.extend((f"{path}.{i}" if path else str(i), v) for i, v in reversed(list(enumerate(item))))
        elif isinstance(item, dict):
            for k, v in reversed(list(item.items())):
                name = f"{path}.{k}" if path else str(k)
                if "\x00" in str(k):
                    stack.append((name.replace("\x00", "\\u0000"), "\x00"))
                else:
                    stack.append((name, v))
    return found


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="before")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        if nul_paths(value):
            raise ValueError(NUL)
        return value


Note = Annotated[str, Field(max_length=5000)]


class Timed(Strict):
    tz: str = Field(default_factory=local_zone_name, max_length=64)

    @field_validator("tz")
    @classmethod
    def _zone(cls, value: str) -> str:
        if not valid_zone(value):
            raise ValueError(f"unknown time zone {value!r} (use a name such as Europe/London)")
        return value


def _moment(value: datetime, field: str) -> datetime:
    if value.tzinfo is None:
        raise ValueError(f"{field} needs a time zone offset, for example 2026-11-24T08:30:00+00:00")
    if value > datetime.now(UTC) + FUTURE_SLACK:
        raise ValueError(f"{field} is in the future")
    if value < EARLIEST:
        raise ValueError(f"{field} is before 1900")
    return value


class EpisodeIn(Timed):
    id: str | None = Field(default=None, pattern=r"^[0-9a-f-]{36}$")
    started_at: datetime
    ended_at: datetime | None = None
    pain: int = Field(ge=0, le=10)
    locations: list[str] = []
    qualities: list[str] = []
    triggers: list[str] = []
    helped: list[str] = []
    red_flags: list[str] = []
    note: Note = ""

    @field_validator("started_at")
    @classmethod
    def _start(cls, v: datetime) -> datetime:
        return _moment(v, "started_at")

    @field_validator("ended_at")
    @classmethod
    def _end(cls, v: datetime | None) -> datetime | None:
        return None if v is None else _moment(v, "ended_at")

    @field_validator("locations")
    @classmethod
    def _loc(cls, v: list[str]) -> list[str]:
        return _subset(v, LOCATIONS, "location")

    @field_validator("qualities")
    @classmethod
    def _qual(cls, v: list[str]) -> list[str]:
        return _subset(v, QUALITIES, "pain quality")

    @field_validator("triggers")
    @classmethod
    def _trig(cls, v: list[str]) -> list[str]:
        return _subset(v, TRIGGERS, "trigger")

    @field_validator("helped")
    @classmethod
    def _helped(cls, v: list[str]) -> list[str]:
        return _subset(v, (*SELF_CARE_ACTIONS, "medicine", "rest", "nothing"), "'what helped' item")

    def to_domain(self, entry_id: str) -> Episode:
        return Episode(
            id=entry_id,
            started_at=self.started_at,
            tz=self.tz,
            pain=self.pain,
            ended_at=self.ended_at,
            locations=tuple(self.locations),
            qualities=tuple(self.qualities),
            triggers=tuple(self.triggers),
            helped=tuple(self.helped),
            red_flags=tuple(self.red_flags),
            note=self.note,
        )

    @model_validator(mode="after")
    def _order(self) -> EpisodeIn:
        if self.ended_at is not None and self.ended_at < self.started_at:
            raise ValueError("ended_at is before started_at")
        return self


class IntakeIn(Timed):
    id: str | None = Field(default=None, pattern=r"^[0-9a-f-]{36}$")
    taken_at: datetime
    product: str = Field(min_length=1, max_length=120)
    units: float = Field(gt=0, le=20)
    contains: dict[
        Literal["paracetamol", "ibuprofen", "naproxen", "aspirin", "codeine"], Annotated[float, Field(gt=0, le=2000)]
    ] = {}
    note: Note = ""

    @field_validator("taken_at")
    @classmethod
    def _at(cls, v: datetime) -> datetime:
        return _moment(v, "taken_at")

    def to_domain(self, entry_id: str) -> MedicineIntake:
        return MedicineIntake(
            id=entry_id,
            taken_at=self.taken_at,
            tz=self.tz,
            product=self.product,
            units=self.units,
            contains=tuple(sorted(self.contains.items())),
            note=self.note,
        )


class ActionIn(Timed):
    id: str | None = Field(default=None, pattern=r"^[0-9a-f-]{36}$")
    done_at: datetime
    action: str
    minutes: int | None = Field(default=None, ge=1, le=24 * 60)
    note: Note = ""

    @field_validator("done_at")
    @classmethod
    def _at(cls, v: datetime) -> datetime:
        return _moment(v, "done_at")

    @field_validator("action")
    @classmethod
    def _action(cls, v: str) -> str:
        return _subset([v], SELF_CARE_ACTIONS, "self-care action")[0]

    def to_domain(self, entry_id: str) -> SelfCareAction:
        return SelfCareAction(
            id=entry_id, done_at=self.done_at, tz=self.tz, action=self.action, minutes=self.minutes, note=self.note
        )


class CheckInIn(Strict):
    id: str | None = Field(default=None, pattern=r"^[0-9a-f-]{36}$")
    day: date
    pain_free: bool
    pain: int | None = Field(default=None, ge=0, le=10)
    note: Note = ""

    def to_domain(self, entry_id: str) -> CheckIn:
        return CheckIn(id=entry_id, day=self.day, pain_free=self.pain_free, pain=self.pain, note=self.note)

    @model_validator(mode="after")
    def _consistent(self) -> CheckInIn:
        if self.day > date.today() + timedelta(days=1):
            raise ValueError("day is in the future")
        if self.pain_free and self.pain not in (None, 0):
            raise ValueError("a pain-free day cannot have a pain score above 0")
        return self

"""The values the report and the chart are drawn from, already in words: plain data, so the
service builds them without importing the PDF or drawing libraries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Point:
    """One day of the chart: ``worst`` None is a gap; 0 with ``pain_free`` is a pain-free day."""

    day: date
    worst: int | None
    pain_free: bool = False


def fitted(points: list[Point]) -> list[Point]:
    """The days from the first with data to the last day of the period: a few entries are not
    squeezed into one corner of a six-month axis."""
    first = next((i for i, p in enumerate(points) if p.worst is not None), None)
    return [] if first is None else points[first:]


@dataclass(frozen=True)
class Sign:
    text: str
    answer: str
    """"Yes" or "Don't know (counts as yes)"."""


@dataclass(frozen=True)
class Alert:
    level: str
    emergency: bool
    title: str
    detail: str


@dataclass(frozen=True)
class MedicineRow:
    name: str
    doses: str
    days: int
    most_in_a_day: str


@dataclass(frozen=True)
class EarlierCheck:
    when: str
    level: str
    reasons: str
    """The main reasons for its level, in one line."""


@dataclass(frozen=True)
class ReportView:
    generated: str
    period: str
    who: list[tuple[str, str]]
    check_when: str | None
    now: str
    """The diary's alert when it is more urgent than the latest check ("Now: Emergency — …"), or ""."""
    now_urgency: str | None
    level: str | None
    urgency: str | None
    headline: str
    incomplete: str
    reasons: list[tuple[str, str]]
    yes_signs: list[Sign]
    history: list[str]
    risk_factors: list[str]
    risks_note: str
    """Why the latest check has no risk factors to show ("Not asked in the latest check (…)"), or ""."""
    alerts: list[Alert]
    pattern: list[str]
    points: list[Point]
    medicines: list[MedicineRow]
    most_in_24h: str
    before_check: str
    helped: str
    negatives: list[str]
    causes: str
    earlier_checks: list[EarlierCheck]
    episodes: list[list[str]]
    episodes_total: int
    flagged: list[bool]
    """Per row of ``episodes``: a warning sign was logged with it (the row is tinted)."""
    intended_use: str

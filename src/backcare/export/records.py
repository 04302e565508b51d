"""The full record of one person's data, as one value every exporter reads."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from backcare.domain import CheckIn, Episode, MedicineIntake, SelfCareAction


@dataclass(frozen=True)
class SavedAssessment:
    id: str
    created_at: datetime
    jurisdiction: str
    knowledge_version: str
    status: str
    urgency: str
    answers: dict[str, Any]
    result: dict[str, Any]


@dataclass(frozen=True)
class AuditEntry:
    entry_kind: str
    entry_id: str
    changed_at: datetime
    before: dict[str, Any]
    after: dict[str, Any]


@dataclass(frozen=True)
class Record:
    episodes: list[Episode] = field(default_factory=list)
    intakes: list[MedicineIntake] = field(default_factory=list)
    actions: list[SelfCareAction] = field(default_factory=list)
    checkins: list[CheckIn] = field(default_factory=list)
    assessments: list[SavedAssessment] = field(default_factory=list)
    audit: list[AuditEntry] = field(default_factory=list)

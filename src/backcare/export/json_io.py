"""The complete, lossless JSON export (and its inverse, used by import after validation)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from backcare.domain import CheckIn, Episode, MedicineIntake, SelfCareAction
from backcare.export.records import Record

FORMAT = "backcare-diary"
VERSION = 1


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def episode_json(e: Episode) -> dict[str, Any]:
    return {
        "id": e.id,
        "started_at": _iso(e.started_at),
        "ended_at": _iso(e.ended_at),
        "tz": e.tz,
        "pain": e.pain,
        "locations": list(e.locations),
        "qualities": list(e.qualities),
        "triggers": list(e.triggers),
        "helped": list(e.helped),
        "red_flags": list(e.red_flags),
        "note": e.note,
    }


def intake_json(i: MedicineIntake) -> dict[str, Any]:
    return {
        "id": i.id,
        "taken_at": _iso(i.taken_at),
        "tz": i.tz,
        "product": i.product,
        "units": i.units,
        "contains": dict(i.contains),
        "note": i.note,
    }


def action_json(a: SelfCareAction) -> dict[str, Any]:
    return {
        "id": a.id,
        "done_at": _iso(a.done_at),
        "tz": a.tz,
        "action": a.action,
        "minutes": a.minutes,
        "note": a.note,
    }


def checkin_json(c: CheckIn) -> dict[str, Any]:
    return {"id": c.id, "day": c.day.isoformat(), "pain_free": c.pain_free, "pain": c.pain, "note": c.note}


def to_json(record: Record, exported_at: datetime, knowledge_version: str) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": exported_at.isoformat(),
        "knowledge_version": knowledge_version,
        "episodes": [episode_json(e) for e in record.episodes],
        "medicine_intakes": [intake_json(i) for i in record.intakes],
        "self_care_actions": [action_json(a) for a in record.actions],
        "checkins": [checkin_json(c) for c in record.checkins],
        "assessments": [
            {
                "id": a.id,
                "created_at": _iso(a.created_at),
                "jurisdiction": a.jurisdiction,
                "knowledge_version": a.knowledge_version,
                "status": a.status,
                "urgency": a.urgency,
                "answers": a.answers,
                "result": a.result,
            }
            for a in record.assessments
        ],
        "audit": [
            {
                "entry_kind": x.entry_kind,
                "entry_id": x.entry_id,
                "changed_at": _iso(x.changed_at),
                "before": x.before,
                "after": x.after,
            }
            for x in record.audit
        ],
    }

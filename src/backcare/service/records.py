"""Records use-cases: the doctor report, exports (JSON, CSV, FHIR) and import.

Import checks the whole file before writing anything, then writes it in one transaction: a
malformed, truncated or hostile file changes nothing.

A saved check's ``result`` is derived data: import keeps the answers and the knowledge version
they were given under, and assesses the answers again rather than trusting the file's result, so
a hostile or older result can never reach the report. Results already stored (by an older
backcare's import) are checked against the shape the exporters read and re-derived if they
do not fit.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from backcare.domain import Jurisdiction, Urgency
from backcare.engine.answers import InvalidAnswers, validate_answers
from backcare.engine.assess import assess
from backcare.export.records import AuditEntry, Record, SavedAssessment
from backcare.service import engine, questions_catalogue, result_json
from backcare.service.diary import DiaryService
from backcare.service.entries import NUL, ActionIn, CheckInIn, EpisodeIn, IntakeIn, explain, nul_paths
from backcare.store.repo import Diary

MAX_IMPORT_BYTES = 64 * 1024 * 1024
EPOCH = datetime(1900, 1, 1, tzinfo=UTC)


class ImportError_(ValueError):
    """The file cannot be imported; nothing was written."""


def load_record(diary: Diary, start: datetime = EPOCH, end: datetime | None = None) -> Record:
    end = end or datetime.now(UTC) + timedelta(days=2)
    return Record(
        episodes=diary.episodes(start, end),
        intakes=diary.intakes(start, end),
        actions=diary.actions(start, end),
        checkins=diary.checkins(start.date(), end.date()),
        assessments=[
            _readable(
                SavedAssessment(
                    a.id, a.created_at, a.jurisdiction, a.knowledge_version, a.status, a.urgency, a.answers, a.result
                )
            )
            for a in diary.assessments()
        ],
        audit=[AuditEntry(x.entry_kind, x.entry_id, x.changed_at, x.before, x.after) for x in diary.audit()],
    )


class _Citation(BaseModel):
    title: str


class _Reason(BaseModel):
    title: str
    advice: str
    citations: list[_Citation] = []


class _Cause(BaseModel):
    id: str
    name: str
    icd10cm: list[str] = []
    icd10_who: list[str] = []
    snomed: str | None = None


class ResultShape(BaseModel):
    """The parts of a saved result that the PDF, FHIR and JSON exports read."""

    model_config = ConfigDict(extra="allow")
    status: Literal["complete", "incomplete"]
    urgency: Urgency
    headline: str
    reasons: list[_Reason]
    possible_causes: list[_Cause]


MAX_RESULT_DEPTH = 12
"""A real result nests 5 levels deep; a result nested hundreds deep would exhaust the stack of
every recursive walk over it (wording, JSON encoding)."""


def _too_deep(value: Any) -> bool:
    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_RESULT_DEPTH:
            return True
        if isinstance(item, dict):
            stack += [(v, depth + 1) for v in item.values()]
        elif isinstance(item, list):
            stack += [(v, depth + 1) for v in item]
    return False


def reassess(answers: dict[str, Any], jurisdiction: str) -> dict[str, Any]:
    """The result these answers get now; raises ``InvalidAnswers`` (or ``ValueError`` for an
    unknown country)."""
    from backcare.service.check import read_answers

    return result_json(assess(engine(), read_answers(answers), Jurisdiction(jurisdiction)))


def _readable(a: SavedAssessment) -> SavedAssessment:
    """The saved check as the exporters can read it: its own result if it has the right shape,
    else the answers assessed again, else (answers no longer readable) no result at all."""
    try:
        if not _too_deep(a.result):
            ResultShape.model_validate(a.result)
            return a
    except ValidationError:
        pass
    try:
        result = reassess(a.answers, a.jurisdiction)
    except (InvalidAnswers, ValueError):
        return replace(a, result={})
    return replace(a, result=result, status=result["status"], urgency=result["urgency"])


def export(service: DiaryService, fmt: Literal["json", "csv", "fhir", "fhir-r4"], now: datetime | None = None) -> str:
    now = now or datetime.now(UTC)
    with service.diary() as d:
        record = load_record(d)
    if fmt == "json":
        from backcare.export.json_io import to_json

        return json.dumps(to_json(record, now, engine().version), indent=1, ensure_ascii=False)
    if fmt == "csv":
        from backcare.export.csv_io import to_csv

        return to_csv(record)
    from backcare.export.fhir import bundle
    from backcare.service.report import sign_words

    flavour: Literal["r4", "default"] = "r4" if fmt == "fhir-r4" else "default"
    catalogue = questions_catalogue(service.jurisdiction)
    signs = sign_words(service.jurisdiction)
    return str(bundle(record, catalogue, engine().version, now, flavour, sign_words=signs).model_dump_json(indent=1))


def report_pdf(service: DiaryService, days: int = 180, now: datetime | None = None) -> bytes:
    """The doctor report (service/report.py builds it)."""
    from backcare.service.report import report_pdf as build

    return build(service, days, now)


def chart(service: DiaryService, fmt: str, days: int = 180) -> bytes:
    """The pain chart as SVG or PDF (service/report.py draws it)."""
    from backcare.service.report import chart as draw

    return draw(service, fmt, days)


# --- import -----------------------------------------------------------------------------------


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AssessmentIn(Strict):
    id: str = Field(pattern=r"^[0-9a-f-]{36}$")
    created_at: datetime
    jurisdiction: Literal["uk", "us"]
    knowledge_version: str = Field(max_length=40)
    """The knowledge version the answers were given under: kept, as the check's provenance."""
    answers: dict[str, Any]
    # Derived from the answers, so assessed again on import: whatever the file says is not used.
    status: Any = None
    urgency: Any = None
    result: Any = None

    @field_validator("created_at")
    @classmethod
    def _when(cls, v: datetime) -> datetime:
        if v.tzinfo is None or v > datetime.now(UTC) + timedelta(minutes=10):
            raise ValueError("created_at must carry a time zone and not be in the future")
        return v

    @field_validator("answers")
    @classmethod
    def _answers(cls, v: dict[str, Any]) -> dict[str, Any]:
        if len(v) > 500 or len(json.dumps(v)) > 100_000:
            raise ValueError("too many or too large answers")
        try:
            validate_answers(v, engine().questions)
        except InvalidAnswers as exc:
            raise ValueError(f"answers that backcare cannot read: {exc}") from None
        return v


class AuditIn(Strict):
    entry_kind: Literal["episode", "medicine", "action", "checkin"]
    entry_id: str = Field(pattern=r"^[0-9a-f-]{36}$")
    changed_at: datetime
    before: dict[str, Any]
    after: dict[str, Any]


class ExportFile(Strict):
    format: Literal["backcare-diary"]
    version: Literal[1]
    exported_at: datetime
    knowledge_version: str = Field(max_length=40)
    episodes: list[EpisodeIn] = Field(default=[], max_length=2_000_000)
    medicine_intakes: list[IntakeIn] = Field(default=[], max_length=2_000_000)
    self_care_actions: list[ActionIn] = Field(default=[], max_length=2_000_000)
    checkins: list[CheckInIn] = Field(default=[], max_length=200_000)
    assessments: list[AssessmentIn] = Field(default=[], max_length=100_000)
    audit: list[AuditIn] = Field(default=[], max_length=2_000_000)


def _parse(path: Path) -> ExportFile:
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ImportError_(f"{path}: cannot read ({exc.strerror or exc})") from None
    if size > MAX_IMPORT_BYTES:
        raise ImportError_(f"{path}: {size:,} bytes is larger than the {MAX_IMPORT_BYTES:,}-byte import limit")
    try:
        text = path.read_text(encoding="utf-8")
        raw = json.loads(text)
    except UnicodeDecodeError:
        raise ImportError_(f"{path}: not a UTF-8 text file") from None
    except json.JSONDecodeError as exc:
        raise ImportError_(
            f"{path}:{exc.lineno}:{exc.colno}: not valid JSON ({exc.msg}); is the file truncated?"
        ) from None
    except RecursionError:
        raise ImportError_(f"{path}: nested too deeply to be a backcare export") from None
    if not isinstance(raw, dict) or raw.get("format") != "backcare-diary":
        raise ImportError_(f'{path}: not a backcare JSON export (expected "format": "backcare-diary")')
    nul = nul_paths(raw)
    if nul:
        shown = "\n  ".join(f"{p}: {NUL}" for p in nul[:20])
        raise ImportError_(f"{path}: {len(nul)} problem(s):\n  {shown}")
    try:
        return ExportFile.model_validate(raw)
    except ValidationError as exc:
        problems = explain(exc)
        shown = "\n  ".join(problems[:20])
        more = f"\n  … and {len(problems) - 20} more" if len(problems) > 20 else ""
        raise ImportError_(f"{path}: {len(problems)} problem(s):\n  {shown}{more}") from None


def _require_ids(data: ExportFile) -> None:
    ids: Counter[str] = Counter()
    problems = []
    sections: list[tuple[str, list[Any]]] = [
        ("episodes", data.episodes),
        ("medicine_intakes", data.medicine_intakes),
        ("self_care_actions", data.self_care_actions),
        ("checkins", data.checkins),
        ("assessments", data.assessments),
    ]
    for section, items in sections:
        for index, item in enumerate(items):
            if item.id is None:
                problems.append(f"{section}.{index}.id: missing")
            else:
                ids[item.id] += 1
    problems += [f"duplicate id {i} ({n} times)" for i, n in ids.items() if n > 1]
    days = Counter(c.day for c in data.checkins)
    problems += [f"checkins: two check-ins for {d}" for d, n in days.items() if n > 1]
    known = set(ids)
    problems += [
        f"audit.{i}.entry_id: {a.entry_id} is not an entry in this file"
        for i, a in enumerate(data.audit)
        if a.entry_id not in known
    ]
    if problems:
        raise ImportError_(f"{len(problems)} problem(s):\n  " + "\n  ".join(problems[:20]))


def _reassessed(data: ExportFile) -> list[dict[str, Any]]:
    """Every check's result from its answers, before anything is written."""
    results, problems = [], []
    for index, s in enumerate(data.assessments):
        try:
            results.append(reassess(s.answers, s.jurisdiction))
        except InvalidAnswers as exc:
            problems += [f"assessments.{index}.answers.{e}" for e in exc.errors]
    if problems:
        raise ImportError_(f"{len(problems)} problem(s):\n  " + "\n  ".join(problems[:20]))
    return results


def import_file(service: DiaryService, path: Path) -> dict[str, int]:
    """Validate the whole file, then write it in one transaction; returns counts written."""
    data = _parse(path)
    _require_ids(data)
    results = _reassessed(data)
    from sqlalchemy.exc import IntegrityError

    try:
        with service.diary() as d:
            existing = d.count()
            for section in (data.episodes, data.medicine_intakes, data.self_care_actions, data.checkins):
                for item in section:
                    d.add(item.to_domain(str(item.id)))
            for s, result in zip(data.assessments, results, strict=True):
                d.import_assessment(
                    s.id,
                    s.created_at,
                    s.jurisdiction,
                    s.knowledge_version,
                    result["status"],
                    result["urgency"],
                    s.answers,
                    result,
                )
            for x in data.audit:
                d.import_audit(x.entry_kind, x.entry_id, x.changed_at, x.before, x.after)
    except IntegrityError:
        raise ImportError_(
            f"{path}: some entries are already in your diary (same ids, or a check-in for a day you already have); "
            "nothing was imported"
        ) from None
    return {
        "episodes": len(data.episodes),
        "medicine_intakes": len(data.medicine_intakes),
        "self_care_actions": len(data.self_care_actions),
        "checkins": len(data.checkins),
        "assessments": len(data.assessments),
        "audit": len(data.audit),
        "before": sum(existing.values()),
    }

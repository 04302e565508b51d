"""Imported checks cannot break a report: the file's ``result`` is never trusted (the answers are
assessed again), answers and knowledge version are kept, and bad answers refuse the whole file."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from backcare.config import Settings
from backcare.service.diary import DiaryService
from backcare.service.records import ImportError_, export, import_file, reassess, report_pdf
from backcare.store.repo import Store
from backcare.web.app import create_app
from tests.conftest import ORDINARY

ANSWERS: dict[str, Any] = {
    **{k: list(v) if isinstance(v, tuple) else v for k, v in ORDINARY.items()},
    "back_pain_present": "yes",
    "bladder_control": "no",
    "saddle_numbness": "no",
}
OLD_VERSION = "2025.01.0+0123456789"

HOSTILE = "<b>unclosed <font name='x'> &amp; </para> ]]> \u202e\u0000"[:-1]
NESTED: Any = "deep"
for _ in range(500):
    NESTED = [NESTED]

BAD_RESULTS: dict[str, Any] = {
    "a string": "garbage",
    "a list": [1, 2, 3],
    "null": None,
    "an older shape": {"level": "self_care", "why": ["rule-1"], "causes": "muscle spasm"},
    "wrong types": {"headline": 5, "reasons": "none", "possible_causes": [{"name": None}]},
    "hostile strings": {
        "status": "complete",
        "urgency": "self_care",
        "headline": HOSTILE,
        "reasons": [{"title": HOSTILE, "advice": HOSTILE, "citations": [{"title": HOSTILE}]}],
        "possible_causes": [{"id": HOSTILE, "name": HOSTILE, "icd10cm": [HOSTILE], "snomed": HOSTILE}],
    },
    "nested hundreds deep": {"headline": "x", "reasons": [], "possible_causes": [], "plan": NESTED},
}


def export_file(tmp_path: Path, result: Any, answers: dict[str, Any] | None = None, **assessment: Any) -> Path:
    doc = {
        "format": "backcare-diary",
        "version": 1,
        "exported_at": "2026-11-30T10:00:00+00:00",
        "knowledge_version": OLD_VERSION,
        "assessments": [
            {
                "id": "0b7e3f4e-7d0c-4a57-9a4e-1d2b3c4d5e6f",
                "created_at": "2026-11-29T09:00:00+00:00",
                "jurisdiction": "uk",
                "knowledge_version": OLD_VERSION,
                "status": "complete",
                "urgency": "self_care",
                "answers": ANSWERS if answers is None else answers,
                "result": result,
                **assessment,
            }
        ],
    }
    path = tmp_path / "import.json"
    path.write_text(json.dumps(doc))
    return path


def assert_every_report_works(svc: DiaryService, store: Store) -> None:
    assert report_pdf(svc).startswith(b"%PDF")
    for fmt in ("fhir", "fhir-r4", "csv"):
        assert export(svc, fmt)  # type: ignore[arg-type]
    client = TestClient(create_app(Settings(allowed_hosts=("testserver",)), store), raise_server_exceptions=False)
    for page in ("/report", "/report.pdf", "/export/json", "/export/fhir", "/plan", "/checks", "/api/v1/report"):
        response = client.get(page)
        assert response.status_code == 200, (page, response.status_code, response.text[:300])


@pytest.mark.parametrize("result", BAD_RESULTS.values(), ids=BAD_RESULTS.keys())
def test_an_imported_result_is_assessed_again_and_every_report_still_works(
    db_url: str, tmp_path: Path, result: Any
) -> None:
    store = Store(db_url)
    try:
        svc = DiaryService(store)
        counts = import_file(svc, export_file(tmp_path, result, status="nonsense", urgency=HOSTILE))
        assert counts["assessments"] == 1
        assert_every_report_works(svc, store)
        saved = json.loads(export(svc, "json"))["assessments"]
        assert len(saved) == 1
        assert saved[0]["answers"] == ANSWERS
        assert saved[0]["knowledge_version"] == OLD_VERSION
        now = reassess(ANSWERS, "uk")
        assert saved[0]["result"] == now
        assert (
            (saved[0]["status"], saved[0]["urgency"]) == (now["status"], now["urgency"]) == ("incomplete", "self_care")
        )
    finally:
        store.close()


def test_a_result_stored_by_an_older_import_is_re_derived_when_read(db_url: str) -> None:
    store = Store(db_url)
    try:
        svc = DiaryService(store)
        with svc.diary() as d:  # as an older backcare's import wrote it, unchecked
            d.import_assessment(
                "0b7e3f4e-7d0c-4a57-9a4e-1d2b3c4d5e6f",
                datetime(2026, 11, 29, tzinfo=UTC),
                "uk",
                OLD_VERSION,
                "complete",
                "self_care",
                ANSWERS,
                BAD_RESULTS["wrong types"],
            )
        assert_every_report_works(svc, store)
        assert json.loads(export(svc, "json"))["assessments"][0]["result"] == reassess(ANSWERS, "uk")
    finally:
        store.close()


@pytest.mark.parametrize(
    ("answers", "named"),
    [
        ({**ANSWERS, "severity": 99}, "severity"),
        ({**ANSWERS, "no_such_question": "yes"}, "no_such_question"),
        ({**ANSWERS, "bladder_control": "perhaps"}, "bladder_control"),
    ],
    ids=["out of range", "unknown question", "unknown option"],
)
def test_invalid_answers_refuse_the_whole_import(
    diary: DiaryService, tmp_path: Path, answers: dict[str, Any], named: str
) -> None:
    diary.log_episode(pain=4, note="already here")
    with diary.diary() as d:
        before = d.count()
    path = export_file(tmp_path, {}, answers)
    doc = json.loads(path.read_text())
    doc["episodes"] = [
        {"id": "1b7e3f4e-7d0c-4a57-9a4e-1d2b3c4d5e6f", "started_at": "2026-11-28T08:00:00+00:00", "pain": 5}
    ]
    path.write_text(json.dumps(doc))
    with pytest.raises(ImportError_, match=named) as caught:
        import_file(diary, path)
    assert "Traceback" not in str(caught.value)
    with diary.diary() as d:
        assert d.count() == before

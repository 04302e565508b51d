"""Exports and import: lossless JSON, spreadsheet CSV, validated FHIR R4, the PDF report, and
imports that either write everything or nothing."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backcare import service
from backcare.domain import LOCATIONS, QUALITIES, SELF_CARE_ACTIONS, TRIGGERS
from backcare.service.diary import DiaryService
from backcare.service.records import ImportError_, export, import_file, report_pdf
from backcare.store.repo import Store

NOW = datetime.now(UTC).replace(microsecond=0)


def fill(diary: DiaryService) -> None:
    from tests.conftest import ORDINARY

    answers = {**ORDINARY, "back_pain_present": "yes", "bladder_control": "no", "saddle_numbness": "no"}
    result = service.result_json(service.assess_answers(dict(answers)))
    diary.save_assessment({k: list(v) if isinstance(v, tuple) else v for k, v in answers.items()}, result)
    for d, pain in ((20, 7), (12, 5), (3, 3)):
        diary.log_episode(
            pain=pain,
            started_at=NOW - timedelta(days=d),
            locations=["lower", "left"],
            triggers=["lifting"],
            helped=["heat", "walk"],
            tz="Europe/London",
            note=f"day {d}",
        )
    diary.log_intake("ibuprofen-200", 2, taken_at=NOW - timedelta(days=12), tz="Europe/London")
    diary.log_action("heat", 15, done_at=NOW - timedelta(days=12), tz="Europe/London")
    diary.check_in((NOW - timedelta(days=1)).date(), pain_free=True)
    first = diary.recent(30)[-1]
    diary.edit(first.id, note="edited note")


def without_time(doc: dict[str, object]) -> dict[str, object]:
    return {k: v for k, v in doc.items() if k != "exported_at"}


def test_json_export_round_trips_exactly(diary: DiaryService, tmp_path: Path) -> None:
    fill(diary)
    first = export(diary, "json")
    path = tmp_path / "export.json"
    path.write_text(first)
    fresh = Store(f"sqlite:///{tmp_path / 'fresh.sqlite3'}")
    try:
        target = DiaryService(fresh)
        counts = import_file(target, path)
        assert counts["episodes"] == 3 and counts["assessments"] == 1 and counts["audit"] == 1
        assert without_time(json.loads(export(target, "json"))) == without_time(json.loads(first))
    finally:
        fresh.close()


def test_importing_the_same_file_twice_writes_nothing_the_second_time(diary: DiaryService, tmp_path: Path) -> None:
    fill(diary)
    path = tmp_path / "export.json"
    path.write_text(export(diary, "json"))
    with diary.diary() as d:
        before = d.count()
    with pytest.raises(ImportError_, match="already in your diary"):
        import_file(diary, path)
    with diary.diary() as d:
        assert d.count() == before


def test_csv_has_one_row_per_entry(diary: DiaryService) -> None:
    fill(diary)
    rows = list(csv.DictReader(io.StringIO(export(diary, "csv"))))
    assert len(rows) == 3 + 1 + 1 + 1
    assert {r["kind"] for r in rows} == {"episode", "medicine", "self_care", "checkin"}
    episode = next(r for r in rows if r["kind"] == "episode" and r["note"] == "day 3")
    assert episode["locations"] == "lower; left" and episode["tz"] == "Europe/London"


@pytest.mark.parametrize(
    ("fmt", "package"), [("fhir-r4", "fhir.resources.R4B.bundle"), ("fhir", "fhir.resources.bundle")]
)
def test_fhir_bundle_validates_and_carries_the_codes(diary: DiaryService, fmt: str, package: str) -> None:
    import importlib

    bundle_model = importlib.import_module(package).Bundle
    fill(diary)
    bundle = bundle_model.model_validate_json(export(diary, fmt))  # type: ignore[arg-type]
    kinds = [e.resource.get_resource_type() for e in bundle.entry]
    assert kinds.count("Patient") == 1 and kinds.count("Questionnaire") == 1
    assert kinds.count("QuestionnaireResponse") == 1 and kinds.count("Condition") == 1
    assert kinds.count("Observation") == 3 and kinds.count("MedicationStatement") == 1
    obs = next(e.resource for e in bundle.entry if e.resource.get_resource_type() == "Observation")
    assert obs.code.coding[0].system == "http://loinc.org" and obs.code.coding[0].code == "72514-3"
    cond = next(e.resource for e in bundle.entry if e.resource.get_resource_type() == "Condition")
    icd10cm = {c.code for c in cond.code.coding if c.system == "http://hl7.org/fhir/sid/icd-10-cm"}
    assert "M62.830" in icd10cm
    assert cond.verificationStatus.coding[0].code == "provisional"
    patient = next(e.resource for e in bundle.entry if e.resource.get_resource_type() == "Patient")
    assert patient.identifier is None


def test_pdf_report_answers_the_doctors_questions(diary: DiaryService) -> None:
    from pypdf import PdfReader

    fill(diary)
    reader = PdfReader(io.BytesIO(report_pdf(diary)))
    assert 1 <= len(reader.pages) <= 2
    text = " ".join(page.extract_text() for page in reader.pages).replace("\n", " ")
    for expected in (
        "Back pain summary for your doctor",
        "Age: 34 years",
        "Sex: Male",
        "Result: Self-care",
        "Feels like: A cramp, tight knot or spasm",
        "Ibuprofen 200 mg",
        "Numbness or pins and needles between your inner thighs",
        "Pain entries (3 logged)",
        "heat 1 time (15 minutes)",
        "not a diagnosis",
    ):
        assert expected in text, expected
    negatives = text.index("Warning signs asked and answered no")
    assert "Numbness or pins and needles between your inner thighs" in text[negatives:]


BAD_FILES = {
    "not json": ("{ this is not json", "not valid JSON"),
    "truncated": ('{"format": "backcare-diary", "version": 1, "episodes": [{"id":', "is the file truncated"),
    "wrong type": (
        {
            "episodes": [
                {
                    "id": "9b2f0c1e-0000-4000-8000-000000000001",
                    "started_at": "2026-01-01T09:00:00+00:00",
                    "tz": "UTC",
                    "pain": "seven",
                }
            ]
        },
        "episodes.0.pain",
    ),
    "huge value": (
        {
            "episodes": [
                {
                    "id": "9b2f0c1e-0000-4000-8000-000000000001",
                    "started_at": "2026-01-01T09:00:00+00:00",
                    "tz": "UTC",
                    "pain": 10**12,
                }
            ]
        },
        "episodes.0.pain: must be 10 or less",
    ),
    "future date": (
        {
            "episodes": [
                {
                    "id": "9b2f0c1e-0000-4000-8000-000000000001",
                    "started_at": "2099-01-01T09:00:00+00:00",
                    "tz": "UTC",
                    "pain": 3,
                }
            ]
        },
        "started_at is in the future",
    ),
    "unknown field": (
        {
            "episodes": [
                {
                    "id": "9b2f0c1e-0000-4000-8000-000000000001",
                    "started_at": "2026-01-01T09:00:00+00:00",
                    "tz": "UTC",
                    "pain": 3,
                    "x": 1,
                }
            ]
        },
        "episodes.0.x: is not a field backcare knows",
    ),
    "duplicate ids": (
        {
            "episodes": [
                {
                    "id": "9b2f0c1e-0000-4000-8000-000000000001",
                    "started_at": "2026-01-01T09:00:00+00:00",
                    "tz": "UTC",
                    "pain": 3,
                },
                {
                    "id": "9b2f0c1e-0000-4000-8000-000000000001",
                    "started_at": "2026-01-02T09:00:00+00:00",
                    "tz": "UTC",
                    "pain": 4,
                },
            ]
        },
        "duplicate id 9b2f0c1e-0000-4000-8000-000000000001",
    ),
    "wrong format": ({"format": "something-else"}, "not a backcare JSON export"),
    "unreadable saved check": (
        {
            "assessments": [
                {
                    "id": "9b2f0c1e-0000-4000-8000-000000000009",
                    "created_at": "2026-01-01T09:00:00+00:00",
                    "jurisdiction": "uk",
                    "knowledge_version": "x",
                    "status": "complete",
                    "urgency": "self_care",
                    "answers": {"age": "banana"},
                    "result": {},
                }
            ]
        },
        "age: expected a number",
    ),
    "huge note": (
        {
            "episodes": [
                {
                    "id": "9b2f0c1e-0000-4000-8000-000000000001",
                    "started_at": "2026-01-01T09:00:00+00:00",
                    "tz": "UTC",
                    "pain": 3,
                    "note": "x" * 6000,
                }
            ]
        },
        "episodes.0.note",
    ),
}


@pytest.mark.parametrize("name", list(BAD_FILES))
def test_bad_import_files_fail_clearly_and_write_nothing(diary: DiaryService, tmp_path: Path, name: str) -> None:
    content, message = BAD_FILES[name]
    if isinstance(content, dict) and "format" not in content:
        content = {
            "format": "backcare-diary",
            "version": 1,
            "exported_at": "2026-01-01T00:00:00+00:00",
            "knowledge_version": "x",
            **content,
        }
    path = tmp_path / "bad.json"
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    diary.log_episode(pain=2)
    with diary.diary() as d:
        before = d.count()
    with pytest.raises(ImportError_) as info:
        import_file(diary, path)
    assert message in str(info.value)
    with diary.diary() as d:
        assert d.count() == before


def test_an_import_failing_half_way_leaves_nothing_behind(diary: DiaryService, tmp_path: Path) -> None:
    fill(diary)
    doc = json.loads(export(diary, "json"))
    existing_checkin_day = doc["checkins"][0]["day"]
    fresh = Store(f"sqlite:///{tmp_path / 'other.sqlite3'}")
    try:
        target = DiaryService(fresh)
        target.check_in(datetime.fromisoformat(existing_checkin_day).date(), pain_free=False, pain=4)
        path = tmp_path / "e.json"
        path.write_text(json.dumps(doc))
        with pytest.raises(ImportError_):
            import_file(target, path)
        with target.diary() as d:
            assert d.count() == {"episode": 0, "medicine": 0, "action": 0, "checkin": 1}
    finally:
        fresh.close()


times = st.datetimes(min_value=datetime(2015, 1, 1), max_value=datetime(2026, 1, 1)).map(
    lambda d: d.replace(tzinfo=UTC)
)
episodes = st.fixed_dictionaries(
    {
        "pain": st.integers(0, 10),
        "started_at": times,
        "tz": st.sampled_from(["UTC", "Europe/London", "America/New_York", "Asia/Kolkata"]),
        "locations": st.lists(st.sampled_from(LOCATIONS), unique=True, max_size=4),
        "qualities": st.lists(st.sampled_from(QUALITIES), unique=True, max_size=2),
        "triggers": st.lists(st.sampled_from(TRIGGERS), unique=True, max_size=2),
        "note": st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=60),  # NUL: refused
    }
)
actions = st.fixed_dictionaries(
    {"action": st.sampled_from(SELF_CARE_ACTIONS), "minutes": st.none() | st.integers(1, 120), "done_at": times}
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    eps=st.lists(episodes, max_size=8),
    acts=st.lists(actions, max_size=4),
    units=st.lists(st.sampled_from([0.5, 1, 2]), max_size=4),
)
def test_any_diary_survives_export_and_import(
    tmp_path_factory: pytest.TempPathFactory, eps: list, acts: list, units: list
) -> None:
    folder = tmp_path_factory.mktemp("rt")
    source = Store(f"sqlite:///{folder / 'a.sqlite3'}")
    target = Store(f"sqlite:///{folder / 'b.sqlite3'}")
    try:
        a, b = DiaryService(source), DiaryService(target)
        for e in eps:
            a.log_episode(**e)
        for x in acts:
            a.log_action(x["action"], x["minutes"], done_at=x["done_at"], tz="UTC")
        for i, n in enumerate(units):
            a.log_intake("paracetamol-500", n, taken_at=datetime(2020, 1, 1, tzinfo=UTC) + timedelta(hours=i), tz="UTC")
        first = export(a, "json")
        (folder / "x.json").write_text(first)
        import_file(b, folder / "x.json")
        assert without_time(json.loads(export(b, "json"))) == without_time(json.loads(first))
    finally:
        source.close()
        target.close()

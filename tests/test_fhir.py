"""The FHIR export: warning signs logged in the diary become Observations named in words, each
Condition has one coding per code system, and both flavours validate with fhir.resources."""

from __future__ import annotations

import importlib
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from backcare import service
from backcare.service.diary import DiaryService
from backcare.service.records import export
from tests.conftest import complete

NOW = datetime.now(UTC).replace(microsecond=0)
FLAVOURS = [("fhir-r4", "fhir.resources.R4B.bundle"), ("fhir", "fhir.resources.bundle")]


def fill(diary: DiaryService) -> None:
    answers = complete(service.engine())
    result = service.result_json(service.assess_answers(dict(answers)))
    diary.save_assessment({k: list(v) if isinstance(v, tuple) else v for k, v in answers.items()}, result)
    diary.log_episode(pain=4, started_at=NOW - timedelta(days=2), tz="Europe/London")
    diary.log_episode(
        pain=8,
        started_at=NOW - timedelta(hours=3),
        red_flags=["saddle_numbness", "bladder_control"],
        tz="Europe/London",
    )


def bundle_of(diary: DiaryService, fmt: str, package: str) -> object:
    return importlib.import_module(package).Bundle.model_validate_json(export(diary, fmt))  # type: ignore[arg-type]


@pytest.mark.parametrize(("fmt", "package"), FLAVOURS)
def test_warning_signs_logged_in_the_diary_are_observations_in_words(
    diary: DiaryService, fmt: str, package: str
) -> None:
    fill(diary)
    bundle = bundle_of(diary, fmt, package)
    observations = [e.resource for e in bundle.entry if e.resource.get_resource_type() == "Observation"]  # type: ignore[attr-defined]
    signs = [o for o in observations if o.valueBoolean is True]
    assert len(signs) == 2
    texts = {o.code.text for o in signs}
    assert any("between your inner thighs" in t for t in texts)
    assert not any("_" in t for t in texts), texts  # words, never question ids
    for o in signs:
        assert not o.code.coding, "no code without a verified source"
        assert o.effectiveDateTime is not None
    assert len(observations) == 4  # two pain scores, two warning signs


@pytest.mark.parametrize(("fmt", "package"), FLAVOURS)
def test_each_condition_has_one_coding_per_code_system(diary: DiaryService, fmt: str, package: str) -> None:
    fill(diary)
    bundle = bundle_of(diary, fmt, package)
    conditions = [e.resource for e in bundle.entry if e.resource.get_resource_type() == "Condition"]  # type: ignore[attr-defined]
    assert conditions
    for cond in conditions:
        systems = Counter(c.system for c in cond.code.coding)
        assert systems and max(systems.values()) == 1, systems
        icd10cm = [c.code for c in cond.code.coding if c.system == "http://hl7.org/fhir/sid/icd-10-cm"]
        assert icd10cm == ["M62.830"]
        assert cond.verificationStatus.coding[0].code == "provisional"

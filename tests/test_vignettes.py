"""The clinical vignette benchmark: every case is its own test, named by its id.

The vignettes in knowledge/data/cases were written from the evidence sheet, not from the engine's
output. The safety bar is absolute: 100% emergency sensitivity and no under-triage.
"""

from __future__ import annotations

from collections import Counter

import pytest

from backcare import service
from backcare.domain import Urgency
from backcare.engine.evaluate import evaluate, evaluate_case
from backcare.knowledge.loader import DATA_DIR, read_cases

CASES, PROBLEMS = read_cases(DATA_DIR / "cases")
CK = service.engine()


def test_vignettes_parse_without_problems() -> None:
    assert PROBLEMS == []


@pytest.mark.parametrize(("case", "file", "line"), CASES, ids=[c.id for c, _, _ in CASES])
def test_vignette(case, file, line) -> None:  # type: ignore[no-untyped-def]
    outcome = evaluate_case(CK, case, f"{file}:{line}")
    assert not outcome.error, outcome.error
    assert outcome.got is not None
    assert outcome.got >= outcome.expected, f"UNDER-TRIAGE at {file}:{line}: got {outcome.got.value}"
    assert outcome.got == outcome.expected, f"over-triage at {file}:{line}: got {outcome.got.value}"
    assert not outcome.missing_rules, f"expected rules did not fire: {outcome.missing_rules} (fired {outcome.fired})"
    assert outcome.out_of_scope_ok, "out_of_scope flag differs from the expectation"


def test_safety_bar_full_emergency_sensitivity_and_no_under_triage() -> None:
    summary = evaluate(CK, [(c, f"{f}:{n}") for c, f, n in CASES]).summary()
    assert summary["emergency_sensitivity"] == 1.0
    assert summary["under_triage"] == 0


def test_vignette_set_covers_every_rule_level_and_condition() -> None:
    cases = [c for c, _, _ in CASES]
    assert len(cases) >= 150
    summary = evaluate(CK, [(c, "") for c in cases]).summary()
    assert summary["rules_never_fired"] == []
    assert {c.expect_urgency for c in cases} == set(Urgency)
    named = {cause for c in cases for cause in c.expect_causes}
    fired_causes = set()
    for c in cases:
        raw = {k: tuple(v) if isinstance(v, list) else v for k, v in c.answers.items()}
        fired_causes |= {p.id for p in service.assess_answers(raw).possible_causes}
    assert set(CK.kb.causes) <= named | fired_causes


def test_vignette_set_has_the_required_mix() -> None:
    cases = [c for c, _, _ in CASES]
    kinds = Counter(c.category for c in cases)
    ordinary_low = [
        c for c in cases if c.category == "ordinary" and c.expect_urgency in (Urgency.SELF_CARE, Urgency.SOON)
    ]
    assert len(ordinary_low) >= 40
    assert kinds["out_of_scope"] >= 15
    assert kinds["mimic"] >= 5

"""The clinical vignette benchmark: every case is its own test, named by its id.

Two sets: our own vignettes (knowledge/data/cases), written from the evidence sheet, and the
clean-room set (cases/cleanroom), written by people who never read the rules or the engine. The
safety bar is absolute on both: 100% emergency sensitivity. A clean-room case the engine places
at another level must be listed, with its reason, under "Known clean-room failures" in README.md;
this test reads that table, so the README cannot drift from the engine.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from backcare import service
from backcare.domain import Urgency
from backcare.engine.evaluate import evaluate, evaluate_case
from backcare.knowledge.loader import DATA_DIR, read_cases

CASES, PROBLEMS = read_cases(DATA_DIR / "cases")
CK = service.engine()
README = Path(__file__).resolve().parents[1] / "README.md"


def known_failures() -> dict[str, str]:
    """Case id → the level the engine gives, from the README's known-failures table."""
    text = README.read_text(encoding="utf-8")
    section = text.split("### Known clean-room failures", 1)[1].split("\n## ", 1)[0].split("\n### ", 1)[0]
    rows = re.findall(r"^\| `([a-z0-9-]+)` \| (\w+) \| (\w+) \|", section, flags=re.MULTILINE)
    return {case: got for case, _expected, got in rows}


KNOWN = known_failures()


def test_vignettes_parse_without_problems() -> None:
    assert PROBLEMS == []


@pytest.mark.parametrize(("case", "file", "line"), CASES, ids=[c.id for c, _, _ in CASES])
def test_vignette(case, file, line) -> None:  # type: ignore[no-untyped-def]
    outcome = evaluate_case(CK, case, f"{file}:{line}")
    assert not outcome.error, outcome.error
    assert outcome.got is not None
    if case.id in KNOWN:
        assert outcome.set_name == "cleanroom", "only clean-room cases may be known failures"
        assert not outcome.passed, f"{case.id} now passes: remove it from the README's known failures"
        assert outcome.got.value == KNOWN[case.id], f"{case.id} now gives {outcome.got.value}: update the README"
        assert case.expect_urgency is not Urgency.EMERGENCY_NOW or outcome.got is Urgency.EMERGENCY_NOW
        return
    assert outcome.got >= outcome.expected, f"UNDER-TRIAGE at {file}:{line}: got {outcome.got.value}"
    assert outcome.got == outcome.expected, f"over-triage at {file}:{line}: got {outcome.got.value}"
    assert not outcome.missing_rules, f"expected rules did not fire: {outcome.missing_rules} (fired {outcome.fired})"
    assert outcome.out_of_scope_ok, "out_of_scope flag differs from the expectation"


def test_safety_bar_full_emergency_sensitivity_on_both_sets() -> None:
    summary = evaluate(CK, [(c, f"{f}:{n}") for c, f, n in CASES]).summary()
    assert summary["emergency_sensitivity"] == 1.0
    sets = summary["sets"]
    assert isinstance(sets, dict)
    assert sets["own"]["emergency_sensitivity"] == 1.0 and sets["own"]["under_triage"] == 0
    assert sets["cleanroom"]["emergency_sensitivity"] == 1.0


def test_clean_room_targets() -> None:
    cleanroom = [(c, f"{f}:{n}") for c, f, n in CASES if "cleanroom" in Path(f).parts]
    assert len(cleanroom) >= 150
    summary = evaluate(CK, cleanroom).summary()
    assert summary["three_level_accuracy"] >= 0.90
    assert summary["ordinary_over_triage_rate"] <= 0.10
    kinds = Counter(c.category for c, _ in cleanroom)
    assert kinds["mimic"] + kinds["non_back"] + kinds["pregnancy"] >= 60
    assert kinds["ordinary"] + kinds["see_gp"] >= 40
    assert all(c.source and c.rationale for c, _ in cleanroom)


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

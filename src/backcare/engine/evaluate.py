"""Scoring the engine against clinical vignettes: accuracy, emergency sensitivity, under- and
over-triage, and the confusion matrix. Pure: the caller reads the files."""

from __future__ import annotations

from dataclasses import dataclass, field

from backcare.domain import URGENCY_ORDER, Answers, Jurisdiction, Urgency
from backcare.engine.answers import InvalidAnswers, validate_answers
from backcare.engine.assess import assess
from backcare.engine.compiled import CompiledKnowledge
from backcare.knowledge.schema import Case


def three_level(u: Urgency) -> int:
    """The three levels external vignette sets score: self-care, see a clinician, emergency."""
    if u is Urgency.EMERGENCY_NOW:
        return 2
    return 0 if u is Urgency.SELF_CARE else 1


@dataclass(frozen=True)
class CaseOutcome:
    case_id: str
    location: str
    expected: Urgency
    got: Urgency | None
    fired: tuple[str, ...]
    missing_rules: tuple[str, ...]
    out_of_scope_ok: bool
    error: str = ""
    category: str = ""
    set_name: str = "own"

    @property
    def passed(self) -> bool:
        return not self.error and self.got == self.expected and not self.missing_rules and self.out_of_scope_ok


@dataclass
class Evaluation:
    outcomes: list[CaseOutcome] = field(default_factory=list)
    rules_total: tuple[str, ...] = ()
    screens: dict[str, int] = field(default_factory=dict)
    """Case id → screens a person answers before the result, walking the interview driver with
    the case's answers (filled in by the service layer, which owns the interview)."""

    def summary(self) -> dict[str, object]:
        out = self._summary(self.outcomes)
        if self.screens:
            out["screens"] = self._screens()
        names = sorted({o.set_name for o in self.outcomes})
        if len(names) > 1:
            out["sets"] = {
                name: {
                    k: v
                    for k, v in self._summary([o for o in self.outcomes if o.set_name == name]).items()
                    if k not in ("failures", "rules_never_fired")
                }
                for name in names
            }
        return out

    def _screens(self) -> dict[str, object]:
        groups: dict[str, list[int]] = {}
        for o in self.outcomes:
            if o.case_id in self.screens:
                groups.setdefault(o.expected.value, []).append(self.screens[o.case_id])
                if o.category == "ordinary":
                    groups.setdefault("ordinary", []).append(self.screens[o.case_id])
        return {
            "note": "question screens before the result (the 'Check your answers' page comes after them)",
            "by_expected_level": {k: _spread(v) for k, v in sorted(groups.items()) if k != "ordinary"},
            "ordinary": _spread(groups.get("ordinary", [])),
            "per_case": dict(sorted(self.screens.items())),
        }

    def _summary(self, outcomes: list[CaseOutcome]) -> dict[str, object]:
        scored = [o for o in outcomes if o.got is not None]
        n = len(scored)
        correct = sum(1 for o in scored if o.got == o.expected)
        emergencies = [o for o in scored if o.expected is Urgency.EMERGENCY_NOW]
        caught = sum(1 for o in emergencies if o.got is Urgency.EMERGENCY_NOW)
        under = sum(1 for o in scored if o.got is not None and o.got < o.expected)
        over = sum(1 for o in scored if o.got is not None and o.got > o.expected)
        confusion = {e.value: {g.value: 0 for g in URGENCY_ORDER} for e in URGENCY_ORDER}
        for o in scored:
            assert o.got is not None
            confusion[o.expected.value][o.got.value] += 1
        fired = {r for o in scored for r in o.fired}
        correct3 = sum(1 for o in scored if o.got is not None and three_level(o.got) == three_level(o.expected))
        ordinary = [o for o in scored if o.category == "ordinary"]
        ordinary_over = sum(1 for o in ordinary if o.got is not None and three_level(o.got) > three_level(o.expected))
        return {
            "cases": n,
            "errors": len(outcomes) - n,
            "accuracy": round(correct / n, 4) if n else 0.0,
            "three_level_accuracy": round(correct3 / n, 4) if n else 0.0,
            "ordinary_cases": len(ordinary),
            "ordinary_over_triage_rate": round(ordinary_over / len(ordinary), 4) if ordinary else 0.0,
            "emergency_cases": len(emergencies),
            "emergency_sensitivity": round(caught / len(emergencies), 4) if emergencies else 1.0,
            "under_triage_rate": round(under / n, 4) if n else 0.0,
            "over_triage_rate": round(over / n, 4) if n else 0.0,
            "under_triage": under,
            "over_triage": over,
            "expected_rules_missed": sum(1 for o in scored if o.missing_rules),
            "out_of_scope_mismatches": sum(1 for o in scored if not o.out_of_scope_ok),
            "confusion": confusion,
            "confusion_note": "rows: expected urgency; columns: engine urgency",
            "rules_never_fired": sorted(set(self.rules_total) - fired),
            "failures": [
                {
                    "case": o.case_id,
                    "at": o.location,
                    "expected": o.expected.value,
                    "got": o.got.value if o.got else None,
                    "missing_rules": list(o.missing_rules),
                    "out_of_scope_ok": o.out_of_scope_ok,
                    "error": o.error,
                }
                for o in outcomes
                if not o.passed
            ],
        }


def case_answers(ck: CompiledKnowledge, case: Case) -> Answers:
    """A vignette's answers as the engine reads them (unmentioned yes/no questions are "no" when
    the case says so). Raises ``InvalidAnswers``."""
    raw: dict[str, object] = {k: tuple(v) if isinstance(v, list) else v for k, v in case.answers.items()}
    if case.fill_no:
        for q in ck.order:
            if q.kind == "yes_no" and q.id not in raw and q.assume_if_unanswered is None:
                raw[q.id] = "no"
    return validate_answers(raw, ck.questions)


def _spread(values: list[int]) -> dict[str, float]:
    if not values:
        return {"cases": 0}
    ordered = sorted(values)
    mid = len(ordered) // 2
    median = ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2
    return {"cases": len(ordered), "median": median, "max": ordered[-1]}


def evaluate_case(ck: CompiledKnowledge, case: Case, location: str) -> CaseOutcome:
    try:
        answers = case_answers(ck, case)
    except InvalidAnswers as exc:
        return CaseOutcome(
            case.id, location, case.expect_urgency, None, (), (), True, str(exc), case.category, _set_of(location)
        )
    result = assess(ck, answers, Jurisdiction(case.jurisdiction))
    fired = tuple(r.rule_id for r in result.reasons)
    missing = tuple(r for r in case.expect_rules if r not in fired)
    return CaseOutcome(
        case.id,
        location,
        case.expect_urgency,
        result.urgency,
        fired,
        missing,
        result.out_of_scope == case.expect_out_of_scope,
        category=case.category,
        set_name=_set_of(location),
    )


def _set_of(location: str) -> str:
    """Vignettes under a ``cleanroom`` folder were written by people who never read the rules."""
    return "cleanroom" if "cleanroom" in location.replace("\\", "/").split("/") else "own"


def evaluate(ck: CompiledKnowledge, cases: list[tuple[Case, str]]) -> Evaluation:
    ev = Evaluation(rules_total=tuple(r.rule.id for r in ck.rules))
    for case, location in cases:
        ev.outcomes.append(evaluate_case(ck, case, location))
    return ev

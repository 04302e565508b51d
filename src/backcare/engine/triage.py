"""Triage: which rules fire, and the urgency they set. Escalation only goes up."""

from __future__ import annotations

from backcare.domain import Answers, Jurisdiction, Reason, Urgency
from backcare.engine.compiled import CompiledKnowledge, CompiledRule
from backcare.engine.conditions import Effective, matched_questions

ASSUMED = "assumed until answered"
"""Shown in a reason for a follow-up question the person has not answered yet."""


def fired_rules(ck: CompiledKnowledge, eff: Effective) -> list[CompiledRule]:
    return [r for r in ck.rules if r.test(eff)]


def urgency_of(fired: list[CompiledRule]) -> Urgency:
    """The most urgent level of any fired rule; self-care when none fired."""
    level = Urgency.SELF_CARE
    for r in fired:
        if r.rule.urgency > level:
            level = r.rule.urgency
    return level


def reasons(
    ck: CompiledKnowledge,
    fired: list[CompiledRule],
    answers: Answers,
    eff: Effective,
    jurisdiction: Jurisdiction = Jurisdiction.UK,
) -> tuple[Reason, ...]:
    """The trace: each fired rule with the answers that fired it, most urgent first, its advice in
    the country's words."""
    ordered = sorted(fired, key=lambda r: -r.rule.urgency.rank)
    out = []
    for r in ordered:
        used = matched_questions(r.rule.when, eff, ck.multi)
        shown = tuple((qid, answers[qid]) if qid in answers else (qid, ASSUMED) for qid in used)
        out.append(Reason(r.rule.id, r.rule.title, r.rule.urgency, r.advice_for(jurisdiction), shown, r.citations))
    return tuple(out)

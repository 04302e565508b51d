"""One assessment from answers to result.

This is the engine's public face: pure functions of (knowledge, answers, jurisdiction). Which
question to ask next is the interview driver's business (service/check.py).
"""

from __future__ import annotations

from collections.abc import Mapping

from backcare.domain import Answers, Jurisdiction, Result, Status, Urgency, localize
from backcare.engine.answers import validate_answers
from backcare.engine.causes import possible_causes
from backcare.engine.compiled import CompiledKnowledge
from backcare.engine.plan import build_plan
from backcare.engine.triage import fired_rules, reasons, urgency_of

OUT_OF_SCOPE_NOTE = (
    "Some of what you describe is outside what backcare is made for (back pain in adults). "
    "Follow the advice above, and use a service that can assess that problem."
)


def assess(ck: CompiledKnowledge, answers: Answers, jurisdiction: Jurisdiction = Jurisdiction.UK) -> Result:
    """Assess validated answers. Unanswered questions make the result incomplete, never "no"."""
    eff = ck.effective(answers)
    fired = fired_rules(ck, eff)
    urgency = urgency_of(fired)
    missing = tuple(ck.missing(answers, eff))
    plan_missing = tuple(q for q in ck.plan_missing(answers, eff) if q not in missing)
    complete = not missing
    out_of_scope = any(r.rule.out_of_scope for r in fired)
    level = ck.kb.levels[urgency.value]
    headline = level.headline.for_(jurisdiction)
    contact = next((r.rule.contact for r in fired if r.rule.urgency is urgency and r.rule.contact), None)
    if contact is not None:
        # A rule can name who to call when it is not the level's usual service (a pregnancy sign:
        # the maternity unit); the most urgent rule decides.
        headline = contact.for_(jurisdiction)
    outside = [r for r in fired if r.rule.out_of_scope]
    if outside and urgency is Urgency.SELF_CARE and contact is None:
        # "Ordinary back pain you can look after yourself" would be wrong for someone without back
        # pain: say instead, in the rule's own cited words, that this tool cannot judge it.
        headline = outside[0].advice_for(jurisdiction)
    notes: list[str] = []
    if not complete and urgency is not Urgency.EMERGENCY_NOW:
        so_far = (
            "Nothing so far needs urgent help"
            if urgency is Urgency.SELF_CARE
            else f"So far this needs at least: {level.label.lower()}"
        )
        headline = (
            f"Not finished: {len(missing)} question(s) still to answer. {so_far}, "
            "but unanswered questions are never taken as 'no'."
        )
    elif not complete:
        notes.append("The questions stopped early because an emergency is already clear.")
    if out_of_scope:
        notes.append(localize(OUT_OF_SCOPE_NOTE, jurisdiction))
    ignored = ck.ignored(answers, eff)
    if ignored:
        notes.append(
            "Not used, because those questions do not apply to your other answers: " + ", ".join(ignored) + "."
        )
    unsure = tuple(q for q in ck.unsure(eff) if ck.questions[q].if_unsure is None)
    return Result(
        status=Status.COMPLETE if complete else Status.INCOMPLETE,
        urgency=urgency,
        out_of_scope=out_of_scope,
        reasons=reasons(ck, fired, answers, eff, jurisdiction),
        possible_causes=possible_causes(ck, eff, fired, jurisdiction),
        plan=build_plan(ck, eff, urgency, jurisdiction, complete, plan_missing),
        missing=missing,
        knowledge_version=ck.version,
        jurisdiction=jurisdiction,
        headline=headline,
        notes=tuple(notes),
        unsure=unsure,
        plan_missing=plan_missing,
    )


def assess_raw(
    ck: CompiledKnowledge, raw: Mapping[str, object], jurisdiction: Jurisdiction = Jurisdiction.UK
) -> Result:
    """Validate raw answers (raises ``InvalidAnswers``) and assess them."""
    return assess(ck, validate_answers(raw, ck.questions), jurisdiction)

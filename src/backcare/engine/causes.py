"""Possible causes, ranked by how well they fit, then by danger, without alarmism.

Fit comes first: a cause is "likely" only when its own specific findings are present
(``likely_when``), and "possible" when some of them are (``possible_when``) or when a rule that
fired names it. Within the same fit, the more dangerous cause (the most urgent rule naming it)
comes first; every cause a fired rule names is listed. The ordinary explanation (muscle spasm or
non-specific back pain) comes after the causes that fit well or explain an urgent result, and
first of all when nothing points elsewhere; causes that fit only in part and explain nothing
urgent follow it, at most a few.
"""

from __future__ import annotations

from backcare.domain import Jurisdiction, PossibleCause, Urgency, localize
from backcare.engine.compiled import CompiledCause, CompiledKnowledge, CompiledRule
from backcare.engine.conditions import Effective, matched_questions

MAX_PARTIAL = 3
_PRIOR_RANK = {"common": 0, "uncommon": 1, "rare": 2}
_URGENT = (Urgency.SAME_DAY, Urgency.EMERGENCY_NOW)


def possible_causes(
    ck: CompiledKnowledge, eff: Effective, fired: list[CompiledRule], jurisdiction: Jurisdiction = Jurisdiction.UK
) -> tuple[PossibleCause, ...]:
    # For each cause, the most urgent fired rule that names it: its danger, and its evidence.
    named: dict[str, CompiledRule] = {}
    for r in fired:
        for cid in r.rule.causes:
            best = named.get(cid)
            if best is None or r.rule.urgency > best.rule.urgency:
                named[cid] = r

    matched: list[tuple[CompiledCause, str]] = []
    baseline: CompiledCause | None = None
    unsure = ck.unsure(eff)
    for cc in ck.causes:
        if cc.cause.baseline:
            baseline = cc
        elif cc.likely(eff) and not _rests_on_dont_know(cc, eff, ck, unsure):
            matched.append((cc, "likely"))
        elif cc.likely(eff) or cc.possible(eff) or cc.cause.id in named:
            matched.append((cc, "possible"))

    def danger(cc: CompiledCause) -> int:
        rule = named.get(cc.cause.id)
        return rule.rule.urgency.rank if rule is not None else Urgency.SELF_CARE.rank

    def rank(item: tuple[CompiledCause, str]) -> tuple[bool, int, int]:
        cc, strength = item
        return (strength != "likely", -danger(cc), _PRIOR_RANK[cc.cause.prior])

    def explains_urgency(cc: CompiledCause) -> bool:
        rule = named.get(cc.cause.id)
        return rule is not None and rule.rule.urgency in _URGENT

    ahead = sorted((m for m in matched if m[1] == "likely" or explains_urgency(m[0])), key=rank)
    rest = sorted((m for m in matched if m not in ahead), key=rank)
    # A cause a fired rule names is always listed; partial fits nothing names are capped.
    behind = [m for m in rest if m[0].cause.id in named]
    behind += [m for m in rest if m[0].cause.id not in named][:MAX_PARTIAL]
    out = [_describe(cc, strength, eff, ck, named, jurisdiction) for cc, strength in ahead]
    if baseline is not None and eff.get("back_pain_present") != "no":
        out.append(_describe(baseline, "possible" if ahead else "likely", eff, ck, named, jurisdiction))
    out += [_describe(cc, strength, eff, ck, named, jurisdiction) for cc, strength in behind]
    return tuple(out)


def _rests_on_dont_know(cc: CompiledCause, eff: Effective, ck: CompiledKnowledge, unsure: frozenset[str]) -> bool:
    """A "don't know" counted as the worrying answer keeps a rule on, but it is not a finding:
    a cause is "likely" only when its own findings were actually reported."""
    if not unsure or cc.cause.likely_when is None:
        return False
    return any(q in unsure for q in matched_questions(cc.cause.likely_when, eff, ck.multi))


def _describe(
    cc: CompiledCause,
    strength: str,
    eff: Effective,
    ck: CompiledKnowledge,
    named: dict[str, CompiledRule],
    jurisdiction: Jurisdiction,
) -> PossibleCause:
    c = cc.cause
    condition = c.likely_when if strength == "likely" else c.possible_when
    why: list[str] = matched_questions(condition, eff, ck.multi) if condition is not None else []
    if not why and c.id in named:
        why = matched_questions(named[c.id].rule.when, eff, ck.multi)
    return PossibleCause(
        id=c.id,
        name=localize(c.name, jurisdiction),
        summary=localize(c.plain, jurisdiction),
        strength=strength,
        why=tuple(why),
        icd10cm=tuple(c.codes.icd10cm),
        icd10_who=tuple(c.codes.icd10_who),
        snomed=c.codes.snomed if c.codes.verification.get("snomed") in ("V", "V2") else None,
    )

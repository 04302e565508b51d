"""Possible causes, ranked without alarmism.

Causes whose pattern the answers fit well come first, the ordinary explanation (muscle spasm or
non-specific back pain) next, and causes that fit only in part after it, at most a few. When
nothing points elsewhere the ordinary explanation is first and alone. A rare cause is never
listed unless its own flags are present.
"""

from __future__ import annotations

from backcare.domain import PossibleCause, Urgency
from backcare.engine.compiled import CompiledCause, CompiledKnowledge, CompiledRule
from backcare.engine.conditions import Effective, matched_questions

MAX_PARTIAL = 3
_PRIOR_RANK = {"common": 0, "uncommon": 1, "rare": 2}


def possible_causes(ck: CompiledKnowledge, eff: Effective, fired: list[CompiledRule]) -> tuple[PossibleCause, ...]:
    # For each cause, the most urgent fired rule naming it, and where that rule lists it (a rule
    # names the cause it is mainly about first).
    urgency_for: dict[str, tuple[Urgency, int]] = {}
    for r in fired:
        for position, cid in enumerate(r.rule.causes):
            best = urgency_for.get(cid)
            if best is None or (-r.rule.urgency.rank, position) < (-best[0].rank, best[1]):
                urgency_for[cid] = (r.rule.urgency, position)

    matched: list[tuple[CompiledCause, str]] = []
    baseline: CompiledCause | None = None
    for cc in ck.causes:
        if cc.cause.baseline:
            baseline = cc
        elif cc.likely(eff):
            matched.append((cc, "likely"))
        elif cc.possible(eff):
            matched.append((cc, "possible"))

    def rank(item: tuple[CompiledCause, str]) -> tuple[int, int, bool, int]:
        cc, strength = item
        level, position = urgency_for.get(cc.cause.id, (Urgency.SELF_CARE, 0))
        return (-level.rank, position, strength != "likely", _PRIOR_RANK[cc.cause.prior])

    # Ahead of the ordinary explanation: causes the answers fit well, and any cause behind a
    # rule that fired, so the cause that explains the urgency is never buried.
    ahead = sorted((m for m in matched if m[1] == "likely" or m[0].cause.id in urgency_for), key=rank)
    behind = sorted((m for m in matched if m not in ahead), key=rank)[:MAX_PARTIAL]
    out = [_describe(cc, strength, eff, ck.multi) for cc, strength in ahead]
    if baseline is not None and eff.get("back_pain_present") != "no":
        out.append(_describe(baseline, "possible" if ahead else "likely", eff, ck.multi))
    out += [_describe(cc, strength, eff, ck.multi) for cc, strength in behind]
    return tuple(out)


def _describe(cc: CompiledCause, strength: str, eff: Effective, multi: frozenset[str]) -> PossibleCause:
    c = cc.cause
    condition = c.likely_when if strength == "likely" else c.possible_when
    why = tuple(matched_questions(condition, eff, multi)) if condition is not None else ()
    return PossibleCause(
        id=c.id,
        name=c.name,
        summary=c.plain,
        strength=strength,
        why=why,
        icd10cm=tuple(c.codes.icd10cm),
        icd10_who=tuple(c.codes.icd10_who),
        snomed=c.codes.snomed if c.codes.verification.get("snomed") in ("V", "V2") else None,
    )

"""The personal self-care plan: advice items, medicines after the safety screen, and safety net.

Medicine logic is deliberately conservative (design.md §2 rule 6): any fired screen flag blocks
that class and routes to a pharmacist or GP; paracetamol is never offered on its own; only
labelled OTC products for the person's jurisdiction are named; prescription drugs are explained,
never suggested.
"""

from __future__ import annotations

from backcare.domain import EMERGENCY_NUMBER, Citation, Jurisdiction, MedicineOption, Plan, Urgency, localize
from backcare.engine.compiled import CompiledKnowledge
from backcare.engine.conditions import Effective
from backcare.knowledge.schema import Medicine

# Shared wording, with country words as {placeholders} (domain.TERMS): localized when used.
PARACETAMOL_ALONE = (
    "Not offered on its own: {paracetamol} alone shows little or no benefit for back pain "
    "(PACE trial), and NICE advises against using it alone for low back pain."
)
ASK_BEFORE_PAINKILLERS = "Because of your answers, ask a pharmacist or {gp} which painkiller, if any, is safe for you."
MEDICINES_PENDING = (
    "Answer the questions about medicines (after your result) to see which painkillers you can buy are safe for you."
)
_MEDICINE_LEVELS = (Urgency.SELF_CARE, Urgency.SOON)


def build_plan(
    ck: CompiledKnowledge,
    eff: Effective,
    urgency: Urgency,
    jurisdiction: Jurisdiction,
    complete: bool,
    plan_missing: tuple[str, ...] = (),
) -> Plan:
    number = EMERGENCY_NUMBER[jurisdiction]
    if urgency is Urgency.EMERGENCY_NOW:
        return Plan(
            (),
            (),
            "Get emergency help first; do not take new medicines unless the emergency service tells you to.",
            (),
            number,
        )
    safety_net = tuple(
        a.items[jurisdiction]
        for a in ck.advice
        if a.advice.section == "safety_net" and urgency in a.advice.show_at and a.test(eff)
    )
    if not complete:
        return Plan((), (), "Answer the remaining questions to get your personal plan.", safety_net, number)
    if eff.get("back_pain_present") == "no":
        return Plan((), (), "The self-care plan is for back pain, so none is given here.", safety_net, number)
    items = tuple(
        a.items[jurisdiction]
        for a in ck.advice
        if a.advice.section != "safety_net" and urgency in a.advice.show_at and a.test(eff)
    )
    if urgency in _MEDICINE_LEVELS and any(q in ck.screen_questions for q in plan_missing):
        # The medicine screen is not answered yet: name nothing rather than guess it is safe.
        medicines: tuple[MedicineOption, ...] = ()
        note = MEDICINES_PENDING
    elif urgency in _MEDICINE_LEVELS:
        medicines, note = _medicines(ck, eff, jurisdiction)
    else:
        medicines, note = (), "Ask the clinician you speak to today what pain relief is safe for you."
    return Plan(items, medicines, note, safety_net, number)


def _medicines(
    ck: CompiledKnowledge, eff: Effective, jurisdiction: Jurisdiction
) -> tuple[tuple[MedicineOption, ...], str]:
    blocked: dict[str, list[str]] = {"nsaid": [], "paracetamol": []}
    flag_citations: dict[str, list[Citation]] = {"nsaid": [], "paracetamol": []}
    for cf in ck.flags:
        if cf.test(eff):
            for cls in cf.flag.blocks:
                blocked[cls].append(localize(f"{cf.flag.label}: {cf.flag.why}", jurisdiction))
                flag_citations[cls].extend(cf.citations)
    products = [m for m in ck.kb.medicines.values() if m.jurisdiction == jurisdiction]
    nsaid_offered = not blocked["nsaid"] and any(m.drug_class == "nsaid" and m.offer_for_back_pain for m in products)
    options = []
    for m in sorted(products, key=lambda m: (m.drug_class != "nsaid", m.name)):
        reasons = list(blocked[m.drug_class])
        if not m.offer_for_back_pain:
            reasons.append(localize(m.note, jurisdiction) or "Not licensed for back pain where you live.")
        elif m.drug_class == "paracetamol" and not nsaid_offered:
            reasons.append(localize(PARACETAMOL_ALONE, jurisdiction))
        options.append(_option(ck, m, reasons, flag_citations[m.drug_class], jurisdiction))
    if nsaid_offered:
        note = "If you choose a medicine, use the lowest dose that helps for the shortest time, and follow the pack."
    else:
        note = localize(ASK_BEFORE_PAINKILLERS, jurisdiction)
    return tuple(options), note


def _option(
    ck: CompiledKnowledge, m: Medicine, reasons: list[str], extra: list[Citation], jurisdiction: Jurisdiction
) -> MedicineOption:
    limit = f"No more than {m.max_units_per_day} × {m.strength_mg:g} mg ({m.max_mg_per_day:g} mg) in 24 hours"
    if m.max_days_without_advice:
        limit += f"; see a doctor if you need it for more than {m.max_days_without_advice} days"
    return MedicineOption(
        product_id=m.id,
        name=localize(m.name, jurisdiction),
        offered=not reasons,
        directions=localize(m.directions, jurisdiction),
        max_daily=limit + ".",
        stop_and_ask=tuple(localize(s, jurisdiction) for s in m.stop_and_ask),
        blocked_because=tuple(dict.fromkeys(reasons)),
        citations=ck.cite(m.citations) + tuple(dict.fromkeys(extra)),
    )

"""Medicine safety over diary intakes: label limits in every 24 hours, doses too close together,
and medicines that must not be combined.

Pure: the caller passes the intakes it loaded (at least one day before ``since``) and ``since``,
the start of the period to check. Every rolling 24-hour window that ends in the period is checked,
not only the worst one, so two overdoses on two days both alert and an intake logged later for an
earlier time is caught. Limits come from the knowledge base: each product's own label for the
country (``diary/products.yaml`` ``labels``) and each ingredient's total from every product
together (``ingredients``). Findings that share an intake become one alert, which names its
intakes and when the first and last were taken.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from backcare.domain import TERMS, DiaryAlert, Jurisdiction, MedicineIntake, localize
from backcare.engine.compiled import CompiledKnowledge
from backcare.knowledge.schema import CitationRef, DiaryRule, IngredientLimit, Product, ProductLabel

WINDOW = timedelta(hours=24)
"""Label limits are per any 24 hours, not per calendar day: an evening and the next morning add up."""
MEDICINE_PERIOD = timedelta(days=7)
"""How far back medicine alerts look: every 24-hour window ending in the last 7 days."""
_EPS = 1e-9


@dataclass(frozen=True)
class Finding:
    """One breach: what it is about, the intakes involved, what happened in words, how far over
    (the worst of each subject is the one shown) and the label passages it rests on."""

    subject: str
    intakes: tuple[MedicineIntake, ...]
    detail: str
    severity: float
    citations: tuple[CitationRef, ...] = ()


# --- knowledge lookups ---------------------------------------------------------------------------


def ingredient_name(ingredient: str, jurisdiction: Jurisdiction) -> str:
    """An ingredient in the country's words (paracetamol is acetaminophen in the US)."""
    return TERMS[ingredient][jurisdiction] if ingredient in TERMS else ingredient


def product_name(ck: CompiledKnowledge, product: str, jurisdiction: Jurisdiction) -> str:
    """A logged product by its name in the country's words; free text as the person wrote it."""
    known = ck.kb.products.get(product)
    return localize(known.name, jurisdiction) if known else product


def label_of(ck: CompiledKnowledge, product_id: str, jurisdiction: Jurisdiction) -> ProductLabel | None:
    """The product's label limits in this country, else in the country it is sold in (a pack's
    label does not change when its owner travels); None for a product backcare does not know."""
    product = ck.kb.products.get(product_id)
    if product is None or not product.labels:
        return None
    return product.labels.get(jurisdiction) or next(iter(product.labels.values()))


def ingredient_limit(ck: CompiledKnowledge, ingredient: str, jurisdiction: Jurisdiction) -> IngredientLimit | None:
    known = ck.kb.ingredients.get(ingredient)
    return known.limits.get(jurisdiction) if known else None


def watched(ck: CompiledKnowledge, rule: DiaryRule) -> list[str]:
    """The ingredients a medicine rule watches: those it lists and those of its class."""
    names: list[str] = list(rule.ingredients)
    if rule.drug_class is not None:
        names += [i.id for i in ck.kb.ingredients.values() if i.drug_class == rule.drug_class and i.id not in names]
    return names


def _mg(intake: MedicineIntake, ingredient: str) -> float:
    return sum(mg * intake.units for name, mg in intake.contains if name == ingredient)


def _has(intake: MedicineIntake, ingredients: Sequence[str]) -> bool:
    return any(name in ingredients for name, _ in intake.contains)


# --- windows -------------------------------------------------------------------------------------


def _ordered(intakes: Sequence[MedicineIntake]) -> list[MedicineIntake]:
    return sorted(intakes, key=lambda i: (i.taken_at, i.id))


def windows(intakes: Sequence[MedicineIntake], since: datetime) -> Iterator[list[MedicineIntake]]:
    """For every intake taken at or after ``since``, the intakes of the 24 hours up to it."""
    ordered = _ordered(intakes)
    for end in ordered:
        if end.taken_at >= since:
            yield [i for i in ordered if end.taken_at - WINDOW < i.taken_at <= end.taken_at]


def local_time(moment: datetime, tz: str) -> str:
    try:
        return moment.astimezone(ZoneInfo(tz)).strftime("%d %b %H:%M")
    except (KeyError, ValueError):  # an unknown zone name: the stored time, marked as UTC
        return moment.strftime("%d %b %H:%M UTC")


def _span(window: Sequence[MedicineIntake]) -> str:
    start, end = local_time(window[0].taken_at, window[0].tz), local_time(window[-1].taken_at, window[-1].tz)
    return f"at {end}" if start == end else f"from {start} to {end}"


def _listed(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _gap(delta: timedelta) -> str:
    minutes = round(delta.total_seconds() / 60)
    hours, minutes = divmod(minutes, 60)
    if not hours:
        return f"{minutes} min" if minutes else "less than a minute"
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"


# --- the checks ----------------------------------------------------------------------------------


def product_limit_findings(
    ck: CompiledKnowledge,
    intakes: Sequence[MedicineIntake],
    ingredients: Sequence[str],
    jurisdiction: Jurisdiction,
    since: datetime,
) -> list[Finding]:
    """More units of one product in 24 hours than its own label allows."""
    findings = []
    by_product: dict[str, list[MedicineIntake]] = {}
    for intake in intakes:
        if _has(intake, ingredients) and label_of(ck, intake.product, jurisdiction) is not None:
            by_product.setdefault(intake.product, []).append(intake)
    for product_id, own in by_product.items():
        label = label_of(ck, product_id, jurisdiction)
        product: Product = ck.kb.products[product_id]
        assert label is not None
        first = next(iter(product.contains))
        for window in windows(own, since):
            units = sum(i.units for i in window)
            if units > label.max_units_per_day + _EPS:
                mg = sum(_mg(i, first) for i in window)
                findings.append(
                    Finding(
                        f"product {product_id}",
                        tuple(window),
                        f"{units:g} × {product_name(ck, product_id, jurisdiction)} {_span(window)}, "
                        f"{mg:g} mg of {ingredient_name(first, jurisdiction)}; its label allows "
                        f"{label.max_units_per_day:g} ({label.max_mg_per_day:g} mg) in 24 hours.",
                        units / label.max_units_per_day,
                        tuple(label.citations),
                    )
                )
    return findings


def ingredient_total_findings(
    ck: CompiledKnowledge,
    intakes: Sequence[MedicineIntake],
    ingredients: Sequence[str],
    jurisdiction: Jurisdiction,
    since: datetime,
) -> list[Finding]:
    """More of one ingredient in 24 hours, from every product together, than its ceiling. A window
    of one known product alone is left to its own label (never above the ceiling; the lint checks)."""
    findings = []
    for ingredient in ingredients:
        limit = ingredient_limit(ck, ingredient, jurisdiction)
        if limit is None or limit.max_mg_per_day is None:
            continue
        ceiling = limit.max_mg_per_day
        for window in windows([i for i in intakes if _has(i, [ingredient])], since):
            total = sum(_mg(i, ingredient) for i in window)
            products = {i.product for i in window}
            one_known = len(products) == 1 and label_of(ck, window[0].product, jurisdiction) is not None
            if total > ceiling + _EPS and not one_known:
                name = ingredient_name(ingredient, jurisdiction)
                findings.append(
                    Finding(
                        f"total {ingredient}",
                        tuple(window),
                        f"{name[:1].upper()}{name[1:]} {total:g} mg from all products together, taken "
                        f"{_span(window)}; never more than {ceiling:g} mg in 24 hours.",
                        total / ceiling,
                        tuple(limit.citations),
                    )
                )
    return findings


def several_products_findings(
    ck: CompiledKnowledge,
    intakes: Sequence[MedicineIntake],
    ingredients: Sequence[str],
    jurisdiction: Jurisdiction,
    since: datetime,
) -> list[Finding]:
    """Two or more different products with the same ingredient within 24 hours."""
    findings = []
    for ingredient in ingredients:
        for window in windows([i for i in intakes if _has(i, [ingredient])], since):
            products = sorted({i.product for i in window})
            if len(products) >= 2:
                names = _listed([product_name(ck, p, jurisdiction) for p in products])
                findings.append(
                    Finding(
                        f"products {ingredient}",
                        tuple(window),
                        f"{names} {'both' if len(products) == 2 else 'all'} contain "
                        f"{ingredient_name(ingredient, jurisdiction)}, taken within 24 hours ({_span(window)}).",
                        len(products),
                    )
                )
    return findings


def several_in_class_findings(
    ck: CompiledKnowledge,
    intakes: Sequence[MedicineIntake],
    ingredients: Sequence[str],
    jurisdiction: Jurisdiction,
    since: datetime,
) -> list[Finding]:
    """Two or more different ingredients of one class within 24 hours (each counted only above its
    class threshold: aspirin at a heart dose is not a second painkiller)."""
    findings = []
    for window in windows([i for i in intakes if _has(i, ingredients)], since):
        counted = []
        for ingredient in ingredients:
            known = ck.kb.ingredients.get(ingredient)
            threshold = known.counts_in_class_above_mg_per_day if known else 0.0
            total = sum(_mg(i, ingredient) for i in window)
            if total > threshold + _EPS:
                counted.append(ingredient)
        if len(counted) >= 2:
            involved = [i for i in window if _has(i, counted)]
            names = _listed([ingredient_name(n, jurisdiction) for n in counted])
            findings.append(
                Finding("class", tuple(involved), f"{names} taken within 24 hours ({_span(involved)}).", len(counted))
            )
    return findings


def _first_dose_allows(cur: MedicineIntake, history: list[MedicineIntake], label: ProductLabel) -> bool:
    """Whether the label's first-dose allowance covers ``cur``: every intake of this ingredient
    since the first dose is of the same product, within the allowed time and units, and nothing of
    it was taken in the 24 hours before that first dose."""
    if label.first_dose_units is None or label.first_dose_within_hours is None:
        return False
    within = timedelta(hours=label.first_dose_within_hours)
    dose = [i for i in history if cur.taken_at - within <= i.taken_at <= cur.taken_at]
    if any(i.product != cur.product for i in dose):
        return False
    start = dose[0].taken_at
    earlier = any(start - WINDOW < i.taken_at < start for i in history)
    return not earlier and sum(i.units for i in dose) <= label.first_dose_units + _EPS


def dose_interval_findings(
    ck: CompiledKnowledge,
    intakes: Sequence[MedicineIntake],
    ingredients: Sequence[str],
    jurisdiction: Jurisdiction,
    since: datetime,
) -> list[Finding]:
    """A dose taken sooner after the previous dose of the same ingredient than the label allows:
    the later product's label, else the earlier one's, else the ingredient's own gap."""
    findings = []
    for ingredient in ingredients:
        history = _ordered([i for i in intakes if _has(i, [ingredient])])
        default = ingredient_limit(ck, ingredient, jurisdiction)
        for k, (prev, cur) in enumerate(pairwise(history), start=1):
            if cur.taken_at < since or (cur.taken_at == prev.taken_at and cur.product == prev.product):
                continue  # outside the period, or one dose logged as two entries
            label = label_of(ck, cur.product, jurisdiction) or label_of(ck, prev.product, jurisdiction)
            hours = label.min_interval_hours if label else default.min_interval_hours if default else None
            if hours is None or cur.taken_at - prev.taken_at >= timedelta(hours=hours):
                continue
            own = label_of(ck, cur.product, jurisdiction)
            if own is not None and _first_dose_allows(cur, history[: k + 1], own):
                continue
            findings.append(
                Finding(
                    f"interval {ingredient}",
                    (prev, cur),
                    f"{product_name(ck, cur.product, jurisdiction)} at {local_time(cur.taken_at, cur.tz)}, "
                    f"{_gap(cur.taken_at - prev.taken_at)} after "
                    f"{product_name(ck, prev.product, jurisdiction)} at {local_time(prev.taken_at, prev.tz)}; "
                    f"leave at least {hours:g} hours between doses of {ingredient_name(ingredient, jurisdiction)}.",
                    hours / max((cur.taken_at - prev.taken_at).total_seconds() / 3600, 0.1),
                    tuple(label.citations) if label else tuple(default.citations) if default else (),
                )
            )
    return findings


Check = Callable[[CompiledKnowledge, Sequence[MedicineIntake], Sequence[str], Jurisdiction, datetime], list[Finding]]
CHECKS: dict[str, tuple[Check, ...]] = {
    "medicine_limit": (product_limit_findings, ingredient_total_findings),
    "several_products": (several_products_findings,),
    "several_in_class": (several_in_class_findings,),
    "dose_interval": (dose_interval_findings,),
}
"""What each medicine rule kind checks."""


# --- from findings to alerts ---------------------------------------------------------------------


def _grouped(findings: list[Finding]) -> list[list[Finding]]:
    """Findings that share an intake belong to one alert (one overdose, not one alert per window)."""
    groups: list[tuple[set[str], list[Finding]]] = []
    for finding in findings:
        ids = {i.id for i in finding.intakes}
        joined = [g for g in groups if g[0] & ids]
        merged_ids, merged = set(ids), [finding]
        for g in joined:
            merged_ids |= g[0]
            merged += g[1]
            groups.remove(g)
        groups.append((merged_ids, merged))
    return [g[1] for g in groups]


def _detail(group: list[Finding]) -> str:
    """The worst finding of each subject (the alert names every intake), most serious first."""
    best: dict[str, Finding] = {}
    for finding in sorted(group, key=lambda f: -f.severity):
        best.setdefault(finding.subject, finding)
    return " ".join(f.detail for f in sorted(best.values(), key=lambda f: -f.severity))


def _by_source(refs: Sequence[CitationRef]) -> list[CitationRef]:
    """One citation per source, in first-cited order, with every passage it was cited for."""
    passages: dict[str, list[str]] = {}
    for ref in refs:
        seen = passages.setdefault(ref.source, [])
        if ref.locator not in seen:
            seen.append(ref.locator)
    return [CitationRef(source=source, locator=" / ".join(locators)) for source, locators in passages.items()]


def medicine_alerts(
    ck: CompiledKnowledge,
    rules: Sequence[DiaryRule],
    intakes: Sequence[MedicineIntake],
    jurisdiction: Jurisdiction,
    since: datetime,
) -> list[DiaryAlert]:
    """Every alert the medicine rules raise over intakes in the 24-hour windows ending after ``since``."""
    alerts = []
    for rule in rules:
        checks = CHECKS.get(rule.kind, ())
        ingredients = watched(ck, rule)
        findings = [f for check in checks for f in check(ck, intakes, ingredients, jurisdiction, since)]
        for group in _grouped(findings):
            involved = _ordered(list({i.id: i for f in group for i in f.intakes}.values()))
            refs = _by_source([*rule.citations_for(jurisdiction), *(r for f in group for r in f.citations)])
            alerts.append(
                DiaryAlert(
                    rule_id=rule.id,
                    title=rule.title,
                    urgency=rule.urgency,
                    advice=rule.advice,
                    entry_ids=tuple(i.id for i in involved),
                    detail=_detail(group),
                    citations=ck.cite(refs),
                    window=(involved[0].taken_at.isoformat(), involved[-1].taken_at.isoformat()),
                )
            )
    return alerts

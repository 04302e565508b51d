"""The lint's checks of the diary's medicine knowledge: products, their label limits per country,
ingredients and the medicine rules.

Every limit the diary warns with rests on a label or NHS page quoted verbatim; a product's label
limit never exceeds its ingredient's total from all products (so a window of one known product
is judged by its own label); a label that mirrors a medicine of the plan gives the same daily
maximum; every ingredient a product contains has a class; and every medicine rule watches at
least one ingredient.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from backcare.domain import Jurisdiction
from backcare.knowledge.base import KnowledgeBase, Problem
from backcare.knowledge.schema import MEDICINE_KINDS, CitationRef

Cited = Callable[[str, str, tuple[Any, ...], list[CitationRef]], list[Problem]]
"""(kind, item id, path to the item's citations list, citations) → problems with them."""
Primary = Callable[[list[CitationRef]], bool]
"""Whether the citations include a primary source (or a label's faithful copy) quoted verbatim."""

NEEDS = "needs a label or primary source whose locator quotes its excerpts"


def check_diary_medicines(kb: KnowledgeBase, cited: Cited, primary: Primary) -> list[Problem]:
    problems: list[Problem] = []
    for rule in kb.diary_rules.values():
        problems += cited("diary rule", rule.id, (), rule.citations)
        for country, refs in rule.country_citations.items():
            problems += cited("diary rule", rule.id, ("country_citations", country.value), refs)
        if rule.kind not in MEDICINE_KINDS:
            continue
        for country in Jurisdiction:
            if rule.status == "active" and not primary(rule.citations_for(country)):
                where = kb.where("diary rule", rule.id, "country_citations", country.value)
                problems.append(Problem(*where, f"medicine rule {NEEDS} for {country.value}"))
        watched = set(rule.ingredients) | {i.id for i in kb.ingredients.values() if i.drug_class == rule.drug_class}
        if not watched:
            problems.append(
                Problem(*kb.where("diary rule", rule.id, "drug_class"), f"no ingredient has class '{rule.drug_class}'")
            )
    for ingredient in kb.ingredients.values():
        problems += cited("ingredient", ingredient.id, (), ingredient.citations)
        for country, limit in ingredient.limits.items():
            at = ("limits", country.value)
            problems += cited("ingredient", ingredient.id, at, limit.citations)
            if not primary(limit.citations):
                problems.append(Problem(*kb.where("ingredient", ingredient.id, *at), f"ingredient limit {NEEDS}"))
    for product in kb.products.values():
        problems += _product_problems(kb, product.id, cited, primary)
    return problems


def _product_problems(kb: KnowledgeBase, product_id: str, cited: Cited, primary: Primary) -> list[Problem]:
    product = kb.products[product_id]
    problems: list[Problem] = []
    for name in product.contains:
        if name not in kb.ingredients:
            problems.append(
                Problem(*kb.where("product", product.id, "contains"), f"ingredient '{name}' is not in ingredients")
            )
    for country, label in product.labels.items():
        at = ("labels", country.value)
        where = kb.where("product", product.id, *at)
        problems += cited("product", product.id, at, label.citations)
        if not primary(label.citations):
            problems.append(Problem(*where, f"label limit {NEEDS}"))
        for name, mg in product.contains.items():
            known = kb.ingredients.get(name)
            limit = known.limits.get(country) if known else None
            if limit and limit.max_mg_per_day and label.max_units_per_day * mg > limit.max_mg_per_day + 0.5:
                problems.append(
                    Problem(
                        *where,
                        f"{label.max_units_per_day:g} × {mg:g} mg is more {name} than its "
                        f"{limit.max_mg_per_day:g} mg total for {country.value}",
                    )
                )
        if label.medicine is not None:
            problems += _mirror_problems(kb, product.id, country.value, where)
    return problems


def _mirror_problems(kb: KnowledgeBase, product_id: str, country: str, where: tuple[str, int]) -> list[Problem]:
    """A label that names a plan medicine must be that medicine: same country, ingredient and
    strength, and the same daily maximum."""
    product = kb.products[product_id]
    label = next(lab for c, lab in product.labels.items() if c.value == country)
    medicine = kb.medicines.get(label.medicine or "")
    if medicine is None:
        return [Problem(*where, f"unknown medicine '{label.medicine}'")]
    if medicine.jurisdiction.value != country or product.contains.get(medicine.ingredient) != medicine.strength_mg:
        return [Problem(*where, f"'{medicine.id}' is not this product in {country}")]
    if (medicine.max_units_per_day, medicine.max_mg_per_day) != (label.max_units_per_day, label.max_mg_per_day):
        return [
            Problem(
                *where,
                f"daily maximum {label.max_units_per_day:g} ({label.max_mg_per_day:g} mg) differs from "
                f"'{medicine.id}' ({medicine.max_units_per_day} ({medicine.max_mg_per_day:g} mg))",
            )
        ]
    return []

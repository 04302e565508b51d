"""The lint's country-word checks: what a person reads names the services and medicines of their
own country.

Text shown in both countries (rule advice, plan items, causes, questions…) writes country words
as ``{placeholders}``; text written for one country (a level's ``uk``/``us`` wording, a medicine
product) must not use the other country's words. Citations, comments and clinician-facing rule
titles are not checked.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from backcare.domain import Jurisdiction
from backcare.knowledge.base import KnowledgeBase, Problem
from backcare.knowledge.schema import PerJurisdiction
from backcare.knowledge.words import country_text_problems, shared_text_problems

Field = tuple[tuple[Any, ...], str]
"""A key path inside the item and the text found there."""


def check_country_words(kb: KnowledgeBase) -> list[Problem]:
    problems: list[Problem] = []

    def shared(kind: str, item_id: str, fields: Iterator[Field]) -> None:
        for path, text in fields:
            for message in shared_text_problems(text):
                problems.append(Problem(*kb.where(kind, item_id, *path), message))

    def per_country(kind: str, item_id: str, path: tuple[Any, ...], value: PerJurisdiction | None) -> None:
        if value is None:
            return
        for country in Jurisdiction:
            for message in country_text_problems(value.for_raw(country), country):
                problems.append(Problem(*kb.where(kind, item_id, *path, country.value), message))

    for rule in kb.rules.values():
        shared("rule", rule.id, iter([(("advice",), rule.advice)]))
        per_country("rule", rule.id, ("contact",), rule.contact)
    for cause in kb.causes.values():
        shared("cause", cause.id, iter([(("name",), cause.name), (("plain",), cause.plain)]))
    for item in kb.advice.values():
        shared("advice", item.id, _advice_fields(item.title, item.text, item.steps, item.cautions))
    for flag in kb.screen.values():
        shared("screen flag", flag.id, iter([(("label",), flag.label), (("why",), flag.why)]))
    for drule in kb.diary_rules.values():
        shared("diary rule", drule.id, iter([(("title",), drule.title), (("advice",), drule.advice)]))
    for q in kb.questions.values():
        fields: list[Field] = [(("text",), q.text), (("help",), q.help)]
        fields += [(("options", i, "label"), o.label) for i, o in enumerate(q.options)]
        if q.if_unsure is not None:
            fields.append((("if_unsure", "because"), q.if_unsure.because))
        shared("question", q.id, iter(fields))
    for step in kb.steps.values():
        fields = [(("title",), step.title), (("text",), step.text), (("help",), step.help)]
        fields += [(("labels", qid), label) for qid, label in step.labels.items()]
        shared("step", step.id, iter(fields))
    for key, level in kb.levels.items():
        shared("level", key, iter([(("label",), level.label)]))
        per_country("level", key, ("headline",), level.headline)
        per_country("level", key, ("what_to_do",), level.what_to_do)
    problems += _outside(kb)
    for med in kb.medicines.values():
        texts: list[Field] = [(("name",), med.name), (("directions",), med.directions), (("note",), med.note)]
        texts += [(("stop_and_ask", i), s) for i, s in enumerate(med.stop_and_ask)]
        for path, text in texts:
            for message in country_text_problems(text, med.jurisdiction):
                problems.append(Problem(*kb.where("medicine", med.id, *path), message))
    for product in kb.products.values():
        if len(set(product.jurisdictions)) == 1:
            for message in country_text_problems(product.name, product.jurisdictions[0]):
                problems.append(Problem(*kb.where("product", product.id, "name"), message))
        else:
            shared("product", product.id, iter([(("name",), product.name)]))
    return problems


def _advice_fields(title: str, text: str, steps: list[str], cautions: list[str]) -> Iterator[Field]:
    yield ("title",), title
    yield ("text",), text
    for i, step in enumerate(steps):
        yield ("steps", i), step
    for i, caution in enumerate(cautions):
        yield ("cautions", i), caution


def _outside(kb: KnowledgeBase) -> list[Problem]:
    if kb.outside is None or not kb.levels:
        return []
    any_level = next(iter(kb.levels))
    file, _ = kb.where("level", any_level)
    lines = kb.lines.get(file, {})
    problems = []
    for message in shared_text_problems(kb.outside.label):
        problems.append(Problem(file, lines.get(("outside", "label"), 1), message))
    for country in Jurisdiction:
        for message in country_text_problems(kb.outside.what_to_do.for_raw(country), country):
            problems.append(Problem(file, lines.get(("outside", "what_to_do", country.value), 1), message))
    return problems

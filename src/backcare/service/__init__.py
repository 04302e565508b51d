"""The use-cases both shells call: load the engine, assess, list questions, evaluate vignettes.

The CLI and (later) the web app go through these functions only, so they cannot drift apart.
"""

from __future__ import annotations

from dataclasses import fields, is_dataclass
from enum import Enum
from functools import cache
from pathlib import Path
from typing import Any

from backcare.domain import DONT_KNOW, Jurisdiction, PlanItem, Result, Urgency, localize
from backcare.engine.answers import InvalidAnswers
from backcare.engine.assess import assess_raw
from backcare.engine.compiled import CompiledKnowledge
from backcare.engine.evaluate import Evaluation, case_answers, evaluate
from backcare.engine.triage import ASSUMED
from backcare.knowledge.base import Problem
from backcare.knowledge.lint import lint
from backcare.knowledge.loader import (
    DATA_DIR,
    KnowledgeError,
    default_knowledge,
    read_cases,
    read_knowledge,
)
from backcare.knowledge.schema import Question

__all__ = ["InvalidAnswers", "KnowledgeError", "Problem"]

INTENDED_USE = (
    "backcare gives information and safety signposting for adults (16 and over) with back pain. "
    "It is not a diagnosis, it does not replace a clinician, and it is not for emergencies: "
    "if you think you need urgent help, call your emergency number."
)


@cache
def engine() -> CompiledKnowledge:
    """The packaged knowledge base, validated and compiled once per process."""
    return CompiledKnowledge(default_knowledge())


def check_rules(root: Path = DATA_DIR) -> tuple[list[Problem], dict[str, int]]:
    from backcare.knowledge.articles import read_articles

    kb, problems = read_knowledge(root)
    articles, article_problems = read_articles(root / "articles", set(kb.sources))
    problems = sorted(set(problems + lint(kb) + article_problems))
    counts = {
        "sources": len(kb.sources),
        "questions": len(kb.questions),
        "rules": len(kb.rules),
        "causes": len(kb.causes),
        "advice": len(kb.advice),
        "medicines": len(kb.medicines),
        "screen_flags": len(kb.screen),
        "articles": len(articles),
    }
    return problems, counts


@cache
def _catalogue(jurisdiction: Jurisdiction) -> tuple[dict[str, Any], ...]:
    return tuple(_catalogue_entries(jurisdiction))


def questions_catalogue(jurisdiction: Jurisdiction = Jurisdiction.UK) -> list[dict[str, Any]]:
    """The question catalogue in the country's words (built once per process and country;
    callers get their own list)."""
    return list(_catalogue(jurisdiction))


def _catalogue_entries(jurisdiction: Jurisdiction) -> list[dict[str, Any]]:
    out = []
    for q in engine().order:
        options = (
            [{"id": "yes", "label": "Yes"}, {"id": "no", "label": "No"}]
            if q.kind == "yes_no"
            else [{"id": o.id, "label": localize(o.label, jurisdiction)} for o in q.options]
        )
        entry: dict[str, Any] = {
            "id": q.id,
            "text": localize(q.text, jurisdiction),
            "kind": q.kind,
            "options": options,
            "dont_know": DONT_KNOW,
            "help": localize(q.help, jurisdiction),
            "section": q.section,
            "emergency": q.emergency,
            "asked_only_if": q.ask_if.model_dump(by_alias=True) if q.ask_if else None,
            "group": checklist_of(q.id),
            "if_unsure": (
                {"counts_as": q.if_unsure.means, "because": localize(q.if_unsure.because, jurisdiction)}
                if q.if_unsure
                else None
            ),
        }
        if q.kind == "number":
            entry.update({"min": q.min, "max": q.max, "unit": q.unit})
        if q.exclusive:
            entry["exclusive"] = list(q.exclusive)
        out.append(entry)
    return out


def assess_answers(raw: dict[str, object], jurisdiction: Jurisdiction = Jurisdiction.UK) -> Result:
    """Raises ``InvalidAnswers`` naming every bad answer."""
    return assess_raw(engine(), raw, jurisdiction)


def evaluate_cases(path: Path) -> tuple[Evaluation, list[Problem]]:
    """Score the vignettes, and count the screens each takes by walking the real interview."""
    from backcare.service.check import screens_to_result

    loaded, problems = read_cases(path)
    ck = engine()
    evaluation = evaluate(ck, [(case, f"{file}:{line}") for case, file, line in loaded])
    for case, _file, _line in loaded:
        try:
            count, _finished = screens_to_result(case_answers(ck, case), ck)
        except InvalidAnswers:
            continue
        evaluation.screens[case.id] = count
    return evaluation, problems


_FIELDS: dict[type, tuple[str, ...] | None] = {}
# Plan items are built once, when the knowledge is compiled, and shared by every result, so their
# JSON form is built once and reused (keyed by identity; the entry keeps the object alive, so an id
# is never reused for another item). Only compiled, bounded objects may go here: caching anything
# built per request would grow without limit in a long-running server.
_SHARED: dict[int, tuple[Any, Any]] = {}
_SHAREABLE = (PlanItem,)


def _fields_of(cls: type) -> tuple[str, ...] | None:
    if cls not in _FIELDS:
        _FIELDS[cls] = tuple(f.name for f in fields(cls)) if is_dataclass(cls) else None
    return _FIELDS[cls]


def to_jsonable(value: Any) -> Any:
    """Dataclasses, enums and tuples as plain JSON values."""
    cls = type(value)
    if cls in (str, int, float, bool) or value is None:
        return value
    names = _fields_of(cls)
    if names is not None:
        if isinstance(value, _SHAREABLE):
            hit = _SHARED.get(id(value))
            if hit is not None and hit[0] is value:
                return hit[1]
            data = {name: to_jsonable(getattr(value, name)) for name in names}
            _SHARED[id(value)] = (value, data)
            return data
        return {name: to_jsonable(getattr(value, name)) for name in names}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    return value


def shown_level(result: Result) -> dict[str, Any]:
    """The banner every shell shows: the level, or, when the main problem is not back pain and no
    rule raised the level, "not assessed" (never a self-care tick for a problem backcare did not
    check)."""
    kb = engine().kb
    level = kb.levels[result.urgency.value]
    view: dict[str, Any] = {
        "urgency": result.urgency.value,
        "label": level.label,
        "symbol": level.symbol,
        "headline": result.headline,
        "what_to_do": level.what_to_do.for_(result.jurisdiction),
        "citations": engine().cite(level.citations),
    }
    if result.out_of_scope and result.urgency is Urgency.SELF_CARE and kb.outside is not None:
        view.update(
            urgency="outside",
            label=kb.outside.label,
            symbol=kb.outside.symbol,
            what_to_do=kb.outside.what_to_do.for_(result.jurisdiction),
            citations=engine().cite(kb.outside.citations),
        )
    return view


CHECKLIST_LEAD = "Do you have this now, or have you had it with this pain?"


def question_wording(q: Question) -> str:
    """The words a person is asked. A checklist item ("Coughing up blood") is worded as a sign to
    tick; asked on its own it needs the lead-in, which every shell shows the same way."""
    return f"{CHECKLIST_LEAD} {q.text}." if checklist_of(q.id) and q.text[-1] not in "?." else q.text


@cache
def _checklists() -> dict[str, str]:
    return {qid: step.id for step in engine().kb.steps.values() if step.checklist for qid in step.questions}


def checklist_of(qid: str) -> str | None:
    """The checklist screen a question is asked on (the API's ``group``), if any."""
    return _checklists().get(qid)


def ask_a_clinician_about(result: Result) -> list[str]:
    """The questions answered "don't know" that raised nothing, in words: every shell shows them
    as things to ask a clinician about (the answer could matter, but was not taken as a yes)."""
    questions = engine().questions
    return [questions[qid].text for qid in result.unsure if qid in questions]


def result_json(result: Result) -> dict[str, Any]:
    data: dict[str, Any] = to_jsonable(result)
    for reason in data["reasons"]:
        reason["answers"] = {qid: value for qid, value in reason["answers"]}
    data["intended_use"] = INTENDED_USE
    data["ask_a_clinician_about"] = ask_a_clinician_about(result)
    return data


def shown_answer(value: object) -> str:
    """An answer in words for people: "don't know", "not asked yet (taken as yes, to be safe)"."""
    if value == ASSUMED:
        return "not answered yet, so taken as yes to be safe"
    if value == DONT_KNOW:
        return "don't know"
    if isinstance(value, list | tuple):
        return ", ".join(str(v).replace("_", " ") for v in value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).replace("_", " ")

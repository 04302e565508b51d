"""Meaning checks over a structurally valid knowledge base (layer two of validation).

Each check returns problems with the file and line of the offending part, so an author sees every
mistake at once. The clinical safety rules of design.md §2 that can be checked statically are
checked here: escalation must be monotone, "don't know" must count as yes on emergency
questions, and unverified [R] facts cannot be active hard rules.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from backcare.domain import DONT_KNOW, Jurisdiction, Urgency
from backcare.knowledge.base import KnowledgeBase, Problem
from backcare.knowledge.lint_diary import check_diary_medicines
from backcare.knowledge.lint_words import check_country_words
from backcare.knowledge.schema import (
    All,
    Answered,
    Any_,
    AtLeast,
    Below,
    CitationRef,
    Condition,
    CountOf,
    In,
    Is,
    Not,
    Question,
    Source,
    Unsure,
)
from backcare.knowledge.tree import uses_negation


def lint(kb: KnowledgeBase) -> list[Problem]:
    problems: list[Problem] = []
    problems += _check_citations(kb)
    problems += _check_safety_sources(kb)
    problems += _check_source_titles(kb)
    problems += _check_questions(kb)
    problems += _check_rules(kb)
    problems += _check_causes(kb)
    problems += _check_plan(kb)
    problems += _check_levels(kb)
    problems += _check_diary(kb)
    problems += _check_steps(kb)
    problems += check_country_words(kb)
    return sorted(set(problems))


def _walk(cond: Condition, path: tuple[Any, ...]) -> Iterator[tuple[Condition, tuple[Any, ...]]]:
    """Every node with its key path inside the YAML item."""
    yield cond, path
    if isinstance(cond, All):
        for i, c in enumerate(cond.all):
            yield from _walk(c, (*path, "all", i))
    elif isinstance(cond, Any_):
        for i, c in enumerate(cond.any):
            yield from _walk(c, (*path, "any", i))
    elif isinstance(cond, CountOf):
        for i, c in enumerate(cond.of):
            yield from _walk(c, (*path, "of", i))
        if cond.at_least_n > len(cond.of):
            pass  # reported by _condition_problems
    elif isinstance(cond, Not):
        yield from _walk(cond.not_, (*path, "not"))


def _condition_problems(
    kb: KnowledgeBase, kind: str, item_id: str, cond: Condition, path: tuple[Any, ...]
) -> list[Problem]:
    problems = []
    for node, where in _walk(cond, path):
        file, line = kb.where(kind, item_id, *where)

        def report(message: str, file: str = file, line: int = line) -> None:
            problems.append(Problem(file, line, message))

        if isinstance(node, CountOf) and node.at_least_n > len(node.of):
            report(f"at_least_n {node.at_least_n} can never be met by {len(node.of)} conditions")
        if not isinstance(node, Is | In | AtLeast | Below | Answered | Unsure):
            continue
        if isinstance(node, Answered):
            qid = node.answered
        elif isinstance(node, Unsure):
            qid = node.unsure
        else:
            qid = node.q
        question = kb.questions.get(qid)
        if question is None:
            report(f"unknown question '{qid}'")
            continue
        if isinstance(node, AtLeast | Below):
            if question.kind != "number":
                report(f"'{qid}' is a {question.kind} question; at_least/below need a number question")
            else:
                bound = node.at_least if isinstance(node, AtLeast) else node.below
                assert question.min is not None and question.max is not None
                if not question.min <= bound <= question.max + 1:
                    report(f"bound {bound} is outside {qid}'s range {question.min}–{question.max}")
        elif isinstance(node, Is | In):
            values = [str(node.is_)] if isinstance(node, Is) else node.in_
            if question.kind == "number":
                report(f"'{qid}' is a number question; use at_least or below")
                continue
            allowed = {*question.option_ids(), DONT_KNOW}
            for value in values:
                if value not in allowed:
                    report(f"'{value}' is not an answer to '{qid}' (answers: {', '.join(sorted(allowed))})")
    return problems


def _citations(
    kb: KnowledgeBase, kind: str, item_id: str, refs: list[CitationRef], at: tuple[Any, ...] = ()
) -> list[Problem]:
    """Every citation resolves and quotes what was read; ``at`` is the path to a nested list."""
    problems = []
    for i, ref in enumerate(refs):
        file, line = kb.where(kind, item_id, *at, "citations", i)
        source = kb.sources.get(ref.source)
        if source is None:
            problems.append(Problem(file, line, f"cites unknown source '{ref.source}'"))
        elif source.excerpts and not quotes(source, ref.locator):
            problems.append(
                Problem(file, line, f"locator {ref.locator!r} is not in the excerpts read from '{ref.source}'")
            )
    return problems


PRIMARY_KINDS = frozenset(
    {"guideline", "systematic_review", "trial", "cohort", "label", "patient_information", "pathway"}
)
_PUNCTUATION = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-"})


def _normal(text: str) -> str:
    return " ".join(text.translate(_PUNCTUATION).lower().split())


def quotes(source: Source, locator: str) -> bool:
    """Whether ``locator`` quotes words read in ``source`` (case, spacing and quote marks aside)."""
    wanted = _normal(locator)
    return any(wanted in _normal(excerpt) for excerpt in source.excerpts)


def _primary_quoted(kb: KnowledgeBase, refs: list[CitationRef], labels_from_copies: bool = False) -> bool:
    """Whether one citation quotes a primary source read at its publisher (``V``). A medicine
    label's text is the same wherever it is mirrored, so for medicine limits a quoted label read
    in a faithful copy (``V2``) also counts."""
    for ref in refs:
        source = kb.sources.get(ref.source)
        if source is None or source.kind not in PRIMARY_KINDS or not quotes(source, ref.locator):
            continue
        if source.verification == "V" or (labels_from_copies and source.kind == "label"):
            return True
    return False


_PROVENANCE_WORDS = ("reproduc", "third-party", "copy", "mirror", "transcript", "slide deck")


def _check_source_titles(kb: KnowledgeBase) -> list[Problem]:
    """People see a source's title beside the advice: it names the document, never how we read it."""
    problems = []
    for source in kb.sources.values():
        word = next((w for w in _PROVENANCE_WORDS if w in source.title.lower()), None)
        if word is not None:
            problems.append(
                Problem(
                    *kb.where("source", source.id, "title"),
                    f"source title mentions '{word}': name the document, and record the copy read in read_as or note",
                )
            )
    return problems


def _check_safety_sources(kb: KnowledgeBase) -> list[Problem]:
    """Every urgency rule and every medicine limit rests on a primary source, quoted verbatim
    (a locator whose words were read in that source), not on a copy, a news story or a mock file."""
    problems: list[Problem] = []
    message = "needs a primary source (V) whose locator quotes its excerpts"
    for rule in kb.rules.values():
        if rule.status == "active" and rule.urgency != Urgency.SELF_CARE and not _primary_quoted(kb, rule.citations):
            problems.append(Problem(*kb.where("rule", rule.id, "citations"), f"urgency rule {message}"))
    for medicine in kb.medicines.values():
        if not _primary_quoted(kb, medicine.citations, labels_from_copies=True):
            problems.append(Problem(*kb.where("medicine", medicine.id, "citations"), f"medicine limit {message}"))
    return problems


def _check_citations(kb: KnowledgeBase) -> list[Problem]:
    problems: list[Problem] = []
    groups: list[tuple[str, dict[str, Any]]] = [
        ("rule", kb.rules),
        ("cause", kb.causes),
        ("advice", kb.advice),
        ("screen flag", kb.screen),
        ("medicine", kb.medicines),
        ("level", kb.levels),
    ]
    for kind, items in groups:
        for item_id, item in items.items():
            problems += _citations(kb, kind, item_id, item.citations)
    return problems


def _check_questions(kb: KnowledgeBase) -> list[Problem]:
    problems: list[Problem] = []
    for q in kb.questions.values():
        file, line = kb.where("question", q.id)
        allowed = set(q.option_ids())
        if q.assume_if_unanswered is not None and q.assume_if_unanswered not in allowed:
            problems.append(
                Problem(
                    *kb.where("question", q.id, "assume_if_unanswered"),
                    f"assume_if_unanswered '{q.assume_if_unanswered}' is not an answer to '{q.id}'",
                )
            )
        if q.if_unsure is not None:
            problems += _unsure_problems(kb, q)
        if q.assume_if_unanswered is not None and q.ask_if is None:
            problems.append(
                Problem(
                    *kb.where("question", q.id, "assume_if_unanswered"),
                    "assume_if_unanswered is only for follow-up questions (needs ask_if)",
                )
            )
        for opt in q.exclusive:
            if opt not in allowed:
                problems.append(Problem(file, line, f"exclusive option '{opt}' is not an option of '{q.id}'"))
        if len(set(q.option_ids())) != len(q.option_ids()):
            problems.append(Problem(file, line, f"'{q.id}' has duplicate option ids"))
        if DONT_KNOW in allowed:
            problems.append(Problem(file, line, f"'{DONT_KNOW}' is always offered; do not list it as an option"))
        if q.ask_if is not None:
            problems += _condition_problems(kb, "question", q.id, q.ask_if, ("ask_if",))
            for node, where in _walk(q.ask_if, ("ask_if",)):
                parent_id = node.unsure if isinstance(node, Unsure) else getattr(node, "q", None)
                if isinstance(node, Is | In | AtLeast | Below | Unsure) and parent_id in kb.questions:
                    parent = kb.questions[parent_id]
                    if _position(kb, parent) >= _position(kb, q):
                        problems.append(
                            Problem(
                                *kb.where("question", q.id, *where),
                                f"ask_if reads '{parent_id}', which is asked after '{q.id}'",
                            )
                        )
    return problems


def _unsure_problems(kb: KnowledgeBase, q: Question) -> list[Problem]:
    assert q.if_unsure is not None
    means = q.if_unsure.means
    where = kb.where("question", q.id, "if_unsure", "means")
    problems = []
    cite = q.if_unsure.cite
    source = kb.sources.get(cite.source)
    where_cite = kb.where("question", q.id, "if_unsure", "cite")
    if source is None:
        problems.append(Problem(*where_cite, f"cites unknown source '{cite.source}'"))
    elif source.excerpts and not quotes(source, cite.locator):
        problems.append(
            Problem(*where_cite, f"locator {cite.locator!r} is not in the excerpts read from '{cite.source}'")
        )
    if q.kind == "number":
        assert q.min is not None and q.max is not None
        if isinstance(means, str | list) or not q.min <= means <= q.max:
            problems.append(Problem(*where, f"if_unsure of '{q.id}' must be a number from {q.min:g} to {q.max:g}"))
        return problems
    values = means if isinstance(means, list) else [means]
    if q.kind == "yes_no" and values != ["yes"]:
        problems.append(Problem(*where, f"if_unsure of yes/no question '{q.id}' can only mean \"yes\""))
    for value in values:
        if not isinstance(value, str) or value not in q.option_ids():
            problems.append(Problem(*where, f"if_unsure value {value!r} is not an answer to '{q.id}'"))
    if q.kind == "choice" and isinstance(means, str | list) and any(v in q.exclusive for v in values):
        problems.append(Problem(*where, f"if_unsure of '{q.id}' cannot mean an exclusive option"))
    return problems


def _unsure_keeps(q: Question, leaf: Is | In | AtLeast | Below) -> bool:
    """Whether a "don't know" to ``q``, counted as its declared ``if_unsure``, makes ``leaf`` true."""
    if q.if_unsure is None:
        return False
    means = q.if_unsure.means
    if isinstance(leaf, AtLeast | Below):
        if isinstance(means, str | list):
            return False
        return means >= leaf.at_least if isinstance(leaf, AtLeast) else means < leaf.below
    chosen = set(means) if isinstance(means, list) else {str(means)}
    wanted = {str(leaf.is_)} if isinstance(leaf, Is) else set(leaf.in_)
    return not chosen.isdisjoint(wanted)


def _position(kb: KnowledgeBase, q: Question) -> int:
    return list(kb.questions).index(q.id)


def _check_rules(kb: KnowledgeBase) -> list[Problem]:
    problems: list[Problem] = []
    reachable = set()
    for rule in kb.rules.values():
        problems += _condition_problems(kb, "rule", rule.id, rule.when, ("when",))
        if rule.status == "active":
            reachable.add(rule.urgency)
            if rule.evidence == "R":
                problems.append(
                    Problem(
                        *kb.where("rule", rule.id, "evidence"),
                        "an unverified [R] rule cannot be active; verify it or keep it draft",
                    )
                )
        if uses_negation(rule.when):
            problems.append(
                Problem(
                    *kb.where("rule", rule.id, "when"),
                    "triage rules may not use 'not': a yes could then lower the urgency",
                )
            )
        for node, where in _walk(rule.when, ("when",)):
            if not isinstance(node, Is | In) or node.q not in kb.questions:
                continue
            question = kb.questions[node.q]
            values = [str(node.is_)] if isinstance(node, Is) else node.in_
            if question.kind == "yes_no" and any(v != "yes" for v in values) and rule.urgency != Urgency.SELF_CARE:
                problems.append(
                    Problem(
                        *kb.where("rule", rule.id, *where),
                        f"tests '{node.q}' for '{values[0]}': only a yes may raise urgency",
                    )
                )

        if rule.urgency == Urgency.EMERGENCY_NOW and rule.status == "active":
            problems += _dont_know_switches_off(kb, rule.id, rule.when)
        for i, cause in enumerate(rule.causes):
            if cause not in kb.causes:
                problems.append(Problem(*kb.where("rule", rule.id, "causes", i), f"unknown cause '{cause}'"))
    for level in (Urgency.SOON, Urgency.SAME_DAY, Urgency.EMERGENCY_NOW):
        if kb.rules and level not in reachable:
            problems.append(Problem("knowledge/data/rules", 1, f"no active rule reaches '{level.value}'"))
    return problems


def _dont_know_switches_off(kb: KnowledgeBase, rule_id: str, when: Condition) -> list[Problem]:
    """An emergency rule must still fire when any answer it reads is "don't know" (evidence.md §0
    item 2): each question it tests declares an ``if_unsure`` that satisfies the test."""
    problems = []
    # A rule may handle "don't know" itself: a test inside an `any` that also holds
    # `{unsure: <same question>}` cannot be switched off by a "don't know".
    handled: set[int] = set()
    for node, _ in _walk(when, ("when",)):
        if isinstance(node, Any_):
            unsure = {c.unsure for c in node.any if isinstance(c, Unsure)}
            handled |= {id(c) for c in node.any if isinstance(c, Is | In | AtLeast | Below) and c.q in unsure}
    for node, where in _walk(when, ("when",)):
        if not isinstance(node, Is | In | AtLeast | Below) or node.q not in kb.questions or id(node) in handled:
            continue
        question = kb.questions[node.q]
        if question.if_unsure is None:
            message = (
                f"emergency rule '{rule_id}' reads '{node.q}', whose \"don't know\" is not declared (set if_unsure)"
            )
        elif not _unsure_keeps(question, node):
            message = (
                f"a \"don't know\" to '{node.q}' (counted as {question.if_unsure.means!r}) "
                f"would switch emergency rule '{rule_id}' off"
            )
        else:
            continue
        problems.append(Problem(*kb.where("rule", rule_id, *where), message))
    return problems


def _check_causes(kb: KnowledgeBase) -> list[Problem]:
    problems: list[Problem] = []
    baselines = [c.id for c in kb.causes.values() if c.baseline]
    if kb.causes and len(baselines) != 1:
        problems.append(
            Problem(
                "knowledge/data/conditions",
                1,
                f"exactly one baseline cause is needed, found {len(baselines)}: {baselines}",
            )
        )
    for cause in kb.causes.values():
        for attr in ("likely_when", "possible_when"):
            cond = getattr(cause, attr)
            if cond is not None:
                problems += _condition_problems(kb, "cause", cause.id, cond, (attr,))
        if not cause.baseline and cause.likely_when is None and cause.possible_when is None:
            problems.append(Problem(*kb.where("cause", cause.id), f"cause '{cause.id}' can never be suggested"))
    return problems


def _check_plan(kb: KnowledgeBase) -> list[Problem]:
    problems: list[Problem] = []
    for item in kb.advice.values():
        if item.when is not None:
            problems += _condition_problems(kb, "advice", item.id, item.when, ("when",))
        if item.evidence == "R" and item.section in ("medicines", "safety_net"):
            problems.append(
                Problem(
                    *kb.where("advice", item.id, "evidence"),
                    "medicine and safety-net advice must rest on verified facts",
                )
            )
    for flag in kb.screen.values():
        problems += _condition_problems(kb, "screen flag", flag.id, flag.when, ("when",))
    for jurisdiction in Jurisdiction:
        offered = [m for m in kb.medicines.values() if m.jurisdiction == jurisdiction and m.offer_for_back_pain]
        if kb.medicines and not any(m.drug_class == "nsaid" for m in offered):
            problems.append(
                Problem(
                    "knowledge/data/medicines",
                    1,
                    f"no NSAID offered for back pain in jurisdiction '{jurisdiction.value}'",
                )
            )
    if kb.advice and not any(a.section == "safety_net" for a in kb.advice.values()):
        problems.append(Problem("knowledge/data/advice", 1, "no safety-net advice: every plan must end with one"))
    return problems


def _check_levels(kb: KnowledgeBase) -> list[Problem]:
    missing = [u.value for u in Urgency if u.value not in kb.levels]
    if missing:
        return [Problem("knowledge/data/levels.yaml", 1, f"levels missing: {', '.join(missing)}")]
    return []


def _check_diary(kb: KnowledgeBase) -> list[Problem]:
    problems: list[Problem] = []
    for drule in kb.diary_rules.values():
        if drule.status == "active" and drule.evidence == "R":
            problems.append(
                Problem(*kb.where("diary rule", drule.id, "evidence"), "an unverified [R] rule cannot be active")
            )
    for flag in kb.red_flag_locations:
        question = kb.questions.get(flag.question)
        if question is None or question.kind != "yes_no":
            problems.append(
                Problem(
                    "knowledge/data/diary/products.yaml",
                    1,
                    f"red-flag location '{flag.location}' maps to '{flag.question}', not a yes/no question",
                )
            )
    problems += check_diary_medicines(
        kb,
        cited=lambda kind, item_id, at, refs: _citations(kb, kind, item_id, refs, at),
        primary=lambda refs: _primary_quoted(kb, refs, labels_from_copies=True),
    )
    return problems


def _check_steps(kb: KnowledgeBase) -> list[Problem]:
    """Every question is on exactly one screen; checklists hold yes/no questions only; nothing
    that can call an emergency waits until after the result."""
    problems = []
    seen: dict[str, str] = {}
    for step in kb.steps.values():
        if step.id in kb.questions:
            file, line = kb.where("step", step.id)
            problems.append(Problem(file, line, f"step id '{step.id}' is also a question id (API answers use both)"))
        for i, qid in enumerate(step.questions):
            file, line = kb.where("step", step.id, "questions", i)
            q = kb.questions.get(qid)
            if q is None:
                problems.append(Problem(file, line, f"step '{step.id}': unknown question '{qid}'"))
                continue
            if qid in seen:
                problems.append(Problem(file, line, f"question '{qid}' is already on step '{seen[qid]}'"))
            seen[qid] = step.id
            if step.checklist and q.kind != "yes_no":
                problems.append(
                    Problem(file, line, f"checklist '{step.id}' can only hold yes/no questions, not '{qid}'")
                )
            if step.stage == "plan" and q.emergency:
                problems.append(Problem(file, line, f"emergency question '{qid}' cannot wait until after the result"))
    if kb.steps:
        for qid in kb.questions:
            if qid not in seen:
                file, line = kb.where("question", qid)
                problems.append(Problem(file, line, f"question '{qid}' is on no step of the check (steps.yaml)"))
    return problems

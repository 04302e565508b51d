"""The knowledge base compiled for fast, repeated assessment.

Compiling turns every condition tree into a closure once, so one assessment costs a few hundred
function calls (thousands of assessments a second on one core).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from backcare.domain import DONT_KNOW, Answers, AnswerValue, Citation, Jurisdiction, PlanItem, Urgency, localize
from backcare.engine.conditions import UNSURE_KEY, Effective, Test, Value, compile_condition
from backcare.knowledge.base import KnowledgeBase
from backcare.knowledge.schema import Advice, Cause, CitationRef, Condition, Question, Rule, ScreenFlag
from backcare.knowledge.tree import leaves, question_of


def _never(eff: Effective) -> bool:
    return False


def _always(eff: Effective) -> bool:
    return True


@dataclass(frozen=True)
class CompiledRule:
    rule: Rule
    test: Test
    citations: tuple[Citation, ...]
    advice: dict[Jurisdiction, str] = field(default_factory=dict, compare=False)
    """The rule's advice in each country's words (built once)."""

    def advice_for(self, jurisdiction: Jurisdiction) -> str:
        return self.advice.get(jurisdiction) or localize(self.rule.advice, jurisdiction)


@dataclass(frozen=True)
class CompiledCause:
    cause: Cause
    likely: Test
    possible: Test


@dataclass(frozen=True)
class CompiledAdvice:
    advice: Advice
    test: Test
    citations: tuple[Citation, ...]
    item: PlanItem
    """The plan item as written, with its ``{placeholders}``."""
    items: dict[Jurisdiction, PlanItem] = field(compare=False)
    """The plan item in each country's words: the same for everyone there, so built once."""


@dataclass(frozen=True)
class CompiledFlag:
    flag: ScreenFlag
    test: Test
    citations: tuple[Citation, ...]


class CompiledKnowledge:
    """Everything the engine needs, with conditions compiled and citations resolved."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self.version = kb.version
        self.questions: dict[str, Question] = dict(kb.questions)
        self.order: tuple[Question, ...] = tuple(kb.questions.values())
        self.multi: frozenset[str] = frozenset(q.id for q in self.order if q.kind in ("multi", "choice"))
        """Questions whose effective answers are sets of option ids."""
        self.ask_if: dict[str, Test] = {
            q.id: self.compile(q.ask_if) if q.ask_if is not None else _always for q in self.order
        }
        self.rules: tuple[CompiledRule, ...] = tuple(
            CompiledRule(r, self.compile(r.when), self.cite(r.citations), _per_country(r.advice))
            for r in kb.rules.values()
            if r.status == "active"
        )
        self.causes: tuple[CompiledCause, ...] = tuple(
            CompiledCause(
                c,
                self.compile(c.likely_when) if c.likely_when is not None else _never,
                self.compile(c.possible_when) if c.possible_when is not None else _never,
            )
            for c in kb.causes.values()
        )
        self.plan_stage: frozenset[str] = frozenset(
            qid for step in kb.steps.values() if step.stage == "plan" for qid in step.questions
        )
        """Questions asked after the result (they tailor the plan)."""
        self.rules_reading: dict[str, tuple[CompiledRule, ...]] = _rules_reading(self.rules)
        self.screen_questions: frozenset[str] = frozenset(
            question_of(leaf) for f in kb.screen.values() for leaf in leaves(f.when)
        )
        """Questions the medicine safety screen reads."""
        self.advice: tuple[CompiledAdvice, ...] = tuple(
            self._advice(a) for a in sorted(kb.advice.values(), key=lambda a: a.order)
        )
        self.flags: tuple[CompiledFlag, ...] = tuple(
            CompiledFlag(f, self.compile(f.when), self.cite(f.citations)) for f in kb.screen.values()
        )

    def _advice(self, a: Advice) -> CompiledAdvice:
        citations = self.cite(a.citations)
        item = PlanItem(
            id=a.id,
            section=a.section,
            title=a.title,
            text=a.text,
            steps=tuple(a.steps),
            cautions=tuple(a.cautions),
            citations=citations,
            timer_minutes=a.timer.minutes if a.timer else None,
            timer_max_minutes=a.timer.max_minutes if a.timer else None,
        )
        items = {j: _localized(item, j) for j in Jurisdiction}
        return CompiledAdvice(a, self.compile(a.when) if a.when is not None else _always, citations, item, items)

    def compile(self, cond: Condition) -> Test:
        return compile_condition(cond, self.multi)

    def cite(self, refs: list[CitationRef]) -> tuple[Citation, ...]:
        out = []
        for ref in refs:
            source = self.kb.sources.get(ref.source)
            if source is None:  # the lint refuses this; kept total for hand-built knowledge in tests
                out.append(Citation(ref.source, ref.source, "", ref.locator))
                continue
            shown = source.canonical_url or source.url
            copy = source.url if source.canonical_url else ""
            out.append(Citation(ref.source, source.title, shown, ref.locator, copy))
        return tuple(out)

    def effective(self, answers: Answers, assume: bool = True) -> dict[str, Value]:
        """Answers as the rules read them.

        Walks the questions in interview order (a question's ``ask_if`` reads only earlier
        questions, which the lint enforces), so an answer to a question that would not be asked
        is left out, exactly as in the interview. "Don't know" becomes what the question's
        declared ``if_unsure`` says (the worrying answer, with a cited reason); without one it
        stays "don't know", which no rule tests, so it raises nothing. An unanswered follow-up to
        a red flag is assumed to be the worrying answer until the person says otherwise (unless
        ``assume`` is false: what the person has actually said, for deciding whether an emergency
        is already certain or its follow-up should be asked first). Nothing
        unanswered ever becomes "no". Every "don't know" is listed under ``UNSURE_KEY``.
        """
        eff: dict[str, Value] = {}
        unsure: list[str] = []
        ask_if = self.ask_if
        for q in self.order:
            qid = q.id
            if qid in answers:
                if not ask_if[qid](eff):
                    continue
                value = answers[qid]
                if value == DONT_KNOW:
                    unsure.append(qid)
                    eff[UNSURE_KEY] = frozenset(unsure)
                    if q.if_unsure is None:
                        if q.kind != "number":
                            eff[qid] = frozenset((DONT_KNOW,)) if qid in self.multi else DONT_KNOW
                        continue
                    value = _means(q.if_unsure.means)
                if qid in self.multi:
                    eff[qid] = frozenset(value) if isinstance(value, tuple) else frozenset((str(value),))
                elif isinstance(value, int | float):
                    eff[qid] = float(value)
                else:
                    eff[qid] = str(value)
            elif assume and q.assume_if_unanswered is not None and ask_if[qid](eff):
                eff[qid] = q.assume_if_unanswered
        return eff

    def unsure(self, eff: Effective) -> frozenset[str]:
        """Questions answered "don't know" (and asked)."""
        value = eff.get(UNSURE_KEY, frozenset())
        return value if isinstance(value, frozenset) else frozenset()

    def ignored(self, answers: Answers, eff: Effective) -> list[str]:
        """Answers given to questions that do not apply, so were not used."""
        unsure = self.unsure(eff)
        return [qid for qid in answers if qid not in eff and qid not in unsure]

    def applicable(self, eff: Effective) -> list[Question]:
        return [q for q in self.order if self.ask_if[q.id](eff)]

    def missing(self, answers: Answers, eff: Effective) -> list[str]:
        """Unanswered questions that apply and could still matter for the urgency: a question
        asked after the result (a plan step) counts only while an answer to it could raise the
        level."""
        out = []
        level: Urgency | None = None
        for q in self.order:
            if q.id in answers or not self.ask_if[q.id](eff):
                continue
            if q.id in self.plan_stage:
                if level is None:
                    level = self.level(eff)
                if not self.could_raise(eff, q.id, level):
                    continue
            out.append(q.id)
        return out

    def level(self, eff: Effective) -> Urgency:
        """The most urgent level of any rule that fires."""
        return max((r.rule.urgency for r in self.rules if r.test(eff)), default=Urgency.SELF_CARE)

    def plan_missing(self, answers: Answers, eff: Effective) -> list[str]:
        """Unanswered plan questions that apply: the plan is tailored once they are answered."""
        return [q.id for q in self.order if q.id in self.plan_stage and q.id not in answers and self.ask_if[q.id](eff)]

    def could_raise(self, eff: Effective, qid: str, level: Urgency | None = None) -> bool:
        """Whether some answer to ``qid`` would fire a rule above the level already reached.

        Used for questions asked after the result: one of them is asked before the result only
        when its answer could still change what the person must do (the value of asking)."""
        rules = self.rules_reading.get(qid, ())
        if not rules:
            return False
        level = self.level(eff) if level is None else level
        higher = [r for r in rules if r.rule.urgency > level]
        if not higher:
            return False
        for value in self._candidates(self.questions[qid]):
            trial = {**eff, qid: value}
            if value == DONT_KNOW:
                unsure = eff.get(UNSURE_KEY, frozenset())
                trial[UNSURE_KEY] = frozenset(unsure) | {qid} if isinstance(unsure, frozenset) else frozenset({qid})
            if any(r.test(trial) for r in higher):
                return True
        return False

    def _candidates(self, q: Question) -> list[Value]:
        if q.kind == "yes_no":
            return ["yes", "no", DONT_KNOW]
        if q.kind == "number":
            assert q.min is not None and q.max is not None
            return [float(q.min), float(q.max)]
        values: list[Value] = [frozenset((o,)) for o in q.option_ids()]
        return [*values, frozenset((DONT_KNOW,))]


def _per_country(text: str) -> dict[Jurisdiction, str]:
    return {j: localize(text, j) for j in Jurisdiction}


def _localized(item: PlanItem, j: Jurisdiction) -> PlanItem:
    return replace(
        item,
        title=localize(item.title, j),
        text=localize(item.text, j),
        steps=tuple(localize(s, j) for s in item.steps),
        cautions=tuple(localize(s, j) for s in item.cautions),
    )


def _rules_reading(rules: tuple[CompiledRule, ...]) -> dict[str, tuple[CompiledRule, ...]]:
    """Question id → the active rules whose condition reads it."""
    found: dict[str, list[CompiledRule]] = {}
    for r in rules:
        for qid in dict.fromkeys(question_of(leaf) for leaf in leaves(r.rule.when)):
            found.setdefault(qid, []).append(r)
    return {qid: tuple(rs) for qid, rs in found.items()}


def _means(means: str | float | list[str]) -> AnswerValue:
    if isinstance(means, list):
        return tuple(means)
    return means

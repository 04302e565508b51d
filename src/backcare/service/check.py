"""The check as a person meets it: one interview driver for every shell.

The interview is a pure function of the answers so far. ``due_screen`` says what to show next,
``submit`` turns one screen's form into answers, ``walk`` replays the answers to find the path
the person took (screen numbers, Back, progress, "Check your answers"), and ``result_view`` is the
result in the order and words every shell shows. The web pages, the REST API and the terminal
only parse input and render these objects, so the same answers give the same screens everywhere.

Screens come from ``steps.yaml``: a checklist screen asks its yes/no questions as one "tick all
that apply" list with "None of these" (ticked is yes, not ticked is no); any other screen asks its
questions together. Answers are always stored per question, so the engine, saved checks and
exports never see a checklist.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

from backcare.domain import (
    DONT_KNOW,
    EMERGENCY_NUMBER,
    Answers,
    AnswerValue,
    Jurisdiction,
    PlanItem,
    Result,
    Urgency,
    localize,
)
from backcare.engine.answers import AnswerError, InvalidAnswers, parse_answer, validate_answers
from backcare.engine.assess import assess
from backcare.engine.compiled import CompiledKnowledge
from backcare.engine.conditions import Effective
from backcare.engine.triage import ASSUMED
from backcare.knowledge.schema import Question, Step
from backcare.service import checklist_of, engine, result_json, shown_answer, shown_level

if TYPE_CHECKING:  # the store (and SQLAlchemy) is loaded only by commands that save
    from backcare.service.diary import DiaryService, SavedAssessment

NONE = "none"
"""The option id of "None of these" on a checklist (API clients look for ``none`` in the id)."""
NONE_LABEL = "None of these"
DONT_KNOW_LABEL = "I don't know"


# --- what a screen shows ------------------------------------------------------------------------


@dataclass(frozen=True)
class Choice:
    id: str
    label: str


@dataclass(frozen=True)
class Field:
    """One question on a screen, in the person's country's words, with the answer given so far."""

    id: str
    kind: str
    text: str
    help: str
    options: tuple[Choice, ...]
    value: AnswerValue | None
    selected: tuple[str, ...] = ()
    """The answer as form values: option ids, ``dont_know``, or the number as typed."""
    min: float | None = None
    max: float | None = None
    unit: str = ""


@dataclass(frozen=True)
class Screen:
    id: str
    title: str
    checklist: bool
    emergency: bool
    text: str
    """A checklist's question; empty for other screens (each field carries its own)."""
    help: str
    fields: tuple[Field, ...]
    number: int
    """This screen's place on the person's path (1 for the first)."""
    percent: int
    """Progress shown with the screen: never lower than on any earlier screen of the path."""
    back: str | None
    """The screen before this one on the path, for Back."""
    stage: str
    ticked: tuple[str, ...] = ()
    """For a checklist: the items answered yes so far (shown ticked when going back)."""
    none_ticked: bool = False


class ScreenErrors(ValueError):
    """A screen's answers could not be read: ``errors`` maps a field id (or ``answer``) to the
    message shown next to it."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


class UnknownScreen(LookupError):
    pass


# --- the path -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Walk:
    """The screens a person has gone through, in order, and where they are now."""

    visited: tuple[str, ...]
    percents: tuple[int, ...]
    given: Answers
    """The answers on the path, as the person gave them screen by screen."""
    current: str | None
    """The screen to show next, or None when the check is over (result or "Check your answers")."""
    finished: bool
    """Every question that could change the urgency is answered, or an emergency is certain."""
    emergency: bool
    before_result: int = 0
    """How many of the visited screens came before the result."""


def _steps(ck: CompiledKnowledge) -> tuple[Step, ...]:
    return tuple(ck.kb.steps.values())


def _step(ck: CompiledKnowledge, step_id: str) -> Step:
    step = ck.kb.steps.get(step_id)
    if step is None:
        raise UnknownScreen(step_id)
    return step


def _emergency(ck: CompiledKnowledge, answers: Answers, eff: Effective | None = None) -> bool:
    """The first emergency answer ends the check. An unanswered follow-up to a warning sign counts
    as the worrying answer until the person says otherwise (see ``follow_up``)."""
    return ck.level(ck.effective(answers) if eff is None else eff) is Urgency.EMERGENCY_NOW


def follow_up(answers: Answers, ck: CompiledKnowledge | None = None, emergency: bool | None = None) -> str | None:
    """When an emergency rests only on a follow-up not yet answered (a sign in both legs, taken
    as new until the person says it is long-standing and unchanged), the screen that asks it:
    the emergency screen offers it, so a long-standing problem can be told apart."""
    ck = ck or engine()
    if not (_emergency(ck, answers) if emergency is None else emergency):
        return None
    if ck.level(ck.effective(answers, assume=False)) is Urgency.EMERGENCY_NOW:
        return None
    eff = ck.effective(answers)
    for step in _steps(ck):
        for qid in step.questions:
            q = ck.questions[qid]
            if q.assume_if_unanswered is not None and qid not in answers and ck.ask_if[qid](eff):
                return step.id
    return None


def _due(
    ck: CompiledKnowledge, answers: Answers, plan: bool, eff: Effective | None = None
) -> tuple[Step, list[str]] | None:
    """The first screen with a question still to answer: before the result, the questions that
    could change the urgency; after it (``plan``), the questions that tailor the plan."""
    eff = ck.effective(answers) if eff is None else eff
    if _emergency(ck, answers, eff):
        return None
    return _first(ck, ck.plan_missing(answers, eff) if plan else ck.missing(answers, eff))


def _first(ck: CompiledKnowledge, wanted_list: list[str]) -> tuple[Step, list[str]] | None:
    wanted = set(wanted_list)
    if not wanted:
        return None
    for step in _steps(ck):
        shown = [qid for qid in step.questions if qid in wanted]
        if shown:
            return step, shown
    return None


def _remaining(ck: CompiledKnowledge, wanted_list: list[str]) -> int:
    wanted = set(wanted_list)
    return sum(1 for step in _steps(ck) if step.stage == "check" and wanted.intersection(step.questions))


def walk(answers: Answers, ck: CompiledKnowledge | None = None) -> Walk:
    """Replay the answers screen by screen, exactly as the interview would have asked them."""
    ck = ck or engine()
    so_far: Answers = {}
    visited: list[str] = []
    percents: list[int] = []
    best = 0
    current: str | None = None
    before_result = 0
    for plan in (False, True):
        while True:
            # A follow-up answered from the emergency screen ("long-standing, not changing")
            # takes its place on the path, and the check goes on from there.
            eff = ck.effective(so_far)
            emergency = _emergency(ck, so_far, eff)
            offered = follow_up(so_far, ck, emergency) if emergency else None
            if offered is not None:
                asked = [q for q in ck.kb.steps[offered].questions if q in answers and q not in so_far]
                if asked:
                    so_far.update((q, answers[q]) for q in asked)
                    visited.append(offered)
                    percents.append(best)
                    continue
            if emergency:
                break
            wanted = ck.plan_missing(so_far, eff) if plan else ck.missing(so_far, eff)
            due = _first(ck, wanted)
            if due is None:
                break
            step, shown = due
            done = len(visited)
            if not plan:
                best = max(best, _percent(done, _remaining(ck, wanted)))
            percents.append(best)
            if any(qid not in answers for qid in shown):
                current = step.id
                break
            for qid in shown:
                so_far[qid] = answers[qid]
            visited.append(step.id)
        if not plan:
            before_result = len(visited)
        if current is not None or _emergency(ck, so_far):
            break
    if current is None:
        percents.append(100)
    finished = _due(ck, so_far, False) is None
    return Walk(tuple(visited), tuple(percents), dict(so_far), current, finished, _emergency(ck, so_far), before_result)


def _percent(done: int, remaining: int) -> int:
    total = done + remaining
    return 100 if total == 0 else round(100 * done / total)


def screens_to_result(answers: Answers, ck: CompiledKnowledge | None = None) -> tuple[int, bool]:
    """How many screens the person answers before the result, and whether these answers reach it
    (a vignette may leave out a question the check would ask)."""
    ck = ck or engine()
    path = walk(answers, ck)
    return path.before_result, path.finished


# --- one screen ---------------------------------------------------------------------------------


def _words(text: str, jurisdiction: Jurisdiction) -> str:
    return localize(text, jurisdiction)


def _field(q: Question, value: AnswerValue | None, jurisdiction: Jurisdiction, label: str = "") -> Field:
    if q.kind == "yes_no":
        options: tuple[Choice, ...] = (Choice("yes", "Yes"), Choice("no", "No"))
    else:
        options = tuple(Choice(o.id, _words(o.label, jurisdiction)) for o in q.options)
    return Field(
        id=q.id,
        kind=q.kind,
        text=_words(label or q.text, jurisdiction),
        help=_words(q.help, jurisdiction),
        options=options,
        value=value,
        selected=_selected(value),
        min=q.min,
        max=q.max,
        unit=q.unit,
    )


def _selected(value: AnswerValue | None) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, tuple):
        return value
    if isinstance(value, float):
        return (f"{value:g}",)
    return (str(value),)


def _shown(ck: CompiledKnowledge, step: Step, answers: Answers) -> list[str]:
    """The questions a screen shows: when it is due, the ones still to answer; when the person
    comes back to it, every one that applies (with the answers given)."""
    for plan in (False, True):
        due = _due(ck, answers, plan)
        if due is not None and due[0].id == step.id:
            return due[1]
    eff = ck.effective(answers)
    return [qid for qid in step.questions if ck.ask_if[qid](eff)]


def screen(step_id: str, answers: Answers, jurisdiction: Jurisdiction) -> Screen:
    """Raises ``UnknownScreen`` for a screen that does not exist or does not apply."""
    ck = engine()
    step = _step(ck, step_id)
    shown = _shown(ck, step, answers)
    if not shown:
        raise UnknownScreen(step_id)
    path = walk(answers, ck)
    index = path.visited.index(step_id) if step_id in path.visited else len(path.visited)
    back = path.visited[index - 1] if index > 0 else None
    percent = path.percents[min(index, len(path.percents) - 1)] if path.percents else 0
    fields = tuple(_field(ck.questions[qid], answers.get(qid), jurisdiction, step.labels.get(qid, "")) for qid in shown)
    ticked = tuple(qid for qid in shown if answers.get(qid) == "yes")
    none_ticked = step.checklist and all(answers.get(qid) == "no" for qid in shown)
    return Screen(
        id=step.id,
        title=step.title,
        checklist=step.checklist,
        emergency=step.emergency,
        text=_words(step.text, jurisdiction),
        help=_words(step.help, jurisdiction),
        fields=fields,
        number=index + 1,
        percent=percent,
        back=back,
        stage=step.stage,
        ticked=ticked,
        none_ticked=none_ticked,
    )


def submit(step_id: str, form: Mapping[str, Sequence[str]], answers: Answers, dont_know: bool = False) -> Answers:
    """One screen's answers added to ``answers`` (a new dict); raises ``ScreenErrors``.

    ``form`` maps a field id to the values sent (a checklist sends its ticked ids as ``answer``).
    ``dont_know`` answers every question on the screen "don't know". Answers that no longer apply
    after a change are dropped, so changing an answer never leaves a stale one behind.
    """
    ck = engine()
    step = _step(ck, step_id)
    shown = _shown(ck, step, answers)
    if not shown:
        raise UnknownScreen(step_id)
    new = dict(answers)
    if dont_know:
        for qid in shown:
            new[qid] = DONT_KNOW
    elif step.checklist:
        ticked = [v for v in form.get("answer", ()) if v]
        if not ticked:
            raise ScreenErrors({"answer": f"Tick the ones that apply, or “{NONE_LABEL}”."})
        if NONE in ticked and len(ticked) > 1:
            raise ScreenErrors({"answer": f"You ticked “{NONE_LABEL}” and something else: please check your answer."})
        unknown = [v for v in ticked if v != NONE and v not in shown]
        if unknown:
            raise ScreenErrors({"answer": "This list has changed; please answer it again."})
        for qid in shown:
            new[qid] = "yes" if qid in ticked else "no"
    else:
        errors: dict[str, str] = {}
        for qid in shown:
            q = ck.questions[qid]
            values = [v for v in form.get(qid, ()) if v != ""]
            if not values:
                errors[qid] = "Please choose an answer, or “I don't know”."
                continue
            raw: object = DONT_KNOW if DONT_KNOW in values else (values if q.kind == "multi" else values[0])
            try:
                new[qid] = parse_answer(q, raw)
            except ValueError as exc:
                errors[qid] = _readable(q, exc)
        if errors:
            raise ScreenErrors(errors)
    return prune(new, ck)


def _readable(q: Question, exc: ValueError) -> str:
    if q.kind == "number":
        assert q.min is not None and q.max is not None
        return f"Please give a number from {q.min:g} to {q.max:g}."
    message = str(exc)
    if "cannot be combined" in message or "combined" in message:
        return "“None” cannot be chosen with other answers."
    return "Please choose from the answers shown."


def prune(answers: Answers, ck: CompiledKnowledge | None = None) -> Answers:
    """Drop answers to questions that no longer apply (after an answer was changed)."""
    ck = ck or engine()
    current = dict(answers)
    while True:
        eff = ck.effective(current)
        unsure = ck.unsure(eff)
        stale = [qid for qid in current if qid not in eff and qid not in unsure and not ck.ask_if[qid](eff)]
        if not stale:
            return current
        for qid in stale:
            del current[qid]


def read_answers(raw: Mapping[str, object]) -> Answers:
    """Answers from outside (a saved draft, an API body): per question, and checklist answers
    by screen id (``{"emergency_now": ["none"]}``) expanded into their questions. Raises
    ``InvalidAnswers`` naming each bad answer."""
    ck = engine()
    steps = ck.kb.steps
    plain = {k: v for k, v in raw.items() if k not in steps}
    answers = validate_answers(plain, ck.questions)
    errors: list[AnswerError] = []
    for step in _steps(ck):
        if step.id not in raw:
            continue
        value = raw[step.id]
        if not step.checklist:
            errors.append(AnswerError(step.id, "answer this screen's questions by their own ids"))
            continue
        if value == DONT_KNOW:
            form: dict[str, list[str]] = {}
            dont_know = True
        elif isinstance(value, list) and all(isinstance(v, str) for v in value):
            form, dont_know = {"answer": list(value)}, False
        else:
            errors.append(AnswerError(step.id, f'expected a list of ticked ids (or ["{NONE}"]), got {value!r}'))
            continue
        try:
            answers = submit(step.id, form, answers, dont_know)
        except UnknownScreen:
            errors.append(AnswerError(step.id, "this checklist does not apply to the other answers"))
        except ScreenErrors as exc:
            errors.append(AnswerError(step.id, "; ".join(exc.errors.values())))
    if errors:
        raise InvalidAnswers(errors)
    return answers


# --- "Check your answers" -----------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewRow:
    question: str
    answer: str


@dataclass(frozen=True)
class ReviewSection:
    step: str
    title: str
    rows: tuple[ReviewRow, ...]


def review(answers: Answers, jurisdiction: Jurisdiction, stage: str = "check") -> tuple[ReviewSection, ...]:
    """Every screen the person answered, with the answers in words, for "Check your answers"."""
    ck = engine()
    out = []
    for step_id in dict.fromkeys(walk(answers, ck).visited):
        step = ck.kb.steps[step_id]
        if step.stage != stage:
            continue
        qids = [q for q in step.questions if q in answers and ck.ask_if[q](ck.effective(answers))]
        if step.checklist:
            yes = [_words(step.labels.get(q, ck.questions[q].text), jurisdiction) for q in qids if answers[q] == "yes"]
            unsure = [
                _words(step.labels.get(q, ck.questions[q].text), jurisdiction) for q in qids if answers[q] == DONT_KNOW
            ]
            rows = [ReviewRow(r, "Yes") for r in yes] + [ReviewRow(r, "Not sure") for r in unsure]
            if not rows:
                rows = [ReviewRow(_words(step.text, jurisdiction), NONE_LABEL)]
        else:
            rows = [
                ReviewRow(
                    _words(ck.questions[q].text, jurisdiction), answer_words(ck.questions[q], answers[q], jurisdiction)
                )
                for q in qids
            ]
        out.append(ReviewSection(step.id, step.title, tuple(rows)))
    return tuple(out)


def answer_words(q: Question, value: AnswerValue, jurisdiction: Jurisdiction) -> str:
    """An answer as the person chose it: option labels, never option ids."""
    if value == DONT_KNOW:
        return DONT_KNOW_LABEL
    labels = {o.id: _words(o.label, jurisdiction) for o in q.options}
    if q.kind == "yes_no":
        return "Yes" if value == "yes" else "No"
    if isinstance(value, tuple):
        return "; ".join(labels.get(v, v) for v in value)
    if isinstance(value, str):
        return labels.get(value, value)
    text = shown_answer(value)
    return f"{text} {q.unit}".strip() if q.unit else text


# --- the result ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Why:
    text: str
    """What this means, in the rule's own plain words."""
    because: tuple[str, ...]
    """The answers that led here, in words."""


@dataclass(frozen=True)
class Section:
    """One collapsed part of the plan."""

    id: str
    title: str
    text: str
    steps: tuple[str, ...]
    cautions: tuple[str, ...]
    sources: tuple[tuple[str, str], ...]
    section: str = ""
    timer_minutes: int | None = None
    timer_max_minutes: int | None = None


@dataclass(frozen=True)
class PlanGroup:
    """Plan sections under one collapsed heading."""

    id: str
    title: str
    items: tuple[Section, ...]


PLAN_GROUPS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("understand", "What is going on", ("understand",)),
    ("move", "Keep moving", ("stay_active", "exercise")),
    ("heat", "Heat and cold", ("heat_cold",)),
    ("medicines", "Medicines", ("medicines", "prescription")),
    ("prevent", "Preventing the next episode", ("prevention", "wellbeing")),
    ("next", "If it is not getting better", ("follow_up",)),
)
"""How the plan's sections are grouped on the result, in this order."""


def plan_groups(view: ResultView) -> tuple[PlanGroup, ...]:
    out = []
    for gid, title, sections in PLAN_GROUPS:
        items = tuple(i for i in view.plan if i.section in sections)
        if items or (gid == "medicines" and (view.medicines or view.medicines_note)):
            out.append(PlanGroup(gid, title, items))
    return tuple(out)


@dataclass(frozen=True)
class ResultView:
    """The result in the order every shell shows it."""

    urgency: str
    label: str
    symbol: str
    headline: str
    what_to_do: str
    number: str
    calls: tuple[tuple[str, str], ...]
    """Buttons to call now: (words, ``tel:`` link), for an emergency or a same-day result."""
    say: tuple[str, ...]
    """For an emergency: what to tell the call handler, in plain words."""
    why: tuple[Why, ...]
    said_no: tuple[str, ...]
    """Warning signs the person said no to (shown collapsed)."""
    safety_net: tuple[Section, ...]
    causes: tuple[tuple[str, str, bool], ...]
    """(name, summary, fits well)."""
    plan: tuple[Section, ...]
    medicines_note: str
    medicines: tuple[dict[str, Any], ...]
    ask_about: tuple[str, ...]
    notes: tuple[str, ...]
    sources: tuple[tuple[str, str], ...]
    do_now: tuple[tuple[str, str], ...]
    """The first things to do, as (words, plan item id) pointing into the plan."""
    plan_questions: str | None
    """The first screen of questions that tailor the plan, when some are still unanswered."""
    follow_up: str | None
    """For an emergency resting on an unanswered follow-up: the screen that asks it."""
    result: Result = field(repr=False)


def _label(ck: CompiledKnowledge, qid: str) -> str:
    """A question's checklist wording, or its text when it is not on a checklist."""
    return _labels().get(qid) or ck.questions[qid].text


@cache
def _labels() -> dict[str, str]:
    return {qid: text for step in engine().kb.steps.values() for qid, text in step.labels.items()}


def result_view(answers: Answers, jurisdiction: Jurisdiction) -> ResultView:
    ck = engine()
    result = assess(ck, answers, jurisdiction)
    level = shown_level(result)
    number = EMERGENCY_NUMBER[jurisdiction]
    top = [r for r in result.reasons if r.urgency is result.urgency]
    why = []
    say: list[str] = []
    for r in top:
        because = []
        for qid, value in r.answers:
            line = _because(ck, qid, value, jurisdiction)
            if line:
                because.append(line)
        why.append(Why(localize(r.advice, jurisdiction), tuple(dict.fromkeys(because))))
        if result.urgency is Urgency.EMERGENCY_NOW:
            say.extend(b for b in because if b not in say)
    emergency_items = [qid for step in _steps(ck) if step.emergency for qid in step.questions]
    said_no = tuple(_words(_label(ck, qid), jurisdiction) for qid in emergency_items if answers.get(qid) == "no")
    plan = result.plan
    safety = tuple(_section(i, number) for i in plan.safety_net) if plan else ()
    items = tuple(_section(i, number) for i in plan.items) if plan else ()
    medicines = tuple(
        {
            "name": m.name,
            "offered": m.offered,
            "directions": m.directions,
            "max_daily": m.max_daily,
            "stop_and_ask": m.stop_and_ask,
            "blocked_because": m.blocked_because,
        }
        for m in (plan.medicines if plan else ())
    )
    sources: dict[str, str] = {}
    for c in level["citations"]:
        sources.setdefault(c.url, c.title)
    for r in top:
        for c in r.citations:
            sources.setdefault(c.url, c.title)
    plan_step = _due(ck, answers, True) if result.urgency is not Urgency.EMERGENCY_NOW else None
    return ResultView(
        urgency=level["urgency"],
        label=level["label"],
        symbol=level["symbol"],
        headline=localize(level["headline"], jurisdiction),
        what_to_do=localize(level["what_to_do"], jurisdiction),
        number=number,
        calls=_calls(result, jurisdiction),
        say=tuple(say),
        why=tuple(why),
        said_no=said_no,
        safety_net=safety,
        causes=tuple((c.name, c.summary, c.strength == "likely") for c in result.possible_causes),
        plan=items,
        medicines_note=localize(plan.medicine_note, jurisdiction) if plan else "",
        medicines=medicines,
        ask_about=tuple(_words(t, jurisdiction) for t in _ask_about(ck, result)),
        notes=_notes(ck, result, answers, jurisdiction),
        sources=tuple(sources.items()),
        do_now=_do_now(items),
        plan_questions=plan_step[0].id if plan_step else None,
        follow_up=follow_up(answers),
        result=result,
    )


URGENT_LINE: dict[Jurisdiction, tuple[str, str]] = {Jurisdiction.UK: ("Call NHS 111", "tel:111")}
"""The same-day phone line, where a country has one number for it (the US has none)."""


def _calls(result: Result, jurisdiction: Jurisdiction) -> tuple[tuple[str, str], ...]:
    number = EMERGENCY_NUMBER[jurisdiction]
    if result.urgency is Urgency.EMERGENCY_NOW and not result.headline.lower().startswith("call your"):
        return ((f"Call {number} now", f"tel:{number}"),)
    if result.urgency is Urgency.EMERGENCY_NOW:
        # A rule named another service first (a maternity unit): 999/911 stays one tap away.
        return ((f"Call {number} if you cannot reach them", f"tel:{number}"),)
    if result.urgency is Urgency.SAME_DAY and jurisdiction in URGENT_LINE:
        return (URGENT_LINE[jurisdiction],)
    return ()


def _because(ck: CompiledKnowledge, qid: str, value: AnswerValue, jurisdiction: Jurisdiction) -> str:
    """One answer behind a reason, in words: a ticked sign as the sign; any other answer as the
    question and the answer. The premise of every rule (back pain is the main problem) is left
    out, and so is a follow-up the person has not answered."""
    q = ck.questions.get(qid)
    if q is None or value == ASSUMED or (q.section == "start" and value == "yes"):
        return ""
    if q.kind == "yes_no" and value == "yes" and checklist_of(qid) is not None:
        return _words(_label(ck, qid), jurisdiction)
    question = _words(q.text, jurisdiction).replace(" Choose all that fit.", "")
    return f"{question} {answer_words(q, value, jurisdiction)}"


DO_NOW_SECTIONS = ("stay_active", "heat_cold", "medicines")
"""The plan sections whose first item is worth doing today: keep moving, heat, pain relief."""


def _do_now(items: tuple[Section, ...]) -> tuple[tuple[str, str], ...]:
    out = []
    for section in DO_NOW_SECTIONS:
        first = next((i for i in items if i.section == section), None)
        if first is not None:
            out.append((first.title, first.id))
    return tuple(out)


def _notes(ck: CompiledKnowledge, result: Result, answers: Answers, jurisdiction: Jurisdiction) -> tuple[str, ...]:
    """The result's notes in words: answers to questions that do not apply are named by their
    question, never by id."""
    out = [n for n in result.notes if not n.startswith("Not used") and "questions stopped early" not in n]
    ignored = ck.ignored(answers, ck.effective(answers))
    if ignored:
        texts = "; ".join(_words(ck.questions[q].text, jurisdiction) for q in ignored if q in ck.questions)
        out.append(f"Not used, because they do not apply to your other answers: {texts}")
    return tuple(out)


def _ask_about(ck: CompiledKnowledge, result: Result) -> list[str]:
    return [_label(ck, qid) for qid in result.unsure if qid in ck.questions]


def _section(item: PlanItem, number: str) -> Section:
    """A plan item (already in the country's words) as the result shows it."""
    return Section(
        id=item.id,
        title=item.title.replace("the emergency number", f"the emergency number ({number})"),
        text=item.text,
        steps=item.steps,
        cautions=item.cautions,
        sources=tuple((c.url, c.title) for c in item.citations),
        section=item.section,
        timer_minutes=item.timer_minutes,
        timer_max_minutes=item.timer_max_minutes,
    )


def visible_words(view: ResultView) -> int:
    """Words a person reads on the result before expanding anything (headline to causes)."""
    parts: list[str] = [view.label, view.headline, view.what_to_do, *view.say, *(t for t, _ in view.do_now)]
    for w in view.why:
        parts.append(w.text)
        parts.extend(w.because)
    for i, s in enumerate(view.safety_net):
        parts.append(s.title)
        if i == 0:  # the emergency list is open; the others are one tap away
            parts.extend(s.steps)
    parts.extend(name for name, _summary, _fits in view.causes)
    parts.extend(group.title for group in plan_groups(view))
    return sum(len(p.split()) for p in parts)


# --- saved checks and other plan views ----------------------------------------------------------


def after_result(step_id: str, path: Walk) -> bool:
    """Whether the person answered this screen after seeing the result (to fit the plan)."""
    return step_id in path.visited and path.visited.index(step_id) >= path.before_result


def save(diary: DiaryService, answers: Answers, jurisdiction: Jurisdiction) -> str:
    """Keep a finished check in the person's diary (answers per question and the result). The
    same check saved again (a second press, a stale tab) is kept once: its id is returned."""
    latest = _latest_row(diary)
    if latest is not None and _same(latest, answers, jurisdiction):
        return latest.id
    result = assess(engine(), answers, jurisdiction)
    return diary.save_assessment(_plain(answers), result_json(result))


def already_saved(diary: DiaryService, answers: Answers, jurisdiction: Jurisdiction) -> bool:
    """The person's latest saved check has exactly these answers, in this country."""
    latest = _latest_row(diary)
    return latest is not None and _same(latest, answers, jurisdiction)


def _plain(answers: Answers) -> dict[str, Any]:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in answers.items()}


def _latest_row(diary: DiaryService) -> SavedAssessment | None:
    rows = diary.saved_assessments()
    return rows[-1] if rows else None


def _same(row: SavedAssessment, answers: Answers, jurisdiction: Jurisdiction) -> bool:
    return row.jurisdiction == jurisdiction.value and row.answers == _plain(answers)


def progress(answers: Answers) -> str:
    """How far the check in progress has got, for the home page: "" (none), "started" or
    "finished" (its result is ready to see again)."""
    if not answers:
        return ""
    path = walk(answers)
    return "finished" if path.emergency or path.finished else "started"


@dataclass(frozen=True)
class SavedCheck:
    id: str
    when: str
    label: str
    urgency: str


def saved_checks(diary: DiaryService) -> tuple[SavedCheck, ...]:
    """The person's saved checks, newest first, as a list to choose from."""
    levels = engine().kb.levels
    out = []
    for row in reversed(diary.saved_assessments()):
        level = levels.get(row.urgency)
        label = level.label if level else "Saved check"
        out.append(SavedCheck(row.id, row.created_at.strftime("%d %b %Y, %H:%M"), label, row.urgency))
    return tuple(out)


def saved_check(diary: DiaryService, check_id: str) -> tuple[Answers, Jurisdiction]:
    """A saved check's answers, to open it again; raises ``UnknownScreen`` if there is none or
    its answers no longer fit the questions."""
    for row in diary.saved_assessments():
        if row.id == check_id:
            try:
                return read_answers(row.answers), Jurisdiction(row.jurisdiction)
            except (InvalidAnswers, ValueError):
                raise UnknownScreen(check_id) from None
    raise UnknownScreen(check_id)


def latest_saved(diary: DiaryService) -> tuple[Answers, Jurisdiction] | None:
    rows = diary.saved_assessments()
    for row in reversed(rows):
        try:
            return read_answers(row.answers), Jurisdiction(row.jurisdiction)
        except (InvalidAnswers, ValueError):
            continue
    return None


def prevention(jurisdiction: Jurisdiction, answers: Answers | None = None) -> tuple[Section, ...]:
    """The prevention, exercise and wellbeing advice, for the Prevent page. Advice that rests on
    something the person said ("You told us you sit for more than five hours…") is shown only when
    their latest saved check (``answers``) says it; without one, only the advice for everyone."""
    ck = engine()
    number = EMERGENCY_NUMBER[jurisdiction]
    eff = ck.effective(answers, assume=False) if answers else None
    return tuple(
        _section(a.items[jurisdiction], number)
        for a in ck.advice
        if a.advice.section in ("prevention", "exercise", "wellbeing")
        and (a.advice.when is None or (eff is not None and a.test(eff)))
    )


# --- the REST API's step ------------------------------------------------------------------------


def api_question(answers: Answers, jurisdiction: Jurisdiction) -> dict[str, Any] | None:
    """The next question for an API client: a checklist screen as one ``multi`` question whose
    options are its items and ``none``; any other screen one question at a time."""
    ck = engine()
    due = _due(ck, answers, False)
    if due is None:
        return None
    step, shown = due
    if step.checklist:
        return {
            "id": step.id,
            "text": _words(step.text, jurisdiction),
            "kind": "multi",
            "options": [{"id": q, "label": _words(_label(ck, q), jurisdiction)} for q in shown]
            + [{"id": NONE, "label": NONE_LABEL}],
            "exclusive": [NONE],
            "dont_know": DONT_KNOW,
            "help": _words(step.help, jurisdiction),
            "section": step.title,
            "emergency": step.emergency,
            "checklist": {"items": shown, "yes_if_ticked": True},
        }
    return _api_entry(ck.questions[shown[0]], step.title, jurisdiction)


def _api_entry(q: Question, section: str, jurisdiction: Jurisdiction) -> dict[str, Any]:
    f = _field(q, None, jurisdiction)
    entry: dict[str, Any] = {
        "id": q.id,
        "text": f.text,
        "kind": q.kind,
        "options": [{"id": c.id, "label": c.label} for c in f.options],
        "dont_know": DONT_KNOW,
        "help": f.help,
        "section": section,
        "emergency": q.emergency,
    }
    if q.kind == "number":
        entry.update({"min": q.min, "max": q.max, "unit": q.unit})
    if q.exclusive:
        entry["exclusive"] = list(q.exclusive)
    return entry


def api_step(raw: Mapping[str, object], jurisdiction: Jurisdiction) -> dict[str, Any]:
    """``POST /api/v1/assess``: the next question (or none), progress and the result so far.
    Raises ``InvalidAnswers``."""
    answers = read_answers(raw)
    result = assess(engine(), answers, jurisdiction)
    question = api_question(answers, jurisdiction)
    path = walk(answers)
    plan = _due(engine(), answers, True) if question is None else None
    return {
        "next_question": question,
        "plan_questions": [_api_entry(engine().questions[q], step.title, jurisdiction) for q in plan[1]]
        if plan is not None and (step := plan[0]) is not None
        else [],
        "progress": {
            "screen": len(path.visited) + (0 if path.current is None else 1),
            "percent": 100 if path.finished else (path.percents[-1] if path.percents else 0),
        },
        "finished": question is None,
        "result": result_json(result),
    }


__all__ = [
    "InvalidAnswers",
    "ResultView",
    "Screen",
    "ScreenErrors",
    "UnknownScreen",
    "Walk",
    "read_answers",
    "result_view",
    "review",
    "screen",
    "submit",
    "walk",
]

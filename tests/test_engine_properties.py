"""Invariants of the engine over generated answers (hypothesis).

Escalation is one-way: a "yes" never lowers urgency; "don't know" on an emergency question
escalates exactly like "yes"; unanswered questions are listed as missing, never read as "no".
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backcare import service
from backcare.domain import DONT_KNOW, Answers, AnswerValue, Status, Urgency
from backcare.engine.answers import validate_answers
from backcare.engine.assess import assess
from backcare.knowledge.schema import Question
from backcare.knowledge.tree import leaves, question_of


def rule_questions(cond: object) -> set[str]:
    return {question_of(leaf) for leaf in leaves(cond)}  # type: ignore[arg-type]


CK = service.engine()
YES_NO = [q for q in CK.order if q.kind == "yes_no"]
UNSURE_IS_YES = [q for q in YES_NO if q.if_unsure is not None and q.if_unsure.means == "yes"]
DECLARED = [q for q in CK.order if q.if_unsure is not None]
UNDECLARED_YES_NO = [q for q in YES_NO if q.if_unsure is None]
EMERGENCY_RULES = [r for r in CK.rules if r.rule.urgency is Urgency.EMERGENCY_NOW]
PROPERTY = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def answer_for(q: Question) -> st.SearchStrategy[AnswerValue]:
    dont_know = st.just(DONT_KNOW)
    if q.kind == "yes_no":
        return st.sampled_from(["yes", "no", DONT_KNOW])
    if q.kind == "number":
        assert q.min is not None and q.max is not None
        return st.one_of(st.integers(int(q.min), int(q.max)).map(float), dont_know)
    ids = list(q.option_ids())
    if q.kind == "choice":
        return st.one_of(st.sampled_from(ids), dont_know)
    plain = [i for i in ids if i not in q.exclusive]
    subsets = st.lists(st.sampled_from(plain), min_size=1, unique=True).map(tuple)
    exclusive = [st.just((i,)) for i in q.exclusive]
    return st.one_of(subsets, dont_know, *exclusive)


@st.composite
def answer_sets(draw: st.DrawFn, fill: float = 0.6) -> Answers:
    answers: Answers = {}
    for q in CK.order:
        if draw(st.floats(0, 1)) < fill:
            answers[q.id] = draw(answer_for(q))
    return answers


@PROPERTY
@given(answers=answer_sets(), question=st.sampled_from(YES_NO))
def test_adding_a_yes_never_lowers_urgency(answers: Answers, question: Question) -> None:
    before = assess(CK, answers).urgency
    after = assess(CK, {**answers, question.id: "yes"}).urgency
    assert after >= before, (question.id, before, after)


@PROPERTY
@given(answers=answer_sets(), question=st.sampled_from(UNSURE_IS_YES))
def test_dont_know_on_an_emergency_question_escalates_like_yes(answers: Answers, question: Question) -> None:
    unsure = assess(CK, {**answers, question.id: DONT_KNOW})
    yes = assess(CK, {**answers, question.id: "yes"})
    assert unsure.urgency == yes.urgency
    assert [r.rule_id for r in unsure.reasons] == [r.rule_id for r in yes.reasons]


@PROPERTY
@given(answers=answer_sets(), question=st.sampled_from(DECLARED))
def test_dont_know_counts_as_what_each_question_declares(answers: Answers, question: Question) -> None:
    assert question.if_unsure is not None
    means = question.if_unsure.means
    value: AnswerValue = tuple(means) if isinstance(means, list) else means
    if question.kind == "choice" and isinstance(value, tuple):
        # A choice "don't know" can stand for several options at once: it must be at least as
        # urgent as each of them.
        unsure = assess(CK, {**answers, question.id: DONT_KNOW}).urgency
        for option in value:
            assert unsure >= assess(CK, {**answers, question.id: option}).urgency
        return
    unsure_result = assess(CK, {**answers, question.id: DONT_KNOW})
    means_result = assess(CK, {**answers, question.id: value})
    assert unsure_result.urgency == means_result.urgency


@PROPERTY
@given(answers=answer_sets(), question=st.sampled_from(UNDECLARED_YES_NO))
def test_dont_know_without_a_declared_reason_raises_nothing_and_is_shown(answers: Answers, question: Question) -> None:
    unsure = assess(CK, {**answers, question.id: DONT_KNOW})
    no = assess(CK, {**answers, question.id: "no"})
    assert unsure.urgency <= assess(CK, {**answers, question.id: "yes"}).urgency
    assert unsure.urgency == no.urgency
    if question.id in CK.effective({**answers, question.id: DONT_KNOW}):
        assert question.id in unsure.unsure


@PROPERTY
@given(answers=answer_sets(fill=0.8), data=st.data())
def test_a_dont_know_never_switches_an_emergency_rule_off(answers: Answers, data: st.DataObject) -> None:
    eff = CK.effective(answers)
    fired = [r for r in EMERGENCY_RULES if r.test(eff)]
    if not fired:
        return
    rule = data.draw(st.sampled_from(fired))
    read = sorted(q for q in rule_questions(rule.rule.when) if q in answers)
    if not read:
        return
    question = data.draw(st.sampled_from(read))
    assert rule.test(CK.effective({**answers, question: DONT_KNOW})), (rule.rule.id, question)


@PROPERTY
@given(answers=answer_sets())
def test_unanswered_questions_make_the_result_incomplete_and_are_listed(answers: Answers) -> None:
    """Every unanswered question that applies is listed: as missing (the result is incomplete)
    unless it only tailors the plan and no answer to it could raise the level."""
    result = assess(CK, answers)
    eff = CK.effective(answers)
    unanswered = [q.id for q in CK.applicable(eff) if q.id not in answers]
    assert sorted(result.missing + result.plan_missing) == sorted(unanswered)
    assert all(q in CK.plan_stage and not CK.could_raise(eff, q) for q in result.plan_missing)
    assert (result.status is Status.INCOMPLETE) == bool(result.missing)
    assert not set(result.missing) & set(answers)


@PROPERTY
@given(answers=answer_sets())
def test_a_plan_question_left_for_after_the_result_never_changes_the_urgency(answers: Answers) -> None:
    result = assess(CK, answers)
    for qid in result.plan_missing:
        q = CK.questions[qid]
        for option in q.option_ids() if q.kind != "number" else ():
            value = (option,) if q.kind == "multi" else option
            assert assess(CK, {**answers, qid: value}).urgency <= result.urgency or result.missing, (qid, option)


@PROPERTY
@given(answers=answer_sets())
def test_interview_ends_once_an_emergency_is_certain(answers: Answers) -> None:
    from backcare.domain import Jurisdiction
    from backcare.service import check

    if assess(CK, answers).urgency is Urgency.EMERGENCY_NOW:
        assert check.api_question(answers, Jurisdiction.UK) is None


@PROPERTY
@given(answers=answer_sets())
def test_generated_answers_survive_validation_unchanged(answers: Answers) -> None:
    raw = {k: list(v) if isinstance(v, tuple) else v for k, v in answers.items()}
    assert validate_answers(raw, CK.questions) == answers


@PROPERTY
@given(answers=answer_sets(fill=0.9))
def test_paracetamol_is_never_the_only_medicine_offered(answers: Answers) -> None:
    plan = assess(CK, answers).plan
    assert plan is not None
    offered = [m for m in plan.medicines if m.offered]
    if offered:
        assert any(CK.kb.medicines[m.product_id].drug_class == "nsaid" for m in offered)


@PROPERTY
@given(answers=answer_sets(fill=0.8))
def test_every_cause_a_fired_rule_names_is_listed(answers: Answers) -> None:
    result = assess(CK, answers)
    listed = {c.id for c in result.possible_causes}
    for reason in result.reasons:
        for cause in CK.kb.rules[reason.rule_id].causes:
            if not CK.kb.causes[cause].baseline or answers.get("back_pain_present") != "no":
                assert cause in listed, (reason.rule_id, cause)

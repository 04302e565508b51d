"""The interview driver every shell uses (service/check.py): screens, checklists, the path,
progress, "Check your answers" and the result view, walked with every vignette's answers."""

from __future__ import annotations

import re
import statistics

import pytest

from backcare import service
from backcare.domain import Jurisdiction, Urgency
from backcare.engine.assess import assess
from backcare.engine.evaluate import case_answers
from backcare.knowledge.loader import DATA_DIR, read_cases
from backcare.knowledge.schema import Case
from backcare.service import check

CK = service.engine()
CASES = [case for case, _file, _line in read_cases(DATA_DIR / "cases")[0]]
ABOUT = {"back_pain_present": "yes", "age": 40.0, "sex": "male"}
IDS = re.compile(r"\b[a-z]+_[a-z_]+\b")


def walked(case: Case) -> check.Walk:
    return check.walk(case_answers(CK, case))


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_walking_the_check_reaches_the_same_level_as_all_the_answers(case: Case) -> None:
    answers = case_answers(CK, case)
    path = check.walk(answers)
    assert path.finished, f"the check still asks {path.current}"
    shown = assess(CK, path.given, case.jurisdiction).urgency
    assert shown is assess(CK, answers, case.jurisdiction).urgency
    assert list(path.percents) == sorted(path.percents), "progress went backwards"
    if case.category == "ordinary":
        assert path.before_result <= 15


def test_ordinary_cases_reach_a_result_in_about_a_dozen_screens() -> None:
    counts = [walked(c).before_result for c in CASES if c.category == "ordinary"]
    assert len(counts) > 50
    assert statistics.median(counts) <= 12 and max(counts) <= 15


def test_emergency_cases_stop_early() -> None:
    counts = [walked(c).before_result for c in CASES if c.expect_urgency is Urgency.EMERGENCY_NOW]
    assert statistics.median(counts) <= 5


def test_a_checklist_ticks_yes_and_leaves_the_rest_no() -> None:
    answers = check.submit("start", {k: [str(v).removesuffix(".0")] for k, v in ABOUT.items()}, {})
    answers = check.submit("emergency_now", {"answer": ["coughing_blood"]}, answers)
    assert answers["coughing_blood"] == "yes" and answers["chest_pain"] == "no"
    assert check.walk(answers).emergency


@pytest.mark.parametrize(
    ("ticked", "message"),
    [([], "Tick the ones that apply"), (["none", "chest_pain"], "None of these"), (["age"], "changed")],
)
def test_a_checklist_refuses_an_unclear_answer(ticked: list[str], message: str) -> None:
    with pytest.raises(check.ScreenErrors, match=message):
        check.submit("emergency_now", {"answer": ticked}, dict(ABOUT))


def test_a_form_screen_names_each_missing_or_bad_answer() -> None:
    with pytest.raises(check.ScreenErrors) as caught:
        check.submit("start", {"back_pain_present": ["yes"], "age": ["200"]}, {})
    assert set(caught.value.errors) == {"age", "sex"}
    assert "0 to 120" in caught.value.errors["age"]


def test_dont_know_on_a_screen_answers_every_question_on_it() -> None:
    answers = check.read_answers({**ABOUT, "emergency_now": ["none"]})
    answers = check.submit("emergency_nerves", {}, answers, dont_know=True)
    assert answers["bladder_control"] == "dont_know"
    assert check.walk(answers).emergency  # an emergency sign that cannot be ruled out counts


def test_api_answers_a_checklist_by_its_screen_id() -> None:
    answers = check.read_answers({**ABOUT, "emergency_now": ["none"], "emergency_nerves": ["none"]})
    assert answers["chest_pain"] == "no" and answers["walking_difficulty"] == "no"
    with pytest.raises(check.InvalidAnswers, match="emergency_now"):
        check.read_answers({**ABOUT, "emergency_now": "yes"})


def test_the_api_asks_a_checklist_as_one_multi_question_with_none() -> None:
    question = check.api_question(dict(ABOUT), Jurisdiction.UK)
    assert question is not None and question["kind"] == "multi" and question["emergency"]
    assert question["options"][-1]["id"] == "none" and question["exclusive"] == ["none"]


def test_changing_an_answer_drops_answers_that_no_longer_apply() -> None:
    answers = check.read_answers({**ABOUT, "sex": "female", "pregnancy_status": ["none"]})
    changed = check.submit("start", {"back_pain_present": ["yes"], "age": ["40"], "sex": ["male"]}, answers)
    assert "pregnancy_status" not in changed


def test_going_back_shows_the_answers_given() -> None:
    answers = check.read_answers({**ABOUT, "emergency_now": ["none"]})
    screen = check.screen("start", answers, Jurisdiction.UK)
    assert [f.selected for f in screen.fields] == [("yes",), ("40",), ("male",)]
    again = check.screen("emergency_now", answers, Jurisdiction.UK)
    assert again.none_ticked and again.back == "start"


def test_an_emergency_resting_on_an_unanswered_follow_up_offers_it() -> None:
    answers = check.read_answers({**ABOUT, "emergency_now": ["none"], "emergency_nerves": ["both_legs"]})
    assert check.walk(answers).emergency
    assert check.follow_up(answers) == "nerves_when"
    calmer = check.submit("nerves_when", {"nerve_symptoms_recent": ["no"]}, answers)
    path = check.walk(calmer)
    assert not path.emergency and path.current is not None


def ordinary_answers() -> dict[str, object]:
    case = next(c for c in CASES if c.category == "ordinary" and c.expect_urgency is Urgency.SELF_CARE)
    return dict(case_answers(CK, case))


@pytest.mark.parametrize("country", list(Jurisdiction))
def test_a_self_care_result_fits_a_phone(country: Jurisdiction) -> None:
    for case in CASES:
        if case.category != "ordinary" or case.expect_urgency is not Urgency.SELF_CARE:
            continue
        view = check.result_view(walked(case).given, country)
        assert check.visible_words(view) <= 400, case.id


def test_review_and_result_show_words_never_ids() -> None:
    case = next(c for c in CASES if c.id.startswith("o-") and c.expect_urgency is Urgency.SELF_CARE)
    given = walked(case).given
    for section in check.review(given, Jurisdiction.UK):
        for row in section.rows:
            assert not IDS.search(row.answer), row
    view = check.result_view(given, Jurisdiction.UK)
    shown = [view.headline, view.what_to_do, *(w.text for w in view.why), *(b for w in view.why for b in w.because)]
    assert not any(IDS.search(text) for text in shown)


def test_the_emergency_script_is_the_persons_own_signs_in_plain_words() -> None:
    answers = check.read_answers({**ABOUT, "emergency_now": ["coughing_blood"]})
    view = check.result_view(answers, Jurisdiction.US)
    assert view.say == ("Coughing up blood",)
    assert view.calls == (("Call 911 now", "tel:911"),)

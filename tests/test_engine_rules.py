"""Clinical rules of the road (design.md §2), checked on concrete presentations."""

from __future__ import annotations

from backcare.domain import Jurisdiction, Status, Urgency
from backcare.engine.assess import assess
from backcare.engine.compiled import CompiledKnowledge

from .conftest import complete


def test_no_answers_gives_an_incomplete_result_listing_every_question(ck: CompiledKnowledge) -> None:
    result = assess(ck, {})
    assert result.status is Status.INCOMPLETE
    assert "back_pain_present" in result.missing and "bladder_control" in result.missing
    assert "Not finished" in result.headline


def test_an_ordinary_complete_presentation_is_self_care_with_spasm_first(ck: CompiledKnowledge) -> None:
    result = assess(ck, complete(ck))
    assert result.status is Status.COMPLETE and result.missing == ()
    assert result.urgency is Urgency.SELF_CARE
    assert result.possible_causes[0].id == "muscle_spasm_nonspecific"
    assert {c.id for c in result.possible_causes} <= {"muscle_spasm_nonspecific", "sciatica_radiculopathy"}


def test_rare_causes_appear_only_when_their_flags_are_present(ck: CompiledKnowledge) -> None:
    plain = {c.id for c in assess(ck, complete(ck)).possible_causes}
    assert not plain & {
        "cauda_equina",
        "aortic_aneurysm",
        "spinal_infection",
        "spinal_malignancy",
        "stiff_person_syndrome",
    }
    flagged = assess(ck, complete(ck, cancer_history="yes"))
    assert flagged.possible_causes[0].id == "spinal_malignancy"


def test_dont_know_on_bladder_control_is_an_emergency(ck: CompiledKnowledge) -> None:
    result = assess(ck, complete(ck, bladder_control="dont_know"))
    assert result.urgency is Urgency.EMERGENCY_NOW
    assert result.reasons[0].rule_id == "ces-warning-signs-new"


def test_ces_sign_sure_to_be_old_and_unchanged_is_same_day_never_self_care(ck: CompiledKnowledge) -> None:
    result = assess(ck, complete(ck, saddle_numbness="yes", nerve_symptoms_recent="no"))
    assert result.urgency is Urgency.SAME_DAY


def test_unanswered_onset_of_a_ces_sign_is_assumed_recent(ck: CompiledKnowledge) -> None:
    answers = complete(ck, saddle_numbness="yes")
    answers.pop("nerve_symptoms_recent", None)
    result = assess(ck, answers)
    assert result.urgency is Urgency.EMERGENCY_NOW
    assert "nerve_symptoms_recent" in result.missing


def test_interview_stops_once_an_emergency_is_certain(ck: CompiledKnowledge) -> None:
    from backcare.domain import Jurisdiction
    from backcare.service import check

    assert check.api_question({"back_pain_present": "yes", "chest_pain": "yes"}, Jurisdiction.UK) is None
    first = check.api_question({}, Jurisdiction.UK)
    assert first is not None and first["emergency"]


def test_emergency_questions_come_before_the_pain_history(ck: CompiledKnowledge) -> None:
    # Only who the person is (age, sex, pregnancy) may come between the warning signs, because the
    # pregnancy warning signs are asked only of someone who is pregnant.
    order = [q for q in ck.order if q.section != "start"]
    kinds = [q.emergency for q in order]
    assert kinds == sorted(kinds, reverse=True)


def test_combination_of_age_over_70_and_steroids_escalates(ck: CompiledKnowledge) -> None:
    alone = assess(ck, complete(ck, age=72.0, previous_episodes="more_than_two"))
    both = assess(ck, complete(ck, age=72.0, previous_episodes="more_than_two", steroids_long_term="yes"))
    assert alone.urgency < both.urgency
    assert "fracture-flags-combined" in {r.rule_id for r in both.reasons}


def test_chest_pain_without_back_pain_is_an_out_of_scope_emergency(ck: CompiledKnowledge) -> None:
    result = assess(ck, complete(ck, back_pain_present="no", chest_pain="yes"))
    assert result.urgency is Urgency.EMERGENCY_NOW and result.out_of_scope


def test_every_reason_names_answers_and_citations(ck: CompiledKnowledge) -> None:
    result = assess(ck, complete(ck, fever="yes", urinary_symptoms="yes"))
    assert result.reasons
    for reason in result.reasons:
        assert reason.answers and reason.citations
        assert all(c.url.startswith("http") for c in reason.citations)


def test_aneurysm_mimicking_a_kidney_stone_is_an_emergency_over_50(ck: CompiledKnowledge) -> None:
    young = assess(ck, complete(ck, age=30.0, colicky_loin="yes", colic_first_time="yes", pain_uncontrolled="no"))
    older = assess(
        ck,
        complete(
            ck, age=64.0, colicky_loin="yes", colic_first_time="yes", pain_uncontrolled="no", previous_episodes="first"
        ),
    )
    assert young.urgency is Urgency.SAME_DAY
    assert older.urgency is Urgency.EMERGENCY_NOW
    # Ranked by fit, then danger: the stone fits the colic best, and the artery that explains the
    # emergency is listed ahead of ordinary back pain.
    ids = [c.id for c in older.possible_causes]
    assert ids[:2] == ["kidney_stone", "aortic_aneurysm"]
    assert ids.index("aortic_aneurysm") < ids.index("muscle_spasm_nonspecific")


def test_one_sided_sciatica_without_deficit_stays_self_care(ck: CompiledKnowledge) -> None:
    result = assess(
        ck, complete(ck, pain_spread=("buttock", "thigh", "below_knee"), pain_quality=("shooting_burning",))
    )
    assert result.urgency is Urgency.SELF_CARE
    assert result.possible_causes[0].id == "sciatica_radiculopathy"


def test_no_back_pain_gets_no_back_pain_verdict_or_plan(ck: CompiledKnowledge) -> None:
    result = assess(ck, complete(ck, back_pain_present="no"))
    assert result.out_of_scope and result.urgency is Urgency.SELF_CARE
    assert "ordinary back pain" not in result.headline
    assert "cannot judge" in result.headline
    assert result.plan is not None and result.plan.items == () and result.plan.medicines == ()


def test_sudden_severe_pain_spreading_to_the_groin_over_50_is_an_emergency(ck: CompiledKnowledge) -> None:
    answers = complete(
        ck, age=58.0, onset="sudden", severity=8.0, pain_spread=("groin",), previous_episodes="one_or_two"
    )
    result = assess(ck, answers)
    assert result.urgency is Urgency.EMERGENCY_NOW
    assert "older-sudden-severe-pain-aorta-pattern" in {r.rule_id for r in result.reasons}


def test_sudden_severe_pain_between_the_shoulder_blades_over_50_is_an_emergency_without_tearing(
    ck: CompiledKnowledge,
) -> None:
    older = assess(ck, complete(ck, age=58.0, pain_location=("upper",), onset="sudden", severity=9.0))
    younger = assess(ck, complete(ck, age=28.0, pain_location=("upper",), onset="sudden", severity=9.0))
    assert older.urgency is Urgency.EMERGENCY_NOW
    assert "aortic_dissection" in [c.id for c in older.possible_causes]
    assert younger.urgency is Urgency.SAME_DAY  # the NHS upper-back tier, not 999


def test_a_heart_attack_felt_in_the_upper_back_is_an_emergency(ck: CompiledKnowledge) -> None:
    result = assess(
        ck, complete(ck, age=64.0, sex="female", pain_location=("upper",), onset="sudden", severity=5.0, nausea="yes")
    )
    assert result.urgency is Urgency.EMERGENCY_NOW
    assert "heart_attack" in [c.id for c in result.possible_causes]


def test_pain_on_breathing_with_a_swollen_calf_is_an_emergency(ck: CompiledKnowledge) -> None:
    answers = complete(ck, pain_location=("middle",), pain_breathing="yes", calf_swelling="yes", recent_immobility="no")
    assert assess(ck, answers).urgency is Urgency.EMERGENCY_NOW


def test_bleeding_with_constant_pain_in_pregnancy_is_an_emergency(ck: CompiledKnowledge) -> None:
    answers = complete(
        ck, sex="female", pregnancy_status=("pregnant",), pregnancy_weeks=34.0, preg_bleeding="yes", pain_constant="yes"
    )
    result = assess(ck, answers)
    assert result.urgency is Urgency.EMERGENCY_NOW


def test_a_pregnancy_warning_sign_names_the_maternity_unit(ck: CompiledKnowledge) -> None:
    answers = complete(ck, sex="female", pregnancy_status=("pregnant",), pregnancy_weeks=31.0, preg_contractions="yes")
    uk = assess(ck, answers)
    us = assess(ck, answers, Jurisdiction.US)
    assert uk.urgency is Urgency.SAME_DAY and "maternity unit" in uk.headline
    assert "labor and delivery" in us.headline and "NHS" not in us.headline


def test_a_likely_cause_never_rests_on_a_dont_know(ck: CompiledKnowledge) -> None:
    answers = complete(
        ck, age=61.0, onset="sudden", severity=7.0, trigger=("lifting",), pain_spread="dont_know", pain_constant="no"
    )
    result = assess(ck, answers)
    assert result.urgency is Urgency.EMERGENCY_NOW  # "don't know" still keeps the artery rule on
    assert all(c.strength != "likely" for c in result.possible_causes if c.id == "aortic_aneurysm")


def test_a_problem_that_is_not_back_pain_never_shows_a_self_care_tick(ck: CompiledKnowledge) -> None:
    from backcare import service

    result = assess(ck, {"back_pain_present": "no", "age": 30.0, "sex": "male"})
    shown = service.shown_level(result)
    assert result.out_of_scope
    assert shown["urgency"] == "outside" and shown["symbol"] != ck.kb.levels["self_care"].symbol


def test_fever_with_a_weakened_immune_system_is_an_emergency_naming_the_cancer_helpline(
    ck: CompiledKnowledge,
) -> None:
    answers = complete(ck, age=55.0, sex="female", fever="yes", immunosuppressed="yes", severity=5.0)
    uk = assess(ck, answers)
    us = assess(ck, answers, Jurisdiction.US)
    assert uk.urgency is Urgency.EMERGENCY_NOW
    assert uk.reasons[0].rule_id == "fever-with-weak-immune-system"
    assert "24-hour cancer helpline" in uk.headline and "999" in uk.headline
    assert "911" in us.headline and "999" not in us.headline and "A&E" not in us.headline
    assert "911" in us.reasons[0].advice and "999" not in us.reasons[0].advice


def test_a_weakened_immune_system_or_a_fever_alone_is_not_the_immune_emergency(ck: CompiledKnowledge) -> None:
    immune_only = assess(ck, complete(ck, age=55.0, sex="female", immunosuppressed="yes", severity=5.0))
    fever_only = assess(ck, complete(ck, age=55.0, sex="female", fever="yes", severity=5.0))
    assert immune_only.urgency < Urgency.EMERGENCY_NOW
    assert fever_only.urgency is Urgency.SAME_DAY
    fired = {r.rule_id for r in immune_only.reasons} | {r.rule_id for r in fever_only.reasons}
    assert "fever-with-weak-immune-system" not in fired

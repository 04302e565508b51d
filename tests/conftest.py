from __future__ import annotations

import pytest

from backcare import service
from backcare.domain import Answers
from backcare.engine.compiled import CompiledKnowledge

# A complete, ordinary presentation: every question answered, no red flags. Tests change one
# thing at a time from here.
ORDINARY: Answers = {
    "age": 34.0,
    "sex": "male",
    "pain_quality": ("cramp_spasm",),
    "pain_location": ("lower",),
    "pain_side": "left",
    "pain_spread": ("buttock",),
    "onset": "sudden",
    "duration": "under_1_week",
    "trigger": ("lifting",),
    "severity": 6.0,
    "previous_episodes": "one_or_two",
    "medicines_taken": ("none",),
    "medicine_safety": ("none",),
    "exercise_regular": "sometimes",
}


@pytest.fixture(scope="session")
def ck() -> CompiledKnowledge:
    return service.engine()


def complete(ck: CompiledKnowledge, **changes: object) -> Answers:
    """ORDINARY plus ``changes``; other applicable yes/no questions "no", follow-ups left open."""
    answers: Answers = {**ORDINARY, "back_pain_present": "yes"}
    answers.update(changes)  # type: ignore[arg-type]
    for _ in range(3):  # follow-ups appear as answers change
        eff = ck.effective(answers)
        for q in ck.applicable(eff):
            if q.id not in answers and q.kind == "yes_no" and q.assume_if_unanswered is None:
                answers[q.id] = "no"
    return answers

"""The terminal interview, driven by injected input (no real terminal)."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest

from backcare.cli.interview import interpret, run_interview
from backcare.cli.render import make_console
from backcare.domain import DONT_KNOW, Jurisdiction
from backcare.engine.compiled import CompiledKnowledge


def scripted(lines: list[str]) -> tuple[Iterator[str], object]:
    it = iter(lines)

    def ask(prompt: str) -> str:
        try:
            return next(it)
        except StopIteration:
            raise EOFError from None

    return it, ask


def run(ck: CompiledKnowledge, lines: list[str], jurisdiction: Jurisdiction = Jurisdiction.UK) -> tuple[int, str]:
    _, ask = scripted(lines)
    buffer = io.StringIO()
    code = run_interview(ck, jurisdiction, ask=ask, console=make_console(buffer))  # type: ignore[arg-type]
    return code, buffer.getvalue()


def test_a_yes_to_bladder_control_stops_with_one_emergency_line(ck: CompiledKnowledge) -> None:
    code, out = run(ck, ["1", "2", "2", "yes"])
    assert code == 0
    assert out.count("EMERGENCY: Call 999 now or go to A&E. Do not drive yourself.") == 1
    assert "The questions stopped early" in out
    assert "Question 5" not in out


def test_us_emergency_line_names_911(ck: CompiledKnowledge) -> None:
    _, out = run(ck, ["y", "y"], Jurisdiction.US)
    assert "Call 911 now" in out


def test_invalid_input_is_re_asked_with_a_short_explanation(ck: CompiledKnowledge) -> None:
    _, out = run(ck, ["maybe", "7", "", "y", "y"])
    assert "'maybe' is not one of the choices" in out
    assert "type a number from 1 to 2" in out
    assert "Please type an answer" in out
    assert "EMERGENCY" in out


def test_dont_know_is_always_accepted_and_counts_as_yes_on_emergency_questions(ck: CompiledKnowledge) -> None:
    _, out = run(ck, ["y", "n", "?"])
    assert "— don't know" in " ".join(out.split())
    assert "EMERGENCY" in out


def test_back_goes_to_the_previous_question(ck: CompiledKnowledge) -> None:
    _, out = run(ck, ["y", "b", "n", "y"])
    assert out.count("Is back pain or a back spasm the main reason") == 2


def test_progress_indicator_is_shown(ck: CompiledKnowledge) -> None:
    _, out = run(ck, ["y", "y"])
    assert "Question 1 of about" in out
    assert "Question 2 of about" in out


def test_end_of_input_exits_cleanly_without_a_result(ck: CompiledKnowledge) -> None:
    code, out = run(ck, ["y"])
    assert code == 1
    assert "Nothing was saved" in out


def test_a_full_ordinary_interview_ends_with_a_self_care_plan(ck: CompiledKnowledge) -> None:
    from backcare.engine.assess import next_question

    from .conftest import complete

    target = complete(ck)
    lines: list[str] = []
    answers: dict[str, object] = {}
    while (q := next_question(ck, answers)) is not None:  # type: ignore[arg-type]
        value = target.get(q.id, "no")
        answers[q.id] = value
        if isinstance(value, tuple):
            lines.append(",".join(value))
        elif isinstance(value, float):
            lines.append(str(int(value)))
        else:
            lines.append(str(value))
    code, out = run(ck, lines)
    assert code == 0
    assert "SELF-CARE" in out
    assert "Keep moving" in out
    assert "Safety net" in out
    assert "Ibuprofen 200 mg" in out


@pytest.mark.parametrize(
    ("qid", "text", "expected"),
    [
        ("pain_spread", "2, 3", ("buttock", "thigh")),
        ("pain_spread", "none", ("none",)),
        ("age", "42", 42.0),
        ("onset", "2", "gradual"),
        ("chest_pain", "don't know", DONT_KNOW),
    ],
)
def test_typed_answers_are_understood(ck: CompiledKnowledge, qid: str, text: str, expected: object) -> None:
    assert interpret(ck.questions[qid], text) == expected


@pytest.mark.parametrize(
    ("qid", "text", "message"),
    [
        ("age", "old", "Please type a number from 0 to 120"),
        ("onset", "1,2", "Please choose just one answer"),
        ("pain_spread", "1,2", "cannot be combined"),
    ],
)
def test_wrong_typed_answers_explain_what_is_expected(ck: CompiledKnowledge, qid: str, text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        interpret(ck.questions[qid], text)

"""Checking raw answers against the question catalogue, and turning them into effective answers.

Raw answers come from a JSON file, a web form or the terminal. They are checked here once, with a
message that names the question and what was wrong, so every shell reports bad input the same way.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from backcare.domain import DONT_KNOW, Answers, AnswerValue
from backcare.knowledge.schema import Question


@dataclass(frozen=True)
class AnswerError:
    question: str
    message: str

    def __str__(self) -> str:
        return f"{self.question}: {self.message}"


class InvalidAnswers(ValueError):
    def __init__(self, errors: list[AnswerError]) -> None:
        super().__init__("; ".join(str(e) for e in errors))
        self.errors = errors


def parse_answer(question: Question, raw: object) -> AnswerValue:
    """One raw answer as the engine's value; raises ``ValueError`` with a readable message."""
    if isinstance(raw, str) and raw.strip().lower().replace(" ", "_").replace("'", "") in (
        DONT_KNOW,
        "dont_know",
        "unsure",
        "not_sure",
    ):
        return DONT_KNOW
    if question.kind == "yes_no":
        if isinstance(raw, bool):
            return "yes" if raw else "no"
        if isinstance(raw, str) and raw.strip().lower() in ("yes", "no", "y", "n"):
            return "yes" if raw.strip().lower().startswith("y") else "no"
        raise ValueError(f"expected yes, no or dont_know, got {raw!r}")
    if question.kind == "number":
        if isinstance(raw, bool):
            raise ValueError(f"expected a number, got {raw!r}")
        try:
            value = float(raw) if isinstance(raw, int | float | str) else math.nan
        except ValueError:
            value = math.nan
        assert question.min is not None and question.max is not None
        if math.isnan(value):
            raise ValueError(f"expected a number from {question.min:g} to {question.max:g}, got {raw!r}")
        if not question.min <= value <= question.max:
            raise ValueError(f"{value:g} is outside {question.min:g}–{question.max:g}")
        return value
    options = question.option_ids()
    if question.kind == "choice":
        if isinstance(raw, str) and raw in options:
            return raw
        raise ValueError(f"expected one of {', '.join(options)} or dont_know, got {raw!r}")
    # multi
    items = [raw] if isinstance(raw, str) else raw
    if not isinstance(items, list | tuple) or not items:
        raise ValueError(f"expected a list of options from {', '.join(options)}, got {raw!r}")
    chosen: list[str] = []
    for item in items:
        if not isinstance(item, str) or item not in options:
            raise ValueError(f"{item!r} is not one of {', '.join(options)}")
        if item not in chosen:
            chosen.append(item)
    exclusive = [c for c in chosen if c in question.exclusive]
    if exclusive and len(chosen) > 1:
        raise ValueError(f"'{exclusive[0]}' cannot be combined with other options")
    return tuple(chosen)


def validate_answers(raw: Mapping[str, object], questions: Mapping[str, Question]) -> Answers:
    """Check every answer; raise ``InvalidAnswers`` listing all problems at once."""
    errors: list[AnswerError] = []
    answers: Answers = {}
    for qid, value in raw.items():
        question = questions.get(qid)
        if question is None:
            errors.append(AnswerError(str(qid), "unknown question id (see `backcare questions`)"))
            continue
        if value is None:
            continue  # an explicit null means "not answered", never "no"
        try:
            answers[qid] = parse_answer(question, value)
        except ValueError as exc:
            errors.append(AnswerError(qid, str(exc)))
    if errors:
        raise InvalidAnswers(errors)
    return answers

"""The terminal interview: one question at a time, emergency questions first.

Input and output are injected (``ask`` and ``console``) so tests drive it without a terminal.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable

from rich.console import Console
from rich.markup import escape

from backcare import service
from backcare.cli.render import make_console, print_result
from backcare.domain import DONT_KNOW, Answers, AnswerValue, Jurisdiction, Result, Urgency
from backcare.engine.answers import parse_answer
from backcare.engine.assess import assess, next_question, progress
from backcare.engine.compiled import CompiledKnowledge
from backcare.knowledge.schema import Question

Ask = Callable[[str], str]

HELP_LINE = 'Type the number or word of your answer, ? for "don\'t know", b to go back, or press Ctrl-C to stop.'


def _options(q: Question) -> list[tuple[str, str]]:
    if q.kind == "yes_no":
        return [("yes", "Yes"), ("no", "No")]
    return [(o.id, o.label) for o in q.options]


def interpret(q: Question, text: str) -> AnswerValue:
    """Turn typed text into an answer; raises ``ValueError`` with a short explanation."""
    text = text.strip()
    if not text:
        raise ValueError("Please type an answer (or ? if you don't know).")
    if text in ("?", "d", "dk") or text.lower() in ("dont know", "don't know", "not sure", "unsure", DONT_KNOW):
        return DONT_KNOW
    options = _options(q)
    if q.kind == "number":
        try:
            return parse_answer(q, text)
        except ValueError:
            raise ValueError(f"Please type a number from {q.min:g} to {q.max:g}.") from None
    parts = [p.strip() for p in text.replace(";", ",").split(",") if p.strip()]
    if q.kind != "multi" and len(parts) > 1:
        raise ValueError("Please choose just one answer.")
    chosen: list[str] = []
    for part in parts:
        low = part.lower()
        if low.isdigit() and 1 <= int(low) <= len(options):
            chosen.append(options[int(low) - 1][0])
        elif q.kind == "yes_no" and low in ("y", "yes", "n", "no"):
            chosen.append("yes" if low.startswith("y") else "no")
        elif low in {o for o, _ in options}:
            chosen.append(low)
        else:
            raise ValueError(f"'{part}' is not one of the choices; type a number from 1 to {len(options)}.")
    if q.kind == "multi":
        try:
            return parse_answer(q, chosen)
        except ValueError as exc:
            raise ValueError(str(exc).capitalize() + ".") from None
    return chosen[0]


def ask_question(q: Question, ask: Ask, console: Console, step: tuple[int, int]) -> AnswerValue | None:
    """Ask until the answer is valid; None means "go back"."""
    done, total = step
    width = 20
    filled = round(width * done / total) if total else width
    bar = escape(f"[{'#' * filled}{'.' * (width - filled)}]")
    console.print(f"\n[dim]Question {done + 1} of about {total}  {bar}[/dim]")
    console.print(f"[bold]{escape(service.question_wording(q))}[/bold]")
    if q.help:
        console.print(f"[dim]{escape(q.help)}[/dim]")
    if q.kind == "number":
        console.print(
            f"  Type a number from {q.min:g} to {q.max:g}{' ' + q.unit if q.unit else ''}, or ? if you don't know."
        )
    else:
        for i, (_, label) in enumerate(_options(q), start=1):
            console.print(f"  {i}. {escape(label)}")
        console.print("  ?. I don't know")
        if q.kind == "multi":
            console.print("  [dim]You can choose several, separated by commas (for example 1,3).[/dim]")
    while True:
        text = ask("> ")
        if text.strip().lower() in ("b", "back"):
            return None
        if text.strip().lower() in ("h", "help"):
            console.print(HELP_LINE)
            continue
        try:
            return interpret(q, text)
        except ValueError as exc:
            console.print(f"[yellow]{escape(str(exc))}[/yellow]")


def interview(ck: CompiledKnowledge, ask: Ask, console: Console, jurisdiction: Jurisdiction) -> Answers:
    """Run the interview to the end (or to a certain emergency) and return the answers."""
    answers: Answers = {}
    history: list[str] = []
    console.print("Answer one question at a time. " + HELP_LINE)
    while (q := next_question(ck, answers)) is not None:
        value = ask_question(q, ask, console, progress(ck, answers))
        if value is None:
            if history:
                answers.pop(history.pop())
            else:
                console.print("[dim]This is the first question.[/dim]")
            continue
        answers[q.id] = value
        history.append(q.id)
        if assess(ck, answers, jurisdiction).urgency is Urgency.EMERGENCY_NOW:
            break
    return answers


def run_interview(
    ck: CompiledKnowledge,
    jurisdiction: Jurisdiction,
    ask: Ask = input,
    console: Console | None = None,
    save: Callable[[Answers, Result], None] | None = None,
) -> int:
    console = console or make_console()
    try:
        answers = interview(ck, ask, console, jurisdiction)
    except EOFError:
        console.print("\nInput ended before the questions were finished. Nothing was saved.")
        return 1
    result = assess(ck, answers, jurisdiction)
    console.print()
    print_result(console, result, ck)
    if save is not None:
        with contextlib.suppress(EOFError):  # input ended: nothing saved, the result stands
            save(answers, result)
    return 0

"""The terminal check: the same screens, in the same order, as the web app (``service.check``).

A checklist screen is one numbered list ("type the numbers that apply, or 0 for none"); any
other screen asks its questions one after another. Input and output are injected (``ask`` and
``console``) so tests drive it without a terminal.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable

from rich.console import Console
from rich.markup import escape

from backcare.cli.render import item, make_console, print_result
from backcare.domain import DONT_KNOW, Answers, Jurisdiction
from backcare.service import check

Ask = Callable[[str], str]

HELP_LINE = 'Type the number of your answer, ? for "I don\'t know", b to go back, or press Ctrl-C to stop.'
DONT_KNOW_WORDS = ("?", "d", "dk", "dont know", "don't know", "not sure", "unsure", DONT_KNOW)


class GoBack(Exception):
    pass


def _numbers(text: str, count: int) -> list[int]:
    parts = [p.strip() for p in text.replace(";", ",").replace(" ", ",").split(",") if p.strip()]
    if not parts or not all(p.isdigit() for p in parts):
        raise ValueError("Type the numbers that apply, separated by commas (for example 1,3), or 0 for none.")
    numbers = [int(p) for p in parts]
    if any(n > count for n in numbers):
        raise ValueError(f"Choose numbers from 0 to {count}.")
    return numbers


def _read(ask: Ask, console: Console) -> str:
    text = ask("> ").strip()
    if text.lower() in ("b", "back"):
        raise GoBack
    if text.lower() in ("h", "help"):
        console.print(HELP_LINE)
        return _read(ask, console)
    return text


def _checklist(s: check.Screen, ask: Ask, console: Console) -> tuple[dict[str, list[str]], bool]:
    console.print(f"[bold]{escape(s.text)}[/bold]")
    if s.help:
        console.print(f"[dim]{escape(s.help)}[/dim]")
    for i, f in enumerate(s.fields, start=1):
        item(console, f"{i}.".rjust(len(f"{len(s.fields)}.")), f.text)
    console.print("  0. None of these")
    console.print("  ?. I'm not sure about these")
    while True:
        text = _read(ask, console)
        if text.lower() in DONT_KNOW_WORDS:
            return {}, True
        try:
            numbers = _numbers(text, len(s.fields))
        except ValueError as exc:
            console.print(f"[yellow]{escape(str(exc))}[/yellow]")
            continue
        if 0 in numbers and len(numbers) > 1:
            console.print("[yellow]0 means none of these: type either 0 or the numbers that apply.[/yellow]")
            continue
        ticked = ["none"] if numbers == [0] else [s.fields[n - 1].id for n in numbers]
        return {"answer": ticked}, False


def _field(f: check.Field, ask: Ask, console: Console) -> list[str]:
    console.print(f"[bold]{escape(f.text)}[/bold]")
    if f.help:
        console.print(f"[dim]{escape(f.help)}[/dim]")
    if f.kind == "number":
        assert f.min is not None and f.max is not None
        unit = f" {f.unit}" if f.unit else ""
        console.print(f"  Type a number from {f.min:g} to {f.max:g}{unit}, or ? if you don't know.")
    else:
        for i, c in enumerate(f.options, start=1):
            item(console, f"{i}.".rjust(len(f"{len(f.options)}.")), c.label)
        console.print("  ?. I don't know")
        if f.kind == "multi":
            console.print("  [dim]You can choose several, separated by commas (for example 1,3).[/dim]")
    while True:
        text = _read(ask, console)
        if text.lower() in DONT_KNOW_WORDS:
            return [DONT_KNOW]
        if f.kind == "number":
            assert f.min is not None and f.max is not None
            try:
                if f.min <= float(text) <= f.max:
                    return [text]
            except ValueError:
                pass
            console.print(f"[yellow]Type a number from {f.min:g} to {f.max:g}, or ? if you don't know.[/yellow]")
            continue
        if f.kind == "yes_no" and text.lower() in ("y", "yes", "n", "no"):
            return ["yes" if text.lower().startswith("y") else "no"]
        try:
            numbers = _numbers(text, len(f.options))
        except ValueError:
            console.print(f"[yellow]Type a number from 1 to {len(f.options)}, or ? if you don't know.[/yellow]")
            continue
        if 0 in numbers or (f.kind != "multi" and len(numbers) > 1):
            console.print(f"[yellow]Type one number from 1 to {len(f.options)}.[/yellow]")
            continue
        return [f.options[n - 1].id for n in numbers]


def ask_screen(s: check.Screen, answers: Answers, ask: Ask, console: Console) -> Answers:
    """Ask one screen until its answers are valid; raises ``GoBack``."""
    progress = f" · {s.percent}% done" if s.stage == "check" else ""
    console.print(f"\n[dim]{escape(s.title)}{progress}[/dim]")
    while True:
        if s.checklist:
            form, dont_know = _checklist(s, ask, console)
        else:
            form, dont_know = {}, False
            for f in s.fields:
                form[f.id] = _field(f, ask, console)
        try:
            return check.submit(s.id, form, answers, dont_know)
        except check.ScreenErrors as exc:
            for message in exc.errors.values():
                console.print(f"[yellow]{escape(message)}[/yellow]")


def interview(ask: Ask, console: Console, jurisdiction: Jurisdiction, plan: bool | None = None) -> Answers:
    """Run the check to its result (or to a certain emergency) and return the answers. Then, if
    ``plan`` (or the person says yes), the questions that fit the plan to them."""
    answers: Answers = {}
    history: list[Answers] = []
    console.print("Answer one screen at a time. " + HELP_LINE)
    asked_plan = False
    while True:
        path = check.walk(answers)
        if path.emergency or path.current is None:
            break
        if path.finished and not asked_plan:
            asked_plan = True
            if plan is None:
                console.print("\nYour result is ready. Answer a few questions about medicines and everyday life")
                console.print("to fit the plan to you? Type y for yes, or press Enter to see the result now.")
                plan = ask("> ").strip().lower() in ("y", "yes")
            if not plan:
                break
        s = check.screen(path.current, answers, jurisdiction)
        try:
            new = ask_screen(s, answers, ask, console)
        except GoBack:
            if history:
                answers = history.pop()
            else:
                console.print("[dim]This is the first screen.[/dim]")
            continue
        history.append(answers)
        answers = new
    return answers


def run_interview(
    jurisdiction: Jurisdiction,
    ask: Ask = input,
    console: Console | None = None,
    save: Callable[[Answers, check.ResultView], None] | None = None,
    plan: bool | None = None,
) -> int:
    console = console or make_console()
    try:
        answers = interview(ask, console, jurisdiction, plan)
    except EOFError:
        console.print("\nInput ended before the questions were finished. Nothing was saved.")
        return 1
    view = check.result_view(answers, jurisdiction)
    console.print()
    if save is not None:
        with contextlib.suppress(EOFError):  # input ended: nothing saved, the result stands
            save(answers, view)
    print_result(console, view)
    return 0

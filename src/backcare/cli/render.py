"""Terminal output with rich. Readable with and without colour: every level carries words and a
symbol, never colour alone, and rich honours ``NO_COLOR``."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table

from backcare import service
from backcare.domain import Result, Status, Urgency
from backcare.engine.compiled import CompiledKnowledge
from backcare.service import shown_answer

STYLE = {
    Urgency.EMERGENCY_NOW: "bold white on red",
    Urgency.SAME_DAY: "bold black on dark_orange",
    Urgency.SOON: "bold black on yellow",
    Urgency.SELF_CARE: "bold white on dark_green",
}


def make_console(file: Any = None) -> Console:
    return Console(file=file, highlight=False, soft_wrap=False)


def urgency_banner(ck: CompiledKnowledge, result: Result) -> str:
    level = service.shown_level(result)
    return f"[{level['symbol']}] {level['label'].upper()}: {result.headline}"


def print_result(console: Console, result: Result, ck: CompiledKnowledge) -> None:
    level = service.shown_level(result)
    style = "bold black on grey70" if level["urgency"] == "outside" else STYLE[result.urgency]
    console.print(Panel(escape(urgency_banner(ck, result)), style=style, expand=True))
    if result.status is Status.COMPLETE or result.urgency is Urgency.EMERGENCY_NOW:
        console.print(escape(level["what_to_do"]))
    for note in result.notes:
        console.print(f"[italic]{escape(note)}[/italic]")

    primary = [r for r in result.reasons if r.urgency is result.urgency]
    lesser = [r for r in result.reasons if r.urgency is not result.urgency]
    if result.reasons:
        console.rule("Why")
        for reason in primary:
            console.print(f"• [bold]{escape(reason.title)}[/bold] ({reason.urgency.value.replace('_', ' ')})")
            console.print(f"  {escape(reason.advice)}")
            answered = "; ".join(
                f"“{ck.questions[qid].text if qid in ck.questions else qid}” — {shown_answer(v)}"
                for qid, v in reason.answers
            )
            console.print(f"  [dim]Because you answered: {escape(answered)}[/dim]")
            for c in reason.citations:
                console.print(f"  [dim]Source: {escape(c.title)} — {escape(c.locator)}. {escape(c.url)}[/dim]")
        if lesser:
            titles = "; ".join(r.title for r in lesser)
            console.print(f"[dim]Also noted, and covered by the advice above: {escape(titles)}.[/dim]")

    if result.possible_causes:
        console.rule("Possible causes worth considering")
        for cause in result.possible_causes:
            console.print(f"• [bold]{escape(cause.name)}[/bold] ({cause.strength}): {escape(cause.summary)}")

    plan = result.plan
    if plan is not None:
        if plan.items:
            console.rule("Your plan")
        for item in plan.items:
            console.print(f"[bold]{escape(item.title)}[/bold]")
            console.print(f"  {escape(item.text)}")
            for step in item.steps:
                console.print(f"   - {escape(step)}")
            for caution in item.cautions:
                console.print(f"   [yellow]! {escape(caution)}[/yellow]")
            if item.citations:
                console.print("  [dim]Sources: " + escape("; ".join(c.title for c in item.citations)) + "[/dim]")
        if plan.medicines or plan.medicine_note:
            console.rule("Medicines")
            console.print(escape(plan.medicine_note))
            for med in plan.medicines:
                if med.offered:
                    console.print(
                        f"• [bold]{escape(med.name)}[/bold]: {escape(med.directions)} {escape(med.max_daily)}"
                    )
                    for stop in med.stop_and_ask:
                        console.print(f"   - {escape(stop)}")
                else:
                    console.print(
                        f"• {escape(med.name)}: not suggested for you. " + escape(" ".join(med.blocked_because))
                    )
        if plan.safety_net:
            console.rule("Safety net")
        for group in plan.safety_net:
            title = group.title.replace("the emergency number", f"the emergency number ({plan.emergency_number})")
            console.print(f"[bold]{escape(title)}[/bold]")
            for step in group.steps:
                console.print(f"  ! {escape(step)}")

    unsure = service.ask_a_clinician_about(result)
    if unsure:
        console.rule("Ask a clinician about")
        console.print('You answered "I don\'t know" to these. They did not change the advice, but mention them:')
        for text in unsure:
            console.print(f"  • {escape(text)}")
    if result.missing and result.status is Status.INCOMPLETE:
        console.rule("Still to answer")
        for qid in result.missing[:8]:
            text = ck.questions[qid].text if qid in ck.questions else qid
            console.print(f"  • {escape(text)}")
        if len(result.missing) > 8:
            console.print(f"  … and {len(result.missing) - 8} more ({escape(', '.join(result.missing[8:]))}).")
    console.rule()
    console.print(f"[dim]{escape(service.INTENDED_USE)} Knowledge version {result.knowledge_version}.[/dim]")


def print_questions(catalogue: list[dict[str, Any]]) -> None:
    console = make_console()
    table = Table("id", "kind", "question", show_lines=False)
    for q in catalogue:
        table.add_row(q["id"], q["kind"], q["text"])
    console.print(table)


def print_evaluation(summary: dict[str, Any]) -> None:
    console = make_console()
    console.print(
        f"{summary['cases']} vignettes: accuracy {summary['accuracy']:.1%}, "
        f"emergency sensitivity {summary['emergency_sensitivity']:.1%}, "
        f"under-triage {summary['under_triage_rate']:.1%}, over-triage {summary['over_triage_rate']:.1%}"
    )
    table = Table("expected \\ got", *summary["confusion"].keys())
    for expected, row in summary["confusion"].items():
        table.add_row(expected, *(str(v) for v in row.values()))
    console.print(table)
    for failure in summary["failures"]:
        console.print(
            f"FAIL {failure['case']} at {failure['at']}: expected {failure['expected']}, got {failure['got']}"
            + (f"; rules not fired: {', '.join(failure['missing_rules'])}" if failure["missing_rules"] else "")
            + (f"; {failure['error']}" if failure["error"] else "")
        )
    if summary["rules_never_fired"]:
        console.print("Rules no vignette fires: " + ", ".join(summary["rules_never_fired"]))

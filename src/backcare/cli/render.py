"""Terminal output with rich. Readable with and without colour: every level carries words and a
symbol, never colour alone, and rich honours ``NO_COLOR``."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from backcare import service
from backcare.domain import Urgency
from backcare.service.check import ResultView

STYLE = {
    Urgency.EMERGENCY_NOW: "bold white on red",
    Urgency.SAME_DAY: "bold black on dark_orange",
    Urgency.SOON: "bold black on yellow",
    Urgency.SELF_CARE: "bold white on dark_green",
}


def item(console: Console, marker: str, text: str, indent: int = 2, style: str = "") -> None:
    """One list line whose wrapped lines stay indented under its text (a hanging indent)."""
    grid = Table.grid(padding=(0, 1))
    grid.add_column(width=max(indent - 1, 0), no_wrap=True)
    grid.add_column(no_wrap=True)
    grid.add_column()
    grid.add_row("", Text(marker, style=style), Text(text, style=style))
    console.print(grid)


def make_console(file: Any = None) -> Console:
    return Console(file=file, highlight=False, soft_wrap=False)


def print_result(console: Console, view: ResultView) -> None:
    """The result in the same order as the web page. The last lines on screen are always what to
    do now and the number, so they are still visible in a short terminal after it scrolls."""
    style = "bold black on grey70" if view.urgency == "outside" else STYLE[Urgency(view.urgency)]
    banner = f"[{view.symbol}] {view.label.upper()}: {view.headline}"
    console.print(Panel(escape(banner), style=style, expand=True))
    if view.urgency == "emergency_now":
        _print_emergency(console, view, banner, style)
        return
    console.print(escape(view.what_to_do))
    for note in view.notes:
        console.print(f"[italic]{escape(note)}[/italic]")
    console.rule("Why")
    for why in view.why:
        console.print(f"• {escape(why.text)}")
        for b in why.because:
            item(console, "-", f"You said: {b}", 3, "dim")
    if not view.why:
        console.print("None of your answers points to a cause that needs a doctor soon.")
    if view.said_no:
        console.print(f"[dim]You said no to {len(view.said_no)} warning signs.[/dim]")
    if view.causes:
        console.rule("Possible causes (not a diagnosis)")
        for name, summary, fits in view.causes:
            console.print(f"• [bold]{escape(name)}[/bold]{' (fits your answers)' if fits else ''}: {escape(summary)}")
    if view.plan or view.medicines_note:
        console.rule("Your plan")
    for section in view.plan:
        console.print(f"[bold]{escape(section.title)}[/bold]")
        item(console, "", section.text)
        for step in section.steps:
            item(console, "-", step, 3)
        for caution in section.cautions:
            item(console, "!", caution, 3, "yellow")
    if view.medicines_note or view.medicines:
        console.print("[bold]Medicines[/bold]")
        console.print(f"  {escape(view.medicines_note)}")
        for med in view.medicines:
            if med["offered"]:
                console.print(
                    f"  • [bold]{escape(med['name'])}[/bold]: {escape(med['directions'])} {escape(med['max_daily'])}"
                )
                for stop in med["stop_and_ask"]:
                    item(console, "-", stop, 5)
            else:
                console.print(
                    f"  • {escape(med['name'])}: not suggested for you. " + escape(" ".join(med["blocked_because"]))
                )
    if view.ask_about:
        console.rule("Ask a clinician about")
        console.print('You answered "I don\'t know" to these. They did not change the advice, but mention them:')
        for text in view.ask_about:
            item(console, "•", text)
    if view.sources:
        console.print("[dim]Sources: " + escape("; ".join(title for _url, title in view.sources)) + "[/dim]")
    console.print(f"[dim]{escape(service.INTENDED_USE)}[/dim]")
    if view.safety_net:
        console.rule("When to get help")
        for group in view.safety_net:
            console.print(f"[bold]{escape(group.title)}[/bold]")
            for step in group.steps:
                item(console, "!", step)
    console.rule()
    console.print(Panel(escape(banner), style=style, expand=True))


def _print_emergency(console: Console, view: ResultView, banner: str, style: str) -> None:
    console.rule("Why")
    for why in view.why:
        console.print(f"• {escape(why.text)}")
    if view.say:
        console.rule("What to say")
        console.print("Tell them you have back pain, and:")
        for line in view.say:
            item(console, "•", line)
    console.print(escape(view.what_to_do))
    console.rule()
    console.print(Panel(escape(banner), style=style, expand=True))


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

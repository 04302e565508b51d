"""Diary and records commands: diary add/list/show/edit/delete, trends, report, export, import."""

from __future__ import annotations

import argparse
import contextlib
import os
import stat
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

from rich.markup import escape
from rich.table import Table

from backcare.cli.diary_input import fields_from_flags, parse_contains, parse_locations, parse_when
from backcare.cli.render import item, make_console
from backcare.config import Settings
from backcare.domain import (
    EMERGENCY_NUMBER,
    LOCATIONS,
    SELF_CARE_ACTIONS,
    TRIGGERS,
    DiaryAlert,
    Episode,
    Jurisdiction,
    MedicineIntake,
    SelfCareAction,
)
from backcare.service.diary import describe, ingredient_name, product_name, products_for, warning_signs
from backcare.service.diary_view import choices, sign_words
from backcare.service.entries import InvalidEntry

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2
Ask = Callable[[str], str]


def err(message: str) -> None:
    print(f"backcare: {message}", file=sys.stderr)


# --- output -----------------------------------------------------------------------------------


def print_alerts(alerts: list[DiaryAlert], jurisdiction: Jurisdiction, when_of: dict[str, str] | None = None) -> None:
    """Alerts in the words the pages and the API use (the service's wording)."""
    from backcare.service.diary_view import alert_view

    console = make_console()
    views = [alert_view(alert, when_of or {}, jurisdiction) for alert in alerts]
    for a in views:
        mark = "!!" if a.urgency == "emergency_now" else "!"
        console.print(f"[bold]{mark} {escape(a.level)}: {escape(a.title)}[/bold]")
        if a.act:
            item(console, "", a.act, style="bold")
        item(console, "", a.advice, style="bold")
        item(console, "", a.detail)
        entries = f"From your entries of {', '.join(a.entries)}. " if a.entries else ""
        item(console, "", f"{entries}Sources: {'; '.join(title for _url, title in a.sources)}", style="dim")
    # As after the check: the last line on screen is what to do, never a source list.
    act = next((a.act for a in views if a.act), "")
    if act:
        console.print(f"[bold]{escape(act)}[/bold]")


# --- commands ---------------------------------------------------------------------------------


@contextmanager
def open_service(settings: Settings) -> Iterator[Any]:
    from backcare.compose import StoreUnavailable, diary_service

    try:
        svc, backup = diary_service(settings)
    except StoreUnavailable as exc:
        err(str(exc))
        raise SystemExit(EXIT_USAGE) from None
    if backup is not None:
        print(f"backcare: upgraded your database; the previous version is kept at {backup}", file=sys.stderr)
    try:
        yield svc
    finally:
        svc.store.close()


def run(args: argparse.Namespace, settings: Settings, ask: Ask = input) -> int:
    from backcare.service.diary import Ambiguous, NotFound

    number = EMERGENCY_NUMBER[settings.jurisdiction]
    try:
        with open_service(settings) as svc:
            if args.command == "diary":
                return _diary(args, svc, ask, number)
            if args.command == "trends":
                return _trends(args, svc)
            if args.command == "report":
                return _report(args, svc)
            if args.command == "export":
                return _export(args, svc)
            if args.command == "import":
                return _import(args, svc)
    except InvalidEntry as exc:
        from backcare.service.diary_view import refusals

        for problem in refusals(exc.problems):
            err(problem.message)
        return EXIT_USAGE
    except (NotFound, Ambiguous) as exc:
        err(str(exc.args[0]) if exc.args else "not found")
        return EXIT_USAGE
    except EOFError:
        err("input ended before the answer was given; nothing was saved or changed")
        return EXIT_FAIL
    raise AssertionError(args.command)


def _diary(args: argparse.Namespace, svc: Any, ask: Ask, number: str) -> int:
    cmd = args.diary_command
    console = make_console()
    if cmd == "add":
        return _add(args, svc, ask, number)
    if cmd == "list":
        entries = svc.recent(args.days)
        if not entries:
            console.print(f"No diary entries in the last {args.days} days. Add one with `backcare diary add`.")
            return EXIT_OK
        table = Table("id", "when", "kind", "what")
        for entry in entries:
            when, kind, what = describe(entry, svc.jurisdiction)
            table.add_row(entry.id[:8], when, kind, escape(what))
        console.print(table)
        return EXIT_OK
    if cmd == "show":
        entry, trail = svc.show(args.id)
        stamp, kind, what = describe(entry, svc.jurisdiction)
        console.print(f"[bold]{kind}[/bold] {entry.id}\n{stamp}: {escape(what)}")
        for change in trail:
            before, after = change["before"], change["after"]
            changed = [
                f"{k}: {before[k]!s} → {after.get(k)!s}" for k in before if k != "id" and before[k] != after.get(k)
            ]
            console.print(f"[dim]edited {change['changed_at'][:16]}: {escape('; '.join(changed) or 'no change')}[/dim]")
        return EXIT_OK
    if cmd == "edit":
        changes = fields_from_flags(args)
        moment = parse_when(args.at)
        entry, _ = svc.show(args.id)
        if moment is not None:
            key = {"Episode": "started_at", "MedicineIntake": "taken_at", "SelfCareAction": "done_at"}.get(
                type(entry).__name__
            )
            if key is None:
                raise InvalidEntry(["--at: a check-in is for a day; delete it and add a new one"])
            changes[key] = moment
        for flag, entry_type in (("units", MedicineIntake), ("minutes", SelfCareAction)):
            value = getattr(args, flag)
            if value is not None:
                if not isinstance(entry, entry_type):
                    raise InvalidEntry(
                        [f"--{flag}: this entry is not a {'medicine' if flag == 'units' else 'self-care'} entry"]
                    )
                changes[flag] = value
        if not changes:
            changes = _ask_changes(entry, ask)
        if not changes:
            console.print("Nothing changed.")
            return EXIT_OK
        logged = svc.edit(args.id, **changes)
        console.print(f"Saved. {escape(' '.join(describe(logged.entry, svc.jurisdiction)[1:]))}")
        print_alerts(logged.alerts, svc.jurisdiction, svc.entry_times())
        return EXIT_OK
    if cmd == "delete":
        entry, _ = svc.show(args.id)
        stamp, kind, what = describe(entry, svc.jurisdiction)
        if not args.yes:
            reply = ask(f"Delete this {kind} from {stamp} ({what})? This cannot be undone. [y/N] ")
            if reply.strip().lower() not in ("y", "yes"):
                console.print("Kept.")
                return EXIT_OK
        svc.delete(entry.id)
        console.print(f"Deleted {kind} {entry.id[:8]}.")
        return EXIT_OK
    if cmd == "alerts":
        alerts = svc.alerts()
        if not alerts:
            console.print("Nothing in your recent diary needs action. Keep the safety net in mind.")
        print_alerts(alerts, svc.jurisdiction, svc.entry_times())
        return EXIT_OK
    if cmd == "products":
        table = Table("product id", "name", "contains per unit")
        for p in products_for(svc.jurisdiction):
            contains = ", ".join(f"{ingredient_name(k, svc.jurisdiction)} {v:g} mg" for k, v in p["contains"].items())
            table.add_row(p["id"], p["name"], contains)
        console.print(table)
        return EXIT_OK
    raise AssertionError(cmd)


def _add(args: argparse.Namespace, svc: Any, ask: Ask, number: str) -> int:
    console = make_console()
    when = parse_when(args.at)
    moment = {"started_at": when} if when else {}
    fields = fields_from_flags(args)
    if args.no_pain and "pain" in fields and fields["pain"] > 0:
        raise InvalidEntry(["--no-pain and --pain: a pain-free day cannot also have a pain score above 0"])
    logged_any = False
    alerts: list[DiaryAlert] = []
    if args.no_pain:
        svc.check_in(day=when.date() if when else date.today(), pain_free=True, note=args.note or "")
        console.print("Logged a pain-free day.")
        logged_any = True
    if args.medicine:
        taken: dict[str, Any] = {"taken_at": when} if when else {}
        if args.contains:
            taken["contains"] = parse_contains(args.contains)
        logged = svc.log_intake(args.medicine, args.units, **taken)
        name = product_name(logged.entry.product, svc.jurisdiction)
        console.print(f"Logged {logged.entry.units:g} × {escape(name)} ({logged.entry.id[:8]}).")
        alerts += logged.alerts
        logged_any = True
    if args.did:
        done = {"done_at": when} if when else {}
        logged = svc.log_action(args.did, args.minutes, **done)
        console.print(f"Logged {escape(describe(logged.entry, svc.jurisdiction)[2])} ({logged.entry.id[:8]}).")
        limits = session_limit(args.did)
        if limits is not None and args.minutes is not None and args.minutes > limits[1]:
            console.print(
                f"[yellow]! {args.did.capitalize()} sessions should last about {limits[0]} minutes and never more "
                f"than {limits[1]}: longer can burn or chill the skin. Take it off and check your skin.[/yellow]"
            )
        logged_any = True
    if fields or not logged_any:
        if "pain" not in fields:
            fields = fields or _ask_episode(ask, svc.jurisdiction)
            if "pain" not in fields:
                raise InvalidEntry(["--pain: give the pain score (0 to 10) for an episode"])
        logged = svc.log_episode(**moment, **fields)
        console.print(f"Logged: {escape(describe(logged.entry, svc.jurisdiction)[2])} ({logged.entry.id[:8]}).")
        alerts += logged.alerts
    print_alerts(alerts, svc.jurisdiction, svc.entry_times())
    return EXIT_OK


def _ask_until(ask: Ask, prompt: str, parse: Callable[[str], Any]) -> Any:
    console = make_console()
    while True:
        text = ask(prompt)
        try:
            return parse(text)
        except (InvalidEntry, ValueError) as exc:
            message = "; ".join(exc.problems) if isinstance(exc, InvalidEntry) else str(exc)
            console.print(f"[yellow]{escape(message)}[/yellow]")


def _pain(text: str) -> int:
    if not text.strip().isdigit() or not 0 <= int(text) <= 10:
        raise ValueError("Type a whole number from 0 (no pain) to 10 (worst imaginable).")
    return int(text)


def _pick(ask: Ask, title: str, options: Sequence[tuple[str, str]]) -> list[str]:
    """A numbered list in words; the person types numbers (or the words), Enter for none."""
    console = make_console()
    console.print(f"{title} Type the numbers that apply, e.g. 1 3, or press Enter to skip.")
    for n, (_, label) in enumerate(options, 1):
        item(console, f"{n:>2}.", label)
    by_label = {label.lower(): value for value, label in options}
    by_value = {value: value for value, _ in options}

    def parse(text: str) -> list[str]:
        picked: list[str] = []
        for token in text.replace(",", " ").split():
            if token.isdigit() and 1 <= int(token) <= len(options):
                picked.append(options[int(token) - 1][0])
            elif token.lower() in by_label or token.lower() in by_value:
                picked.append(by_label.get(token.lower()) or by_value[token.lower()])
            else:
                raise ValueError(f"{token!r} is not on the list: type numbers from 1 to {len(options)}.")
        return list(dict.fromkeys(picked))

    return list(_ask_until(ask, "> ", parse))


def _ask_episode(ask: Ask, jurisdiction: Jurisdiction) -> dict[str, Any]:
    console = make_console()
    console.print("Log an episode. The pain score is needed; press Enter to skip the other questions.")
    fields: dict[str, Any] = {"pain": _ask_until(ask, "Pain now, 0 (no pain) to 10 (worst): ", _pain)}
    for key, title, terms in (
        ("locations", "Where does it hurt?", LOCATIONS),
        ("triggers", "What set it off?", TRIGGERS),
        ("helped", "What helped?", (*SELF_CARE_ACTIONS, "medicine", "rest")),
    ):
        picked = _pick(ask, title, choices(terms, jurisdiction))
        if picked:
            fields[key] = picked
    if ask(
        "Do you have any warning sign now, such as numbness between the legs, new trouble peeing, "
        "new leg weakness or a high temperature? [y/N] "
    ).strip().lower() in ("y", "yes"):
        signs = [(qid, sign_words(qid, jurisdiction)) for qid in warning_signs()]
        picked = _pick(ask, "Which of these do you have now?", signs)
        if picked:
            fields["red_flags"] = picked
    note = ask("Anything else to note? ").strip()
    if note:
        fields["note"] = note
    return fields


def _ask_changes(entry: Any, ask: Ask) -> dict[str, Any]:
    if not isinstance(entry, Episode):
        raise InvalidEntry(["give the fields to change as flags, e.g. --note or --pain"])
    changes: dict[str, Any] = {}
    text = ask(f"Pain ({entry.pain}): ").strip()
    if text:
        changes["pain"] = _pain(text)
    text = ask(f"Where ({', '.join(entry.locations) or 'none'}): ").strip()
    if text:
        changes["locations"] = parse_locations([text])
    text = ask(f"Note ({entry.note or 'none'}): ").strip()
    if text:
        changes["note"] = text
    return changes


def _trends(args: argparse.Namespace, svc: Any) -> int:
    if args.out == "-":  # standard output carries the chart alone
        return _chart_out(args, svc)
    console = make_console()
    summary = svc.trends(args.weeks, args.months)
    for key, title in (("weeks", "Weekly"), ("months", "Monthly")):
        table = Table(
            title,
            "pain entries",
            "average pain",
            "worst",
            "pain-free days",
            "days with medicine",
            "self-care",
            title=f"{title} summary",
        )
        for p in summary[key]:
            table.add_row(
                p.label,
                str(p.episodes),
                "–" if p.mean_pain is None else f"{p.mean_pain:.1f}",
                "–" if p.max_pain is None else str(p.max_pain),
                str(p.pain_free_days),
                str(p.medicine_days),
                str(p.self_care_actions),
            )
        console.print(table)
    return _chart_out(args, svc) if args.out else EXIT_OK


def _chart_out(args: argparse.Namespace, svc: Any) -> int:
    from backcare.service.records import chart

    fmt = "svg" if args.out == "-" else Path(args.out).suffix.lower().lstrip(".")
    if fmt not in ("svg", "pdf"):
        err(f"{args.out}: the chart can be .svg or .pdf")
        return EXIT_USAGE
    if not write_out(args.out, chart(svc, fmt, days=max(args.weeks * 7, args.months * 31))):
        make_console().print(f"Chart written to {args.out}")
    return EXIT_OK


def _report(args: argparse.Namespace, svc: Any) -> int:
    from backcare.service.records import report_pdf

    if args.out != "-" and Path(args.out).suffix.lower() != ".pdf":
        err(f"{args.out}: the report is a PDF; use a .pdf file name (or - for standard output)")
        return EXIT_USAGE
    pdf = report_pdf(svc, args.days)
    if not write_out(args.out, pdf):
        make_console().print(f"Report written to {args.out} ({page_count(pdf)} page(s)).")
    return EXIT_OK


def session_limit(action: str) -> tuple[int, int] | None:
    """(usual, longest) heat or cold session in minutes, from the plan's timer in the knowledge base."""
    from backcare.service import engine

    wanted = {"heat": "heat", "ice": "cold"}.get(action)
    for ca in engine().advice:
        timer = ca.advice.timer
        if wanted and timer is not None and wanted in ca.advice.id:
            return timer.minutes, timer.max_minutes
    return None


def page_count(pdf: bytes) -> int:
    """Read the written report back: a check that it is a readable PDF, and a figure to show."""
    import io

    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(pdf)).pages)


def _export(args: argparse.Namespace, svc: Any) -> int:
    from backcare.service.records import export

    if not write_out(args.out, export(svc, args.format).encode("utf-8")):
        make_console().print(f"{args.format.upper()} export written to {args.out}")
    return EXIT_OK


def _import(args: argparse.Namespace, svc: Any) -> int:
    from backcare.service.records import ImportError_, import_file

    try:
        counts = import_file(svc, Path(args.file))
    except ImportError_ as exc:
        err(str(exc))
        err("nothing was imported")
        return EXIT_USAGE
    written = ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in counts.items() if k != "before")
    make_console().print(f"Imported {written}.")
    return EXIT_OK


def write_out(name: str, data: bytes) -> bool:
    """Write ``data`` into the file named by ``--out``.

    ``-`` is standard output. A name that refers to our own standard output or error (such as
    /dev/stdout, however reached) is written through that stream, so ``>>`` still appends. A
    symbolic link is followed and the file it points to written; the link stays. A device or pipe
    is written in place, never replaced. A regular file is replaced whole via a temporary file in
    its folder, so a failure never leaves half a file; it keeps its permissions, and a new file is
    readable by its owner only (it is health data). Returns whether the data went to standard
    output (or error), where no "written to" line should follow it.
    """
    if name == "-":
        _to_stream(sys.stdout, data)
        return True
    try:
        target = Path(os.path.realpath(name))  # through any symbolic links; a dangling one: its target
        try:
            st = os.stat(name)
        except FileNotFoundError:
            st = None
        if st is not None and stat.S_ISDIR(st.st_mode):
            err(f"{name}: is a folder; give a file name")
            raise SystemExit(EXIT_USAGE)
        for stream in (sys.stdout, sys.stderr):
            if st is not None and _same_file(st, stream):
                _to_stream(stream, data)
                return True
        if st is not None and not stat.S_ISREG(st.st_mode):
            with open(name, "wb") as device:
                device.write(data)
            return False
        _replace(target, data, st)
        return False
    except OSError as exc:
        err(f"{name}: cannot write ({exc.strerror or exc})")
        raise SystemExit(EXIT_USAGE) from None


def _same_file(st: os.stat_result, stream: Any) -> bool:
    try:
        other = os.fstat(stream.fileno())
    except (OSError, ValueError, AttributeError):
        return False
    return (st.st_dev, st.st_ino) == (other.st_dev, other.st_ino)


def _to_stream(stream: Any, data: bytes) -> None:
    stream.flush()
    stream.buffer.write(data)
    stream.buffer.flush()


def _replace(target: Path, data: bytes, existing: os.stat_result | None) -> None:
    import tempfile

    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")  # mode 0600
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        if existing is not None and stat.S_ISREG(existing.st_mode):
            os.chmod(tmp, stat.S_IMODE(existing.st_mode))
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise

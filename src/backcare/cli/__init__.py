"""The ``backcare`` command. Imports are deferred so ``backcare --version`` starts fast."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

from backcare import __version__
from backcare.vocabulary import QUALITIES, SELF_CARE_ACTIONS, TRIGGERS


class Parser(argparse.ArgumentParser):
    """argparse with the error on one line: ``backcare diary list: argument --days: …``."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message} (see `{self.prog} --help`)\n")


def whole_number(low: int, high: int, what: str) -> Callable[[str], int]:
    """An argparse type: a whole number in [low, high], refused with a message naming the range."""

    def parse(text: str) -> int:
        try:
            value = int(text.strip())
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number ({what}: {low:,} to {high:,})") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{value:,} is out of range ({what}: {low:,} to {high:,})")
        return value

    return parse


PORT = whole_number(1, 65535, "a port number")
DAYS = whole_number(1, 36_500, "days")


def _parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="backcare",
        description="Back spasm and acute back pain: how urgently to get help, why, and what to do.",
        epilog="Not a diagnosis and not for emergencies: if you need urgent help, call your emergency number.",
    )
    parser.add_argument("--version", action="version", version=f"backcare {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    q = sub.add_parser("questions", help="list the question catalogue")
    q.add_argument("--json", action="store_true", help="print the catalogue as JSON")

    a = sub.add_parser("assess", help="check your back: the interview, or answers from a file")
    a.add_argument("--answers", metavar="FILE", help="JSON file mapping question ids to answers")
    a.add_argument("--json", action="store_true", help="print the result as JSON")
    a.add_argument(
        "--country",
        choices=["uk", "us"],
        help="medicine labels and emergency number (default: BACKCARE_JURISDICTION or uk)",
    )
    a.add_argument("--save", action="store_true", help="save the result to your diary (the interview asks)")

    e = sub.add_parser("eval", help="score the engine on clinical vignettes")
    e.add_argument("cases", metavar="CASES", help="a vignette YAML file or a folder of them")
    e.add_argument("--json", action="store_true", help="print the figures as JSON")
    e.add_argument("--strict", action="store_true", help="exit 1 if any vignette fails")

    sub.add_parser("check-rules", help="validate the knowledge base")
    serve = sub.add_parser("serve", help="the web app and REST API (http://127.0.0.1:8000 by default)")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (local mode: loopback only)")
    serve.add_argument("--port", type=PORT, default=8000, help="1 to 65535 (default 8000)")
    serve.add_argument(
        "--mode", choices=["local", "server"], help="local: one person, no login (default); server: accounts"
    )
    serve.add_argument(
        "--workers", type=whole_number(1, 64, "workers"), default=1, help="server mode: worker processes (1 to 64)"
    )
    db = sub.add_parser("db", help="the database schema: `db upgrade` before starting a new version in server mode")
    db.add_argument("action", choices=["upgrade"], help="upgrade: migrate to this version's schema (safe to repeat)")
    add_records_parsers(sub)
    return parser


def add_records_parsers(sub: Any) -> None:
    diary = sub.add_parser("diary", help="log and review back pain episodes, medicines and self-care")
    dsub = diary.add_subparsers(dest="diary_command", metavar="ACTION", required=True)

    add = dsub.add_parser(
        "add", help="log an episode (interactive without flags), a medicine, self-care or a pain-free day"
    )
    _entry_flags(add)
    add.add_argument("--medicine", metavar="PRODUCT", help="log a medicine taken (see `backcare diary products`)")
    add.add_argument("--units", type=float, default=1, help="tablets or doses of --medicine (default 1)")
    add.add_argument(
        "--contains",
        action="append",
        metavar="INGREDIENT=MG",
        help="for a product backcare does not know: mg per unit, e.g. paracetamol=500 (or 'none')",
    )
    add.add_argument(
        "--did", metavar="ACTION", choices=SELF_CARE_ACTIONS, help="log self-care done: " + ", ".join(SELF_CARE_ACTIONS)
    )
    add.add_argument("--minutes", type=int, help="how long the self-care lasted")
    add.add_argument("--no-pain", action="store_true", help="log today as a pain-free day")

    lst = dsub.add_parser("list", help="entries of the last days (30 by default)")
    lst.add_argument("--days", type=DAYS, default=30, help="1 to 36,500 (default 30)")
    show = dsub.add_parser("show", help="one entry with its edit history")
    show.add_argument("id")
    edit = dsub.add_parser("edit", help="change an entry (interactive without flags)")
    edit.add_argument("id")
    _entry_flags(edit)
    edit.add_argument("--units", type=float, help="a medicine entry: tablets or doses")
    edit.add_argument("--minutes", type=int, help="a self-care entry: how long it lasted")
    delete = dsub.add_parser("delete", help="delete an entry for good (asks first)")
    delete.add_argument("id")
    delete.add_argument("--yes", action="store_true", help="do not ask")
    dsub.add_parser("alerts", help="what the diary pattern means now")
    dsub.add_parser("products", help="medicine products you can log")

    trends = sub.add_parser("trends", help="weekly and monthly summaries, and a chart with --out")
    trends.add_argument("--weeks", type=whole_number(1, 520, "weeks"), default=8)
    trends.add_argument("--months", type=whole_number(1, 120, "months"), default=6)
    trends.add_argument(
        "--out", metavar="FILE.svg|FILE.pdf", help="the pain chart; - writes it (SVG) to standard output"
    )
    report = sub.add_parser("report", help="the PDF summary for your doctor")
    report.add_argument("--out", metavar="FILE.pdf", required=True, help="the PDF file, or - for standard output")
    report.add_argument("--days", type=DAYS, default=180, help="diary period covered (default 180 days)")
    export = sub.add_parser("export", help="all your data as JSON, CSV or FHIR")
    export.add_argument(
        "--format",
        choices=["json", "csv", "fhir", "fhir-r4"],
        required=True,
        help="fhir: validated with fhir.resources' default models; fhir-r4: strict R4 (R4B models)",
    )
    export.add_argument("--out", metavar="FILE", required=True, help="the file to write, or - for standard output")
    admin = sub.add_parser("admin", help="server mode: grant or revoke the administrator role (comment moderation)")
    admin.add_argument("action", choices=["grant", "revoke"])
    admin.add_argument("name", help="the account's user name")
    imp = sub.add_parser("import", help="bring back a JSON export (all or nothing)")
    imp.add_argument("file")


def _entry_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--pain", type=int, help="pain now, 0 (none) to 10 (worst imaginable)")
    p.add_argument("--where", action="append", default=None, help="location(s), e.g. lower-left, below-knee")
    p.add_argument("--quality", action="append", default=None, help="how it feels: " + ", ".join(QUALITIES))
    p.add_argument("--trigger", action="append", default=None, help="what set it off: " + ", ".join(TRIGGERS))
    p.add_argument("--helped", action="append", default=None, help="what helped, e.g. heat, walk, medicine")
    p.add_argument(
        "--flag", action="append", default=None, help="a warning sign noticed (question id, e.g. saddle_numbness)"
    )
    p.add_argument("--note", help="free text")
    p.add_argument("--at", help="when, e.g. 2026-11-24T08:30 (default now, your time zone)")


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command is None:
        _parser().print_help()
        return 0
    try:
        from backcare.cli import commands

        return commands.run(args)
    except KeyboardInterrupt:
        print("\nStopped. Nothing was saved.", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0

"""The ``backcare`` command. Imports are deferred so ``backcare --version`` starts fast."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from backcare import __version__


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
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

    e = sub.add_parser("eval", help="score the engine on clinical vignettes")
    e.add_argument("cases", metavar="CASES", help="a vignette YAML file or a folder of them")
    e.add_argument("--json", action="store_true", help="print the figures as JSON")
    e.add_argument("--strict", action="store_true", help="exit 1 if any vignette fails")

    sub.add_parser("check-rules", help="validate the knowledge base")
    return parser


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

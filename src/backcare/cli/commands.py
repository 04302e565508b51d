"""Command handlers: parse input, call the service, print, and pick the exit code."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from backcare import service
from backcare.config import Settings, SettingsError, hand_to_workers
from backcare.domain import Answers, Jurisdiction
from backcare.service import InvalidAnswers, KnowledgeError, check

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2


def err(message: str) -> None:
    print(f"backcare: {message}", file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    try:
        settings = Settings.from_env()
        handler = {
            "questions": cmd_questions,
            "assess": cmd_assess,
            "eval": cmd_eval,
            "check-rules": cmd_check_rules,
            "serve": cmd_serve,
            "diary": cmd_records,
            "trends": cmd_records,
            "report": cmd_records,
            "export": cmd_records,
            "import": cmd_records,
            "admin": cmd_admin,
            "db": cmd_db,
        }[args.command]
        return handler(args, settings)
    except SettingsError as exc:
        err(str(exc))
        return EXIT_USAGE
    except KnowledgeError as exc:
        err("the knowledge base has problems; run `backcare check-rules`:")
        for problem in exc.problems[:20]:
            print(f"  {problem}", file=sys.stderr)
        return EXIT_FAIL


def _print_json(data: Any) -> None:
    json.dump(data, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")


def cmd_questions(args: argparse.Namespace, settings: Settings) -> int:
    catalogue = service.questions_catalogue(settings.jurisdiction)
    if args.json:
        _print_json({"questions": catalogue, "count": len(catalogue)})
        return EXIT_OK
    from backcare.cli.render import print_questions

    print_questions(catalogue)
    return EXIT_OK


MAX_ANSWERS_BYTES = 1024 * 1024
"""An answers file is a few KB; anything past a megabyte is a mistake (or an attack)."""


def _read_answers(path: str) -> dict[str, object] | None:
    file = Path(path)
    try:
        if file.stat().st_size > MAX_ANSWERS_BYTES:
            err(f"{path}: larger than {MAX_ANSWERS_BYTES // 1024 // 1024} MB; an answers file is a few KB")
            return None
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        err(f"{path}: no such file")
        return None
    except (OSError, UnicodeDecodeError) as exc:
        err(f"{path}: cannot read ({exc})")
        return None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        err(f"{path}:{exc.lineno}: not valid JSON: {exc.msg}")
        return None
    except RecursionError:
        err(f"{path}: nested too deeply; answers are strings, numbers or lists of option ids")
        return None
    if not isinstance(data, dict):
        err(f"{path}: expected a JSON object mapping question ids to answers, got {type(data).__name__}")
        return None
    return data


def clip(text: str, limit: int = 200) -> str:
    """One problem per line, however large the value it quotes."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def cmd_assess(args: argparse.Namespace, settings: Settings) -> int:
    jurisdiction = Jurisdiction(args.country) if args.country else settings.jurisdiction
    if args.answers is None:
        if args.json:
            err("--json needs --answers FILE (the interview is for people, not programs)")
            return EXIT_USAGE
        from backcare.cli.interview import run_interview

        return run_interview(jurisdiction, save=lambda answers, view: _offer_save(answers, view, settings))
    raw = _read_answers(args.answers)
    if raw is None:
        return EXIT_USAGE
    try:
        answers = check.read_answers(raw)
    except InvalidAnswers as exc:
        err(f"{args.answers}: {len(exc.errors)} problem(s) with the answers:")
        for e in exc.errors[:50]:
            print(f"  {clip(str(e))}", file=sys.stderr)
        if len(exc.errors) > 50:
            print(f"  … and {len(exc.errors) - 50} more", file=sys.stderr)
        return EXIT_USAGE
    view = check.result_view(answers, jurisdiction)
    if args.save:
        save_result(answers, view, settings)
    if args.json:
        _print_json(service.result_json(view.result))
    else:
        from backcare.cli.render import make_console, print_result

        print_result(make_console(), view)
    return EXIT_OK


def cmd_eval(args: argparse.Namespace, settings: Settings) -> int:
    path = Path(args.cases)
    if not path.exists():
        err(f"{args.cases}: no such file or folder")
        return EXIT_USAGE
    evaluation, problems = service.evaluate_cases(path)
    if problems:
        err(f"{len(problems)} problem(s) reading the vignettes:")
        for p in problems:
            print(f"  {p}", file=sys.stderr)
        return EXIT_USAGE
    summary = evaluation.summary()
    if args.json:
        _print_json(summary)
    else:
        from backcare.cli.render import print_evaluation

        print_evaluation(summary)
    failed = bool(summary["failures"])
    return EXIT_FAIL if args.strict and failed else EXIT_OK


def cmd_check_rules(args: argparse.Namespace, settings: Settings) -> int:
    problems, counts = service.check_rules()
    for p in problems:
        print(p)
    if problems:
        print(f"{len(problems)} problem(s) found.", file=sys.stderr)
        return EXIT_FAIL
    print("Knowledge base OK: " + ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in counts.items()))
    return EXIT_OK


def cmd_records(args: argparse.Namespace, settings: Settings) -> int:
    from backcare.cli import diary_cmds

    return diary_cmds.run(args, settings)


def save_result(answers: Answers, view: check.ResultView, settings: Settings) -> None:
    from backcare.cli.diary_cmds import open_service

    with open_service(settings) as svc:
        check.save(svc, answers, view.result.jurisdiction)


def _offer_save(answers: Answers, view: check.ResultView, settings: Settings, ask: Any = input) -> None:
    reply = ask("Your result is ready. Save it to your diary, so it can go in your doctor report? [y/N] ")
    if reply.strip().lower() in ("y", "yes"):
        save_result(answers, view, settings)
        print("Saved.")


def cmd_admin(args: argparse.Namespace, settings: Settings) -> int:
    """Grant or revoke the administrator role on the configured database (server mode)."""
    from backcare.compose import StoreUnavailable, open_store
    from backcare.service.community import NoSuchAccount, set_admin

    try:
        store = open_store(settings)
    except StoreUnavailable as exc:
        err(str(exc))
        return EXIT_USAGE
    try:
        set_admin(store, args.name, args.action == "grant")
    except NoSuchAccount:
        err(f"no account named '{args.name}' (it must register first)")
        return EXIT_USAGE
    finally:
        store.close()
    role = "is now an administrator" if args.action == "grant" else "is no longer an administrator"
    print(f"{args.name} {role}.")
    return EXIT_OK


def cmd_db(args: argparse.Namespace, settings: Settings) -> int:
    """``backcare db upgrade``: migrate the configured database (PostgreSQL under a lock, SQLite
    with a backup first); safe to run again, and from several places at once."""
    from backcare.compose import StoreUnavailable, UpgradeFailed, upgrade_database

    try:
        done = upgrade_database(settings)
    except UpgradeFailed as exc:
        err(str(exc))
        return EXIT_FAIL
    except StoreUnavailable as exc:
        err(str(exc))
        return EXIT_USAGE
    if done.before == done.after:
        print(f"The database is already at the latest schema ({done.after}).")
        return EXIT_OK
    print(f"Database upgraded from {done.before or 'empty'} to {done.after}.")
    if done.backup is not None:
        print(f"A copy of it as it was is at {done.backup}")
    return EXIT_OK


LOOPBACK = ("127.0.0.1", "localhost", "::1")


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    if args.mode:
        settings = settings.model_copy(update={"mode": args.mode})
    if settings.mode == "local" and args.host not in LOOPBACK:
        err(f"local mode has no sign-in, so it listens only on this computer; use --mode server for {args.host}")
        return EXIT_USAGE
    if settings.mode == "server" and not settings.secret_key:
        err("server mode needs BACKCARE_SECRET_KEY (32+ characters, the same on every worker)")
        return EXIT_USAGE
    from backcare.compose import StoreUnavailable, open_store

    # Open (and migrate) the database here, once, so a bad BACKCARE_DATABASE_URL is a one-line
    # message now rather than a traceback from every worker.
    try:
        open_store(settings).close()
    except StoreUnavailable as exc:
        err(str(exc))
        return EXIT_USAGE

    import uvicorn

    # The app is built by uvicorn from the environment (the same path as extra workers take), so
    # the CLI passes its choices on there rather than importing the web layer.
    hand_to_workers(settings)
    print(f"backcare ({settings.mode} mode) on http://{args.host}:{args.port}  (Ctrl-C to stop)", file=sys.stderr)
    uvicorn.run(
        "backcare.web.serve:app_from_env",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers if args.workers > 1 else None,
        log_level="warning",
    )
    return EXIT_OK

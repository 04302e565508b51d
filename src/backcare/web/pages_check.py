"""Home, the check, its result, the plan and prevention pages.

Every screen of the check has its own address and is fetched with GET, so browser Back, Forward
and reload work; an answer is POSTed to the screen's address and answered with a redirect to the
next one (no "confirm form resubmission"). The answers so far live in the signed session cookie,
compressed, and are checked again on every request; they survive signing in. What to ask, the
progress, the review and the result all come from ``service.check``: this module only reads forms
and renders.
"""

from __future__ import annotations

import base64
import json
import zlib
from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from backcare.domain import EMERGENCY_NUMBER, Answers, Jurisdiction
from backcare.service import check
from backcare.web.context import current_user, diary_for, render, web

router = APIRouter(include_in_schema=False)

DRAFT = "check"
"""Session key of the check in progress: {"c": country, "a": compressed answers}."""


# --- the draft in the session -------------------------------------------------------------------


def _country(request: Request, value: object = None) -> Jurisdiction:
    try:
        return Jurisdiction(str(value)) if value else web(request).settings.jurisdiction
    except ValueError:
        return web(request).settings.jurisdiction


def _pack(answers: Answers) -> str:
    plain = {k: list(v) if isinstance(v, tuple) else v for k, v in answers.items()}
    raw = json.dumps(plain, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(zlib.compress(raw, 9)).decode()


def _unpack(packed: str) -> dict[str, Any]:
    try:
        data = json.loads(zlib.decompress(base64.urlsafe_b64decode(packed.encode()), bufsize=65536))
    except (ValueError, zlib.error):
        return {}
    return data if isinstance(data, dict) else {}


def load_draft(request: Request) -> tuple[Answers, Jurisdiction]:
    draft = request.session.get(DRAFT) or {}
    country = _country(request, draft.get("c"))
    try:
        answers = check.read_answers(_unpack(str(draft.get("a", ""))))
    except check.InvalidAnswers:
        # A draft from an older question catalogue: start again rather than guess.
        answers = {}
    return answers, country


def keep_draft(request: Request, answers: Answers, country: Jurisdiction) -> None:
    request.session[DRAFT] = {"c": country.value, "a": _pack(answers)}


def _words_context(country: Jurisdiction) -> dict[str, Any]:
    """What base.html needs to speak the check's country, not the server's default."""
    return {
        "country": country.value,
        "emergency_number": EMERGENCY_NUMBER[country],
        "lang": "en-US" if country is Jurisdiction.US else "en-GB",
    }


def _go(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def _where_next(answers: Answers) -> str:
    path = check.walk(answers)
    if path.emergency:
        return "/check/result"
    if path.current is not None and not path.finished:
        return f"/check/step/{path.current}"
    return "/check/answers"


# --- pages --------------------------------------------------------------------------------------


# Said once on the page that follows a change to the account (server mode).
ACCOUNT_NOTICES = {
    "created": "Your account is ready and you are signed in.",
    "signed-out": "You are signed out.",
    "deleted": "Your account and everything in it have been deleted.",
}


@router.get("/", response_class=HTMLResponse)
def home(request: Request, account: str = "") -> HTMLResponse:
    answers, _ = load_draft(request)
    return render(
        request, "home.html", {"draft": check.progress(answers), "notice": ACCOUNT_NOTICES.get(account, "")}
    )


@router.get("/check")
def check_resume(request: Request) -> Response:
    """Carry on where the person was: the next screen, "Check your answers" or the result."""
    answers, _ = load_draft(request)
    return _go(_where_next(answers))


@router.post("/check/new")
def check_new(request: Request, country: str = Form("")) -> Response:
    keep_draft(request, {}, _country(request, country))
    return _go("/check/step/start")


@router.get("/check/country/{code}")
def check_country(request: Request, code: str) -> Response:
    """Switch the country the check speaks (numbers, services, medicine labels); answers kept."""
    answers, _ = load_draft(request)
    keep_draft(request, answers, _country(request, code))
    return _go(_where_next(answers))


def _render_screen(
    request: Request,
    sid: str,
    answers: Answers,
    country: Jurisdiction,
    errors: dict[str, str] | None = None,
    typed: dict[str, list[str]] | None = None,
    change: bool = False,
) -> HTMLResponse:
    view = check.screen(sid, answers, country)
    context = {
        "s": view,
        "errors": errors or {},
        "typed": typed,
        "change": change,
        "first": view.number == 1,
        **_words_context(country),
    }
    return render(request, "check.html", context, status=400 if errors else 200)


@router.get("/check/step/{sid}", response_class=HTMLResponse)
def check_screen(request: Request, sid: str, change: int = 0) -> Response:
    answers, country = load_draft(request)
    try:
        return _render_screen(request, sid, answers, country, change=bool(change))
    except check.UnknownScreen:
        return _go(_where_next(answers))


@router.post("/check/step/{sid}", response_class=HTMLResponse)
async def check_answer(request: Request, sid: str) -> Response:
    # The form is read here; the rest (the page names the signed-in person, a database lookup in
    # server mode) runs in the thread pool, off the event loop.
    return await run_in_threadpool(_answer, request, sid, await request.form())


def _answer(request: Request, sid: str, form: Any) -> Response:
    answers, country = load_draft(request)
    values = {key: [str(v) for v in form.getlist(key)] for key in form}
    change = form.get("change") == "1"
    try:
        answers = check.submit(sid, values, answers, dont_know=form.get("action") == "dontknow")
    except check.UnknownScreen:
        return _go(_where_next(answers))
    except check.ScreenErrors as exc:
        return _render_screen(request, sid, answers, country, exc.errors, values, change)
    keep_draft(request, answers, country)
    path = check.walk(answers)
    if path.emergency:
        return _go("/check/result")
    if check.after_result(sid, path):
        return _go(f"/check/step/{path.current}" if path.current else "/check/result#plan")
    if change and path.finished:
        return _go("/check/answers")
    return _go(_where_next(answers))


@router.get("/check/answers", response_class=HTMLResponse)
def check_answers(request: Request) -> Response:
    answers, country = load_draft(request)
    path = check.walk(answers)
    if path.emergency:
        return _go("/check/result")
    if not path.finished:
        return _go(_where_next(answers))
    context = {"sections": check.review(answers, country), **_words_context(country)}
    return render(request, "answers.html", context)


@router.get("/check/result", response_class=HTMLResponse)
def check_result(request: Request, saved: int = 0) -> Response:
    answers, country = load_draft(request)
    path = check.walk(answers)
    if not path.finished:
        return _go(_where_next(answers))
    view = check.result_view(answers, country)
    stored = current_user(request) is not None and check.already_saved(diary_for(request), answers, country)
    context = {
        "v": view,
        "saved": saved if saved in (1, 2) else (3 if stored else 0),
        "back": path.visited[-1] if path.visited else "start",
        "can_save": not stored,
        **_words_context(country),
    }
    template = "emergency.html" if view.urgency == "emergency_now" else "result.html"
    return render(request, template, context)


@router.post("/check/save")
def check_save(request: Request) -> Response:
    answers, country = load_draft(request)
    if not check.walk(answers).finished:
        return _go(_where_next(answers))
    if current_user(request) is None:
        # The check stays in the session through sign-in or registration.
        return _go("/account/login?next=/check/result")
    if check.already_saved(diary_for(request), answers, country):
        return _go("/check/result?saved=2")
    check.save(diary_for(request), answers, country)
    return _go("/check/result?saved=1")


@router.get("/checks", response_class=HTMLResponse)
def saved_checks(request: Request) -> HTMLResponse:
    return render(request, "checks.html", {"checks": check.saved_checks(diary_for(request))})


@router.post("/checks/{check_id}/open")
def open_saved_check(request: Request, check_id: str) -> Response:
    try:
        answers, country = check.saved_check(diary_for(request), check_id)
    except check.UnknownScreen:
        return _go("/checks")
    keep_draft(request, answers, country)
    return _go(_where_next(answers))


@router.get("/plan", response_class=HTMLResponse)
def plan(request: Request, saved: int = 0) -> HTMLResponse:
    view = None
    if current_user(request) is not None:
        latest = check.latest_saved(diary_for(request))
        if latest is not None:
            view = check.result_view(*latest)
    return render(request, "plan.html", {"v": view, "saved": saved})


@router.get("/prevent", response_class=HTMLResponse)
def prevent(request: Request, saved: int = 0, error: str = "") -> HTMLResponse:
    latest = check.latest_saved(diary_for(request)) if current_user(request) else None
    items = check.prevention(web(request).settings.jurisdiction, latest[0] if latest else None)
    minutes = diary_for(request).reminder_minutes() if current_user(request) else 30
    context = {"items": items, "minutes": minutes, "saved": saved, "error": error}
    return render(request, "prevent.html", context, status=400 if error else 200)


@router.post("/prevent/reminder")
def save_reminder(request: Request, minutes: str = Form("")) -> Response:
    from backcare.service.entries import InvalidEntry

    if current_user(request) is None:
        return RedirectResponse("/account/login?next=/prevent", status_code=303)
    try:
        if not minutes.strip().isdigit():
            raise InvalidEntry(["minutes: give a whole number of minutes"])
        diary_for(request).set_reminder_minutes(int(minutes))
    except InvalidEntry as exc:
        return prevent(request, error="; ".join(exc.problems))
    return RedirectResponse("/prevent?saved=1", status_code=303)

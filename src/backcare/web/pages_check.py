"""Home, the check (one question per screen, no JavaScript needed), result, plan and prevent pages.

The check is stateless: the answers so far travel in a hidden form field and are validated again
on every step, exactly like the API's stateless assessment.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from backcare import service
from backcare.domain import DONT_KNOW, EMERGENCY_NUMBER, Answers, Jurisdiction, Result, Urgency
from backcare.engine.answers import InvalidAnswers, parse_answer, validate_answers
from backcare.engine.assess import assess, next_question, progress
from backcare.knowledge.schema import Question
from backcare.web.context import current_user, diary_for, render, web

router = APIRouter(include_in_schema=False)


def _jurisdiction(request: Request, value: str | None) -> Jurisdiction:
    try:
        return Jurisdiction(value) if value else web(request).settings.jurisdiction
    except ValueError:
        return web(request).settings.jurisdiction


def _state(raw: str) -> Answers:
    try:
        data = json.loads(raw or "{}")
    except json.JSONDecodeError:
        raise HTTPException(400, "The form was damaged; please start the check again.") from None
    if not isinstance(data, dict):
        raise HTTPException(400, "The form was damaged; please start the check again.")
    try:
        return validate_answers(data, service.engine().questions)
    except InvalidAnswers as exc:
        raise HTTPException(400, f"Some answers could not be read ({exc}); please start the check again.") from None


def _dump(answers: Answers) -> str:
    return json.dumps({k: list(v) if isinstance(v, tuple) else v for k, v in answers.items()})


def level_view(result: Result) -> dict[str, Any]:
    return service.shown_level(result)


def question_view(q: Question) -> dict[str, Any]:
    options = [("yes", "Yes"), ("no", "No")] if q.kind == "yes_no" else [(o.id, o.label) for o in q.options]
    return {"q": q, "options": options, "qtext": service.question_wording(q)}


def _render_question(
    request: Request, answers: Answers, q: Question, country: Jurisdiction, error: str = ""
) -> HTMLResponse:
    ck = service.engine()
    done, total = progress(ck, answers)
    return render(
        request,
        "check.html",
        {
            **question_view(q),
            "state": _dump(answers),
            "done": done,
            "total": total,
            "error": error,
            "country": country.value,
            "can_go_back": bool(answers),
            "previous": answers.get(q.id),
        },
        status=400 if error else 200,
    )


def _render_result(request: Request, answers: Answers, country: Jurisdiction) -> HTMLResponse:
    result = assess(service.engine(), answers, country)
    context = {
        "result": result,
        "level": level_view(result),
        "state": _dump(answers),
        "country": country.value,
        "number": EMERGENCY_NUMBER[country],
        "questions": service.engine().questions,
        "ask_about": service.ask_a_clinician_about(result),
    }
    template = "emergency.html" if result.urgency is Urgency.EMERGENCY_NOW else "result.html"
    return render(request, template, context)


@router.get("/", response_class=HTMLResponse)
def home(request: Request) -> HTMLResponse:
    return render(request, "home.html")


@router.get("/check", response_class=HTMLResponse)
def check_start(request: Request, country: str | None = None) -> HTMLResponse:
    q = next_question(service.engine(), {})
    assert q is not None
    return _render_question(request, {}, q, _jurisdiction(request, country))


@router.post("/check", response_class=HTMLResponse)
async def check_step(request: Request) -> HTMLResponse:
    form = await request.form()
    answers = _state(str(form.get("state", "{}")))
    country = _jurisdiction(request, str(form.get("country", "")))
    action = str(form.get("action", "next"))
    ck = service.engine()
    if action == "back":
        if answers:
            answers.pop(list(answers)[-1])
    else:
        qid = str(form.get("qid", ""))
        q = ck.questions.get(qid)
        if q is None:
            raise HTTPException(400, "Unknown question; please start the check again.")
        if action == "dontknow":
            raw: Any = DONT_KNOW
        elif q.kind == "multi":
            raw = [str(v) for v in form.getlist("answer")]
        else:
            raw = form.get("answer")
        if raw in (None, "", []):
            return _render_question(request, answers, q, country, "Please choose an answer, or “I don't know”.")
        try:
            answers[qid] = parse_answer(q, raw)
        except ValueError as exc:
            return _render_question(request, answers, q, country, str(exc).capitalize() + ".")
    following = next_question(ck, answers)
    if following is None:
        return _render_result(request, answers, country)
    return _render_question(request, answers, following, country)


@router.post("/check/save")
async def check_save(request: Request, state: str = Form("{}"), country: str = Form("")) -> Response:
    answers = _state(state)
    if current_user(request) is None:
        return RedirectResponse("/account/login?next=/check", status_code=303)
    result = assess(service.engine(), answers, _jurisdiction(request, country))
    plain = {k: list(v) if isinstance(v, tuple) else v for k, v in answers.items()}
    diary_for(request).save_assessment(plain, service.result_json(result))
    return RedirectResponse("/plan?saved=1", status_code=303)


@router.get("/plan", response_class=HTMLResponse)
def plan(request: Request, saved: int = 0) -> HTMLResponse:
    result = None
    if current_user(request) is not None:
        svc = diary_for(request)
        with svc.diary() as d:
            answers = svc.latest_answers(d)
        if answers:
            try:
                result = assess(
                    service.engine(), validate_answers(answers, service.engine().questions), svc.jurisdiction
                )
            except InvalidAnswers:
                result = None
    return render(
        request, "plan.html", {"result": result, "level": level_view(result) if result else None, "saved": saved}
    )


@router.get("/prevent", response_class=HTMLResponse)
def prevent(request: Request, saved: int = 0, error: str = "") -> HTMLResponse:
    items = [a.advice for a in service.engine().advice if a.advice.section in ("prevention", "exercise", "wellbeing")]
    cites = {a.advice.id: a.citations for a in service.engine().advice}
    minutes = diary_for(request).reminder_minutes() if current_user(request) else 30
    context = {"items": items, "cites": cites, "minutes": minutes, "saved": saved, "error": error}
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

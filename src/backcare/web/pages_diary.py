"""Diary pages (quick log, list, edit, delete, chart, alerts) and the report page (PDF, exports,
import). Every lookup is scoped to the signed-in person: another person's entry is a 404."""

from __future__ import annotations

import re
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from backcare.domain import LOCATIONS, QUALITIES, SELF_CARE_ACTIONS, TRIGGERS, Episode, Jurisdiction
from backcare.service.diary import Ambiguous, Changed, DiaryService, NotFound, describe, products_for, warning_signs
from backcare.service.diary_view import alert_view, refusal, refusals, session_timers, sign_words, word
from backcare.service.entries import InvalidEntry, local_zone_name, valid_zone
from backcare.service.report import chart_table
from backcare.web.context import TEMPLATES, diary_for, render
from backcare.web.limits import IMPORT_LIMIT

router = APIRouter(include_in_schema=False)
TEMPLATES.globals["vocab"] = lambda term, country="uk": word(term, Jurisdiction(country))
TEMPLATES.globals["in_words"] = lambda problem: refusal(problem).message
# What the page says after a save (?saved=…#saved): fixed words, never text from the address.
SAVED = {
    "episode": "Saved your entry.",
    "medicine": "Saved the medicine.",
    "selfcare": "Saved the self-care.",
    "painfree": "Saved: no pain today.",
    "changed": "Changes saved.",
    "deleted": "Entry deleted.",
}
MAX_UPLOAD = IMPORT_LIMIT  # the request as a whole is held to this by web.limits; the file too
EXPORTS = {
    "json": ("application/json", "json"),
    "csv": ("text/csv; charset=utf-8", "csv"),
    "fhir": ("application/fhir+json", "fhir.json"),
    "fhir-r4": ("application/fhir+json", "fhir-r4.json"),
}
CHART_DAYS = {"weeks": 8 * 7, "months": 183}


def _describe(entry: Any, jurisdiction: Jurisdiction) -> dict[str, Any]:
    when, kind, what = describe(entry, jurisdiction)
    return {"id": entry.id, "short": entry.id[:8], "when": when, "kind": kind, "what": what}


def _zone(raw: object) -> str:
    zone = str(raw or "")
    return zone if zone and valid_zone(zone) else local_zone_name()


def _episode_fields(form: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    pain = str(form.get("pain", "")).strip()
    if pain:
        if not pain.isdigit():
            raise InvalidEntry(["pain: choose a number from 0 (no pain) to 10 (worst imaginable)"])
        fields["pain"] = int(pain)
    for key in ("locations", "qualities", "triggers", "helped"):
        fields[key] = [str(v) for v in form.getlist(key)]
    if form.get("signs_shown"):
        fields["red_flags"] = [str(v) for v in form.getlist("red_flags")]
    fields["note"] = str(form.get("note", ""))
    fields.update(_when(form, "started_at"))
    return fields


def _when(form: Any, key: str) -> dict[str, Any]:
    """The form's time zone and, when "When" was filled in, the moment under ``key`` (read in
    that zone): every diary form takes its time the same way."""
    zone = _zone(form.get("tz"))
    fields: dict[str, Any] = {"tz": zone}
    when = str(form.get("when", "")).strip()
    if when:
        try:
            moment = datetime.fromisoformat(when)
        except ValueError:
            raise InvalidEntry(["when: use a date and time such as 2026-11-24T08:30"]) from None
        fields[key] = moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo(zone))
    return fields


def _page(
    request: Request,
    svc: DiaryService,
    errors: list[str] | None = None,
    form: dict[str, Any] | None = None,
    status: int = 200,
    notice: str = "",
    chart_range: str = "weeks",
    refused: str = "",
) -> HTMLResponse:
    """The diary. ``refused`` names the form ("episode", "medicine", "selfcare") whose entry was
    refused: its problems are shown next to its fields and what was typed is kept."""
    from backcare.service.check import saved_checks

    recent = svc.recent(30)
    entries = [_describe(e, svc.jurisdiction) for e in recent]
    when_of = svc.entry_times()
    trends = svc.trends()
    recent_products, recent_actions = svc.recent_choices()
    problems = refusals(errors or [])
    actions = [*recent_actions, *(a for a in SELF_CARE_ACTIONS if a not in recent_actions)]
    return render(
        request,
        "diary.html",
        {
            "entries": entries,
            "alerts": [alert_view(a, when_of, svc.jurisdiction) for a in svc.alerts()],
            "products": products_for(svc.jurisdiction, recent_products),
            "recent_products": recent_products,
            "actions": actions,
            "recent_actions": recent_actions,
            "timers": session_timers(),
            "checks": saved_checks(svc)[:5],
            "errors": [p.message for p in problems],
            "problems": problems,
            "field_errors": _by_field(errors or []),
            "refused": refused,
            "form": form or {},
            "notice": notice,
            "locations": LOCATIONS,
            "qualities": QUALITIES,
            "triggers": TRIGGERS,
            "helped_options": (*SELF_CARE_ACTIONS, "medicine", "rest"),
            "signs": [(s, sign_words(s, svc.jurisdiction)) for s in warning_signs()],
            "trends": trends,
            "chart_range": chart_range if chart_range in ("weeks", "months") else "weeks",
            "chart_days": chart_table(svc, CHART_DAYS.get(chart_range, CHART_DAYS["weeks"])),
        },
        status=status,
    )


def _by_field(errors: list[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for p in refusals(errors):
        out.setdefault(p.field, []).append(p.message)
    return out


def _saved(what: str) -> RedirectResponse:
    # The fragment brings the confirmation and the alerts into view on the page that follows.
    return RedirectResponse(f"/diary?saved={what}#saved", status_code=303)


@router.get("/diary", response_class=HTMLResponse)
def diary_page(request: Request, saved: str = "", range: str = "weeks") -> HTMLResponse:
    return _page(request, diary_for(request), notice=SAVED.get(saved, ""), chart_range=range)


# The form is read on the event loop; the database work (the session lookup too) runs in the
# thread pool, so a slow query never stalls every other request of the worker.


@router.post("/diary", response_class=HTMLResponse)
async def diary_log(request: Request) -> Response:
    return await run_in_threadpool(_log_episode, request, await request.form())


def _log_episode(request: Request, form: Any) -> Response:
    svc = diary_for(request)
    try:
        fields = _episode_fields(form)
        if "pain" not in fields:
            raise InvalidEntry(["pain: choose how bad the pain is, from 0 to 10"])
        svc.log_episode(**fields)
    except InvalidEntry as exc:
        return _page(request, svc, exc.problems, _form_values(form), status=400, refused="episode")
    return _saved("episode")


def _form_values(form: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        key: [str(v) for v in form.getlist(key)]
        for key in ("locations", "qualities", "triggers", "helped", "red_flags")
    }
    pain = str(form.get("pain", ""))
    values.update(
        pain=int(pain) if pain.isdigit() else None, note=str(form.get("note", "")), when=str(form.get("when", ""))
    )
    return values


def _find(svc: DiaryService, entry_id: str) -> Any:
    try:
        return svc.show(entry_id)[0]
    except (NotFound, Ambiguous):
        raise HTTPException(404, "No such diary entry.") from None


@router.post("/diary/medicine", response_class=HTMLResponse)
async def diary_medicine(request: Request) -> Response:
    return await run_in_threadpool(_log_medicine, request, await request.form())


def _log_medicine(request: Request, form: Any) -> Response:
    svc = diary_for(request)
    units = str(form.get("units", "1")).strip() or "1"
    try:
        try:
            amount = float(units)
        except ValueError:
            raise InvalidEntry(["units: give the number of tablets or doses, for example 2"]) from None
        svc.log_intake(str(form.get("product", "")), amount, **_when(form, "taken_at"))
    except InvalidEntry as exc:
        typed = {"product": str(form.get("product", "")), "units": units, "when": str(form.get("when", ""))}
        return _page(request, svc, exc.problems, typed, status=400, refused="medicine")
    return _saved("medicine")


@router.post("/diary/selfcare", response_class=HTMLResponse)
async def diary_selfcare(request: Request) -> Response:
    return await run_in_threadpool(_log_selfcare, request, await request.form())


def _log_selfcare(request: Request, form: Any) -> Response:
    svc = diary_for(request)
    minutes = str(form.get("minutes", "")).strip()
    try:
        if minutes and not minutes.isdigit():
            raise InvalidEntry(["minutes: give a whole number of minutes"])
        svc.log_action(str(form.get("action", "")), int(minutes) if minutes else None, **_when(form, "done_at"))
    except InvalidEntry as exc:
        typed = {"action": str(form.get("action", "")), "minutes": minutes, "when": str(form.get("when", ""))}
        return _page(request, svc, exc.problems, typed, status=400, refused="selfcare")
    return _saved("selfcare")


@router.post("/diary/painfree")
def diary_painfree(request: Request) -> Response:
    diary_for(request).check_in(pain_free=True)
    return _saved("painfree")


def _edit_page(
    request: Request,
    entry_id: str,
    tz: str,
    values: Any,
    when: str,
    errors: list[str],
    status: int = 200,
    version: int | None = None,
) -> HTMLResponse:
    return render(
        request,
        "diary_edit.html",
        {
            "entry": values,
            "entry_id": entry_id,
            "version": version,
            "tz": tz,
            "when": when,
            "errors": errors,
            "locations": LOCATIONS,
            "qualities": QUALITIES,
            "triggers": TRIGGERS,
            "helped_options": (*SELF_CARE_ACTIONS, "medicine", "rest"),
            "signs": [(s, sign_words(s, diary_for(request).jurisdiction)) for s in warning_signs()],
            "field_errors": _by_field(errors),
        },
        status=status,
    )


@router.get("/diary/{entry_id}/edit", response_class=HTMLResponse)
def diary_edit_form(request: Request, entry_id: str) -> HTMLResponse:
    return _edit_current(request, diary_for(request), entry_id)


def _edit_current(request: Request, svc: DiaryService, entry_id: str, errors: list[str] | None = None) -> HTMLResponse:
    """The edit form filled with the entry as saved now, carrying the version it shows."""
    try:
        entry, _, version = svc.show_versioned(entry_id)
    except (NotFound, Ambiguous):
        raise HTTPException(404, "No such diary entry.") from None
    if not isinstance(entry, Episode):
        raise HTTPException(404, "Only episodes can be edited here; delete and re-add other entries.")
    local = entry.started_at.astimezone(ZoneInfo(entry.tz)) if valid_zone(entry.tz) else entry.started_at
    when = local.strftime("%Y-%m-%dT%H:%M")
    return _edit_page(request, entry.id, entry.tz, entry, when, errors or [], 409 if errors else 200, version)


CHANGED_SINCE_OPENED = (
    "This entry changed since you opened it (in another tab or on another device), so your changes "
    "were not saved. The form now shows the entry as it is; make your changes again."
)


@router.post("/diary/{entry_id}/edit", response_class=HTMLResponse)
async def diary_edit(request: Request, entry_id: str) -> Response:
    return await run_in_threadpool(_save_edit, request, entry_id, await request.form())


def _save_edit(request: Request, entry_id: str, form: Any) -> Response:
    svc = diary_for(request)
    entry = _find(svc, entry_id)
    opened = str(form.get("version", ""))  # the version the form was loaded with
    version = int(opened) if re.fullmatch(r"[0-9]{1,9}", opened) else None
    try:
        svc.edit(entry.id, version, **_episode_fields(form))
    except Changed:
        return _edit_current(request, svc, entry.id, [CHANGED_SINCE_OPENED])
    except InvalidEntry as exc:
        when = str(form.get("when", ""))
        return _edit_page(
            request, entry.id, entry.tz, _form_values(form), when, exc.problems, 400, version
        )
    return _saved("changed")


@router.get("/diary/{entry_id}/delete", response_class=HTMLResponse)
def diary_delete_confirm(request: Request, entry_id: str) -> HTMLResponse:
    svc = diary_for(request)
    return render(request, "diary_delete.html", {"entry": _describe(_find(svc, entry_id), svc.jurisdiction)})


@router.post("/diary/{entry_id}/delete")
def diary_delete(request: Request, entry_id: str) -> Response:
    svc = diary_for(request)
    entry = _find(svc, entry_id)
    svc.delete(entry.id)
    return _saved("deleted")


@router.get("/diary/chart.svg")
def diary_chart(request: Request, range: str = "weeks") -> Response:
    from backcare.service.records import chart

    days = CHART_DAYS.get(range, CHART_DAYS["weeks"])
    return Response(
        chart(diary_for(request), "svg", days=days), media_type="image/svg+xml", headers={"cache-control": "no-store"}
    )


@router.get("/report", response_class=HTMLResponse)
def report_page(request: Request, notice: str = "") -> HTMLResponse:
    svc = diary_for(request)
    return render(request, "report.html", {"errors": [], "notice": notice, "has_check": bool(svc.saved_assessments())})


@router.api_route("/report.pdf", methods=["GET", "HEAD"])
def report_pdf(request: Request) -> Response:
    from backcare.service.records import report_pdf as build

    pdf = build(diary_for(request))
    stamp = datetime.now(UTC).strftime("%Y-%m-%d")
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"content-disposition": f'attachment; filename="backcare-report-{stamp}.pdf"'},
    )


@router.api_route("/export/{fmt}", methods=["GET", "HEAD"])
def export_file(request: Request, fmt: str) -> Response:
    from backcare.service.records import export

    if fmt not in EXPORTS:
        raise HTTPException(404, "Unknown export format.")
    media, suffix = EXPORTS[fmt]
    body = export(diary_for(request), fmt)  # type: ignore[arg-type]
    stamp = datetime.now(UTC).strftime("%Y-%m-%d")
    return Response(
        body, media_type=media, headers={"content-disposition": f'attachment; filename="backcare-{stamp}.{suffix}"'}
    )


@router.post("/import", response_class=HTMLResponse)
async def import_upload(request: Request, file: UploadFile) -> Response:
    data = await file.read(MAX_UPLOAD + 1)
    return await run_in_threadpool(_import_upload, request, file.filename, data)


def _import_upload(request: Request, filename: str | None, data: bytes) -> Response:
    from backcare.service.records import ImportError_, import_file

    svc = diary_for(request)
    if len(data) > MAX_UPLOAD:
        return render(
            request,
            "report.html",
            {"errors": [f"The file is larger than the {MAX_UPLOAD // 2**20} MB import limit."], "notice": ""},
            status=413,
        )
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "upload.json"
        path.write_bytes(data)
        try:
            counts = import_file(svc, path)
        except ImportError_ as exc:
            message = str(exc).replace(str(path), filename or "the file")
            return render(
                request, "report.html", {"errors": [message, "Nothing was imported."], "notice": ""}, status=400
            )
    notice = (
        f"Imported {counts['episodes']} episodes, {counts['medicine_intakes']} medicines "
        f"and {counts['assessments']} checks."
    )
    return RedirectResponse(f"/report?notice={notice}", status_code=303)

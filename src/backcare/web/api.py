"""REST API under /api/v1: a stateless assessment, diary CRUD, alerts, trends, report and exports.

The same service layer as the CLI. Errors are JSON ``{"error": {"status", "message", "problems"}}``
with the right 4xx status.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import asdict
from dataclasses import fields as dataclass_fields
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

import orjson
from fastapi import APIRouter, Body, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from backcare import service
from backcare.domain import Jurisdiction
from backcare.service import check
from backcare.service.diary import Ambiguous, DiaryService, NotFound, describe, products_for
from backcare.service.entries import InvalidEntry
from backcare.web.context import diary_for, web

router = APIRouter(prefix="/api/v1", tags=["backcare"])
MAX_ANSWERS = 200
"""The catalogue has about 100 questions and screens; more answers than this is not a check."""


class FastJSON(JSONResponse):
    """JSON rendered with orjson: assessment results are large (about 40 KB with the plan), and
    the standard library encoder was a third of the endpoint's time."""

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


def problem(status: int, message: str, problems: list[str] | None = None) -> JSONResponse:
    return JSONResponse({"error": {"status": status, "message": message, "problems": problems or []}}, status)


class AssessmentRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    answers: dict[str, Any] = Field(
        default_factory=dict,
        max_length=MAX_ANSWERS,
        description=(
            "question id → answer, as in `backcare questions`; a checklist (a `multi` next_question "
            'with a `checklist` key) is answered by its id with the ticked item ids, or ["none"]; '
            f"at most {MAX_ANSWERS} answers"
        ),
    )
    jurisdiction: Literal["uk", "us"] | None = None


@router.get("/questions", summary="The question catalogue")
def questions(request: Request) -> dict[str, Any]:
    catalogue = service.questions_catalogue(web(request).settings.jurisdiction)
    return {"questions": catalogue, "count": len(catalogue)}


@router.post("/assess", summary="Stateless assessment: post the answers so far, get the next question or the result")
async def assess_step(request: Request, payload: AssessmentRequest) -> Response:
    # Pure computation of well under a millisecond, no I/O: running it on the event loop avoids
    # a thread hop per request, which cost more than the assessment itself.
    jurisdiction = Jurisdiction(payload.jurisdiction) if payload.jurisdiction else web(request).settings.jurisdiction
    try:
        step = check.api_step(payload.answers, jurisdiction)
    except check.InvalidAnswers as exc:
        return problem(422, "some answers are not valid", [str(e) for e in exc.errors])
    return FastJSON(step)


def _entry_json(entry: Any, jurisdiction: Jurisdiction) -> dict[str, Any]:
    when, kind, what = describe(entry, jurisdiction)
    data = {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in asdict(entry).items()}
    if "day" in data and not isinstance(data["day"], str):
        data["day"] = data["day"].isoformat()
    return {"kind": kind, "local_time": when, "summary": what, **data}


def _alerts_json(alerts: list[Any]) -> list[dict[str, Any]]:
    return [service.to_jsonable(a) for a in alerts]


def _svc(request: Request) -> DiaryService:
    return diary_for(request)


@router.get("/diary/entries", summary="Diary entries of the last days")
def list_entries(request: Request, days: int = Query(30, ge=1, le=3660)) -> dict[str, Any]:
    entries = _svc(request).recent(days)
    return {"entries": [_entry_json(e, _country(request)) for e in entries], "count": len(entries)}


def _country(request: Request) -> Jurisdiction:
    return web(request).settings.jurisdiction


def _server_id(fields: dict[str, Any]) -> JSONResponse | None:
    """Ids are made by the server: a client's choice could collide with an entry (its own or,
    once imported, anyone's), so it is refused rather than silently replaced."""
    if "id" in fields:
        return problem(422, "the entry is not valid", ["id: chosen by the server; leave it out"])
    return None


def _logged(request: Request, logged: Any) -> JSONResponse:
    entry = _entry_json(logged.entry, _country(request))
    return JSONResponse({"entry": entry, "alerts": _alerts_json(logged.alerts)}, 201)


@router.post("/diary/episodes", status_code=201, summary="Log an episode (pain 0–10, locations, triggers…)")
def add_episode(request: Request, fields: dict[str, Any] = Body(...)) -> Response:
    if refused := _server_id(fields):
        return refused
    try:
        return _logged(request, _svc(request).log_episode(**fields))
    except InvalidEntry as exc:
        return problem(422, "the entry is not valid", exc.problems)
    except TypeError as exc:
        return problem(422, "the entry is not valid", [str(exc)])


@router.post("/diary/medicines", status_code=201, summary="Log a medicine taken (product id, units)")
def add_medicine(request: Request, fields: dict[str, Any] = Body(...)) -> Response:
    if refused := _server_id(fields):
        return refused
    product = fields.pop("product", None)
    if not isinstance(product, str):
        return problem(422, "the entry is not valid", ["product: required (see GET /api/v1/products)"])
    try:
        return _logged(request, _svc(request).log_intake(product, fields.pop("units", 1), **fields))
    except (InvalidEntry, TypeError) as exc:
        return problem(422, "the entry is not valid", exc.problems if isinstance(exc, InvalidEntry) else [str(exc)])


@router.post("/diary/actions", status_code=201, summary="Log self-care done (heat, ice, stretches, walk…)")
def add_action(request: Request, fields: dict[str, Any] = Body(...)) -> Response:
    if refused := _server_id(fields):
        return refused
    action = fields.pop("action", None)
    try:
        return _logged(request, _svc(request).log_action(str(action or ""), fields.pop("minutes", None), **fields))
    except (InvalidEntry, TypeError) as exc:
        return problem(422, "the entry is not valid", exc.problems if isinstance(exc, InvalidEntry) else [str(exc)])


@router.get("/diary/entries/{entry_id}", summary="One entry and its edit history")
def get_entry(request: Request, entry_id: str) -> Response:
    try:
        entry, trail = _svc(request).show(entry_id)
    except (NotFound, Ambiguous):
        return problem(404, "no such diary entry")
    return JSONResponse({"entry": _entry_json(entry, _country(request)), "history": trail})


@router.patch("/diary/entries/{entry_id}", summary="Change an entry (kept in the audit trail)")
def edit_entry(request: Request, entry_id: str, changes: dict[str, Any] = Body(...)) -> Response:
    svc = _svc(request)
    try:
        entry, _ = svc.show(entry_id)
        editable = {f.name for f in dataclass_fields(entry)} - {"id"}
        unknown = [k for k in changes if k not in editable]
        if unknown:
            return problem(
                422,
                "the change is not valid",
                [f"{k}: {'cannot be changed' if k == 'id' else 'is not a field of this entry'}" for k in unknown]
                + [f"fields that can be changed: {', '.join(sorted(editable))}"],
            )
        logged = svc.edit(entry.id, **changes)
    except (NotFound, Ambiguous):
        return problem(404, "no such diary entry")
    except InvalidEntry as exc:
        return problem(422, "the change is not valid", exc.problems)
    except (TypeError, ValueError) as exc:  # a value of the wrong shape, e.g. "contains": 5
        return problem(422, "the change is not valid", [str(exc)])
    return JSONResponse({"entry": _entry_json(logged.entry, _country(request)), "alerts": _alerts_json(logged.alerts)})


@router.delete("/diary/entries/{entry_id}", status_code=204, summary="Delete an entry for good")
def delete_entry(request: Request, entry_id: str) -> Response:
    try:
        _svc(request).delete(entry_id)
    except (NotFound, Ambiguous):
        return problem(404, "no such diary entry")
    return Response(status_code=204)


@router.get("/diary/alerts", summary="What the diary pattern means now (re-triage)")
def alerts(request: Request) -> dict[str, Any]:
    return {"alerts": _alerts_json(_svc(request).alerts())}


@router.get("/trends", summary="Weekly and monthly summaries and the daily pain series")
def trends(
    request: Request, weeks: int = Query(8, ge=1, le=104), months: int = Query(6, ge=1, le=36)
) -> dict[str, Any]:
    svc = _svc(request)
    data = svc.trends(weeks, months)
    return {
        "weeks": [service.to_jsonable(p) | {"start": p.start.isoformat()} for p in data["weeks"]],
        "months": [service.to_jsonable(p) | {"start": p.start.isoformat()} for p in data["months"]],
        "daily": [
            {"day": d, "max": mx, "mean": round(avg, 2), "entries": n}
            for d, mx, avg, n in svc.daily_pain(max(weeks * 7, months * 31))
        ],
    }


@router.get("/products", summary="Medicine products that can be logged")
def products(request: Request) -> dict[str, Any]:
    jurisdiction = web(request).settings.jurisdiction
    return {"products": products_for(jurisdiction)}


@router.get("/report", summary="The doctor report as PDF", response_class=Response)
def report(request: Request) -> Response:
    from backcare.service.records import report_pdf

    return Response(report_pdf(_svc(request)), media_type="application/pdf")


@router.get("/export", summary="All data as json, csv, fhir or fhir-r4")
def export(request: Request, format: Literal["json", "csv", "fhir", "fhir-r4"] = "json") -> Response:
    from backcare.service.records import export as build

    media = {"json": "application/json", "csv": "text/csv; charset=utf-8"}.get(format, "application/fhir+json")
    return Response(build(_svc(request), format), media_type=media)


@router.post("/import", summary="Import a JSON export: everything or nothing")
def import_export(request: Request, document: dict[str, Any] = Body(...)) -> Response:
    from backcare.service.records import ImportError_, import_file

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "import.json"
        path.write_text(json.dumps(document))
        try:
            counts = import_file(_svc(request), path)
        except ImportError_ as exc:
            return problem(422, "nothing was imported", [str(exc).replace(str(path), "body")])
    return JSONResponse({"imported": counts}, 201)

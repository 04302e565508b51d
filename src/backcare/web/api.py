"""REST API under /api/v1: a stateless assessment, diary CRUD, alerts, trends, report and exports.

The same service layer as the CLI. Errors are JSON ``{"error": {"status", "message", "problems"}}``
with the right 4xx status. Bodies are pydantic models (``web.api_models``), so /openapi.json
documents every request, status and media type.

Concurrent edits: ``GET /diary/entries/{id}`` (and every write) returns the entry's ``ETag``.
``PATCH`` and ``DELETE`` honour ``If-Match``: if the entry changed since that version, nothing is
written and the answer is 412. ``If-Match`` is optional: a PATCH without it is a field-by-field
merge applied to the entry as it is when written (a change that lands in between is kept, not
overwritten from an older copy), which suits a client that does not keep entries around.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable, Coroutine
from dataclasses import asdict
from dataclasses import fields as dataclass_fields
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

import orjson
from fastapi import APIRouter, Header, Query, Request
from fastapi import Path as PathParam
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict, Field

from backcare import service
from backcare.domain import Jurisdiction
from backcare.service import check
from backcare.service.diary import Ambiguous, Changed, DiaryService, NotFound, describe, products_for
from backcare.service.entries import InvalidEntry, plain
from backcare.web import api_models as m
from backcare.web.context import diary_for, web

MAX_ANSWERS = 200
"""The catalogue has about 100 questions and screens; more answers than this is not a check."""


def problem(status: int, message: str, problems: list[str] | None = None) -> JSONResponse:
    return JSONResponse({"error": {"status": status, "message": message, "problems": problems or []}}, status)


ONE_OF = re.compile(r"^Input should be (('[^']*'(, | or )?)+)$")


def _said_plainly(exc: RequestValidationError, method: str) -> list[str]:
    out = []
    for e in exc.errors():
        where = [str(p) for p in e["loc"]]
        part = where[0] if where else ""
        name = ".".join(where[1:]) if part in ("body", "query", "path", "header") else ".".join(where)
        message = plain(str(e["msg"]))
        if choices := ONE_OF.match(message):
            message = "must be one of " + choices.group(1).replace(" or ", ", ")
        if e["type"] == "extra_forbidden" and part == "body" and len(where) == 2:
            message = EXTRA.get((method, name == "id"), message)
        if part in ("query", "path", "header"):
            name = f"{name} ({part})"
        out.append(f"{name}: {message}" if name else message)
    return out


# Ids are made by the server: a client's choice could collide with an entry (its own or, once
# imported, anyone's), so it is refused rather than silently replaced.
EXTRA = {
    ("POST", True): "chosen by the server; leave it out",
    ("PATCH", True): "cannot be changed",
    ("PATCH", False): "is not a field of this entry",
}


class PlainErrors(APIRoute):
    """The API's 422s in the API's error shape and plain words (the app's own handler serves the
    pages)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            try:
                return await handler(request)
            except RequestValidationError as exc:
                return problem(422, "the request is not valid", _said_plainly(exc, request.method))

        return route


router = APIRouter(
    prefix="/api/v1", tags=["backcare"], route_class=PlainErrors, responses=m.errors(400, 401, 403, 413, 422)
)


class FastJSON(JSONResponse):
    """JSON rendered with orjson: assessment results are large (about 40 KB with the plan), and
    the standard library encoder was a third of the endpoint's time."""

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


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


@router.get("/questions", summary="The question catalogue", response_model=m.QuestionList)
def questions(request: Request) -> dict[str, Any]:
    catalogue = service.questions_catalogue(web(request).settings.jurisdiction)
    return {"questions": catalogue, "count": len(catalogue)}


@router.post(
    "/assess",
    summary="Stateless assessment: post the answers so far, get the next question or the result",
    response_model=m.AssessmentStep,
)
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


def etag(entry_id: str, version: int) -> str:
    return f'"{entry_id}.{version}"'


STRONG_TAG = re.compile(r'^"([0-9a-f-]{36})\.([0-9]{1,9})"$')
NEVER = 0
"""A version no entry has (they start at 1): an If-Match that names no version of this entry."""


def _version_wanted(if_match: str | None, entry_id: str) -> int | None:
    """The version an If-Match header asks for: None for no header or ``*`` (any version), or
    ``NEVER`` when it names no version of this entry (weak tags never match, RFC 9110 §13.1.1)."""
    if if_match is None:
        return None
    tags = [t.strip() for t in if_match.split(",")]
    if "*" in tags:
        return None
    versions = [int(g[2]) for t in tags if (g := STRONG_TAG.match(t)) and g[1] == entry_id]
    return versions[0] if versions else NEVER


IF_MATCH = Header(
    None,
    alias="If-Match",
    max_length=1000,
    description="the ETag of the version you read; if the entry has changed since, nothing is written (412)",
)
ENTRY_ID = PathParam(description="the entry's id, or a unique prefix of at least 4 characters")
ETAG_HEADER = {"ETag": {"description": "the entry's version, for If-Match", "schema": {"type": "string"}}}


@router.get("/diary/entries", summary="Diary entries of the last days", response_model=m.EntryList)
def list_entries(request: Request, days: int = Query(30, ge=1, le=3660)) -> dict[str, Any]:
    entries = _svc(request).recent(days)
    return {"entries": [_entry_json(e, _country(request)) for e in entries], "count": len(entries)}


def _country(request: Request) -> Jurisdiction:
    return web(request).settings.jurisdiction


def _logged(request: Request, logged: Any, status: int = 201) -> JSONResponse:
    entry = _entry_json(logged.entry, _country(request))
    return JSONResponse(
        {"entry": entry, "alerts": _alerts_json(logged.alerts)},
        status,
        headers={"ETag": etag(logged.entry.id, logged.version)},
    )


def _given(body: BaseModel) -> dict[str, Any]:
    """The fields the client sent (a null means "not given"; the service fills the defaults)."""
    return {k: v for k, v in body.model_dump(exclude_unset=True).items() if v is not None}


LOGGED: dict[int | str, dict[str, Any]] = {201: {"model": m.LoggedOut, "description": "Saved", "headers": ETAG_HEADER}}


@router.post(
    "/diary/episodes",
    status_code=201,
    summary="Log an episode (pain 0–10, locations, triggers…)",
    response_model=m.LoggedOut,
    responses=LOGGED,
)
def add_episode(request: Request, body: m.EpisodeCreate) -> Response:
    try:
        return _logged(request, _svc(request).log_episode(**_given(body)))
    except InvalidEntry as exc:
        return problem(422, "the entry is not valid", exc.problems)


@router.post(
    "/diary/medicines",
    status_code=201,
    summary="Log a medicine taken (product id, units)",
    response_model=m.LoggedOut,
    responses=LOGGED,
)
def add_medicine(request: Request, body: m.MedicineCreate) -> Response:
    fields = _given(body)
    if body.contains is not None:
        fields["contains"] = body.contains
    try:
        return _logged(request, _svc(request).log_intake(fields.pop("product"), fields.pop("units", 1), **fields))
    except InvalidEntry as exc:
        return problem(422, "the entry is not valid", exc.problems)


@router.post(
    "/diary/actions",
    status_code=201,
    summary="Log self-care done (heat, ice, stretches, walk…)",
    response_model=m.LoggedOut,
    responses=LOGGED,
)
def add_action(request: Request, body: m.ActionCreate) -> Response:
    fields = _given(body)
    try:
        return _logged(request, _svc(request).log_action(fields.pop("action"), fields.pop("minutes", None), **fields))
    except InvalidEntry as exc:
        return problem(422, "the entry is not valid", exc.problems)


@router.get(
    "/diary/entries/{entry_id}",
    summary="One entry and its edit history",
    response_model=m.EntryShown,
    responses={200: {"headers": ETAG_HEADER}, **m.errors(404)},
)
def get_entry(request: Request, entry_id: str = ENTRY_ID) -> Response:
    try:
        entry, trail, version = _svc(request).show_versioned(entry_id)
    except (NotFound, Ambiguous):
        return problem(404, "no such diary entry")
    return JSONResponse(
        {"entry": _entry_json(entry, _country(request)), "history": trail}, headers={"ETag": etag(entry.id, version)}
    )


CHANGED = "the entry has changed since you read it; nothing was saved (GET it again for the new ETag)"


@router.patch(
    "/diary/entries/{entry_id}",
    summary="Change an entry (kept in the audit trail)",
    response_model=m.LoggedOut,
    responses={200: {"headers": ETAG_HEADER}, **m.errors(404, 412)},
)
def edit_entry(
    request: Request, changes: m.EntryChanges, entry_id: str = ENTRY_ID, if_match: str | None = IF_MATCH
) -> Response:
    """Send only the fields to change. With `If-Match` (the ETag from GET or from the last write)
    the change is saved only if the entry is still at that version, else 412 and nothing is
    written. Without it, the fields are merged into the entry as it is when written, so another
    client's change to other fields is kept."""
    svc = _svc(request)
    given = changes.model_dump(exclude_unset=True)
    try:
        entry, _ = svc.show(entry_id)
        editable = {f.name for f in dataclass_fields(entry)} - {"id"}
        unknown = [k for k in given if k not in editable]
        if unknown:
            return problem(
                422,
                "the change is not valid",
                [f"{k}: is not a field of this entry" for k in unknown]
                + [f"fields that can be changed: {', '.join(sorted(editable))}"],
            )
        logged = svc.edit(entry.id, _version_wanted(if_match, entry.id), **given)
    except (NotFound, Ambiguous):
        return problem(404, "no such diary entry")
    except Changed:
        return problem(412, CHANGED)
    except InvalidEntry as exc:
        return problem(422, "the change is not valid", exc.problems)
    return _logged(request, logged, 200)


@router.delete(
    "/diary/entries/{entry_id}",
    status_code=204,
    summary="Delete an entry for good",
    response_class=Response,
    responses=m.errors(404, 412),
)
def delete_entry(request: Request, entry_id: str = ENTRY_ID, if_match: str | None = IF_MATCH) -> Response:
    """With `If-Match`, only if the entry has not changed since that version (else 412)."""
    svc = _svc(request)
    try:
        entry, _ = svc.show(entry_id)
        wanted = _version_wanted(if_match, entry.id)
        svc.delete(entry.id, wanted)
    except (NotFound, Ambiguous):
        return problem(404, "no such diary entry")
    except Changed:
        if wanted is None:  # deleted by someone else in between: it is gone either way
            return problem(404, "no such diary entry")
        return problem(412, CHANGED)
    return Response(status_code=204)


@router.get("/diary/alerts", summary="What the diary pattern means now (re-triage)", response_model=m.AlertList)
def alerts(request: Request) -> dict[str, Any]:
    return {"alerts": _alerts_json(_svc(request).alerts())}


@router.get("/trends", summary="Weekly and monthly summaries and the daily pain series", response_model=m.TrendsOut)
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


@router.get("/products", summary="Medicine products that can be logged", response_model=m.ProductList)
def products(request: Request) -> dict[str, Any]:
    jurisdiction = web(request).settings.jurisdiction
    return {"products": products_for(jurisdiction)}


ANY_JSON: dict[str, Any] = {"schema": {"type": "object"}}


@router.get(
    "/report",
    summary="The doctor report as PDF",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}}},
)
def report(request: Request) -> Response:
    from backcare.service.records import report_pdf

    return Response(report_pdf(_svc(request)), media_type="application/pdf")


EXPORT_MEDIA = {"json": "application/json", "csv": "text/csv; charset=utf-8"}


@router.get(
    "/export",
    summary="All data as json, csv, fhir or fhir-r4",
    response_class=Response,
    responses={
        200: {
            "description": "JSON export (importable), CSV, or a FHIR R4 Bundle",
            "content": {
                "application/json": ANY_JSON,
                "text/csv": {"schema": {"type": "string"}},
                "application/fhir+json": ANY_JSON,
            },
        }
    },
)
def export(request: Request, format: Literal["json", "csv", "fhir", "fhir-r4"] = "json") -> Response:
    from backcare.service.records import export as build

    return Response(build(_svc(request), format), media_type=EXPORT_MEDIA.get(format, "application/fhir+json"))


@router.post(
    "/import",
    status_code=201,
    summary="Import a JSON export: everything or nothing",
    response_model=m.Imported,
)
def import_export(request: Request, document: m.ImportDocument) -> Response:
    from backcare.service.records import ImportError_, import_file

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "import.json"
        path.write_text(document.model_dump_json(exclude_unset=True))
        try:
            counts = import_file(_svc(request), path)
        except ImportError_ as exc:
            return problem(422, "nothing was imported", [str(exc).replace(str(path), "body")])
    return JSONResponse({"imported": counts}, 201)

"""The REST API's request and response bodies, as pydantic models, so /openapi.json documents
every body, status and media type and clients (and the fuzzer) can be generated from it.

Request models forbid unknown keys and carry the limits a client can know up front (pain 0–10,
the word lists); rules that need the clock, the time zone database or the knowledge base (a time
in the future, a known time zone, a warning sign) stay in ``service.entries``, the one place the
CLI, the pages and the API share, and come back as 422 with the same words.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from backcare.domain import LOCATIONS, QUALITIES, SELF_CARE_ACTIONS, TRIGGERS

# The word lists as enums in the schema; mypy sees a plain str (they are runtime tuples).
Location = Literal[LOCATIONS]  # type: ignore[valid-type]
Quality = Literal[QUALITIES]  # type: ignore[valid-type]
Trigger = Literal[TRIGGERS]  # type: ignore[valid-type]
Action = Literal[SELF_CARE_ACTIONS]  # type: ignore[valid-type]
Helped = Literal[(*SELF_CARE_ACTIONS, "medicine", "rest", "nothing")]  # type: ignore[valid-type]
Ingredient = Literal["paracetamol", "ibuprofen", "naproxen", "aspirin", "codeine"]

Note = Annotated[str, Field(max_length=5000, description="free text, at most 5000 characters")]
Zone = Annotated[str, Field(max_length=64, description="IANA time zone, e.g. Europe/London; default: the server's")]
Pain = Annotated[int, Field(ge=0, le=10, description="0 (none) to 10 (worst imaginable)")]
Units = Annotated[float, Field(gt=0, le=20, allow_inf_nan=False, description="tablets or doses")]
Minutes = Annotated[int, Field(ge=1, le=24 * 60)]
Milligrams = Annotated[float, Field(gt=0, le=2000, allow_inf_nan=False)]
Moment = Annotated[datetime, Field(description="ISO 8601 with a time zone offset; not in the future")]


class Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class EpisodeCreate(Request):
    """An episode of pain. ``started_at`` defaults to now."""

    pain: Pain
    started_at: Moment | None = None
    ended_at: Moment | None = None
    locations: list[Location] = Field(default=[], max_length=len(LOCATIONS))
    qualities: list[Quality] = Field(default=[], max_length=len(QUALITIES))
    triggers: list[Trigger] = Field(default=[], max_length=len(TRIGGERS))
    helped: list[Helped] = Field(default=[], max_length=len(SELF_CARE_ACTIONS) + 3)
    red_flags: list[Annotated[str, Field(max_length=80)]] = Field(
        default=[], max_length=50, description="warning-sign question ids (see GET /api/v1/questions)"
    )
    note: Note = ""
    tz: Zone | None = None


class MedicineCreate(Request):
    """A medicine taken. ``product`` is an id from GET /api/v1/products, or any name together with
    ``contains`` (mg per unit of each ingredient; ``{}`` for none of them)."""

    product: str = Field(min_length=1, max_length=120)
    units: Units = 1
    taken_at: Moment | None = None
    contains: dict[Ingredient, Milligrams] | None = None
    note: Note = ""
    tz: Zone | None = None


class ActionCreate(Request):
    """Self-care done (heat, ice, stretches, a walk…)."""

    action: Action
    minutes: Minutes | None = None
    done_at: Moment | None = None
    note: Note = ""
    tz: Zone | None = None


class EntryChanges(Request):
    """The fields to change; only those of the entry's kind (an episode has ``pain`` and
    ``started_at``, a medicine ``product`` and ``taken_at``…). Unknown keys are refused."""

    pain: Pain | None = None
    started_at: Moment | None = None
    ended_at: Moment | None = None
    locations: list[Location] | None = Field(default=None, max_length=len(LOCATIONS))
    qualities: list[Quality] | None = Field(default=None, max_length=len(QUALITIES))
    triggers: list[Trigger] | None = Field(default=None, max_length=len(TRIGGERS))
    helped: list[Helped] | None = Field(default=None, max_length=len(SELF_CARE_ACTIONS) + 3)
    red_flags: list[Annotated[str, Field(max_length=80)]] | None = Field(default=None, max_length=50)
    note: Note | None = None
    tz: Zone | None = None
    product: str | None = Field(default=None, min_length=1, max_length=120)
    units: Units | None = None
    taken_at: Moment | None = None
    contains: dict[Ingredient, Milligrams] | None = None
    action: Action | None = None
    minutes: Minutes | None = None
    done_at: Moment | None = None
    day: date | None = None
    pain_free: bool | None = None


class ImportDocument(BaseModel):
    """A JSON export (GET /api/v1/export?format=json), imported whole or not at all. Sections are
    checked item by item by the importer, which names every problem."""

    model_config = ConfigDict(extra="forbid")
    format: Literal["backcare-diary"]
    version: Literal[1]
    exported_at: datetime
    knowledge_version: str = Field(max_length=40)
    episodes: list[dict[str, Any]] = []
    medicine_intakes: list[dict[str, Any]] = []
    self_care_actions: list[dict[str, Any]] = []
    checkins: list[dict[str, Any]] = []
    assessments: list[dict[str, Any]] = []
    audit: list[dict[str, Any]] = []


# --- responses ---------------------------------------------------------------------------------


class Problem(BaseModel):
    status: int
    message: str
    problems: list[str] = []


class ErrorBody(BaseModel):
    """Every 4xx answer of the API."""

    error: Problem


class EntryOut(BaseModel):
    """An entry: ``kind``, when (local time) and a one-line summary, then its own fields."""

    model_config = ConfigDict(extra="allow")
    id: str
    kind: str
    local_time: str
    summary: str


class LoggedOut(BaseModel):
    entry: EntryOut
    alerts: list[dict[str, Any]] = Field(description="what the diary means now, if this entry changed it")


class HistoryItem(BaseModel):
    changed_at: str
    before: dict[str, Any]
    after: dict[str, Any]


class EntryShown(BaseModel):
    entry: EntryOut
    history: list[HistoryItem]


class EntryList(BaseModel):
    entries: list[EntryOut]
    count: int


class AlertList(BaseModel):
    alerts: list[dict[str, Any]]


class DailyPain(BaseModel):
    day: str
    max: int
    mean: float
    entries: int


class TrendsOut(BaseModel):
    weeks: list[dict[str, Any]]
    months: list[dict[str, Any]]
    daily: list[DailyPain]


class Product(BaseModel):
    id: str
    name: str
    contains: dict[str, float]


class ProductList(BaseModel):
    products: list[Product]


class QuestionList(BaseModel):
    questions: list[dict[str, Any]]
    count: int


class Progress(BaseModel):
    screen: int
    percent: int


class AssessmentStep(BaseModel):
    next_question: dict[str, Any] | None
    plan_questions: list[dict[str, Any]]
    progress: Progress
    finished: bool
    result: dict[str, Any]


class Imported(BaseModel):
    imported: dict[str, int]


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses=`` for these statuses, each with the error body."""
    return {status: {"model": ErrorBody, "description": DESCRIBED[status]} for status in statuses}


DESCRIBED = {
    400: "The request could not be read",
    401: "Server mode: sign in first (POST /account/login); the session cookie authenticates",
    403: (
        "Refused: a cross-site request (by Sec-Fetch-Site or Origin), "
        "or a request with cookies that sends neither header"
    ),
    404: "No such diary entry (for this person)",
    412: "If-Match did not match: the entry changed since you read it; GET it again",
    413: "The request body is too large",
    422: "The request is not valid; `problems` names each field that is wrong",
}

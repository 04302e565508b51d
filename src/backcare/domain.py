"""Plain value types shared by every layer.

Nothing here imports a framework or touches the outside world: these are the words the engine,
the store and the shells use to talk to each other.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import Enum
from typing import Final, TypeAlias

# Re-exported: the diary vocabulary lives in a module of its own so the CLI can start fast.
from backcare.vocabulary import LOCATIONS as LOCATIONS
from backcare.vocabulary import QUALITIES as QUALITIES
from backcare.vocabulary import SELF_CARE_ACTIONS as SELF_CARE_ACTIONS
from backcare.vocabulary import TRIGGERS as TRIGGERS


class Urgency(str, Enum):
    """How soon the person should get help, from least to most urgent."""

    SELF_CARE = "self_care"
    SOON = "soon"
    SAME_DAY = "same_day"
    EMERGENCY_NOW = "emergency_now"

    @property
    def rank(self) -> int:
        return _URGENCY_RANK[self]

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Urgency):
            return NotImplemented
        return self.rank < other.rank

    def __le__(self, other: object) -> bool:
        if not isinstance(other, Urgency):
            return NotImplemented
        return self.rank <= other.rank

    def __gt__(self, other: object) -> bool:
        if not isinstance(other, Urgency):
            return NotImplemented
        return self.rank > other.rank

    def __ge__(self, other: object) -> bool:
        if not isinstance(other, Urgency):
            return NotImplemented
        return self.rank >= other.rank


_URGENCY_RANK: Final[dict[Urgency, int]] = {u: i for i, u in enumerate(Urgency)}
URGENCY_ORDER: Final[tuple[Urgency, ...]] = tuple(Urgency)


class Jurisdiction(str, Enum):
    """Whose medicine labels and emergency numbers apply."""

    UK = "uk"
    US = "us"


EMERGENCY_NUMBER: Final[dict[Jurisdiction, str]] = {Jurisdiction.UK: "999", Jurisdiction.US: "911"}

# Patient-facing knowledge text names services and medicines through these placeholders, so one
# sentence reads right in each country ("see a {gp}" → "see a GP" / "see a primary care
# provider"). The lint refuses raw country words in shared text.
TERMS: Final[dict[str, dict[Jurisdiction, str]]] = {
    "emergency_number": {Jurisdiction.UK: "999", Jurisdiction.US: "911"},
    "ae": {Jurisdiction.UK: "A&E", Jurisdiction.US: "the emergency room"},
    "gp": {Jurisdiction.UK: "GP", Jurisdiction.US: "primary care provider"},
    "gp_practice": {Jurisdiction.UK: "GP practice", Jurisdiction.US: "primary care provider's office"},
    "urgent_line": {Jurisdiction.UK: "NHS 111", Jurisdiction.US: "your doctor's same-day line or urgent care"},
    "gp_or_urgent_line": {
        Jurisdiction.UK: "your GP practice or NHS 111",
        Jurisdiction.US: "your primary care provider or urgent care",
    },
    "urgent_centre": {Jurisdiction.UK: "an urgent treatment centre", Jurisdiction.US: "urgent care"},
    "paracetamol": {Jurisdiction.UK: "paracetamol", Jurisdiction.US: "acetaminophen"},
    "Paracetamol": {Jurisdiction.UK: "Paracetamol", Jurisdiction.US: "Acetaminophen"},
    "co_codamol": {Jurisdiction.UK: "co-codamol", Jurisdiction.US: "acetaminophen with codeine"},
    "Co_codamol": {Jurisdiction.UK: "Co-codamol", Jurisdiction.US: "Acetaminophen with codeine"},
    "physio": {Jurisdiction.UK: "physiotherapist", Jurisdiction.US: "physical therapist"},
    "physiotherapy": {Jurisdiction.UK: "physiotherapy", Jurisdiction.US: "physical therapy"},
    "Physiotherapy": {Jurisdiction.UK: "Physiotherapy", Jurisdiction.US: "Physical therapy"},
    "maternity_unit": {Jurisdiction.UK: "maternity unit", Jurisdiction.US: "labor and delivery unit"},
    "poisons_line": {Jurisdiction.UK: "NHS 111", Jurisdiction.US: "Poison Control (1-800-222-1222)"},
}

_TERM = re.compile(r"\{([A-Za-z_]+)\}")


def localize(text: str, jurisdiction: Jurisdiction) -> str:
    """Shared text in one country's words: every ``{term}`` replaced (unknown names are left for
    the lint to report, never silently dropped)."""
    if "{" not in text:
        return text
    return _TERM.sub(lambda m: TERMS[m.group(1)][jurisdiction] if m.group(1) in TERMS else m.group(0), text)


DONT_KNOW: Final = "dont_know"
"""The answer a person can always give to any question."""

AnswerValue: TypeAlias = str | int | float | tuple[str, ...]
"""One answer: an option id (``"yes"``, ``"no"``, ``"dont_know"``, a choice), a number, or a
tuple of option ids for multiple-choice questions."""

Answers: TypeAlias = dict[str, AnswerValue]


class Status(str, Enum):
    COMPLETE = "complete"
    INCOMPLETE = "incomplete"


@dataclass(frozen=True, slots=True)
class Citation:
    source_id: str
    title: str
    url: str
    """The publisher's page where known, else the copy that was read."""
    locator: str = ""
    read_copy: str = ""
    """Where the fact was actually read, when that differs from ``url`` (a mirror or reproduction)."""


@dataclass(frozen=True, slots=True)
class Reason:
    """One rule that fired: why the urgency is what it is."""

    rule_id: str
    title: str
    urgency: Urgency
    advice: str
    answers: tuple[tuple[str, AnswerValue], ...]
    citations: tuple[Citation, ...]


@dataclass(frozen=True, slots=True)
class PossibleCause:
    id: str
    name: str
    summary: str
    strength: str
    """``likely`` when the answers fit the pattern well, ``possible`` when they only fit in part."""
    why: tuple[str, ...]
    icd10cm: tuple[str, ...]
    icd10_who: tuple[str, ...]
    snomed: str | None = None


@dataclass(frozen=True, slots=True)
class PlanItem:
    id: str
    section: str
    title: str
    text: str
    steps: tuple[str, ...] = ()
    cautions: tuple[str, ...] = ()
    citations: tuple[Citation, ...] = ()
    timer_minutes: int | None = None
    timer_max_minutes: int | None = None
    """Only for heat and cold: the session length and its ceiling."""


@dataclass(frozen=True, slots=True)
class MedicineOption:
    product_id: str
    name: str
    offered: bool
    """False when the safety screen blocked it; ``blocked_because`` then says why."""
    directions: str
    max_daily: str
    stop_and_ask: tuple[str, ...]
    blocked_because: tuple[str, ...]
    citations: tuple[Citation, ...]


@dataclass(frozen=True, slots=True)
class Plan:
    items: tuple[PlanItem, ...]
    medicines: tuple[MedicineOption, ...]
    medicine_note: str
    safety_net: tuple[PlanItem, ...]
    """Groups of exact symptoms, each under its own instruction ("call now", "a doctor today")."""
    emergency_number: str


@dataclass(frozen=True, slots=True)
class Result:
    status: Status
    urgency: Urgency
    out_of_scope: bool
    reasons: tuple[Reason, ...]
    possible_causes: tuple[PossibleCause, ...]
    plan: Plan | None
    missing: tuple[str, ...]
    knowledge_version: str
    jurisdiction: Jurisdiction
    headline: str
    notes: tuple[str, ...] = field(default=())
    unsure: tuple[str, ...] = field(default=())
    plan_missing: tuple[str, ...] = field(default=())
    """Questions asked after the result that tailor the plan (medicines, everyday life), not yet
    answered: they cannot change the urgency."""
    """Questions answered "don't know" that raised nothing: shown as things to ask a clinician about."""


# --- diary ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Episode:
    """A logged spell of pain or spasm. Times are timezone-aware; ``tz`` is where it was logged."""

    id: str
    started_at: datetime
    tz: str
    pain: int
    ended_at: datetime | None = None
    locations: tuple[str, ...] = ()
    qualities: tuple[str, ...] = ()
    triggers: tuple[str, ...] = ()
    helped: tuple[str, ...] = ()
    red_flags: tuple[str, ...] = ()
    """Question ids of warning signs logged with this episode (re-run the triage)."""
    note: str = ""


@dataclass(frozen=True, slots=True)
class MedicineIntake:
    id: str
    taken_at: datetime
    tz: str
    product: str
    """A product id from the knowledge base, or free text for anything else."""
    units: float
    contains: tuple[tuple[str, float], ...] = ()
    """mg of each ingredient per unit, copied from the product when it was logged."""
    note: str = ""


@dataclass(frozen=True, slots=True)
class SelfCareAction:
    id: str
    done_at: datetime
    tz: str
    action: str
    minutes: int | None = None
    note: str = ""


@dataclass(frozen=True, slots=True)
class CheckIn:
    """A daily check-in; ``pain`` 0 with ``pain_free`` means "no pain today"."""

    id: str
    day: date
    pain_free: bool
    pain: int | None = None
    note: str = ""


@dataclass(frozen=True, slots=True)
class DiaryAlert:
    rule_id: str
    title: str
    urgency: Urgency
    advice: str
    entry_ids: tuple[str, ...]
    """The entries that triggered the alert."""
    detail: str
    citations: tuple[Citation, ...]
    window: tuple[str, ...] = ()
    """Medicine alerts: when the first and the last of its entries were taken (ISO 8601)."""
    signs: tuple[str, ...] = ()
    """Warning-sign alerts: the question ids of the signs logged, for the shells to put in words."""
    places: tuple[str, ...] = ()
    """Warning-sign alerts: where-it-hurts locations treated as a sign (saddle area, both legs)."""
    meaning: str = ""
    """Warning-sign alerts: the headline of the check re-run with them."""

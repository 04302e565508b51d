"""The shape of every knowledge file, checked by pydantic (layer one of validation).

Meaning (ids resolve, levels reachable, citations exist) is checked by ``lint``; this module only
says what a well-formed file looks like. No I/O here.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, model_validator

from backcare.domain import Jurisdiction, Urgency, localize

Id = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=64)]
SourceId = Annotated[str, Field(pattern=r"^[A-Z0-9][A-Z0-9-]*$", max_length=40)]
Verification = Literal["V", "V2", "R"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --- conditions -------------------------------------------------------------------------------


class Is(Strict):
    q: Id
    is_: Annotated[str | int | bool, Field(alias="is")]


class In(Strict):
    q: Id
    in_: Annotated[list[str], Field(alias="in", min_length=1)]


class AtLeast(Strict):
    q: Id
    at_least: float


class Below(Strict):
    q: Id
    below: float


class Answered(Strict):
    """True when the question has any answer (used only to gate follow-up questions)."""

    answered: Id


class Unsure(Strict):
    """True when the person answered "don't know" to the question (used to gate questions)."""

    unsure: Id


class All(Strict):
    all: Annotated[list[Condition], Field(min_length=1)]


class Any_(Strict):
    any: Annotated[list[Condition], Field(min_length=1)]


class CountOf(Strict):
    """True when at least ``n`` of the listed conditions hold (combinations of weaker flags)."""

    at_least_n: int = Field(ge=1)
    of: Annotated[list[Condition], Field(min_length=2)]


class Not(Strict):
    """Only allowed outside triage rules: a negation could let a "yes" lower the urgency."""

    not_: Annotated[Condition, Field(alias="not")]


Condition = Union[Is, In, AtLeast, Below, Answered, Unsure, All, Any_, CountOf, Not]  # noqa: UP007
All.model_rebuild()
Any_.model_rebuild()
CountOf.model_rebuild()
Not.model_rebuild()


# --- bibliography and citations ---------------------------------------------------------------


class Source(Strict):
    id: SourceId
    title: str = Field(min_length=3)
    url: str = Field(pattern=r"^https?://")
    """The copy that was read when the fact was checked (may be a mirror or reproduction)."""
    canonical_url: str | None = Field(default=None, pattern=r"^https://")
    """The publisher's own page, shown to people instead of a mirror; not itself read."""
    kind: Literal[
        "guideline",
        "systematic_review",
        "trial",
        "cohort",
        "label",
        "patient_information",
        "pathway",
        "framework",
        "textbook",
        "coding",
        "secondary",
    ]
    year: int | None = Field(default=None, ge=1950, le=2100)
    verification: Verification
    publisher: str = ""
    reviewed: dt.date | None = None
    excerpts: list[str] = []
    """Verbatim passages read in the copy at ``url``: a citation's locator that quotes this source
    must be found in one of them (checked by the lint)."""
    supports: list[str] = []
    read_as: str = ""
    """What the copy actually read called itself, when it was a reproduction: kept for the
    record, never shown to people (they see ``title``, the document's own name)."""
    note: str = ""


class CitationRef(Strict):
    source: SourceId
    locator: str = Field(min_length=2, description="Where in the source: section, table, line.")


# --- questions --------------------------------------------------------------------------------


class Option(Strict):
    id: Id
    label: str = Field(min_length=1)


class IfUnsure(Strict):
    """What a "don't know" counts as, and the cited reason: declared, never implied.

    ``means`` is "yes" for a yes/no question, one or more option ids for a choice or multi
    question (all of them count), and a number for a number question.
    """

    means: str | float | list[str]
    because: str = Field(min_length=20)
    cite: CitationRef


class Question(Strict):
    id: Id
    section: Literal[
        "start",
        "emergency",
        "nerves",
        "pain",
        "red_flags",
        "history",
        "inflammatory",
        "organs",
        "other",
        "medicines",
        "wellbeing",
        "habits",
    ]
    order: int = Field(ge=0)
    text: str = Field(min_length=5)
    help: str = ""
    kind: Literal["yes_no", "choice", "multi", "number"]
    options: list[Option] = []
    min: float | None = None
    max: float | None = None
    unit: str = ""
    emergency: bool = False
    """Asked before everything else; the interview can stop on it."""
    if_unsure: IfUnsure | None = None
    """What a "don't know" counts as. Without it, "don't know" is recorded and shown as something
    to ask a clinician about, and raises nothing."""
    assume_if_unanswered: str | None = None
    """For follow-ups to a red flag: assume the worrying answer until the person says otherwise."""
    ask_if: Condition | None = None
    exclusive: list[Id] = []
    """For multi questions: options that cannot be combined with others (``none``)."""

    @model_validator(mode="after")
    def _kind_fits(self) -> Question:
        if self.kind in ("choice", "multi") and len(self.options) < 2:
            raise ValueError(f"a {self.kind} question needs at least two options")
        if self.kind in ("yes_no", "number") and self.options:
            raise ValueError(f"a {self.kind} question takes no options")
        if self.kind == "number" and (self.min is None or self.max is None):
            raise ValueError("a number question needs min and max")
        if self.kind != "number" and (self.min is not None or self.max is not None):
            raise ValueError("only number questions take min and max")
        return self

    def option_ids(self) -> tuple[str, ...]:
        if self.kind == "yes_no":
            return ("yes", "no")
        return tuple(o.id for o in self.options)


class QuestionFile(Strict):
    questions: Annotated[list[Question], Field(min_length=1)]


class Step(Strict):
    """One screen of the check (data/steps.yaml)."""

    id: Id
    title: str = Field(min_length=3)
    questions: Annotated[list[Id], Field(min_length=1)]
    checklist: bool = False
    """Yes/no questions shown as one "tick all that apply" list with "None of these"."""
    emergency: bool = False
    text: str = ""
    """The checklist's question ("Do you have any of these now?")."""
    help: str = ""
    labels: dict[Id, str] = {}
    """A checklist item's wording, when the question text is worded as a question."""
    stage: Literal["check", "plan"] = "check"
    """``plan`` steps come after the result: they tailor the plan and cannot change the urgency."""

    @model_validator(mode="after")
    def _checklist_words(self) -> Step:
        if self.checklist and len(self.text) < 5:
            raise ValueError("a checklist step needs the question it asks (text)")
        if not self.checklist and (self.text or self.labels):
            raise ValueError("only checklist steps take text and labels")
        unknown = sorted(set(self.labels) - set(self.questions))
        if unknown:
            raise ValueError(f"labels for questions not in this step: {', '.join(unknown)}")
        return self


class StepFile(Strict):
    steps: Annotated[list[Step], Field(min_length=1)]


class PerJurisdiction(Strict):
    uk: str = Field(min_length=10)
    us: str = Field(min_length=10)

    def for_(self, jurisdiction: Jurisdiction) -> str:
        """The text for one country, with any ``{placeholders}`` in that country's words."""
        return localize(self.for_raw(jurisdiction), jurisdiction)

    def for_raw(self, jurisdiction: Jurisdiction) -> str:
        """The text as written (the lint reads this)."""
        return self.uk if jurisdiction is Jurisdiction.UK else self.us


# --- rules ------------------------------------------------------------------------------------


class Rule(Strict):
    id: Id
    title: str = Field(min_length=5)
    status: Literal["active", "draft", "retired"]
    area: Id
    urgency: Urgency
    out_of_scope: bool = False
    when: Condition
    advice: str = Field(min_length=20)
    citations: Annotated[list[CitationRef], Field(min_length=1)]
    evidence: Verification
    """The weakest verification among the facts this rule encodes; ``R`` cannot be active."""
    caveats: list[str] = []
    causes: list[Id] = []
    contact: PerJurisdiction | None = None
    """Who to contact, when it is not the level's usual service (a pregnancy sign: the maternity
    unit). Shown as the headline when this rule sets the urgency."""
    reviewed: dt.date


# --- possible causes --------------------------------------------------------------------------


class CauseCodes(Strict):
    icd10cm: Annotated[list[str], Field(min_length=1)]
    icd10_who: Annotated[list[str], Field(min_length=1)]
    snomed: str | None = None
    verification: dict[Literal["icd10cm", "icd10_who", "snomed"], Verification]


class Cause(Strict):
    id: Id
    name: str
    plain: str = Field(min_length=20)
    prior: Literal["common", "uncommon", "rare"]
    baseline: bool = False
    """The ordinary explanation offered when nothing points elsewhere."""
    likely_when: Condition | None = None
    possible_when: Condition | None = None
    codes: CauseCodes
    citations: Annotated[list[CitationRef], Field(min_length=1)]


# --- advice, plan and medicines ---------------------------------------------------------------


class Timer(Strict):
    minutes: int = Field(ge=1, le=60)
    max_minutes: int = Field(ge=1, le=60)
    repeat_after_hours: float = Field(ge=0.5, le=24)

    @model_validator(mode="after")
    def _ceiling(self) -> Timer:
        if self.minutes > self.max_minutes:
            raise ValueError("timer minutes exceed max_minutes")
        return self


class Advice(Strict):
    id: Id
    section: Literal[
        "understand",
        "stay_active",
        "heat_cold",
        "medicines",
        "prescription",
        "exercise",
        "prevention",
        "wellbeing",
        "safety_net",
        "follow_up",
    ]
    order: int = Field(ge=0)
    title: str
    text: str = Field(min_length=20)
    steps: list[str] = []
    cautions: list[str] = []
    show_at: Annotated[list[Urgency], Field(min_length=1)]
    when: Condition | None = None
    timer: Timer | None = None
    citations: Annotated[list[CitationRef], Field(min_length=1)]
    evidence: Verification


class AdviceFile(Strict):
    advice: Annotated[list[Advice], Field(min_length=1)]


class ScreenFlag(Strict):
    """One answer pattern that blocks an OTC medicine class and routes to a pharmacist or GP."""

    id: Id
    label: str
    when: Condition
    blocks: Annotated[list[Literal["nsaid", "paracetamol"]], Field(min_length=1)]
    why: str = Field(min_length=10)
    citations: Annotated[list[CitationRef], Field(min_length=1)]
    evidence: Verification


class ScreenFile(Strict):
    screen: Annotated[list[ScreenFlag], Field(min_length=1)]


class Medicine(Strict):
    id: Id
    ingredient: Literal["ibuprofen", "naproxen", "paracetamol"]
    drug_class: Literal["nsaid", "paracetamol"]
    jurisdiction: Jurisdiction
    name: str
    strength_mg: float = Field(gt=0)
    offer_for_back_pain: bool
    directions: str
    max_units_per_day: int = Field(ge=1, le=20)
    max_mg_per_day: float = Field(gt=0, le=5000)
    min_interval_hours: float = Field(ge=1, le=24)
    max_days_without_advice: int | None = Field(default=None, ge=1, le=30)
    stop_and_ask: list[str] = []
    note: str = ""
    citations: Annotated[list[CitationRef], Field(min_length=1)]
    evidence: Verification

    @model_validator(mode="after")
    def _daily_ceiling_consistent(self) -> Medicine:
        if self.max_units_per_day * self.strength_mg > self.max_mg_per_day + 1e-6:
            raise ValueError("max_units_per_day × strength_mg exceeds max_mg_per_day")
        return self


class MedicineFile(Strict):
    medicines: Annotated[list[Medicine], Field(min_length=1)]


class SourceFile(Strict):
    sources: Annotated[list[Source], Field(min_length=1)]


# --- vignettes --------------------------------------------------------------------------------


class Case(Strict):
    id: Id
    title: str
    category: Literal[
        "serious",
        "ordinary",
        "out_of_scope",
        "mimic",
        "combination",
        "visceral",
        "emergency",
        "non_back",
        "pregnancy",
        "see_gp",
    ]
    summary: str = Field(min_length=10, description="The presentation in clinical words.")
    answers: dict[Id, str | int | float | list[str]]
    expect_urgency: Urgency
    expect_rules: list[Id] = []
    expect_out_of_scope: bool = False
    expect_causes: list[Id] = []
    rationale: str = Field(min_length=10, description="Why this urgency, from the evidence sheet.")
    source: str = ""
    """Where the presentation and its expected level come from (clean-room cases: a published case
    report, a guideline scenario or an NHS page)."""
    jurisdiction: Jurisdiction = Jurisdiction.UK
    fill_no: bool = True
    """Answer every yes/no question the case does not mention with "no" (follow-ups to a red
    flag excepted: they keep their worst-case assumption), so the vignette is complete."""


class CaseFile(Strict):
    cases: Annotated[list[Case], Field(min_length=1)]


# --- urgency levels: what each level tells the person -----------------------------------------


class Level(Strict):
    urgency: Urgency
    label: str
    symbol: str = Field(min_length=1, max_length=3)
    """Shown beside the colour so the level never depends on colour alone."""
    headline: PerJurisdiction
    what_to_do: PerJurisdiction
    citations: Annotated[list[CitationRef], Field(min_length=1)]


class OutsideLevel(Strict):
    """How a result is shown when the main problem is not back pain and no rule raised it: never
    as self-care, because backcare has not assessed that problem."""

    label: str
    symbol: str = Field(min_length=1, max_length=3)
    what_to_do: PerJurisdiction
    citations: Annotated[list[CitationRef], Field(min_length=1)]


class LevelFile(Strict):
    levels: Annotated[list[Level], Field(min_length=4, max_length=4)]
    outside: OutsideLevel


# --- diary: re-triage rules and products that can be logged ----------------------------------

IngredientId = Literal["paracetamol", "ibuprofen", "naproxen", "aspirin", "codeine"]
DrugClass = Literal["paracetamol", "nsaid", "opioid"]
MEDICINE_KINDS = frozenset({"medicine_limit", "several_products", "several_in_class", "dose_interval"})
"""Diary rule kinds that read medicine intakes (the lint holds them to quoted label sources)."""


class DiaryRule(Strict):
    """A pattern over diary entries that re-opens the triage (issue: diary re-triage)."""

    id: Id
    title: str
    status: Literal["active", "draft"]
    kind: Literal[
        "red_flag",
        "recurrence",
        "persistence",
        "worsening",
        "medicine_limit",
        "several_products",
        "several_in_class",
        "dose_interval",
    ]
    urgency: Urgency
    params: dict[str, float] = {}
    ingredients: list[IngredientId] = []
    """For medicine rules: the ingredients this rule watches (with those of ``drug_class``)."""
    drug_class: DrugClass | None = None
    """For medicine rules: every ingredient of this class (``ingredients`` in products.yaml)."""
    advice: str = Field(min_length=20)
    citations: list[CitationRef] = []
    country_citations: dict[Jurisdiction, list[CitationRef]] = {}
    """Sources shown only in that country (its own labels and services), besides ``citations``."""
    evidence: Verification
    reviewed: dt.date

    def citations_for(self, jurisdiction: Jurisdiction) -> list[CitationRef]:
        return [*self.citations, *self.country_citations.get(jurisdiction, [])]

    @model_validator(mode="after")
    def _params_fit_kind(self) -> DiaryRule:
        for country in Jurisdiction:
            if not self.citations_for(country):
                raise ValueError(f"no citations for {country.value}")
        if self.kind in MEDICINE_KINDS and not self.ingredients and self.drug_class is None:
            raise ValueError(f"a {self.kind} rule needs ingredients or a drug_class")
        if self.kind == "several_in_class" and self.drug_class is None:
            raise ValueError("a several_in_class rule needs a drug_class")
        needed = {
            "recurrence": {"episodes", "within_days"},
            "persistence": {"days", "min_pain"},
            "worsening": {"window_days", "min_rise", "min_entries"},
        }.get(self.kind, set())
        missing = needed - set(self.params)
        if missing:
            raise ValueError(f"a {self.kind} rule needs params {', '.join(sorted(missing))}")
        return self


class DiaryRuleFile(Strict):
    rules: Annotated[list[DiaryRule], Field(min_length=1)]


class ProductLabel(Strict):
    """One country's label limits for a product: the most in any 24 hours and the shortest gap
    between doses the label allows, with the label or NHS page they come from."""

    max_units_per_day: float = Field(gt=0, le=60)
    max_mg_per_day: float = Field(gt=0, le=5000)
    """mg of the product's first ingredient (``contains``) in ``max_units_per_day`` units."""
    min_interval_hours: float = Field(ge=1, le=24)
    first_dose_units: float | None = Field(default=None, gt=0, le=4)
    """Units the label allows for the first dose, taken within ``first_dose_within_hours``
    (naproxen sodium: 2 tablets within the first hour)."""
    first_dose_within_hours: float | None = Field(default=None, gt=0, le=4)
    medicine: Id | None = None
    """The plan's medicine (medicines/*.yaml) this label is, when there is one: the lint checks
    that both give the same daily maximum."""
    citations: Annotated[list[CitationRef], Field(min_length=1)]

    @model_validator(mode="after")
    def _first_dose_complete(self) -> ProductLabel:
        if (self.first_dose_units is None) != (self.first_dose_within_hours is None):
            raise ValueError("first_dose_units and first_dose_within_hours go together")
        return self


class Product(Strict):
    """A medicine product a person can log, with what each unit contains (mg per ingredient) and
    its label limits in each country where it is sold."""

    id: Id
    name: str
    contains: dict[IngredientId, float]
    jurisdictions: Annotated[list[Jurisdiction], Field(min_length=1)]
    labels: dict[Jurisdiction, ProductLabel]
    note: str = ""

    @model_validator(mode="after")
    def _labels_fit(self) -> Product:
        missing = [j.value for j in self.jurisdictions if j not in self.labels]
        if missing:
            raise ValueError(f"no label limits for {', '.join(missing)}")
        extra = [j.value for j in self.labels if j not in self.jurisdictions]
        if extra:
            raise ValueError(f"label limits for {', '.join(extra)}, where the product is not listed")
        if not self.contains:
            raise ValueError("a product contains at least one ingredient")
        first_mg = next(iter(self.contains.values()))
        for country, label in self.labels.items():
            if abs(label.max_units_per_day * first_mg - label.max_mg_per_day) > 0.5:
                raise ValueError(
                    f"{country.value}: max_mg_per_day {label.max_mg_per_day:g} is not "
                    f"max_units_per_day × {first_mg:g} mg"
                )
        return self


class IngredientLimit(Strict):
    """What any 24 hours may hold of one ingredient from every product together, and the gap
    between doses when the product is not one backcare knows."""

    max_mg_per_day: float | None = Field(default=None, gt=0, le=5000)
    min_interval_hours: float | None = Field(default=None, ge=1, le=24)
    citations: Annotated[list[CitationRef], Field(min_length=1)]


class Ingredient(Strict):
    """An active ingredient: its class, and its limits across products in each country."""

    id: IngredientId
    drug_class: DrugClass
    counts_in_class_above_mg_per_day: float = Field(default=0, ge=0)
    """Only more than this in 24 hours counts as taking the class (aspirin above the 75 mg of a
    heart dose counts as a second anti-inflammatory)."""
    limits: dict[Jurisdiction, IngredientLimit] = {}
    citations: list[CitationRef] = []
    """For the class and its threshold."""


class RedFlagLocation(Strict):
    """A diary location that counts as a red-flag answer when logged."""

    location: Id
    question: Id


class ProductFile(Strict):
    products: Annotated[list[Product], Field(min_length=1)]
    ingredients: list[Ingredient] = []
    red_flag_locations: list[RedFlagLocation] = []


class ArticleMeta(Strict):
    """Front matter of a Learn article (``articles/<slug>.md``)."""

    slug: Id
    title: str = Field(min_length=3)
    summary: str = Field(min_length=10)
    order: int = Field(ge=0)
    read_next: list[Id] = []
    sources: Annotated[list[SourceId], Field(min_length=1)]
    reviewed: dt.date

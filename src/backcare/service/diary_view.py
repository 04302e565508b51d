"""The diary in words: the labels a person sees for the stored vocabulary, alerts as every shell
shows them, refusals named by field, and the heat and cold timers. The terminal, the pages and the
API take their wording from here, so they say the same thing."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache

from backcare.domain import EMERGENCY_NUMBER, DiaryAlert, Jurisdiction, Urgency, localize
from backcare.service import engine

# Stored ids stay short and stable; people read these words instead.
WORDS: dict[str, str] = {
    # where
    "upper": "Upper back",
    "middle": "Middle back",
    "lower": "Lower back",
    "left": "Left side",
    "right": "Right side",
    "central": "Centre (spine)",
    "buttock": "Buttock",
    "hip": "Hip",
    "thigh": "Thigh",
    "below_knee": "Below the knee",
    "groin": "Groin",
    "saddle": "Between the legs (saddle area)",
    "both_legs": "Both legs",
    # how it feels
    "dull_ache": "Dull ache",
    "cramp_spasm": "Cramp or spasm",
    "sharp": "Sharp",
    "shooting_burning": "Shooting or burning",
    "stiff": "Stiff",
    "waves": "Comes in waves",
    # what set it off
    "lifting": "Lifting",
    "bending_twisting": "Bending or twisting",
    "sport": "Sport",
    "sitting": "Sitting",
    "standing": "Standing",
    "sleeping": "Sleeping",
    "minor_fall": "A minor fall",
    "stress": "Stress",
    "nothing": "Nothing",
    # self-care and what helped
    "heat": "Heat",
    "ice": "Cold pack",
    "stretches": "Stretches",
    "walk": "A walk",
    "exercise": "Exercise",
    "rest_break": "A short rest",
    "physio": "Physiotherapy",
    "medicine": "Medicine",
    "rest": "Rest",
}
US_WORDS = {"physio": "Physical therapy", "central": "Center (spine)"}

# The form fields a refusal can name, in the words of their labels.
FIELD_WORDS: dict[str, str] = {
    "pain": "Pain",
    "locations": "Where",
    "qualities": "How it feels",
    "triggers": "What set it off",
    "helped": "What helped",
    "red_flags": "Warning signs",
    "note": "Note",
    "when": "When",
    "started_at": "When",
    "taken_at": "When",
    "done_at": "When",
    "tz": "Time zone",
    "product": "Medicine",
    "units": "Tablets or doses",
    "action": "Self-care",
    "minutes": "Minutes",
}
# Several stored fields are typed into one form field.
FORM_FIELD = {"started_at": "when", "taken_at": "when", "done_at": "when"}
# A field named as the subject of a sentence ("The time is in the future", not "When is…").
SUBJECT = {"started_at": "The time", "taken_at": "The time", "done_at": "The time"}


def word(term: str, jurisdiction: Jurisdiction = Jurisdiction.UK) -> str:
    """A stored vocabulary id in words ("bending_twisting" → "Bending or twisting")."""
    if jurisdiction is Jurisdiction.US and term in US_WORDS:
        return US_WORDS[term]
    return WORDS.get(term) or term.replace("_", " ").capitalize()


def words(terms: Iterable[str], jurisdiction: Jurisdiction = Jurisdiction.UK) -> str:
    """Several ids as one lower-case list, for a sentence ("lower back, left side")."""
    return ", ".join(_lower(word(t, jurisdiction)) for t in terms)


def _lower(text: str) -> str:
    return text if text[1:2].isupper() else text[:1].lower() + text[1:]


def choices(terms: Sequence[str], jurisdiction: Jurisdiction = Jurisdiction.UK) -> list[tuple[str, str]]:
    """(value, label) pairs for a form."""
    return [(t, word(t, jurisdiction)) for t in terms]


@cache
def _sign_labels() -> dict[str, str]:
    return {qid: text for step in engine().kb.steps.values() for qid, text in step.labels.items()}


def sign_words(qid: str, jurisdiction: Jurisdiction = Jurisdiction.UK) -> str:
    """A warning sign as the check's checklist words it ("Numbness between the legs…")."""
    question = engine().questions.get(qid)
    text = _sign_labels().get(qid) or (question.text if question else qid.replace("_", " "))
    return localize(text, jurisdiction)


# --- refusals ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Refusal:
    field: str
    """The form field the problem belongs next to ("" when it is about the entry as a whole)."""
    message: str
    """The sentence shown, in every shell: "Pain: must be 10 or less"."""


def refusal(problem: str) -> Refusal:
    """A service problem ("pain: must be 10 or less") named by its field's label."""
    key, sep, rest = problem.partition(": ")
    key = key.strip().lstrip("-")
    if sep and key in FIELD_WORDS:
        if rest.startswith(key + " "):  # "started_at: started_at is in the future"
            return Refusal(FORM_FIELD.get(key, key), f"{SUBJECT.get(key, FIELD_WORDS[key])} {rest[len(key) + 1 :]}")
        return Refusal(FORM_FIELD.get(key, key), f"{FIELD_WORDS[key]}: {rest}")
    for name in FORM_FIELD:  # "started_at is in the future": a message about a field, not keyed
        if problem.startswith(name + " "):
            return Refusal(FORM_FIELD[name], f"{SUBJECT.get(name, FIELD_WORDS[name])} {problem[len(name) + 1 :]}")
    return Refusal("", problem[:1].upper() + problem[1:])


def refusals(problems: Iterable[str]) -> list[Refusal]:
    return [refusal(p) for p in problems]


# --- alerts ----------------------------------------------------------------------------------------


def act_now(jurisdiction: Jurisdiction) -> str:
    """What an emergency alert tells the person to do, in the country's words."""
    level = engine().kb.levels.get(Urgency.EMERGENCY_NOW.value)
    if level is not None:
        return localize(str(getattr(level.headline, jurisdiction.value)), jurisdiction)
    return f"Call {EMERGENCY_NUMBER[jurisdiction]} now. Do not drive yourself."


def with_act_now(alert: DiaryAlert, jurisdiction: Jurisdiction) -> DiaryAlert:
    """An emergency alert whose advice ends with the call to make, so the API, the terminal and the
    pages carry the same instruction (an alert that already names the call is left as it is)."""
    from dataclasses import replace

    if alert.urgency is not Urgency.EMERGENCY_NOW:
        return alert
    line = act_now(jurisdiction)
    if f"Call {EMERGENCY_NUMBER[jurisdiction]} now" in alert.advice:
        return alert
    return replace(alert, advice=f"{alert.advice.rstrip()} {line}".strip())


def level_words(urgency: Urgency) -> str:
    """The level's label as the result page shows it ("Emergency", "See a clinician today")."""
    level = engine().kb.levels.get(urgency.value)
    return level.label if level is not None else urgency.value.replace("_", " ").capitalize()


URGENT = (Urgency.EMERGENCY_NOW, Urgency.SAME_DAY)

# The services an urgent alert's advice tells the person to call, by the country term that names
# them there (domain.TERMS): the call button dials the service the words name. A term with no
# single number in a country (the US "same-day line or urgent care") gets no button.
CALL_LINES: dict[str, dict[Jurisdiction, tuple[str, str]]] = {
    "poisons_line": {
        Jurisdiction.UK: ("111", "Call NHS 111"),
        Jurisdiction.US: ("18002221222", "Call Poison Control"),
    },
    "urgent_line": {Jurisdiction.UK: ("111", "Call NHS 111")},
}


@dataclass(frozen=True)
class Call:
    number: str
    """Digits for a tel: link ("999", "18002221222")."""
    label: str
    """The button's words ("Call 999", "Call Poison Control")."""


def call_for(alert: DiaryAlert, jurisdiction: Jurisdiction) -> Call | None:
    """The call an urgent alert asks for: the emergency number for an emergency, else the
    service its advice names in the country's words (NHS 111, Poison Control)."""
    if alert.urgency is Urgency.EMERGENCY_NOW:
        number = EMERGENCY_NUMBER[jurisdiction]
        return Call(number, f"Call {number}")
    if alert.urgency not in URGENT:
        return None
    for term, lines in CALL_LINES.items():
        if jurisdiction in lines and localize("{" + term + "}", jurisdiction) in alert.advice:
            number, label = lines[jurisdiction]
            return Call(number, label)
    return None


@dataclass(frozen=True)
class AlertView:
    level: str
    urgency: str
    urgent: bool
    """Needs action today or now: the page moves focus to it and announces it at once."""
    title: str
    act: str
    """For an emergency, the call to make ("Call 999 now or go to A&E…"): shown first."""
    detail: str
    advice: str
    entries: tuple[str, ...]
    """When the entries behind it were logged, in the person's time zone."""
    sources: tuple[tuple[str, str], ...]
    call: Call | None = None
    """The call button of an urgent alert (the number its words name)."""


def alert_view(alert: DiaryAlert, when_of: dict[str, str], jurisdiction: Jurisdiction) -> AlertView:
    """An alert as the pages and the terminal show it: the words of the API's alert, with an
    emergency's call to make lifted out of the advice to come first."""
    advice, act = alert.advice, ""
    line = act_now(jurisdiction)
    if alert.urgency is Urgency.EMERGENCY_NOW and advice.endswith(line):
        advice, act = advice[: -len(line)].rstrip(), line
    return AlertView(
        level=level_words(alert.urgency),
        urgency=alert.urgency.value,
        urgent=alert.urgency in URGENT,
        title=alert.title,
        act=act,
        detail=alert.detail,
        advice=advice,
        entries=tuple(when_of[i] for i in alert.entry_ids if i in when_of),
        sources=tuple((c.url, c.title) for c in alert.citations),
        call=call_for(alert, jurisdiction),
    )


@dataclass(frozen=True)
class Banner:
    """The urgent diary alert every page shows at its top, so a warning sign logged in the diary
    is not answered elsewhere by an older, calmer result."""

    alert: AlertView
    others: int
    """How many more urgent alerts the diary page shows."""


def banner_view(alerts: Sequence[DiaryAlert], when_of: dict[str, str], jurisdiction: Jurisdiction) -> Banner | None:
    """The most urgent of the diary's urgent alerts (emergency or same day) as a page banner;
    None when there is none."""
    urgent = sorted((a for a in alerts if a.urgency in URGENT), key=lambda a: -a.urgency.rank)
    if not urgent:
        return None
    return Banner(alert_view(urgent[0], when_of, jurisdiction), len(urgent) - 1)


# --- heat and cold timers -------------------------------------------------------------------------


@dataclass(frozen=True)
class SessionTimer:
    action: str
    """The self-care action it times ("heat" or "ice")."""
    label: str
    minutes: int
    max_minutes: int


def session_timers() -> tuple[SessionTimer, ...]:
    """The heat and cold session lengths from the plan's advice in the knowledge base."""
    out = []
    for action, name, label in (("heat", "heat", "Heat"), ("ice", "cold", "Cold pack")):
        for ca in engine().advice:
            timer = ca.advice.timer
            if timer is not None and name in ca.advice.id:
                out.append(SessionTimer(action, label, timer.minutes, timer.max_minutes))
                break
    return tuple(out)

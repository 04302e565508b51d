"""The doctor report and the pain chart, as values in words: the PDF, the web page and the command
line only lay them out.

Page 1 answers what a doctor asks first (who, how urgent and why, which warning signs and risk
factors), then what the diary shows; every count uses the person's own days (engine.days).
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from functools import cache
from typing import Any

from backcare.domain import DONT_KNOW, Episode, Jurisdiction, Urgency, localize
from backcare.engine.days import daily, episode_day, intake_day, local_day
from backcare.engine.diary import clusters
from backcare.export.records import Record, SavedAssessment
from backcare.export.views import Alert, EarlierCheck, MedicineRow, Point, ReportView, Sign, fitted
from backcare.service import INTENDED_USE, engine
from backcare.service.check import answer_words
from backcare.service.diary import DiaryService, ingredient_name, product_name, warning_signs
from backcare.service.diary_view import words

RISK_SECTIONS = ("history", "inflammatory", "other")
HISTORY = (
    ("duration", "How long"),
    ("onset", "Start"),
    ("pain_location", "Where"),
    ("pain_side", "Side"),
    ("pain_spread", "Spreads to"),
    ("pain_quality", "Feels like"),
    ("trigger", "Set off by"),
    ("pain_trend", "Since it started"),
    ("severity", "Severity (0 to 10)"),
    ("daily_activities", "Stops usual activities"),
    ("previous_episodes", "Before"),
)
"""The pain as the person told it at the check, in the order a doctor takes the history."""

# --- the shared counts --------------------------------------------------------------------------


def chart_points(episodes: list[Episode], record: Record, first: date, last: date) -> list[Point]:
    days = daily(episodes, record.checkins, record.intakes, first, last)
    return [Point(d.day, d.worst, d.pain_free) for d in days]


def medicine_rows(record: Record, country: Jurisdiction) -> list[MedicineRow]:
    """Per product: doses and units, the number of the person's days it was taken on, and the
    most units in one of those days."""
    by_product: dict[str, list[Any]] = {}
    for i in sorted(record.intakes, key=lambda i: i.taken_at):
        by_product.setdefault(i.product, []).append(i)
    rows = []
    for product, items in by_product.items():
        per_day: Counter[date] = Counter()
        for i in items:
            per_day[intake_day(i)] += i.units
        rows.append(
            MedicineRow(
                product_name(product, country),
                f"{len(items)} ({_units(sum(i.units for i in items))})",
                len(per_day),
                _units(max(per_day.values())),
            )
        )
    return rows


def _units(n: float) -> str:
    return f"{n:g} unit" if n == 1 else f"{n:g} units"


def episode_gap_days() -> float:
    """Pain entries closer than this, with no pain-free day between, are one episode: the gap
    the diary's recurrence alert groups them by, so the report counts what the alert counts."""
    gaps = [r.params.get("gap_days", 7) for r in engine().kb.diary_rules.values() if r.kind == "recurrence"]
    return float(gaps[0]) if gaps else 7.0


def episodes_of(record: Record) -> list[list[Episode]]:
    return clusters(record.episodes, record.checkins, episode_gap_days())


# --- the report ---------------------------------------------------------------------------------


@cache
def _short_labels() -> dict[str, str]:
    return {qid: text for step in engine().kb.steps.values() for qid, text in step.labels.items()}


def _sign(qid: str, country: Jurisdiction) -> str:
    ck = engine()
    text = _short_labels().get(qid) or ck.questions[qid].text
    return localize(text, country).rstrip("?.")


def sign_words(country: Jurisdiction) -> dict[str, str]:
    """Every warning sign a person can log, in words (the FHIR export names them so)."""
    return {qid: _sign(qid, country) for qid in warning_signs()}


def _in_words(value: Any, country: Jurisdiction) -> Any:
    """Saved results were worded when they were saved; shared wording left in them is put in the
    country's words before a clinician reads it."""
    if isinstance(value, str):
        return localize(value, country)
    if isinstance(value, list):
        return [_in_words(v, country) for v in value]
    if isinstance(value, dict):
        return {k: _in_words(v, country) for k, v in value.items()}
    return value


def _level_label(urgency: str, country: Jurisdiction) -> str:
    level = engine().kb.levels.get(urgency)
    return localize(level.label, country) if level else urgency.replace("_", " ")


def _answered(answers: dict[str, Any], qid: str, country: Jurisdiction) -> str | None:
    q = engine().questions.get(qid)
    value = answers.get(qid)
    if q is None or value is None:
        return None
    return answer_words(q, tuple(value) if isinstance(value, list) else value, country)


def _applicable(a: SavedAssessment) -> set[str]:
    """The questions the saved check would ask (no pregnancy signs for a man, no follow-up to a
    sign that was absent), so the list of pertinent negatives stays short."""
    from backcare.engine.answers import InvalidAnswers, validate_answers

    ck = engine()
    try:
        answers = validate_answers({k: v for k, v in a.answers.items() if k in ck.questions}, ck.questions)
    except InvalidAnswers:
        return set(ck.questions)
    return {q.id for q in ck.applicable(ck.effective(answers))}


def _because(answers: dict[str, Any], country: Jurisdiction) -> str:
    parts = []
    for qid, value in answers.items():
        if qid not in engine().questions:
            continue
        if value == "yes":
            parts.append(_sign(qid, country))
        elif value == DONT_KNOW:
            parts.append(f"{_sign(qid, country)} (not sure)")
        elif isinstance(value, str) and value.startswith("assumed"):
            parts.append(f"{_sign(qid, country)} (not answered, taken as yes)")
        else:
            shown = _answered(answers, qid, country)
            parts.append(f"{_sign(qid, country)}: {shown}")
    return "; ".join(parts)


def _check_part(a: SavedAssessment, country: Jurisdiction) -> dict[str, Any]:
    result = _in_words(a.result, country)
    signs = [s for s in warning_signs() if s in _applicable(a)]
    yes = [
        Sign(_sign(s, country), "Yes" if a.answers.get(s) == "yes" else "Not sure (counts as yes)")
        for s in signs
        if a.answers.get(s) in ("yes", DONT_KNOW)
    ]
    negatives = [_sign(s, country) for s in signs if a.answers.get(s) == "no"]
    story = [
        f"{label}: {shown}"
        for qid, label in HISTORY
        if (shown := _answered(a.answers, qid, country)) and shown != "Don't know"
    ]
    top = [r for r in result.get("reasons", []) if r.get("urgency") == a.urgency] or result.get("reasons", [])[:3]
    missing = result.get("missing") or []
    return {
        "level": _level_label(a.urgency, country),
        "urgency": a.urgency,
        "headline": result.get("headline", ""),
        "incomplete": (
            f"The check was not finished: {count(len(missing), 'question')} not answered, and none was taken as no."
            if a.status != "complete"
            else ""
        ),
        "reasons": [(r["title"], _because(r.get("answers", {}), country)) for r in top[:4]],
        "yes_signs": yes,
        "history": story,
        "negatives": negatives,
        "causes": ", ".join(c["name"] for c in result.get("possible_causes", [])[:4]),
    }


def _risks(a: SavedAssessment, country: Jurisdiction) -> list[str]:
    risks = [
        _sign(q.id, country)
        for q in engine().order
        if q.section in RISK_SECTIONS and q.kind == "yes_no" and a.answers.get(q.id) in ("yes", DONT_KNOW)
    ]
    surgery = a.answers.get("back_surgery")
    if surgery not in (None, "never", "no"):
        risks.append(f"Back operation: {_answered(a.answers, 'back_surgery', country)}")
    return risks


def _risks_asked(a: SavedAssessment) -> bool:
    return any(q.id in a.answers for q in engine().order if q.section in RISK_SECTIONS)


def risk_factors(assessments: list[SavedAssessment], country: Jurisdiction) -> tuple[list[str], str]:
    """Risk factors answered yes in any saved check of the period, the latest's first: a later
    check that stopped before asking them must not read as "none" and lose an earlier cancer
    history. The note says when the latest check never asked them."""
    if not assessments:
        return [], ""
    latest = assessments[-1]
    shown = _risks(latest, country)
    seen = set(shown)
    for a in reversed(assessments[:-1]):
        for risk in _risks(a, country):
            if risk not in seen:
                seen.add(risk)
                shown.append(f"{risk} (from the check of {a.created_at:%d %b %Y})")
    note = ""
    if not _risks_asked(latest):
        why = (
            "it ended at the emergency screen"
            if latest.urgency == Urgency.EMERGENCY_NOW.value
            else "the check was not finished"
        )
        note = f"Not asked in the latest check ({why})"
    return shown, note


def _logged_signs(record: Record, latest: SavedAssessment | None, alerts: list[Any]) -> dict[str, str]:
    """Warning signs logged in the diary since the latest check (in the whole period when there is
    none) or behind a diary alert now, each with the local day it was last logged: answers of yes
    the check never saw, which the alert and the list of yes answers must agree on."""
    since = latest.created_at if latest else None
    alerted = {i for a in alerts if a.signs for i in a.entry_ids}
    logged: dict[str, str] = {}
    for e in sorted(record.episodes, key=lambda e: e.started_at):
        if since is not None and e.started_at < since and e.id not in alerted:
            continue
        for flag in e.red_flags:
            if flag in engine().questions:
                logged[flag] = f"{episode_day(e):%d %b %Y}"
    return logged


def _now_line(
    alerts: list[Any], latest: SavedAssessment | None, record: Record, country: Jurisdiction
) -> tuple[str, str | None]:
    """The diary's most urgent alert, when it is more urgent than the latest check: page 1 must
    lead with the highest level there is now, not with a self-care result it overtook."""
    if not alerts:
        return "", None
    top = alerts[0]
    if latest is not None and top.urgency.rank <= Urgency(latest.urgency).rank:
        return "", None
    level = _level_label(top.urgency.value, country)
    if top.signs or top.places:
        days = sorted({episode_day(e) for e in record.episodes if e.id in top.entry_ids})
        on = f" on {days[-1]:%d %b %Y}" if days else ""
        noun = "warning sign" if len(top.signs) + len(top.places) == 1 else "warning signs"
        return f"Now: {level} — {noun} logged in the diary{on}: {_logged_words(top, country)}", top.urgency.value
    return f"Now: {level} — from the diary: {localize(top.title, country)}", top.urgency.value


def _alert_detail(alert: Any, record: Record, country: Jurisdiction) -> str:
    """The alert's detail for a doctor: the diary page speaks to the person ("You logged…"), the
    report speaks about them."""
    if not alert.signs and not alert.places:
        return localize(alert.detail, country)
    days = sorted({episode_day(e) for e in record.episodes if e.id in alert.entry_ids})
    on = f" on {days[-1]:%d %b %Y}" if days else ""
    return f"Logged in the diary{on}: {_logged_words(alert, country)}."


def _logged_words(alert: Any, country: Jurisdiction) -> str:
    """The signs an alert rests on, for a doctor; a place where it hurts (the saddle area) is named
    as pain there, treated as a warning sign, never as the numbness the person did not report."""
    parts = [_sign(s, country) for s in alert.signs]
    parts += [f"where it hurts: {words([p], country)} (treated as a warning sign)" for p in alert.places]
    return "; ".join(parts)


def _main_reasons(part: dict[str, Any]) -> str:
    reasons = "; ".join(title for title, _ in part["reasons"][:2])
    return reasons or ("" if part["yes_signs"] else "no warning sign answered yes")


def _pattern(record: Record, points: list[Point], days: int, country: Jurisdiction) -> list[str]:
    entries = sorted(record.episodes, key=lambda e: e.started_at)
    if not entries:
        return ["No pain entries logged in this period."]
    spells = episodes_of(record)
    scored = [p for p in points if p.worst is not None and not p.pain_free]
    free = sum(1 for p in points if p.pain_free)
    lines = [
        f"{count(len(entries), 'pain entry', 'pain entries')} on {count(len(scored), 'day')} "
        f"in the last {count(days, 'day')}, "
        f"grouped into {count(len(spells), 'separate episode')} (a new one after {episode_gap_days():g} days "
        "without pain entries or after a pain-free day).",
        f"Pain: average {sum(e.pain for e in entries) / len(entries):.1f}, worst {max(e.pain for e in entries)}, "
        f"latest {entries[-1].pain} (on {episode_day(entries[-1]):%d %b}); {count(free, 'pain-free day')} logged.",
    ]
    last_week = [p.worst for p in points[-7:] if p.worst is not None]
    before = [p.worst for p in points[-14:-7] if p.worst is not None]
    if last_week and before:
        a, b = sum(last_week) / len(last_week), sum(before) / len(before)
        trend = "higher than" if a > b + 0.5 else "lower than" if a < b - 0.5 else "about the same as"
        lines.append(f"Last 7 days: average daily worst {a:.1f}, {trend} the 7 days before ({b:.1f}).")
    where = Counter(x for e in entries for x in e.locations)
    feel = Counter(x for e in entries for x in e.qualities)
    trig = Counter(x for e in entries for x in e.triggers)
    for label, counter in (("Where", where), ("How it feels", feel), ("Set off by", trig)):
        if counter:
            lines.append(
                f"{label}: " + ", ".join(f"{words([k], country)} ({n})" for k, n in counter.most_common(5)) + "."
            )
    return lines


def count(n: int, one: str, many: str = "") -> str:
    """ "1 day", "3 days": the report is read by a doctor in a hurry, so no "day(s)"."""
    return f"{n} {one if n == 1 else (many or one + 's')}"


def build_view(record: Record, alerts: list[Any], country: Jurisdiction, now: datetime, days: int) -> ReportView:
    start = now - timedelta(days=days)
    latest = record.assessments[-1] if record.assessments else None
    part = _check_part(latest, country) if latest else {}
    who: list[tuple[str, str]] = []
    if latest:
        for qid, label in (("age", "Age"), ("sex", "Sex")):
            # A check that stopped at the emergency screen never asked: an earlier one may have.
            shown = _answered(latest.answers, qid, country)
            for before in reversed(record.assessments[:-1]):
                if shown:
                    break
                if found := _answered(before.answers, qid, country):
                    shown = f"{found} (check of {before.created_at:%d %b %Y})"
            who.append((label, shown if shown else "not given"))
    tz = record.episodes[-1].tz if record.episodes else "UTC"
    last_day = local_day(now, tz)
    points = chart_points(record.episodes, record, local_day(start, tz), last_day)
    helped = Counter(x for e in record.episodes for x in e.helped)
    actions = Counter(a.action for a in record.actions)
    minutes: Counter[str] = Counter()
    for a in record.actions:
        minutes[a.action] += a.minutes or 0
    helped_text = ", ".join(f"{words([k], country)} ({count(n, 'entry', 'entries')})" for k, n in helped.most_common(6))
    helped_line = f"What helped, in the diary: {helped_text}." if helped_text else "Nothing logged as helping."
    did = ", ".join(
        f"{words([k], country)} {count(n, 'time')}" + (f" ({count(minutes[k], 'minute')})" if minutes[k] else "")
        for k, n in actions.most_common()
    )
    totals: dict[str, float] = {}  # per ingredient, the most in any 24 hours (all products)
    for i in record.intakes:
        for name, _ in i.contains:
            window = [j for j in record.intakes if timedelta(0) <= i.taken_at - j.taken_at < timedelta(hours=24)]
            total = sum(mg * j.units for j in window for n, mg in j.contains if n == name)
            totals[name] = max(totals.get(name, 0.0), total)
    shown_alerts = [
        Alert(
            _level_label(a.urgency.value, country),
            a.urgency is Urgency.EMERGENCY_NOW,
            localize(a.title, country),
            _alert_detail(a, record, country),
        )
        for a in alerts[:6]
    ]
    episodes = sorted(record.episodes, key=lambda e: e.started_at, reverse=True)
    rows = [
        [
            _when(e),
            str(e.pain),
            words(e.locations, country),
            words(e.triggers, country),
            words(e.helped, country),
            (", ".join(_sign(f, country) for f in e.red_flags if f in engine().questions) + " " + e.note).strip()[:140],
        ]
        for e in episodes
    ]
    earlier = [
        EarlierCheck(
            f"{a.created_at:%d %b %Y}",
            _level_label(a.urgency, country),
            _main_reasons(_check_part(a, country)),
        )
        for a in reversed(record.assessments[:-1])
    ]
    risks, risks_note = risk_factors(record.assessments, country)
    now_line, now_urgency = _now_line(alerts, latest, record, country)
    yes_signs: list[Sign] = list(part.get("yes_signs", []))
    negatives: list[str] = list(part.get("negatives", []))
    for qid, day in _logged_signs(record, latest, alerts).items():
        text, logged = _sign(qid, country), f"Logged in the diary on {day}"
        same = [i for i, sign in enumerate(yes_signs) if sign.text == text]
        if same:
            yes_signs[same[0]] = Sign(text, f"{yes_signs[same[0]].answer}; {logged[0].lower()}{logged[1:]}")
        else:
            yes_signs.append(Sign(text, logged))
        negatives = [n for n in negatives if n != text]
    return ReportView(
        generated=f"{now:%d %B %Y}",
        period=f"{start:%d %b %Y} to {now:%d %b %Y}",
        who=who,
        check_when=f"{latest.created_at:%d %b %Y}" if latest else None,
        level=part.get("level"),
        urgency=part.get("urgency"),
        headline=part.get("headline", ""),
        incomplete=part.get("incomplete", ""),
        reasons=part.get("reasons", []),
        now=now_line,
        now_urgency=now_urgency,
        yes_signs=yes_signs,
        history=part.get("history", []),
        risk_factors=risks,
        risks_note=risks_note,
        alerts=shown_alerts,
        pattern=_pattern(record, points, days, country),
        points=points,
        medicines=medicine_rows(record, country),
        most_in_24h=", ".join(f"{ingredient_name(n, country)} {mg:g} mg" for n, mg in sorted(totals.items())),
        before_check=(_answered(latest.answers, "medicines_taken", country) or "not asked") if latest else "",
        helped=helped_line + (f" Self-care done: {did}." if did else ""),
        negatives=negatives,
        causes=part.get("causes", ""),
        earlier_checks=earlier,
        episodes=rows,
        episodes_total=len(rows),
        flagged=[bool(e.red_flags) for e in episodes],
        intended_use="About this report: " + INTENDED_USE,
    )


def _when(e: Episode) -> str:
    from zoneinfo import ZoneInfo

    try:
        moment = e.started_at.astimezone(ZoneInfo(e.tz))
    except (KeyError, ValueError):
        moment = e.started_at
    return f"{moment:%d %b %H:%M}"


def load(service: DiaryService, days: int, now: datetime) -> Record:
    from backcare.service.records import load_record

    with service.diary() as d:
        return load_record(d, now - timedelta(days=days), now + timedelta(days=1))


def report_view(service: DiaryService, days: int = 180, now: datetime | None = None) -> ReportView:
    now = now or datetime.now(UTC)
    return build_view(load(service, days, now), service.alerts(now), service.jurisdiction, now, days)


def report_pdf(service: DiaryService, days: int = 180, now: datetime | None = None) -> bytes:
    from backcare.export.pdf import build_report

    return build_report(report_view(service, days, now))


def chart_view(service: DiaryService, days: int, now: datetime | None = None) -> list[Point]:
    """The chart's days, from the first with data to today (the web's data table reads these)."""
    now = now or datetime.now(UTC)
    record = load(service, days, now)
    tz = record.episodes[-1].tz if record.episodes else "UTC"
    return fitted(chart_points(record.episodes, record, local_day(now - timedelta(days=days), tz), local_day(now, tz)))


def chart(service: DiaryService, fmt: str, days: int = 180, now: datetime | None = None) -> bytes:
    from backcare.export import chart as draw

    points = chart_view(service, days, now)
    if fmt == "pdf":
        return draw.pdf(points)
    return draw.svg(points, title=f"Worst pain each day, last {days} days")


def chart_table(service: DiaryService, days: int, now: datetime | None = None) -> list[dict[str, str]]:
    """The chart's figures as rows for a table beside it (screen readers, and anyone who would
    rather read numbers): one row per day with a score, newest first."""
    return [
        {"day": f"{p.day:%a %d %b}", "worst": "no pain" if p.pain_free else f"{p.worst} out of 10"}
        for p in reversed(chart_view(service, days, now))
        if p.worst is not None
    ]

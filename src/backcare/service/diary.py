"""Diary use-cases: log, list, edit, delete, trends and re-triage alerts, for one person."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy.exc import IntegrityError

from backcare.domain import CheckIn, DiaryAlert, Episode, Jurisdiction, MedicineIntake, SelfCareAction, localize
from backcare.engine.days import daily, episode_day
from backcare.engine.diary import MEDICINE_PERIOD, WINDOW, diary_alerts, local_day
from backcare.engine.diary import ingredient_name as ingredient_name
from backcare.service import engine
from backcare.service.diary_view import URGENT, Banner, act_now, banner_view, sign_words, with_act_now, word, words
from backcare.service.entries import ActionIn, CheckInIn, EpisodeIn, IntakeIn, InvalidEntry, explain
from backcare.store.repo import LOCAL_USER, Ambiguous, Changed, Diary, Entry, NotFound, Store, new_id

ALERT_WINDOW = timedelta(days=90)
FLAG_WINDOW = timedelta(days=14)
"""A warning sign logged within this long still raises its alert."""
DEFAULT_REMINDER_MINUTES, MIN_REMINDER, MAX_REMINDER = 30, 5, 180


__all__ = [
    "LOCAL_USER",
    "Ambiguous",
    "Changed",
    "DiaryService",
    "NotFound",
    "SavedAssessment",
    "Store",
    "describe",
    "ingredient_name",
    "product_name",
    "products_for",
]


@dataclass(frozen=True)
class SavedAssessment:
    id: str
    created_at: datetime
    jurisdiction: str
    urgency: str
    answers: dict[str, Any]


EDIT_ATTEMPTS = 5
"""An edit with no version given is re-applied to the newer entry when another edit lands first."""


@dataclass(frozen=True)
class Logged:
    entry: Entry
    alerts: list[DiaryAlert]
    """Alerts the new entry is part of: shown at once, at entry time."""
    version: int = 1
    """The entry's version after this write (an HTTP ETag)."""


@dataclass(frozen=True)
class Period:
    label: str
    start: date
    episodes: int
    mean_pain: float | None
    max_pain: int | None
    pain_free_days: int
    medicine_days: int
    self_care_actions: int


def _validated(model: type[BaseModel], data: dict[str, Any]) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise InvalidEntry(explain(exc)) from None


class DiaryService:
    def __init__(self, store: Store, jurisdiction: Jurisdiction = Jurisdiction.UK, user: str = LOCAL_USER) -> None:
        self.store = store
        self.jurisdiction = jurisdiction
        self.user = user

    @contextmanager
    def diary(self) -> Iterator[Diary]:
        with self.store.transaction() as session:
            yield Diary(session, self.store.user_id(session, self.user))

    # --- logging ------------------------------------------------------------------------------

    def log_episode(self, **fields: Any) -> Logged:
        fields.setdefault("started_at", datetime.now(UTC))
        data = _validated(EpisodeIn, fields)
        self._check_flags(data.red_flags)
        episode = data.to_domain(data.id or new_id())
        with self.diary() as d:
            d.add(episode)
        return Logged(episode, self._alerts_for(episode))

    def log_intake(self, product: str, units: float = 1, **fields: Any) -> Logged:
        fields.setdefault("taken_at", datetime.now(UTC))
        known = engine().kb.products.get(product)
        given = fields.pop("contains", None)
        if known is None and given is None:
            raise InvalidEntry(
                [
                    f"product: {product!r} is not a known product; see `backcare diary products`, "
                    "or say what it contains (for example paracetamol=500, or none)"
                ]
            )
        contains = dict(known.contains) if known else given
        data = _validated(IntakeIn, {**fields, "product": product, "units": units, "contains": contains})
        intake = data.to_domain(data.id or new_id())
        with self.diary() as d:
            d.add(intake)
        return Logged(intake, self._alerts_for(intake))

    def log_action(self, action: str, minutes: int | None = None, **fields: Any) -> Logged:
        fields.setdefault("done_at", datetime.now(UTC))
        data = _validated(ActionIn, {**fields, "action": action, "minutes": minutes})
        entry = data.to_domain(data.id or new_id())
        with self.diary() as d:
            d.add(entry)
        return Logged(entry, [])

    def check_in(
        self, day: date | None = None, pain_free: bool = True, pain: int | None = None, note: str = ""
    ) -> Logged:
        data = _validated(CheckInIn, {"day": day or date.today(), "pain_free": pain_free, "pain": pain, "note": note})
        entry = data.to_domain(new_id())
        with self.diary() as d:
            existing = d.checkins(entry.day, entry.day + timedelta(days=1))
            if existing:
                d.replace(existing[0], replace(entry, id=existing[0].id))
                entry = replace(entry, id=existing[0].id)
            else:
                d.add(entry)
        return Logged(entry, [])

    def _check_flags(self, flags: list[str]) -> list[str]:
        allowed = warning_signs()
        bad = [f for f in flags if f not in allowed]
        if bad:
            raise InvalidEntry(
                [
                    f"red_flags: {b!r} is not a warning sign that can be logged (one of: {', '.join(allowed)})"
                    for b in bad
                ]
            )
        return flags

    # --- reading, editing, deleting -----------------------------------------------------------

    def recent(self, days: int = 30, now: datetime | None = None) -> list[Entry]:
        end = (now or datetime.now(UTC)) + timedelta(days=1)
        start = end - timedelta(days=days + 1)
        with self.diary() as d:
            entries: list[Entry] = [*d.episodes(start, end), *d.intakes(start, end), *d.actions(start, end)]
            entries += d.checkins(start.date(), end.date() + timedelta(days=1))
        return sorted(entries, key=entry_time, reverse=True)

    def show(self, entry_id: str) -> tuple[Entry, list[dict[str, Any]]]:
        entry, trail, _ = self.show_versioned(entry_id)
        return entry, trail

    def show_versioned(self, entry_id: str) -> tuple[Entry, list[dict[str, Any]], int]:
        """The entry, its edit history and its version, read together."""
        with self.diary() as d:
            entry, version = d.find_versioned(entry_id)
            trail = [
                {"changed_at": a.changed_at.isoformat(), "before": a.before, "after": a.after}
                for a in d.audit_of(entry.id)
            ]
        return entry, trail, version

    def edit(self, entry_id: str, expected_version: int | None = None, **changes: Any) -> Logged:
        """Apply ``changes`` to the entry. With ``expected_version`` (the version the person saw),
        the edit is made only if the entry is still at that version, else ``Changed``. Without
        it, the changes are merged into the entry as it is when written: an edit that lands in
        between is kept, never silently overwritten by a merge made from an older copy."""
        for attempt in range(EDIT_ATTEMPTS):
            try:
                with self.diary() as d:
                    before, version = d.find_versioned(entry_id)
                    if expected_version is not None and version != expected_version:
                        raise Changed(before.id)
                    merged = {**_fields(before), **changes, "id": before.id}
                    after = self._rebuild(before, merged)
                    new_version = d.replace(before, after, version)
            except Changed:
                if expected_version is not None or attempt == EDIT_ATTEMPTS - 1:
                    raise
                continue
            except IntegrityError:  # the one unique rule an edit can break: a check-in per day
                raise InvalidEntry(["day: there is already a check-in for that day"]) from None
            break
        alerts = self._alerts_for(after) if isinstance(after, Episode | MedicineIntake) else []
        return Logged(after, alerts, new_version)

    def _rebuild(self, before: Entry, merged: dict[str, Any]) -> Entry:
        if isinstance(before, Episode):
            episode: EpisodeIn = _validated(EpisodeIn, merged)
            self._check_flags(episode.red_flags)
            return episode.to_domain(before.id)
        if isinstance(before, MedicineIntake):
            merged["contains"] = dict(merged["contains"])
            return _validated(IntakeIn, merged).to_domain(before.id)  # type: ignore[no-any-return]
        if isinstance(before, SelfCareAction):
            return _validated(ActionIn, merged).to_domain(before.id)  # type: ignore[no-any-return]
        return _validated(CheckInIn, merged).to_domain(before.id)  # type: ignore[no-any-return]

    def delete(self, entry_id: str, expected_version: int | None = None) -> Entry:
        """Delete the entry; with ``expected_version``, only if it is still at that version."""
        with self.diary() as d:
            entry, version = d.find_versioned(entry_id)
            if expected_version is not None and version != expected_version:
                raise Changed(entry.id)
            d.delete(entry, expected_version)
        return entry

    # --- assessments, alerts, trends ----------------------------------------------------------

    def reminder_minutes(self) -> int:
        """The person's sitting-reminder interval (30 minutes unless they chose another)."""
        with self.diary() as d:
            return d.reminder_minutes() or DEFAULT_REMINDER_MINUTES

    def set_reminder_minutes(self, minutes: int) -> None:
        if not MIN_REMINDER <= minutes <= MAX_REMINDER:
            raise InvalidEntry([f"minutes: choose from {MIN_REMINDER} to {MAX_REMINDER}"])
        with self.diary() as d:
            d.set_reminder_minutes(minutes)

    def save_assessment(self, answers: dict[str, Any], result: dict[str, Any]) -> str:
        with self.diary() as d:
            return d.save_assessment(answers, result)

    def saved_assessments(self) -> list[SavedAssessment]:
        """Saved checks, oldest first."""
        with self.diary() as d:
            return [
                SavedAssessment(r.id, r.created_at, r.jurisdiction, r.urgency, dict(r.answers)) for r in d.assessments()
            ]

    def latest_answers(self, d: Diary) -> dict[str, Any]:
        row = d.latest_assessment()
        if row is None:
            return {}
        return {k: tuple(v) if isinstance(v, list) else v for k, v in row.answers.items()}

    def alerts(
        self, now: datetime | None = None, medicine_days: int | None = None, urgent_only: bool = False
    ) -> list[DiaryAlert]:
        """What the diary means now. Medicines: every 24-hour window ending in the last
        ``medicine_days`` (7 unless given), so an earlier overdose logged late still shows.
        ``urgent_only`` skips the pattern rules over 90 days of episodes (recurring, not
        settling, getting worse): none of them is urgent, and every page asks for the urgent ones."""
        now = now or datetime.now(UTC)
        start, end = now - (FLAG_WINDOW if urgent_only else ALERT_WINDOW), now + timedelta(days=1)
        since = now - (timedelta(days=medicine_days) if medicine_days is not None else MEDICINE_PERIOD)
        with self.diary() as d:
            episodes, intakes = d.episodes(start, end), d.intakes(since - WINDOW, end)
            checkins = d.checkins(start.date(), end.date())
            base = self.latest_answers(d)
        recent_flags = [e for e in episodes if now - e.started_at <= FLAG_WINDOW]
        alerts = diary_alerts(
            engine(), recent_flags, intakes, checkins, now, self.jurisdiction, base, medicine_since=since
        )
        if not urgent_only:
            non_flag = diary_alerts(engine(), episodes, [], checkins, now, self.jurisdiction, base)
            seen = {(a.rule_id, a.entry_ids) for a in alerts}
            alerts += [
                a for a in non_flag if (a.rule_id, a.entry_ids) not in seen and a.rule_id != "diary-red-flag-logged"
            ]
        alerts = [with_act_now(_signs_in_words(a, self.jurisdiction), self.jurisdiction) for a in alerts]
        return sorted(alerts, key=lambda a: -a.urgency.rank)

    def banner(self, now: datetime | None = None) -> Banner | None:
        """The urgent alert every page shows at its top (None when the diary has none). The
        entries' times are read only when there is one, so a calm diary costs one alert check."""
        alerts = [a for a in self.alerts(now, urgent_only=True) if a.urgency in URGENT]
        if not alerts:
            return None
        # Urgent alerts rest on the last fortnight's warning signs and the last week's medicines.
        return banner_view(alerts, self.entry_times(days=FLAG_WINDOW.days + 2), self.jurisdiction)

    def entry_times(self, days: int = 90) -> dict[str, str]:
        """When each recent entry was logged, in its own time zone: alerts name their entries so."""
        return {e.id: describe(e, self.jurisdiction)[0] for e in self.recent(days)}

    def recent_choices(self, days: int = 30, now: datetime | None = None) -> tuple[list[str], list[str]]:
        """The medicine products and self-care actions logged lately, most recent first: the
        forms offer them first."""
        end = (now or datetime.now(UTC)) + timedelta(days=1)
        start = end - timedelta(days=days + 1)
        with self.diary() as d:
            intakes = sorted(d.intakes(start, end), key=lambda i: i.taken_at, reverse=True)
            actions = sorted(d.actions(start, end), key=lambda a: a.done_at, reverse=True)
        return list(dict.fromkeys(i.product for i in intakes)), list(dict.fromkeys(a.action for a in actions))

    def _alerts_for(self, entry: Episode | MedicineIntake) -> list[DiaryAlert]:
        """The alerts an entry is part of, at once: a medicine logged for longer ago than the
        usual period is still checked against the days around it."""
        moment = entry.started_at if isinstance(entry, Episode) else entry.taken_at
        now = max(datetime.now(UTC), moment)
        days = None
        if isinstance(entry, MedicineIntake) and now - moment >= MEDICINE_PERIOD:
            days = (now - moment).days + 1
        return [a for a in self.alerts(now, medicine_days=days) if entry.id in a.entry_ids]

    def trends(self, weeks: int = 8, months: int = 6, now: datetime | None = None) -> dict[str, list[Period]]:
        now = now or datetime.now(UTC)
        start = now - timedelta(days=max(weeks * 7, months * 31) + 1)
        with self.diary() as d:
            episodes = d.episodes(start, now + timedelta(days=1))
            intakes = d.intakes(start, now + timedelta(days=1))
            actions = d.actions(start, now + timedelta(days=1))
            checkins = d.checkins(start.date(), now.date() + timedelta(days=1))
        today = now.date()
        week0 = today - timedelta(days=today.weekday())
        week_starts = [week0 - timedelta(weeks=i) for i in range(weeks)][::-1]
        month_starts = []
        y, m = today.year, today.month
        for _ in range(months):
            month_starts.append(date(y, m, 1))
            y, m = (y, m - 1) if m > 1 else (y - 1, 12)
        month_starts.reverse()

        def bucket(day: date, starts: list[date]) -> date | None:
            chosen = None
            for s in starts:
                if day >= s:
                    chosen = s
            return chosen

        def summarise(starts: list[date], label: str) -> list[Period]:
            pains: dict[date, list[int]] = defaultdict(list)
            med_days: dict[date, set[date]] = defaultdict(set)
            free: dict[date, int] = defaultdict(int)
            acts: dict[date, int] = defaultdict(int)
            for e in episodes:
                b = bucket(local_day(e.started_at, e.tz), starts)
                if b:
                    pains[b].append(e.pain)
            for i in intakes:
                day = local_day(i.taken_at, i.tz)
                b = bucket(day, starts)
                if b:
                    med_days[b].add(day)
            for c in checkins:
                b = bucket(c.day, starts)
                if b and c.pain_free:
                    free[b] += 1
            for a in actions:
                b = bucket(local_day(a.done_at, a.tz), starts)
                if b:
                    acts[b] += 1
            return [
                Period(
                    label=(f"week of {s.day} {s:%b %Y}" if label == "week" else s.strftime("%B %Y")),
                    start=s,
                    episodes=len(pains[s]),
                    mean_pain=round(sum(pains[s]) / len(pains[s]), 1) if pains[s] else None,
                    max_pain=max(pains[s]) if pains[s] else None,
                    pain_free_days=free[s],
                    medicine_days=len(med_days[s]),
                    self_care_actions=acts[s],
                )
                for s in starts
            ]

        return {"weeks": summarise(week_starts, "week"), "months": summarise(month_starts, "month")}

    def daily_pain(self, days: int = 90, now: datetime | None = None) -> list[tuple[str, int, float, int]]:
        """(day, worst, mean, entries) for each of the person's own days with pain entries."""
        now = now or datetime.now(UTC)
        start = now - timedelta(days=days)
        with self.diary() as d:
            episodes = d.episodes(start, now + timedelta(days=1))
        if not episodes:
            return []
        first, last = min(map(episode_day, episodes)), max(map(episode_day, episodes))
        return [
            (x.day.isoformat(), x.worst, x.mean, x.entries)
            for x in daily(episodes, [], [], first, last)
            if x.entries and x.worst is not None and x.mean is not None
        ]


WARNING_SECTIONS = ("emergency", "red_flags", "nerves", "organs")


def _signs_in_words(alert: DiaryAlert, jurisdiction: Jurisdiction) -> DiaryAlert:
    """The engine names logged warning signs by question id; people read the check's words."""
    if not alert.signs and not alert.places:
        return alert
    parts = []
    if alert.signs:
        parts.append(f"You logged: {'; '.join(sign_words(qid, jurisdiction) for qid in alert.signs)}.")
    if alert.places:
        # Pain there is not itself the nerve sign, so say why it is treated as one.
        parts.append(
            f"You logged pain here: {words(alert.places, jurisdiction)}. Pain or numbness there can come "
            "from pressure on the nerves at the bottom of the spine, so backcare treats it as a warning sign."
        )
    detail = " ".join(parts)
    if alert.meaning.strip() != act_now(jurisdiction):  # the advice ends with the emergency call already
        detail += f" With your other answers this means: {alert.meaning}"
    return replace(alert, detail=detail)


def warning_signs() -> tuple[str, ...]:
    """Question ids that are warning signs: the yes/no symptom questions a person can log in the
    diary and a doctor wants to see answered (not history such as past cancer, and not
    follow-ups such as "did it start recently?")."""
    return tuple(
        q.id
        for q in engine().order
        if q.kind == "yes_no" and q.section in WARNING_SECTIONS and q.assume_if_unanswered is None
    )


def entry_time(entry: Entry) -> datetime:
    if isinstance(entry, Episode):
        return entry.started_at
    if isinstance(entry, MedicineIntake):
        return entry.taken_at
    if isinstance(entry, SelfCareAction):
        return entry.done_at
    return datetime(entry.day.year, entry.day.month, entry.day.day, 12, tzinfo=UTC)


def _fields(entry: Entry) -> dict[str, Any]:
    from dataclasses import asdict

    values = asdict(entry)
    return {k: (list(v) if isinstance(v, tuple) else v) for k, v in values.items()}


# --- wording shared by the terminal and the web app ------------------------------------------


def describe(entry: Any, jurisdiction: Jurisdiction = Jurisdiction.UK) -> tuple[str, str, str]:
    """(when, kind, summary) in the entry's own time zone and the country's words."""
    if isinstance(entry, Episode):
        when = _local(entry.started_at, entry.tz)
        parts = [f"pain {entry.pain}/10"]
        if entry.locations:
            parts.append(words(entry.locations, jurisdiction))
        if entry.qualities:
            parts.append(words(entry.qualities, jurisdiction))
        if entry.triggers:
            parts.append("after " + words(entry.triggers, jurisdiction))
        if entry.helped:
            parts.append("helped: " + words(entry.helped, jurisdiction))
        if entry.red_flags:
            parts.append("WARNING SIGNS: " + "; ".join(sign_words(f, jurisdiction) for f in entry.red_flags))
        if entry.note:
            parts.append(f"“{entry.note}”")
        return when, "episode", "; ".join(parts)
    if isinstance(entry, MedicineIntake):
        return (
            _local(entry.taken_at, entry.tz),
            "medicine",
            f"{entry.units:g} × {product_name(entry.product, jurisdiction)}",
        )
    if isinstance(entry, SelfCareAction):
        extra = f" for {entry.minutes} min" if entry.minutes else ""
        return _local(entry.done_at, entry.tz), "self-care", f"{word(entry.action, jurisdiction)}{extra}"
    assert isinstance(entry, CheckIn)
    return entry.day.isoformat(), "check-in", "no pain today" if entry.pain_free else f"pain {entry.pain}/10"


def product_name(product: str, jurisdiction: Jurisdiction = Jurisdiction.UK) -> str:
    """A product's name in the country's words; a product backcare does not know, as written."""
    known = engine().kb.products.get(product)
    return localize(known.name, jurisdiction) if known else product


def products_for(jurisdiction: Jurisdiction, first: list[str] | None = None) -> list[dict[str, Any]]:
    """The medicine products a person in this country can log, named in its words; ``contains``
    keeps the ingredient ids (mg per unit). Products in ``first`` (recent choices) lead, in order."""
    products: list[dict[str, Any]] = [
        {"id": p.id, "name": localize(p.name, jurisdiction), "contains": dict(p.contains)}
        for p in engine().kb.products.values()
        if jurisdiction in p.jurisdictions
    ]
    lead = {pid: i for i, pid in enumerate(first or [])}
    return sorted(products, key=lambda p: lead.get(p["id"], len(lead)))


def _local(moment: datetime, tz: str) -> str:
    from zoneinfo import ZoneInfo

    try:
        return moment.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M")
    except (KeyError, ValueError):
        return moment.strftime("%Y-%m-%d %H:%M UTC")

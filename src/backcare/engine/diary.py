"""Re-triage from the diary: patterns over logged entries that re-open the triage.

Pure: the caller passes the entries of the window it loaded. The thresholds come from the
knowledge base's diary rules (cited data); this module only knows what each kind of rule means.
Every alert names the entries that triggered it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from backcare.domain import (
    TERMS,
    Answers,
    CheckIn,
    DiaryAlert,
    Episode,
    Jurisdiction,
    MedicineIntake,
    Urgency,
    localize,
)
from backcare.engine.assess import assess
from backcare.engine.compiled import CompiledKnowledge
from backcare.knowledge.schema import DiaryRule


def local_day(moment: datetime, tz: str) -> date:
    try:
        return moment.astimezone(ZoneInfo(tz)).date()
    except (KeyError, ValueError):  # an unknown zone name: fall back to the stored offset
        return moment.date()


def daily_limits(ck: CompiledKnowledge, jurisdiction: Jurisdiction) -> dict[str, float]:
    """Per ingredient, the lowest label maximum for the jurisdiction (the safe figure when the
    exact product is unknown, evidence.md §3.1)."""
    limits: dict[str, float] = {}
    for m in ck.kb.medicines.values():
        if m.jurisdiction == jurisdiction:
            limits[m.ingredient] = min(limits.get(m.ingredient, m.max_mg_per_day), m.max_mg_per_day)
    return limits


def red_flags_of(ck: CompiledKnowledge, episode: Episode) -> list[str]:
    flags = list(episode.red_flags)
    for mapping in ck.kb.red_flag_locations:
        if mapping.location in episode.locations and mapping.question not in flags:
            flags.append(mapping.question)
    return flags


def _alert(
    ck: CompiledKnowledge, rule: DiaryRule, ids: Sequence[str], detail: str, urgency: Urgency | None = None
) -> DiaryAlert:
    return DiaryAlert(
        rule_id=rule.id,
        title=rule.title,
        urgency=urgency or rule.urgency,
        advice=rule.advice,
        entry_ids=tuple(ids),
        detail=detail,
        citations=ck.cite(rule.citations),
    )


def red_flag_alerts(
    ck: CompiledKnowledge, rule: DiaryRule, episodes: Sequence[Episode], base: Answers, jurisdiction: Jurisdiction
) -> list[DiaryAlert]:
    alerts = []
    for episode in episodes:
        flags = red_flags_of(ck, episode)
        if not flags:
            continue
        # A sign logged now is new: its follow-ups ("did it start recently?") are left to assume
        # the worst rather than reusing an older assessment's answer.
        kept = {k: v for k, v in base.items() if k in ck.questions and ck.questions[k].assume_if_unanswered is None}
        answers: Answers = {**kept, "back_pain_present": "yes", **{f: "yes" for f in flags}}
        result = assess(ck, answers, jurisdiction)
        detail = f"Logged: {', '.join(f.replace('_', ' ') for f in flags)}. Re-run triage: {result.headline}"
        alerts.append(_alert(ck, rule, [episode.id], detail, result.urgency))
    return alerts


def clusters(episodes: Sequence[Episode], checkins: Sequence[CheckIn], gap_days: float) -> list[list[Episode]]:
    """Group entries into episodes of back pain: a new one starts after a gap or a pain-free day."""
    pain_free = sorted(c.day for c in checkins if c.pain_free)
    groups: list[list[Episode]] = []
    for e in sorted(episodes, key=lambda e: e.started_at):
        if groups:
            last = groups[-1][-1]
            gap = e.started_at - last.started_at
            free_between = any(last.started_at.date() < d < e.started_at.date() for d in pain_free)
            if gap <= timedelta(days=gap_days) and not free_between:
                groups[-1].append(e)
                continue
        groups.append([e])
    return groups


def recurrence_alerts(
    rule: DiaryRule, ck: CompiledKnowledge, groups: list[list[Episode]], now: datetime
) -> list[DiaryAlert]:
    window = timedelta(days=rule.params["within_days"])
    recent = [g for g in groups if now - g[0].started_at <= window]
    if len(recent) >= rule.params["episodes"]:
        ids = [g[0].id for g in recent]
        return [_alert(ck, rule, ids, f"{len(recent)} separate episodes started in the last {window.days} days.")]
    return []


def persistence_alerts(
    rule: DiaryRule, ck: CompiledKnowledge, groups: list[list[Episode]], now: datetime
) -> list[DiaryAlert]:
    if not groups:
        return []
    current = groups[-1]
    span = current[-1].started_at - current[0].started_at
    recent = now - current[-1].started_at <= timedelta(days=7)
    if recent and span >= timedelta(days=rule.params["days"]) and current[-1].pain >= rule.params["min_pain"]:
        ids = [current[0].id, current[-1].id]
        return [
            _alert(
                ck,
                rule,
                ids,
                f"Pain logged for {span.days} days without a pain-free day; latest {current[-1].pain}/10.",
            )
        ]
    return []


def worsening_alerts(
    rule: DiaryRule, ck: CompiledKnowledge, episodes: Sequence[Episode], now: datetime
) -> list[DiaryAlert]:
    window = [e for e in episodes if now - e.started_at <= timedelta(days=rule.params["window_days"])]
    if len(window) < rule.params["min_entries"]:
        return []
    window.sort(key=lambda e: e.started_at)
    xs = [(e.started_at - window[0].started_at).total_seconds() / 86400 for e in window]
    ys = [float(e.pain) for e in window]
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    var = sum((x - mean_x) ** 2 for x in xs)
    if var == 0:
        return []
    slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / var
    rise = slope * (xs[-1] - xs[0])
    if rise >= rule.params["min_rise"]:
        ids = [e.id for e in window]
        return [_alert(ck, rule, ids, f"Pain trend over {len(window)} entries rose by about {rise:.1f} points.")]
    return []


WINDOW = timedelta(hours=24)


def _windows(intakes: Sequence[MedicineIntake], ingredients: set[str]) -> list[list[MedicineIntake]]:
    """For each intake of these ingredients, the intakes of the 24 hours up to it: label limits
    are per any 24 hours, not per calendar day, so an evening and the next morning add up."""
    relevant = sorted((i for i in intakes if any(n in ingredients for n, _ in i.contains)), key=lambda i: i.taken_at)
    return [[j for j in relevant if i.taken_at - WINDOW < j.taken_at <= i.taken_at] for i in relevant]


def _worst(
    windows: list[list[MedicineIntake]], score: Callable[[list[MedicineIntake]], float]
) -> list[MedicineIntake] | None:
    best: list[MedicineIntake] | None = None
    for window in windows:
        if best is None or score(window) > score(best):
            best = window
    return best


def medicine_alerts(
    ck: CompiledKnowledge, rules: Sequence[DiaryRule], intakes: Sequence[MedicineIntake], jurisdiction: Jurisdiction
) -> list[DiaryAlert]:
    limits = daily_limits(ck, jurisdiction)
    alerts = []
    for rule in rules:
        if rule.kind == "medicine_limit":
            for ingredient in rule.ingredients:
                limit = limits.get(ingredient)
                if limit is None:
                    continue

                def total(window: list[MedicineIntake], ingredient: str = ingredient) -> float:
                    return sum(mg * i.units for i in window for n, mg in i.contains if n == ingredient)

                worst = _worst(_windows(intakes, {ingredient}), total)
                if worst is not None and total(worst) > limit:
                    end = local_time(worst[-1].taken_at, worst[-1].tz)
                    detail = (
                        f"{ingredient_name(ingredient, jurisdiction)} {total(worst):g} mg in the 24 hours up to {end}; "
                        f"the label maximum is {limit:g} mg in 24 hours."
                    )
                    alerts.append(_alert(ck, rule, [i.id for i in worst], detail))
        elif rule.kind == "paracetamol_duplicate":

            def products(window: list[MedicineIntake]) -> float:
                return len({i.product for i in window})

            worst = _worst(_windows(intakes, {"paracetamol"}), products)
            if worst is not None and products(worst) >= 2:
                names = sorted({product_name(ck, i.product, jurisdiction) for i in worst})
                detail = (
                    f"Within 24 hours: {', '.join(names)} all contain {ingredient_name('paracetamol', jurisdiction)}."
                )
                alerts.append(_alert(ck, rule, [i.id for i in worst], detail))
    return alerts


def ingredient_name(ingredient: str, jurisdiction: Jurisdiction) -> str:
    """An ingredient in the country's words (paracetamol is acetaminophen in the US)."""
    return TERMS[ingredient][jurisdiction] if ingredient in TERMS else ingredient


def product_name(ck: CompiledKnowledge, product: str, jurisdiction: Jurisdiction) -> str:
    """A logged product by its name in the country's words; free text as the person wrote it."""
    known = ck.kb.products.get(product)
    return localize(known.name, jurisdiction) if known else product


def _in_words(alert: DiaryAlert, jurisdiction: Jurisdiction) -> DiaryAlert:
    return replace(alert, title=localize(alert.title, jurisdiction), advice=localize(alert.advice, jurisdiction))


def local_time(moment: datetime, tz: str) -> str:
    try:
        return moment.astimezone(ZoneInfo(tz)).strftime("%d %b %H:%M")
    except (KeyError, ValueError):
        return moment.strftime("%d %b %H:%M UTC")


def diary_alerts(
    ck: CompiledKnowledge,
    episodes: Sequence[Episode],
    intakes: Sequence[MedicineIntake],
    checkins: Sequence[CheckIn],
    now: datetime,
    jurisdiction: Jurisdiction,
    base_answers: Answers | None = None,
) -> list[DiaryAlert]:
    """Every alert the active diary rules raise over these entries, most urgent first."""
    rules = [r for r in ck.kb.diary_rules.values() if r.status == "active"]
    alerts: list[DiaryAlert] = []
    episodes_by_gap: dict[float, list[list[Episode]]] = {}

    def grouped(gap_days: float) -> list[list[Episode]]:
        if gap_days not in episodes_by_gap:
            episodes_by_gap[gap_days] = clusters(episodes, checkins, gap_days)
        return episodes_by_gap[gap_days]

    for rule in rules:
        if rule.kind == "red_flag":
            alerts += red_flag_alerts(ck, rule, episodes, base_answers or {}, jurisdiction)
        elif rule.kind == "recurrence":
            alerts += recurrence_alerts(rule, ck, grouped(rule.params.get("gap_days", 7)), now)
        elif rule.kind == "persistence":
            alerts += persistence_alerts(rule, ck, grouped(7), now)
        elif rule.kind == "worsening":
            alerts += worsening_alerts(rule, ck, episodes, now)
    alerts += medicine_alerts(
        ck, [r for r in rules if r.kind in ("medicine_limit", "paracetamol_duplicate")], intakes, jurisdiction
    )
    return sorted((_in_words(a, jurisdiction) for a in alerts), key=lambda a: -a.urgency.rank)

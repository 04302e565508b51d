"""Re-triage from the diary: patterns over logged entries that re-open the triage.

Pure: the caller passes the entries of the window it loaded. The thresholds come from the
knowledge base's diary rules (cited data); this module only knows what each kind of rule means.
Every alert names the entries that triggered it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from backcare.domain import (
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
from backcare.engine.days import episode_day, local_day
from backcare.engine.diary_medicines import (
    MEDICINE_PERIOD,
    WINDOW,
    ingredient_name,
    local_time,
    medicine_alerts,
    product_name,
)
from backcare.knowledge.schema import MEDICINE_KINDS, DiaryRule

__all__ = [
    "MEDICINE_PERIOD",
    "WINDOW",
    "clusters",
    "diary_alerts",
    "ingredient_name",
    "local_day",
    "local_time",
    "product_name",
    "red_flags_of",
]


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
        alert = _alert(ck, rule, [episode.id], detail, result.urgency)
        mapped = {m.question: m.location for m in ck.kb.red_flag_locations if m.location in episode.locations}
        signs = tuple(f for f in flags if f in episode.red_flags or f not in mapped)
        places = tuple(mapped[f] for f in flags if f in mapped and f not in episode.red_flags)
        alerts.append(replace(alert, signs=signs, places=places, meaning=result.headline))
    return alerts


def clusters(episodes: Sequence[Episode], checkins: Sequence[CheckIn], gap_days: float) -> list[list[Episode]]:
    """Group entries into episodes of back pain: a new one starts after a gap or a pain-free day."""
    pain_free = sorted(c.day for c in checkins if c.pain_free)
    groups: list[list[Episode]] = []
    for e in sorted(episodes, key=lambda e: e.started_at):
        if groups:
            last = groups[-1][-1]
            gap = e.started_at - last.started_at
            free_between = any(episode_day(last) < d < episode_day(e) for d in pain_free)
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


def _in_words(alert: DiaryAlert, jurisdiction: Jurisdiction) -> DiaryAlert:
    return replace(alert, title=localize(alert.title, jurisdiction), advice=localize(alert.advice, jurisdiction))


def diary_alerts(
    ck: CompiledKnowledge,
    episodes: Sequence[Episode],
    intakes: Sequence[MedicineIntake],
    checkins: Sequence[CheckIn],
    now: datetime,
    jurisdiction: Jurisdiction,
    base_answers: Answers | None = None,
    medicine_since: datetime | None = None,
) -> list[DiaryAlert]:
    """Every alert the active diary rules raise over these entries, most urgent first.

    Medicine rules check every 24-hour window that ends at or after ``medicine_since`` (by
    default ``MEDICINE_PERIOD`` before ``now``); pass the intakes of one more day before it so
    the first windows are whole.
    """
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
    # Each country sees its own sources (its labels and services) besides the shared ones.
    alerts = [replace(a, citations=ck.cite(ck.kb.diary_rules[a.rule_id].citations_for(jurisdiction))) for a in alerts]
    since = medicine_since if medicine_since is not None else now - MEDICINE_PERIOD
    alerts += medicine_alerts(ck, [r for r in rules if r.kind in MEDICINE_KINDS], intakes, jurisdiction, since)
    return sorted((_in_words(a, jurisdiction) for a in alerts), key=lambda a: -a.urgency.rank)

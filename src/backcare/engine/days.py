"""The diary by the person's own days: one way of counting that trends, the chart, the alerts and
the doctor report all use.

A day is the calendar day where the entry was logged (its ``tz``), not the UTC date: a dose taken
at 00:30 in Auckland belongs to that Auckland day, and a pain-free day between two entries is
judged against the same local days.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from backcare.domain import CheckIn, Episode, MedicineIntake


def local_day(moment: datetime, tz: str) -> date:
    """The calendar day of ``moment`` where it was logged."""
    try:
        return moment.astimezone(ZoneInfo(tz)).date()
    except (KeyError, ValueError):  # an unknown zone name: fall back to the stored offset
        return moment.date()


def episode_day(e: Episode) -> date:
    return local_day(e.started_at, e.tz)


def intake_day(i: MedicineIntake) -> date:
    return local_day(i.taken_at, i.tz)


@dataclass(frozen=True)
class Day:
    """One day of the diary. ``worst`` is None on a day with no pain score (a gap in the chart)
    and 0 on a day the person said was pain-free."""

    day: date
    worst: int | None
    mean: float | None
    entries: int
    pain_free: bool
    medicine: bool


def medicine_days(intakes: Sequence[MedicineIntake]) -> set[date]:
    """The days on which any medicine was taken."""
    return {intake_day(i) for i in intakes}


def daily(
    episodes: Sequence[Episode],
    checkins: Sequence[CheckIn],
    intakes: Sequence[MedicineIntake],
    first: date,
    last: date,
) -> list[Day]:
    """Every day from ``first`` to ``last`` inclusive. A pain-free check-in counts as 0 only when
    no pain was logged that day (a logged score is what the person felt)."""
    pains: dict[date, list[int]] = {}
    for e in episodes:
        pains.setdefault(episode_day(e), []).append(e.pain)
    free = {c.day for c in checkins if c.pain_free}
    scored: dict[date, int] = {c.day: c.pain for c in checkins if not c.pain_free and c.pain is not None}
    meds = medicine_days(intakes)
    out = []
    day = first
    while day <= last:
        scores = pains.get(day, [])
        if not scores and day in scored:
            scores = [scored[day]]
        if scores:
            worst: int | None = max(scores)
            mean: float | None = sum(scores) / len(scores)
        elif day in free:
            worst, mean = 0, 0.0
        else:
            worst = mean = None
        out.append(Day(day, worst, mean, len(pains.get(day, [])), day in free and not pains.get(day), day in meds))
        day += timedelta(days=1)
    return out

"""CSV export: one row per diary entry, spreadsheet-friendly (local times, lists joined by '; ')."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from zoneinfo import ZoneInfo

from backcare.export.records import Record

COLUMNS = [
    "kind",
    "id",
    "local_time",
    "utc_time",
    "tz",
    "pain",
    "locations",
    "qualities",
    "triggers",
    "helped",
    "red_flags",
    "product",
    "units",
    "contains_mg",
    "action",
    "minutes",
    "pain_free",
    "note",
]


def _local(moment: datetime, tz: str) -> str:
    try:
        return moment.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M")
    except (KeyError, ValueError):
        return moment.strftime("%Y-%m-%d %H:%M")


def _join(items: tuple[str, ...]) -> str:
    return "; ".join(items)


def to_csv(record: Record) -> str:
    rows: list[dict[str, object]] = []
    for e in record.episodes:
        rows.append(
            {
                "kind": "episode",
                "id": e.id,
                "local_time": _local(e.started_at, e.tz),
                "utc_time": e.started_at.isoformat(),
                "tz": e.tz,
                "pain": e.pain,
                "locations": _join(e.locations),
                "qualities": _join(e.qualities),
                "triggers": _join(e.triggers),
                "helped": _join(e.helped),
                "red_flags": _join(e.red_flags),
                "note": e.note,
            }
        )
    for i in record.intakes:
        rows.append(
            {
                "kind": "medicine",
                "id": i.id,
                "local_time": _local(i.taken_at, i.tz),
                "utc_time": i.taken_at.isoformat(),
                "tz": i.tz,
                "product": i.product,
                "units": f"{i.units:g}",
                "contains_mg": _join(tuple(f"{k} {v:g}" for k, v in i.contains)),
                "note": i.note,
            }
        )
    for a in record.actions:
        rows.append(
            {
                "kind": "self_care",
                "id": a.id,
                "local_time": _local(a.done_at, a.tz),
                "utc_time": a.done_at.isoformat(),
                "tz": a.tz,
                "action": a.action,
                "minutes": a.minutes if a.minutes is not None else "",
                "note": a.note,
            }
        )
    for c in record.checkins:
        rows.append(
            {
                "kind": "checkin",
                "id": c.id,
                "local_time": c.day.isoformat(),
                "pain": c.pain if c.pain is not None else "",
                "pain_free": "yes" if c.pain_free else "no",
                "note": c.note,
            }
        )
    rows.sort(key=lambda r: str(r.get("utc_time") or r["local_time"]))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, extrasaction="raise", lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow(
            {k: ("'" + v if isinstance(v, str) and v[:1] and v[0] in "=+-@" else v) for k, v in row.items()}
        )
    return buffer.getvalue()

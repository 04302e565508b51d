"""Reading diary input typed at the terminal: flags and answers to prompts."""

from __future__ import annotations

import argparse
from datetime import datetime
from typing import Any

from backcare.domain import LOCATIONS
from backcare.service.entries import InvalidEntry, local_zone_name


def parse_locations(values: list[str]) -> list[str]:
    """``lower-left`` → lower, left; ``below-knee`` stays one location."""
    out: list[str] = []
    for value in values:
        for item in value.split(","):
            token = item.strip().lower().replace(" ", "_")
            if not token:
                continue
            if token.replace("-", "_") in LOCATIONS:
                out.append(token.replace("-", "_"))
                continue
            for part in token.split("-"):
                if part not in LOCATIONS:
                    raise InvalidEntry([f"--where: unknown location {part!r} (choose from {', '.join(LOCATIONS)})"])
                out.append(part)
    return list(dict.fromkeys(out))


def parse_contains(values: list[str]) -> dict[str, float]:
    out: dict[str, float] = {}
    for value in values:
        for item in value.split(","):
            item = item.strip().lower()
            if item in ("none", ""):
                continue
            name, _, mg = item.partition("=")
            try:
                out[name.strip()] = float(mg)
            except ValueError:
                raise InvalidEntry([f"--contains: {item!r} should look like paracetamol=500"]) from None
    return out


def split_words(values: list[str] | None) -> list[str]:
    return [w.strip().lower().replace("-", "_") for v in values or [] for w in v.split(",") if w.strip()]


def parse_when(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidEntry([f"--at: {text!r} is not a date and time like 2026-11-24T08:30"]) from None
    if moment.tzinfo is None:
        from zoneinfo import ZoneInfo

        moment = moment.replace(tzinfo=ZoneInfo(local_zone_name()))
    return moment


def fields_from_flags(args: argparse.Namespace) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    if args.pain is not None:
        fields["pain"] = args.pain
    if args.where:
        fields["locations"] = parse_locations(args.where)
    if args.quality:
        fields["qualities"] = split_words(args.quality)
    if args.trigger:
        fields["triggers"] = split_words(args.trigger)
    if args.helped:
        fields["helped"] = split_words(args.helped)
    if args.flag:
        fields["red_flags"] = split_words(args.flag)
    if args.note is not None:
        fields["note"] = args.note
    return fields

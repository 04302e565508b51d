"""The words a diary entry may use. Plain constants, so the CLI can build its help text without
importing the domain types (``backcare --version`` must start fast)."""

from __future__ import annotations

from typing import Final

LOCATIONS: Final[tuple[str, ...]] = (
    "upper",
    "middle",
    "lower",
    "left",
    "right",
    "central",
    "buttock",
    "hip",
    "thigh",
    "below_knee",
    "groin",
    "saddle",
    "both_legs",
)
QUALITIES: Final[tuple[str, ...]] = ("dull_ache", "cramp_spasm", "sharp", "shooting_burning", "stiff", "waves")
TRIGGERS: Final[tuple[str, ...]] = (
    "lifting",
    "bending_twisting",
    "sport",
    "sitting",
    "standing",
    "sleeping",
    "minor_fall",
    "stress",
    "nothing",
)
SELF_CARE_ACTIONS: Final[tuple[str, ...]] = ("heat", "ice", "stretches", "walk", "exercise", "rest_break", "physio")

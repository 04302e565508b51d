"""The loaded knowledge base as plain data: no file access, no YAML, safe for the engine to import."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from backcare.knowledge.schema import (
    Advice,
    Cause,
    DiaryRule,
    Ingredient,
    Level,
    Medicine,
    OutsideLevel,
    Product,
    Question,
    RedFlagLocation,
    Rule,
    ScreenFlag,
    Source,
    Step,
)

LineMap = dict[tuple[Any, ...], int]
"""Key path inside a YAML file → 1-based line."""


def line_for(lines: LineMap, loc: Sequence[Any]) -> int:
    """The line of the deepest part of ``loc`` present in the file.

    Pydantic puts union member names into error locations; those parts are skipped.
    """
    best = lines.get((), 1)
    path: tuple[Any, ...] = ()
    for part in loc:
        candidate = (*path, part)
        if candidate in lines:
            path = candidate
            best = lines[path]
    return best


@dataclass(frozen=True, order=True)
class Problem:
    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


@dataclass
class KnowledgeBase:
    version: str
    sources: dict[str, Source] = field(default_factory=dict)
    questions: dict[str, Question] = field(default_factory=dict)
    steps: dict[str, Step] = field(default_factory=dict)
    """The screens of the check, in interview order."""
    rules: dict[str, Rule] = field(default_factory=dict)
    causes: dict[str, Cause] = field(default_factory=dict)
    advice: dict[str, Advice] = field(default_factory=dict)
    screen: dict[str, ScreenFlag] = field(default_factory=dict)
    medicines: dict[str, Medicine] = field(default_factory=dict)
    levels: dict[str, Level] = field(default_factory=dict)
    outside: OutsideLevel | None = None
    diary_rules: dict[str, DiaryRule] = field(default_factory=dict)
    products: dict[str, Product] = field(default_factory=dict)
    ingredients: dict[str, Ingredient] = field(default_factory=dict)
    """Active ingredients of the diary's products: class and limits across products."""
    red_flag_locations: list[RedFlagLocation] = field(default_factory=list)
    origin: dict[tuple[str, str], tuple[str, tuple[Any, ...]]] = field(default_factory=dict)
    """(kind, id) → (file, key path of the item in that file), so the lint can point at lines."""
    lines: dict[str, LineMap] = field(default_factory=dict)

    def where(self, kind: str, item_id: str, *sub: Any) -> tuple[str, int]:
        """File and line of an item, or of a part of it such as ``("when", "all", 0)``."""
        file, prefix = self.origin[(kind, item_id)]
        return file, line_for(self.lines.get(file, {}), (*prefix, *sub))

"""Load the knowledge base from ``data/`` and check its structure (layer one).

The loader never stops at the first problem: every file is read and every problem collected, so
``backcare check-rules`` shows the whole list at once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from backcare.knowledge import yamlfile
from backcare.knowledge.base import KnowledgeBase, LineMap, Problem, line_for
from backcare.knowledge.schema import (
    AdviceFile,
    Case,
    CaseFile,
    Cause,
    DiaryRuleFile,
    LevelFile,
    MedicineFile,
    ProductFile,
    QuestionFile,
    Rule,
    ScreenFile,
    SourceFile,
    StepFile,
)

DATA_DIR = Path(__file__).parent / "data"

M = TypeVar("M", bound=BaseModel)


class KnowledgeError(Exception):
    """The knowledge base has problems; ``problems`` lists all of them."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s) in the knowledge base")
        self.problems = problems


def _relative(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root.parent.parent.parent.parent))
    except ValueError:
        return str(path)


def _describe(error: Any) -> str:
    loc = ".".join(str(p) for p in error["loc"] if not str(p)[:1].isupper())
    message = str(error["msg"])
    return f"{loc}: {message}" if loc else message


def parse_file(path: Path, model: type[M], root: Path) -> tuple[M | None, LineMap, list[Problem]]:
    """Read one file into ``model``; on failure return every structural problem with its line."""
    name = _relative(path, root)
    try:
        data, lines = yamlfile.load(path)
    except yamlfile.YamlError as exc:
        return None, {}, [Problem(name, exc.line, exc.message)]
    except (OSError, UnicodeDecodeError) as exc:
        return None, {}, [Problem(name, 1, f"cannot read: {exc}")]
    try:
        return model.model_validate(data), lines, []
    except ValidationError as exc:
        problems = _union_filtered(exc.errors(), lines, name)
        return None, lines, problems


def _union_filtered(errors: list[Any], lines: LineMap, name: str) -> list[Problem]:
    # A condition that fits no union member yields one error per member; keep the errors of the
    # member that got furthest (longest location), which is the one the author meant.
    by_line: dict[int, list[Any]] = {}
    for error in errors:
        line = line_for(lines, error["loc"])
        by_line.setdefault(line, []).append(error)
    problems = []
    for line, errs in by_line.items():
        deepest = max(len(e["loc"]) for e in errs)
        seen = set()
        for e in errs:
            if len(e["loc"]) == deepest:
                text = _describe(e)
                if text not in seen:
                    seen.add(text)
                    problems.append(Problem(name, line, text))
    return problems


def _files(folder: Path) -> Iterable[Path]:
    return sorted(p for p in folder.rglob("*.yaml") if p.is_file())


def content_version(root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.is_file() and "cases" not in path.relative_to(root).parts:
            digest.update(str(path.relative_to(root)).encode())
            digest.update(path.read_bytes())
    release = (root / "VERSION").read_text(encoding="utf-8").strip() if (root / "VERSION").exists() else "0"
    return f"{release}+{digest.hexdigest()[:10]}"


def read_knowledge(root: Path = DATA_DIR) -> tuple[KnowledgeBase, list[Problem]]:
    """Read every knowledge file under ``root``; return what parsed and all structural problems."""
    kb = KnowledgeBase(version=content_version(root))
    problems: list[Problem] = []

    def add(kind: str, store: dict[str, Any], item: Any, file: str, prefix: tuple[Any, ...]) -> None:
        if item.id in store:
            first = kb.where(kind, item.id)
            line = line_for(kb.lines.get(file, {}), prefix)
            problems.append(Problem(file, line, f"duplicate {kind} id '{item.id}' (first at {first[0]}:{first[1]})"))
            return
        store[item.id] = item
        kb.origin[(kind, item.id)] = (file, prefix)

    def collect(path: Path, model: type[M]) -> tuple[M | None, LineMap, str]:
        parsed, lines, found = parse_file(path, model, root)
        problems.extend(found)
        name = _relative(path, root)
        kb.lines[name] = lines
        return parsed, lines, name

    sources_path = root / "sources.yaml"
    parsed_sources, lines, name = collect(sources_path, SourceFile)
    if parsed_sources:
        for i, source in enumerate(parsed_sources.sources):
            add("source", kb.sources, source, name, ("sources", i))

    parsed_levels, lines, name = collect(root / "levels.yaml", LevelFile)
    if parsed_levels:
        kb.outside = parsed_levels.outside
        for i, level in enumerate(parsed_levels.levels):
            if level.urgency.value in kb.levels:
                problems.append(
                    Problem(name, lines.get(("levels", i), 1), f"level '{level.urgency.value}' defined twice")
                )
            kb.levels[level.urgency.value] = level
            kb.origin[("level", level.urgency.value)] = (name, ("levels", i))

    for path in _files(root / "questions"):
        parsed_q, lines, name = collect(path, QuestionFile)
        if parsed_q:
            for i, question in enumerate(parsed_q.questions):
                add("question", kb.questions, question, name, ("questions", i))

    parsed_steps, lines, name = collect(root / "steps.yaml", StepFile)
    if parsed_steps:
        for i, step in enumerate(parsed_steps.steps):
            add("step", kb.steps, step, name, ("steps", i))

    for path in _files(root / "rules"):
        rule, lines, name = collect(path, Rule)
        if rule:
            add("rule", kb.rules, rule, name, ())

    for path in _files(root / "conditions"):
        cause, lines, name = collect(path, Cause)
        if cause:
            add("cause", kb.causes, cause, name, ())

    for path in _files(root / "advice"):
        if path.name == "screen.yaml":
            continue
        parsed_a, lines, name = collect(path, AdviceFile)
        if parsed_a:
            for i, item in enumerate(parsed_a.advice):
                add("advice", kb.advice, item, name, ("advice", i))

    for path in _files(root / "medicines"):
        if path.name == "screen.yaml":
            parsed_s, lines, name = collect(path, ScreenFile)
            if parsed_s:
                for i, flag in enumerate(parsed_s.screen):
                    add("screen flag", kb.screen, flag, name, ("screen", i))
            continue
        parsed_m, lines, name = collect(path, MedicineFile)
        if parsed_m:
            for i, med in enumerate(parsed_m.medicines):
                add("medicine", kb.medicines, med, name, ("medicines", i))

    diary_rules, lines, name = collect(root / "diary" / "rules.yaml", DiaryRuleFile)
    if diary_rules:
        for i, drule in enumerate(diary_rules.rules):
            add("diary rule", kb.diary_rules, drule, name, ("rules", i))
    products, lines, name = collect(root / "diary" / "products.yaml", ProductFile)
    if products:
        for i, product in enumerate(products.products):
            add("product", kb.products, product, name, ("products", i))
        for i, ingredient in enumerate(products.ingredients):
            add("ingredient", kb.ingredients, ingredient, name, ("ingredients", i))
        kb.red_flag_locations = list(products.red_flag_locations)

    kb.questions = dict(sorted(kb.questions.items(), key=lambda kv: kv[1].order))
    return kb, problems


def read_cases(path: Path) -> tuple[list[tuple[Case, str, int]], list[Problem]]:
    """Read vignettes from one file or every ``*.yaml`` under a folder."""
    files = [path] if path.is_file() else list(_files(path))
    if not files:
        return [], [Problem(str(path), 1, "no vignette files found")]
    cases: list[tuple[Case, str, int]] = []
    problems: list[Problem] = []
    for file in files:
        parsed, lines, found = parse_file(file, CaseFile, file.parent)
        problems.extend(Problem(str(file), p.line, p.message) for p in found)
        if parsed:
            for i, case in enumerate(parsed.cases):
                cases.append((case, str(file), lines.get(("cases", i), 1)))
    return cases, problems


@cache
def default_knowledge() -> KnowledgeBase:
    """The packaged knowledge base, checked in both layers; raises ``KnowledgeError``."""
    from backcare.knowledge.lint import lint

    kb, problems = read_knowledge(DATA_DIR)
    problems += lint(kb)
    if problems:
        raise KnowledgeError(sorted(problems))
    return kb

"""Learn articles: Markdown with YAML front matter, checked like the rest of the knowledge."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from backcare.knowledge import yamlfile
from backcare.knowledge.base import Problem, line_for
from backcare.knowledge.loader import DATA_DIR
from backcare.knowledge.schema import ArticleMeta
from backcare.knowledge.words import shared_text_problems

CITATION = re.compile(r"\[([A-Z0-9][A-Z0-9-]*(?:[;,]\s*[A-Z0-9][A-Z0-9-]*)*)\]")
"""An in-text citation: ``[ID]``, ``[ID; ID]`` or ``[ID, ID]`` (source ids are internal: pages
show them as numbers)."""
_SEPARATOR = re.compile(r"[;,]")


def cited_ids(marker: str) -> list[str]:
    """The source ids inside one citation marker's brackets."""
    return [i.strip() for i in _SEPARATOR.split(marker)]


WORDS_PER_MINUTE = 200


@dataclass(frozen=True)
class Article:
    meta: ArticleMeta
    body: str
    """Markdown, with citations as ``[ID]`` or ``[ID; ID]``."""

    @property
    def words(self) -> int:
        return len(self.body.split())

    @property
    def reading_minutes(self) -> int:
        return max(1, round(self.words / WORDS_PER_MINUTE))

    def cited(self) -> list[str]:
        return [i for m in CITATION.finditer(self.body) for i in cited_ids(m.group(1))]

    def source_order(self) -> list[str]:
        """The article's sources as a reader's numbered list: those cited in the text in order of
        first citation, then the ones listed but not cited (background reading)."""
        order = list(dict.fromkeys(self.cited()))
        return order + [s for s in self.meta.sources if s not in order]


def read_articles(
    root: Path = DATA_DIR / "articles", known_sources: set[str] | None = None
) -> tuple[list[Article], list[Problem]]:
    articles: list[Article] = []
    problems: list[Problem] = []
    for path in sorted(root.glob("*.md")):
        text = path.read_text(encoding="utf-8")
        name = f"knowledge/data/articles/{path.name}"
        if not text.startswith("---\n") or "\n---\n" not in text[4:]:
            problems.append(Problem(name, 1, "needs YAML front matter between --- lines"))
            continue
        head, body = text[4:].split("\n---\n", 1)
        try:
            data, lines = yamlfile.loads(head)
            meta = ArticleMeta.model_validate(data)
        except yamlfile.YamlError as exc:
            problems.append(Problem(name, exc.line + 1, exc.message))
            continue
        except ValidationError as exc:
            for e in exc.errors():
                problems.append(
                    Problem(name, line_for(lines, e["loc"]) + 1, f"{'.'.join(map(str, e['loc']))}: {e['msg']}")
                )
            continue
        problems += _country_words(name, head, body, meta)
        if meta.slug != path.stem:
            problems.append(Problem(name, 2, f"slug '{meta.slug}' differs from the file name"))
        article = Article(meta, body.strip())
        undeclared = sorted(set(article.cited()) - set(meta.sources))
        if undeclared:
            problems.append(Problem(name, 1, f"cites {', '.join(undeclared)} without listing them in sources"))
        if known_sources is not None:
            unknown = sorted(set(meta.sources) - known_sources)
            if unknown:
                problems.append(Problem(name, 1, f"unknown sources {', '.join(unknown)}"))
        articles.append(article)
    slugs = {a.meta.slug for a in articles}
    for a in articles:
        for nxt in a.meta.read_next:
            if nxt not in slugs:
                problems.append(
                    Problem(f"knowledge/data/articles/{a.meta.slug}.md", 1, f"read_next '{nxt}' is not an article")
                )
    return sorted(articles, key=lambda a: a.meta.order), problems


_LINK_TARGET = re.compile(r"\]\([^)]*\)")


def _country_words(name: str, head: str, body: str, meta: ArticleMeta) -> list[Problem]:
    """Articles are shown in both countries: country words are written as placeholders. Citation
    markers and link targets are names of sources and pages, not words people are told."""
    problems = []
    head_lines = head.split("\n")
    for field, text in (("title", meta.title), ("summary", meta.summary)):
        line = next((i + 2 for i, h in enumerate(head_lines) if h.startswith(f"{field}:")), 1)
        problems += [Problem(name, line, f"{field}: {m}") for m in shared_text_problems(text)]
    first = len(head_lines) + 3  # the opening ---, the front matter and the closing ---
    for i, text in enumerate(body.split("\n")):
        plain = _LINK_TARGET.sub("]", CITATION.sub("", text))
        problems += [Problem(name, first + i, m) for m in shared_text_problems(plain)]
    return problems

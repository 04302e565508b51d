"""The knowledge base validates, and broken knowledge is reported with file and line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from backcare.knowledge.lint import lint
from backcare.knowledge.loader import DATA_DIR, read_knowledge


def problems_in(root: Path) -> list[str]:
    kb, problems = read_knowledge(root)
    return [str(p) for p in problems + lint(kb)]


@pytest.fixture
def data(tmp_path: Path) -> Path:
    root = tmp_path / "data"
    shutil.copytree(DATA_DIR, root, ignore=shutil.ignore_patterns("cases"))
    return root


def test_packaged_knowledge_base_has_no_problems() -> None:
    assert problems_in(DATA_DIR) == []


def test_every_rule_and_advice_item_cites_a_known_source() -> None:
    kb, _ = read_knowledge(DATA_DIR)
    for item in [*kb.rules.values(), *kb.advice.values(), *kb.causes.values(), *kb.medicines.values()]:
        assert item.citations, item.id
        assert all(c.source in kb.sources for c in item.citations), item.id


def test_unverified_facts_are_never_active_rules() -> None:
    kb, _ = read_knowledge(DATA_DIR)
    assert all(r.evidence != "R" for r in kb.rules.values() if r.status == "active")


def test_every_cause_carries_icd10cm_and_who_codes() -> None:
    kb, _ = read_knowledge(DATA_DIR)
    for cause in kb.causes.values():
        assert cause.codes.icd10cm and cause.codes.icd10_who, cause.id


def replace(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


def test_all_problems_are_reported_at_once_with_file_and_line(data: Path) -> None:
    rule = data / "rules/nerves/ces-warning-signs-new.yaml"
    replace(rule, '{q: saddle_numbness, is: "yes"}', '{q: saddle_numbnes, is: "yes"}')
    replace(rule, "source: BMJBP-CES", "source: NO-SUCH-SOURCE")
    replace(data / "rules/fracture/major-trauma.yaml", "urgency: emergency_now", "urgency: very_soon")
    found = problems_in(data)
    assert any("ces-warning-signs-new.yaml:10: unknown question 'saddle_numbnes'" in p for p in found), found
    assert any("ces-warning-signs-new.yaml" in p and "unknown source 'NO-SUCH-SOURCE'" in p for p in found)
    assert any("major-trauma.yaml:5: urgency" in p for p in found), found


def test_invalid_yaml_is_reported_with_its_line(data: Path) -> None:
    (data / "rules/chest/broken.yaml").write_text("id: broken\ntitle: [unclosed\n")
    found = problems_in(data)
    assert any("broken.yaml:" in p and "not valid YAML" in p for p in found)


def test_a_negation_in_a_triage_rule_is_refused(data: Path) -> None:
    rule = data / "rules/chest/back-pain-with-chest-pain.yaml"
    replace(rule, 'when:\n  {q: chest_pain, is: "yes"}', 'when:\n  not: {q: chest_pain, is: "no"}')
    found = problems_in(data)
    assert any("back-pain-with-chest-pain.yaml" in p and "may not use 'not'" in p for p in found), found


def test_a_rule_raising_urgency_on_a_no_is_refused(data: Path) -> None:
    rule = data / "rules/fracture/major-trauma.yaml"
    replace(rule, '{q: major_trauma, is: "yes"}', '{q: major_trauma, is: "no"}')
    found = problems_in(data)
    assert any("major-trauma.yaml" in p and "only a yes may raise urgency" in p for p in found), found


def test_an_unverified_rule_cannot_be_made_active(data: Path) -> None:
    replace(data / "rules/gallbladder/possible-cholangitis.yaml", "evidence: V", "evidence: R")
    found = problems_in(data)
    assert any("possible-cholangitis.yaml" in p and "[R]" in p for p in found), found


def test_an_emergency_rule_reading_a_question_without_declared_dont_know_is_named(data: Path) -> None:
    replace(
        data / "questions/01-emergency.yaml",
        '    if_unsure: *unsure_emergency\n    text: "Sudden breathlessness',
        '    text: "Sudden breathlessness',
    )
    found = problems_in(data)
    assert any("sudden-breathlessness.yaml" in p and "'breathless'" in p and "is not declared" in p for p in found), (
        found
    )


@pytest.mark.parametrize(
    ("file", "old", "new", "question", "rule"),
    [
        # a choice question: "don't know" about onset counted as gradual would switch off the artery rule
        (
            "questions/03-pain.yaml",
            "      means: sudden\n",
            "      means: gradual\n",
            "onset",
            "tearing-or-moving-pain",
        ),
        # a number question: unknown age counted as 40 would switch off the over-50 artery rule
        (
            "questions/02-about.yaml",
            "      means: 70\n",
            "      means: 40\n",
            "age",
            "older-sudden-severe-pain-aorta-pattern",
        ),
        # a multi-choice question: unknown spread counted as "buttock" would switch off the cancer nerve rule
        (
            "questions/03-pain.yaml",
            "      means: [groin, tummy, below_knee, chest_band]\n",
            "      means: [buttock]\n",
            "pain_spread",
            "cancer-history-with-nerve-symptoms",
        ),
    ],
)
def test_a_dont_know_that_would_switch_an_emergency_rule_off_is_named(
    data: Path, file: str, old: str, new: str, question: str, rule: str
) -> None:
    replace(data / file, old, new)
    found = problems_in(data)
    assert any(f"'{question}'" in p and f"switch emergency rule '{rule}' off" in p for p in found), found


def test_a_declared_dont_know_must_be_an_answer_to_its_question(data: Path) -> None:
    replace(data / "questions/03-pain.yaml", "      means: sudden\n", "      means: quickly\n")
    found = problems_in(data)
    assert any("03-pain.yaml" in p and "'quickly' is not an answer to 'onset'" in p for p in found), found


def test_a_locator_must_quote_the_words_read_in_its_source(data: Path) -> None:
    rule = data / "rules/aorta/collapse-or-shock-signs.yaml"
    replace(rule, 'locator: "sweaty, pale and clammy skin"', 'locator: "pale and sweaty, call an ambulance"')
    found = problems_in(data)
    assert any("collapse-or-shock-signs.yaml" in p and "is not in the excerpts read from 'NHS-AAA'" in p for p in found)


def test_an_urgency_rule_without_a_quoted_primary_source_is_refused(data: Path) -> None:
    rule = data / "rules/fracture/major-trauma.yaml"
    text = rule.read_text()
    start = text.index("citations:\n")
    end = text.index("evidence:")
    rule.write_text(text[:start] + 'citations:\n  - {source: PATHWAY-SLIDES, locator: "Major trauma"}\n' + text[end:])
    found = problems_in(data)
    assert any("major-trauma.yaml" in p and "needs a primary source" in p for p in found), found


def test_duplicate_ids_name_both_places(data: Path) -> None:
    shutil.copy(data / "rules/fracture/major-trauma.yaml", data / "rules/chest/major-trauma-copy.yaml")
    found = problems_in(data)
    assert any("duplicate rule id 'major-trauma'" in p and "first at" in p for p in found), found


@pytest.mark.parametrize("country", ["uk", "us"])
def test_no_learn_article_page_shows_an_internal_source_key(tmp_path: Path, country: str) -> None:
    """Citations read as numbered links to the Sources list; a key such as NHS-GALL never shows. A
    guideline's public number inside a document's own title (NICE NG59) is that title, not a key."""
    import html
    import re

    from starlette.testclient import TestClient

    from backcare import service
    from backcare.config import Settings
    from backcare.domain import Jurisdiction
    from backcare.service import community
    from backcare.store.repo import Store
    from backcare.web.app import create_app

    def text_of(page: str) -> str:
        return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))

    known = service.engine().kb.sources
    store = Store(f"sqlite:///{tmp_path / 'learn.sqlite3'}")
    settings = Settings(allowed_hosts=("testserver",), jurisdiction=Jurisdiction(country))
    client = TestClient(create_app(settings, store), headers={"sec-fetch-site": "same-origin"})
    try:
        articles = community.articles_in(Jurisdiction(country))
        assert articles
        for slug, article in articles.items():
            page = client.get(f"/learn/{slug}")
            assert page.status_code == 200
            text = text_of(page.text)
            assert article.cited(), slug
            assert '<sup class="cite">[<a href="#src-1">1</a>' in page.text, slug
            for s in article.meta.sources:
                assert re.sub(r"\s+", " ", known[s].title) in text, (slug, s)
                text = text.replace(re.sub(r"\s+", " ", known[s].title), " ")
            shown = [k for k in known if re.search(rf"(?<![\w-]){re.escape(k)}(?![\w-])", text)]
            assert shown == [], (slug, shown)
            assert not re.search(r'(href|id)="#?src-[A-Z]', page.text), slug
    finally:
        store.close()


def test_sources_are_numbered_in_order_of_first_citation_then_the_uncited_ones() -> None:
    from backcare.knowledge.articles import read_articles

    articles, problems = read_articles()
    assert problems == [] and articles
    for article in articles:
        first_cited = list(dict.fromkeys(article.cited()))
        order = article.source_order()
        assert order[: len(first_cited)] == first_cited
        assert sorted(order) == sorted(set(article.meta.sources)) and len(order) == len(set(order))

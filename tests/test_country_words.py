"""What a person reads names their own country's services and medicines: never "GP", "A&E",
"NHS 111" or "paracetamol" in the US, never "911", "the emergency room" or "acetaminophen" in
the UK. Checked on every vignette's result, every diary alert and the doctor report, in both
countries; and the lint names a raw country word in shared knowledge text with file and line."""

from __future__ import annotations

import io
import re
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from backcare import service
from backcare.domain import TERMS, DiaryAlert, Jurisdiction, Result, localize
from backcare.engine.answers import InvalidAnswers
from backcare.engine.assess import assess
from backcare.engine.evaluate import case_answers
from backcare.knowledge.lint import lint
from backcare.knowledge.loader import DATA_DIR, read_cases, read_knowledge
from backcare.knowledge.words import foreign_words
from backcare.service.diary import DiaryService, describe, products_for
from backcare.store.repo import Store
from tests.conftest import complete

UK, US = Jurisdiction.UK, Jurisdiction.US
CK = service.engine()
CASES, _ = read_cases(DATA_DIR / "cases")
LEFT_OVER = re.compile(r"\{[A-Za-z_]+\}")
NOW = datetime.now(UTC).replace(microsecond=0)


def problems_in(where: str, text: str, country: Jurisdiction) -> list[str]:
    found = [f"{where}: '{w}' shown in the {country.value.upper()}" for w in foreign_words(text, country)]
    found += [f"{where}: placeholder {p} left in the text" for p in LEFT_OVER.findall(text)]
    return found


def shown(result: Result) -> Iterator[tuple[str, str]]:
    """Everything a person reads from a result, as (field, text)."""
    level = service.shown_level(result)
    yield "headline", result.headline
    yield "level.label", level["label"]
    yield "level.what_to_do", level["what_to_do"]
    for i, reason in enumerate(result.reasons):
        yield f"reasons[{i}].advice ({reason.rule_id})", reason.advice
    for cause in result.possible_causes:
        yield f"causes[{cause.id}].name", cause.name
        yield f"causes[{cause.id}].summary", cause.summary
    for note in result.notes:
        yield "notes", note
    plan = result.plan
    if plan is None:
        return
    for group, items in (("plan", plan.items), ("safety_net", plan.safety_net)):
        for item in items:
            yield f"{group}[{item.id}].title", item.title
            yield f"{group}[{item.id}].text", item.text
            for text in (*item.steps, *item.cautions):
                yield f"{group}[{item.id}].steps/cautions", text
    for med in plan.medicines:
        yield f"medicines[{med.product_id}].name", med.name
        yield f"medicines[{med.product_id}].directions", med.directions
        yield f"medicines[{med.product_id}].max_daily", med.max_daily
        for text in med.stop_and_ask:
            yield f"medicines[{med.product_id}].stop_and_ask", text
        for text in med.blocked_because:
            yield f"medicines[{med.product_id}].blocked_because", text
    yield "medicine_note", plan.medicine_note


def test_there_are_vignettes_to_check() -> None:
    assert len(CASES) > 100


@pytest.mark.parametrize("country", [UK, US], ids=["uk", "us"])
def test_no_vignette_result_shows_the_other_countrys_words(country: Jurisdiction) -> None:
    found: list[str] = []
    for case, _file, _line in CASES:
        try:
            answers = case_answers(CK, case)
        except InvalidAnswers:
            continue  # reported by the vignette tests
        result = assess(CK, answers, country)
        for where, text in shown(result):
            found += problems_in(f"{case.id} {where}", text, country)
    assert not found, "\n".join(found)


@pytest.mark.parametrize("country", [UK, US], ids=["uk", "us"])
def test_all_shared_knowledge_reads_right_in_each_country(country: Jurisdiction) -> None:
    """Every piece of shared text, as the engine words it, whether or not a vignette reaches it."""
    found: list[str] = []
    for rule in CK.rules:
        found += problems_in(f"rule {rule.rule.id}", rule.advice_for(country), country)
    for cause in CK.kb.causes.values():
        found += problems_in(f"cause {cause.id}", localize(f"{cause.name}. {cause.plain}", country), country)
    for advice in CK.advice:
        item = advice.items[country]
        for text in (item.title, item.text, *item.steps, *item.cautions):
            found += problems_in(f"advice {item.id}", text, country)
    for flag in CK.kb.screen.values():
        found += problems_in(f"screen flag {flag.id}", localize(f"{flag.label}: {flag.why}", country), country)
    for drule in CK.kb.diary_rules.values():
        found += problems_in(f"diary rule {drule.id}", localize(f"{drule.title}. {drule.advice}", country), country)
    for product in products_for(country):
        found += problems_in(f"product {product['id']}", product["name"], country)
    for level in [*CK.kb.levels.values()]:
        for text in (level.label, level.headline.for_(country), level.what_to_do.for_(country)):
            found += problems_in(f"level {level.urgency.value}", text, country)
    assert not found, "\n".join(found)


def test_each_term_reads_right_in_its_own_country() -> None:
    for name, words in TERMS.items():
        for country in (UK, US):
            assert not foreign_words(words[country], country), (name, country)


def test_the_us_result_names_us_services() -> None:
    answers = complete(CK, urinary_symptoms="yes")
    us = assess(CK, answers, US)
    uk = assess(CK, answers, UK)
    advice_us = " ".join(r.advice for r in us.reasons)
    advice_uk = " ".join(r.advice for r in uk.reasons)
    assert "primary care provider" in advice_us and "GP" in advice_uk


# --- diary alerts ---------------------------------------------------------------------------------


def ago(**kw: float) -> datetime:
    return NOW - timedelta(**kw)


PARACETAMOL = {UK: "paracetamol-500", US: "acetaminophen-500"}
SECOND_PARACETAMOL = {UK: "co-codamol-8-500", US: "cold-flu-paracetamol"}
ASPIRIN = {UK: "aspirin-300", US: "aspirin-325"}


def diary_histories(store: Store, country: Jurisdiction) -> tuple[list[DiaryAlert], list[str]]:
    """Diaries that between them raise every diary rule; returns the alerts and the entries as
    the diary lists them."""
    alerts: list[DiaryAlert] = []
    listed: list[str] = []

    def diary(name: str) -> DiaryService:
        return DiaryService(store, country, user=f"{country.value}-{name}")

    flag = diary("flag")
    alerts += flag.log_episode(pain=7, red_flags=["bladder_control"]).alerts
    recurring = diary("recurring")
    for d in (40, 25, 10):
        recurring.log_episode(pain=5, started_at=ago(days=d))
    lasting = diary("lasting")
    for d in range(44, -1, -3):
        lasting.log_episode(pain=5, started_at=ago(days=d))
    worse = diary("worse")
    for d, pain in ((12, 2), (9, 3), (6, 5), (3, 6), (1, 7)):
        worse.log_episode(pain=pain, started_at=ago(days=d))
    too_much = diary("too-much")
    too_much.log_intake(PARACETAMOL[country], 8, taken_at=ago(hours=6), tz="UTC")
    alerts += too_much.log_intake(PARACETAMOL[country], 8, taken_at=ago(hours=1), tz="UTC").alerts
    nsaid = diary("nsaid")
    nsaid.log_intake("ibuprofen-400", 2, taken_at=ago(hours=6), tz="UTC")
    alerts += nsaid.log_intake("ibuprofen-400", 2, taken_at=ago(minutes=5), tz="UTC").alerts
    two = diary("two")
    two.log_intake(PARACETAMOL[country], 2, taken_at=ago(hours=2), tz="UTC")
    alerts += two.log_intake(SECOND_PARACETAMOL[country], 2, taken_at=ago(minutes=1), tz="UTC").alerts
    two_nsaids = diary("two-nsaids")
    two_nsaids.log_intake("ibuprofen-200", 2, taken_at=ago(hours=5), tz="UTC")
    alerts += two_nsaids.log_intake(ASPIRIN[country], 2, taken_at=ago(minutes=1), tz="UTC").alerts
    for svc in (flag, recurring, lasting, worse, too_much, nsaid, two, two_nsaids):
        alerts += svc.alerts()
        listed += [describe(entry, country)[2] for entry in svc.recent(60)]
    return alerts, listed


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store(f"sqlite:///{tmp_path / 'words.sqlite3'}")
    try:
        yield s
    finally:
        s.close()


@pytest.mark.parametrize("country", [UK, US], ids=["uk", "us"])
def test_no_diary_alert_shows_the_other_countrys_words(store: Store, country: Jurisdiction) -> None:
    alerts, listed = diary_histories(store, country)
    active = {r.id for r in CK.kb.diary_rules.values() if r.status == "active"}
    assert active <= {a.rule_id for a in alerts}, active - {a.rule_id for a in alerts}
    found: list[str] = []
    for alert in alerts:
        for name, text in (("title", alert.title), ("advice", alert.advice), ("detail", alert.detail)):
            found += problems_in(f"{alert.rule_id}.{name}", text, country)
    for text in listed:
        found += problems_in("diary entry", text, country)
    assert not found, "\n".join(found)
    details = " ".join(a.detail + a.title for a in alerts)
    assert ("acetaminophen" if country is US else "paracetamol") in details.lower()


# --- the doctor report ----------------------------------------------------------------------------


def report_text(store: Store, country: Jurisdiction) -> str:
    from pypdf import PdfReader

    from backcare.service.records import report_pdf

    svc = DiaryService(store, country, user=f"report-{country.value}")
    answers = complete(CK, urinary_symptoms="yes", medicines_taken=("paracetamol",))
    result = service.result_json(service.assess_answers(dict(answers), country))
    svc.save_assessment({k: list(v) if isinstance(v, tuple) else v for k, v in answers.items()}, result)
    for d, pain in ((12, 6), (5, 4)):
        svc.log_episode(pain=pain, started_at=ago(days=d), locations=["lower"], tz="UTC")
    svc.log_intake(PARACETAMOL[country], 8, taken_at=ago(hours=6), tz="UTC")
    svc.log_intake(SECOND_PARACETAMOL[country], 8, taken_at=ago(hours=1), tz="UTC")
    reader = PdfReader(io.BytesIO(report_pdf(svc, now=NOW)))
    text = " ".join(page.extract_text() for page in reader.pages)
    return " ".join(text.split())


def without_source_titles(text: str) -> str:
    """Citations keep their documents' own titles ("NHS: Back pain"), which are not advice."""
    for source in sorted(CK.kb.sources.values(), key=lambda s: -len(s.title)):
        text = text.replace(" ".join(source.title.split()), "")
    return text


@pytest.mark.parametrize("country", [UK, US], ids=["uk", "us"])
def test_the_doctor_report_uses_the_countrys_words(store: Store, country: Jurisdiction) -> None:
    text = report_text(store, country)
    assert "Back pain summary for your doctor" in text
    own = "acetaminophen" if country is US else "paracetamol"
    assert own in text.lower()
    found = problems_in("report", without_source_titles(text), country)
    assert not found, "\n".join(found)


# --- the lint -------------------------------------------------------------------------------------


@pytest.fixture
def data(tmp_path: Path) -> Path:
    root = tmp_path / "data"
    shutil.copytree(DATA_DIR, root, ignore=shutil.ignore_patterns("cases"))
    return root


def lint_problems(root: Path) -> list[str]:
    kb, problems = read_knowledge(root)
    return [str(p) for p in problems + lint(kb)]


def line_of(path: Path, start: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if line.startswith(start))


def put(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, (old, path)
    path.write_text(text.replace(old, new, 1))


def test_a_raw_gp_in_rule_advice_is_reported_with_file_and_line(data: Path) -> None:
    rule = data / "rules/review/pain-getting-worse.yaml"
    put(rule, "by a doctor or {physio}. Book", "by a GP or {physio}. Book")
    found = lint_problems(data)
    expected = f"pain-getting-worse.yaml:{line_of(rule, 'advice:')}: 'GP' is a UK-only word"
    assert any(expected in p and "{gp}" in p for p in found), found


def test_an_unknown_placeholder_is_reported(data: Path) -> None:
    rule = data / "rules/review/pain-getting-worse.yaml"
    put(rule, "by a doctor or {physio}. Book", "by a doctor or {physiotherapst}. Book")
    found = lint_problems(data)
    assert any("pain-getting-worse.yaml:" in p and "unknown placeholder {physiotherapst}" in p for p in found), found


def test_a_us_word_in_uk_text_and_a_uk_word_in_us_text_are_reported(data: Path) -> None:
    levels = data / "levels.yaml"
    put(levels, 'us: "Call 911 now or go to the emergency department.', 'us: "Call 911 now or see a GP.')
    put(
        data / "medicines/uk.yaml",
        "Take 1 or 2 tablets with water or milk",
        "Call 911 if unwell. Take 1 or 2 tablets with water or milk",
    )
    found = lint_problems(data)
    assert any("levels.yaml:" in p and "'GP' is a UK-only word in US text" in p for p in found), found
    assert any("medicines/uk.yaml:" in p and "'911' is a US-only word in UK text" in p for p in found), found


def test_word_matching_is_on_word_boundaries() -> None:
    assert foreign_words("GPS tracking, an ERGONOMIC chair, 9999 steps, 1110 mg", US) == []
    assert foreign_words("See a GP, or go to A&E.", US) == ["GP", "A&E"]
    assert foreign_words("the ER, or urgent care", UK) == ["ER", "urgent care"]
    assert foreign_words("ask your {gp} about {paracetamol}", US) == []


@pytest.mark.parametrize("country", list(Jurisdiction))
def test_the_question_catalogue_is_in_the_countrys_words(country: Jurisdiction) -> None:
    found = []
    for q in service.questions_catalogue(country):
        words = [q["text"], q["help"], *(o["label"] for o in q["options"])]
        for text in words:
            assert not re.search(r"\{[A-Za-z_]+\}", text), (q["id"], text)
            found += problems_in(q["id"], text, country)
    assert found == []

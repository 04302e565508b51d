"""The doctor report as a doctor reads it: page 1 says who, the result, the warning signs answered
yes and the risk factors; at most two pages; the country's words; and the report, the trends and
the alerts count the same days and episodes."""

from __future__ import annotations

import io
import os
import re
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backcare import service
from backcare.domain import Jurisdiction
from backcare.engine.diary import clusters
from backcare.service.diary import DiaryService
from backcare.service.records import report_pdf
from backcare.service.report import chart_view, episode_gap_days, report_view
from backcare.store.repo import Store
from tests.conftest import complete

NOW = datetime.now(UTC).replace(microsecond=0)
SHOTS = Path(os.environ["BACKCARE_SCREENSHOTS"]) if os.environ.get("BACKCARE_SCREENSHOTS") else None
LEVEL_OF = {"self-care": "self_care", "same-day": "same_day", "emergency": "emergency_now", "diary-sign": "self_care"}
UK_WORDS = re.compile(r"999|A&E|\bGP\b|NHS|paracetamol", re.IGNORECASE)
US_WORDS = re.compile(r"911|acetaminophen|urgent care|primary care", re.IGNORECASE)
CASES: dict[str, dict[str, Any]] = {
    "self-care": {},
    "same-day": {"fever": "yes", "age": 62.0, "cancer_history": "yes", "steroids_long_term": "yes"},
    "emergency": {"saddle_numbness": "yes", "bladder_control": "yes", "age": 47.0, "sex": "female"},
    "diary-sign": {},  # a self-care check, then saddle numbness logged in the diary
}


def save_check(diary: DiaryService, **changes: Any) -> None:
    answers = complete(service.engine(), **changes)
    result = service.result_json(service.assess_answers(dict(answers), diary.jurisdiction))
    diary.save_assessment({k: list(v) if isinstance(v, tuple) else v for k, v in answers.items()}, result)


def history(diary: DiaryService, case: str, entries: int = 11) -> None:
    """A person's month: an older ordinary check, the latest check for ``case``, pain entries,
    medicines, heat and pain-free days (an emergency or diary-sign history also logs a warning
    sign after the check)."""
    save_check(diary)
    save_check(diary, **CASES[case])
    tz = "Europe/London" if diary.jurisdiction is Jurisdiction.UK else "America/Chicago"
    for n in range(entries):
        diary.log_episode(
            pain=3 + n % 6,
            started_at=NOW - timedelta(days=1 + 2 * n, hours=3),
            locations=["lower", "left"],
            qualities=["cramp_spasm"],
            triggers=["bending_twisting"],
            helped=["heat", "walk"],
            tz=tz,
        )
    if case in ("emergency", "diary-sign"):
        diary.log_episode(pain=8, started_at=NOW - timedelta(hours=2), red_flags=["saddle_numbness"], tz=tz)
    products = [p.id for p in service.engine().kb.products.values() if diary.jurisdiction in p.jurisdictions]
    for d in (12, 11, 2):
        diary.log_intake(products[0], 2, taken_at=NOW - timedelta(days=d, hours=2), tz=tz)
    diary.log_action("heat", 15, done_at=NOW - timedelta(days=11), tz=tz)
    diary.check_in((NOW - timedelta(days=4)).date(), pain_free=True)


def pages(pdf: bytes) -> list[str]:
    from pypdf import PdfReader

    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages]


@pytest.fixture
def local_diary(tmp_path: Any) -> Any:
    """A SQLite diary per country (the PostgreSQL runs are covered by test_records)."""
    stores = []

    def make(country: Jurisdiction) -> DiaryService:
        store = Store(f"sqlite:///{tmp_path / f'{country.value}-{len(stores)}.db'}")
        stores.append(store)
        return DiaryService(store, country)

    yield make
    for store in stores:
        store.close()


@pytest.mark.parametrize("country", [Jurisdiction.UK, Jurisdiction.US])
@pytest.mark.parametrize("case", list(CASES))
def test_page_one_says_who_the_result_and_the_yes_answers_within_two_pages(
    local_diary: Any, case: str, country: Jurisdiction
) -> None:
    diary = local_diary(country)
    history(diary, case)
    pdf = report_pdf(diary)
    text = pages(pdf)
    assert 1 <= len(text) <= 2
    if SHOTS:  # every page as a picture, to read as a doctor would (docs/screenshots/report-*.png)
        source = SHOTS / f"report-{case}-{country.value}.pdf"
        source.write_bytes(pdf)
        subprocess.run(["pdftoppm", "-r", "60", "-png", str(source), str(source.with_suffix(""))], check=True)
        source.unlink()
    first = text[0]
    age = int(complete(service.engine(), **CASES[case])["age"])  # type: ignore[call-overload]
    sex = {"male": "Male", "female": "Female"}[str(complete(service.engine(), **CASES[case])["sex"])]
    assert f"Age: {age} years" in first and f"Sex: {sex}" in first
    level = service.engine().kb.levels[LEVEL_OF[case]]
    if case == "diary-sign":
        assert first.index("Now: Emergency") < first.index(f"Result: {level.label} (latest check, {NOW:%d %b %Y})")
    else:
        assert f"Result: {level.label}" in first and "Now:" not in first
    assert "Warning signs answered yes" in first and "Risk factors" in first
    if case == "emergency":
        assert re.search(r"Numbness or pins and needles between your inner thighs.*? Yes", first)
        assert "What the diary shows now Emergency" in first  # the logged warning sign, on page 1
    if case == "same-day":
        assert "I have had cancer" in first.split("Risk factors")[1]
    everything = " ".join(text)
    assert not re.search(r"\b[a-z]+_[a-z_]+\b", everything), "an internal id is shown"
    wrong = UK_WORDS if country is Jurisdiction.US else US_WORDS
    assert not wrong.search(everything), wrong.search(everything)


def test_yes_answers_are_tinted_rows_with_a_marker_not_only_bold(local_diary: Any) -> None:
    from reportlab.lib.rl_accel import fp_str

    from backcare.export.pdf import YES_MARK, YES_TINT

    diary = local_diary(Jurisdiction.UK)
    history(diary, "emergency")
    view = report_view(diary)
    assert [s.answer.split(";")[0] for s in view.yes_signs] == ["Yes", "Yes"]
    pdf = report_pdf(diary)
    # The tint and the marker's fill are drawn on page 1 as filled rectangles in these colours.
    from pypdf import PdfReader

    content = PdfReader(io.BytesIO(pdf)).pages[0].get_contents().get_data().decode("latin-1")  # type: ignore[union-attr]
    for color in (YES_TINT, YES_MARK):
        rgb = fp_str(color.red, color.green, color.blue) + " rg"
        assert rgb in content, rgb


def test_a_long_diary_still_fits_on_two_pages_with_the_latest_entries(local_diary: Any) -> None:
    diary = local_diary(Jurisdiction.UK)
    history(diary, "same-day", entries=80)
    text = pages(report_pdf(diary))
    assert len(text) <= 2
    assert re.search(r"Pain entries \(80 logged, latest \d+ shown\)", " ".join(text))


def test_earlier_checks_are_listed_by_date_and_result(local_diary: Any) -> None:
    diary = local_diary(Jurisdiction.UK)
    history(diary, "emergency")
    view = report_view(diary)
    assert [(c.when, c.level, c.reasons) for c in view.earlier_checks] == [
        (f"{NOW:%d %b %Y}", "Self-care", "no warning sign answered yes")
    ]
    assert f"Earlier checks {NOW:%d %b %Y}: Self-care (no warning sign answered yes)." in " ".join(
        pages(report_pdf(diary))
    )


def test_without_a_saved_check_the_report_says_the_warning_signs_were_never_asked(local_diary: Any) -> None:
    diary = local_diary(Jurisdiction.UK)
    diary.log_episode(pain=4, started_at=NOW - timedelta(days=1), tz="Europe/London")
    first = " ".join(pages(report_pdf(diary))[0].split())
    assert "No check has been saved yet" in first and "1 pain entry on 1 day" in first
    assert "warning signs were not asked: bladder or bowel control" in first and "Please ask about them" in first


# --- one way of counting ------------------------------------------------------------------------


def test_trends_alerts_report_and_chart_count_the_same_local_days_around_midnight(local_diary: Any) -> None:
    """In Auckland (UTC+13 in summer) 00:30 and 23:30 are one local day but two UTC dates, and a
    pain-free day between 23:30 and 00:30 two days later separates two episodes only by local days."""
    diary = local_diary(Jurisdiction.UK)
    tz = "Pacific/Auckland"
    from zoneinfo import ZoneInfo

    base = (NOW - timedelta(days=10)).astimezone(ZoneInfo(tz)).replace(hour=0, minute=30, second=0)
    day = base.date()
    # One local day, two UTC dates: two doses and two pain entries.
    for at in (base, base.replace(hour=23, minute=30)):
        assert at.astimezone(UTC).date() != day or at.hour == 23
        diary.log_intake("ibuprofen-200", 1, taken_at=at, tz=tz)
        diary.log_episode(pain=5, started_at=at, tz=tz)
    # Three episodes separated by pain-free local days, each across midnight in UTC terms.
    for k in (1, 3):
        diary.check_in(day + timedelta(days=k), pain_free=True)
        diary.log_episode(pain=6, started_at=base + timedelta(days=k + 1), tz=tz)
    view = report_view(diary)
    assert [m.days for m in view.medicines] == [1]
    trends = diary.trends(weeks=4, months=1)
    assert sum(p.medicine_days for p in trends["weeks"]) == 1
    points = {p.day: p for p in chart_view(diary, 30)}
    assert points[day].worst == 5 and points[day + timedelta(days=1)].worst == 0
    assert [d for d, _, _, n in diary.daily_pain(30) if n == 2] == [day.isoformat()]
    with diary.diary() as d:
        episodes = d.episodes(NOW - timedelta(days=30), NOW + timedelta(days=1))
        checkins = d.checkins((NOW - timedelta(days=30)).date(), NOW.date() + timedelta(days=1))
    spells = clusters(episodes, checkins, episode_gap_days())
    assert len(spells) == 3
    assert "grouped into 3 separate episodes" in " ".join(view.pattern)
    recurrence = [a for a in diary.alerts() if a.rule_id == "diary-recurring-episodes"]
    assert recurrence and recurrence[0].detail.startswith("3 separate episodes")


ZONES = ["UTC", "Europe/London", "America/Los_Angeles", "Pacific/Auckland", "Asia/Kolkata"]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 60 * 24 * 20), st.sampled_from(ZONES), st.integers(0, 10)), min_size=1, max_size=30
    )
)
def test_every_pain_entry_counts_once_on_its_own_local_day(entries: list[tuple[int, str, int]]) -> None:
    from zoneinfo import ZoneInfo

    from backcare.domain import Episode
    from backcare.engine.days import daily

    start = datetime(2026, 3, 1, tzinfo=UTC)  # spans the spring clock change in Europe and the US
    episodes = [
        Episode(id=str(n), started_at=start + timedelta(minutes=m), tz=tz, pain=pain)
        for n, (m, tz, pain) in enumerate(entries)
    ]
    local = [e.started_at.astimezone(ZoneInfo(e.tz)).date() for e in episodes]
    days = daily(episodes, [], [], min(local), max(local))
    assert [d.day for d in days] == [min(local) + timedelta(days=i) for i in range(len(days))]
    assert sum(d.entries for d in days) == len(episodes)
    for d in days:
        pains = [e.pain for e, day in zip(episodes, local, strict=True) if day == d.day]
        assert d.worst == (max(pains) if pains else None)


# --- what the trial found --------------------------------------------------------------------------


def test_a_warning_sign_logged_after_a_self_care_check_leads_page_one_and_joins_the_yes_answers(
    local_diary: Any,
) -> None:
    diary = local_diary(Jurisdiction.UK)
    history(diary, "diary-sign")
    view = report_view(diary)
    saddle = next(s.text for s in view.yes_signs)
    assert saddle.startswith("Numbness or pins and needles between your inner thighs")
    assert (
        view.now
        == f"Now: Emergency — warning sign logged in the diary on {NOW - timedelta(hours=2):%d %b %Y}: {saddle}"
    )
    assert view.now_urgency == "emergency_now"
    assert [s.answer for s in view.yes_signs] == [f"Logged in the diary on {NOW - timedelta(hours=2):%d %b %Y}"]
    assert saddle not in view.negatives and view.negatives  # the other signs are still listed as no
    first = pages(report_pdf(diary))[0]
    assert (
        first.index("Now: Emergency")
        < first.index("Result: Self-care (latest check")
        < first.index("Warning signs answered yes")
    )
    assert "None: every warning sign asked was answered no" not in first


def test_a_diary_alert_no_more_urgent_than_the_latest_check_adds_no_now_box(local_diary: Any) -> None:
    diary = local_diary(Jurisdiction.US)
    history(diary, "emergency")
    view = report_view(diary)
    assert view.now == "" and view.now_urgency is None
    assert view.yes_signs[0].answer.startswith("Yes; logged in the diary on")


def test_risk_factors_from_an_earlier_check_survive_a_check_that_stopped_at_the_emergency_screen(
    local_diary: Any,
) -> None:
    diary = local_diary(Jurisdiction.UK)
    save_check(diary, cancer_history="yes")
    stopped = {"back_pain_present": "yes", "saddle_numbness": "yes"}
    diary.save_assessment(stopped, service.result_json(service.assess_answers(dict(stopped), Jurisdiction.UK)))
    view = report_view(diary)
    assert view.risks_note == "Not asked in the latest check (it ended at the emergency screen)"
    assert len(view.risk_factors) == 1
    assert view.risk_factors[0].startswith("I have had cancer")
    assert view.risk_factors[0].endswith(f"(from the check of {NOW:%d %b %Y})")
    first = pages(report_pdf(diary))[0]
    risks = first.split("Risk factors")[1]
    assert "None reported" not in risks and "Not asked in the latest check (it ended at the emergency screen)." in risks
    assert "I have had cancer" in risks
    age = int(complete(service.engine())["age"])  # type: ignore[call-overload]
    assert f"Age: {age} years (check of {NOW:%d %b %Y})" in first


def test_a_complete_latest_check_without_risk_factors_says_none_reported(local_diary: Any) -> None:
    diary = local_diary(Jurisdiction.UK)
    history(diary, "self-care")
    view = report_view(diary)
    assert view.risk_factors == [] and view.risks_note == ""
    assert "Risk factors None reported." in pages(report_pdf(diary))[0]


def test_earlier_checks_give_their_level_and_main_reasons_one_line_each(local_diary: Any) -> None:
    diary = local_diary(Jurisdiction.UK)
    save_check(diary, **CASES["same-day"])
    save_check(diary)
    (earlier,) = report_view(diary).earlier_checks
    assert earlier.level == service.engine().kb.levels["same_day"].label
    assert earlier.reasons and "_" not in earlier.reasons
    assert f"{earlier.when}: {earlier.level} ({earlier.reasons})." in " ".join(pages(report_pdf(diary)))


@pytest.mark.parametrize("country", [Jurisdiction.UK, Jurisdiction.US])
def test_the_report_names_choices_in_words_and_counts_in_plain_english(local_diary: Any, country: Jurisdiction) -> None:
    diary = local_diary(country)
    history(diary, "diary-sign")
    tz = "Europe/London" if country is Jurisdiction.UK else "America/Chicago"
    diary.log_episode(pain=4, started_at=NOW - timedelta(days=40), locations=["central"], tz=tz)
    diary.log_intake(
        next(p.id for p in service.engine().kb.products.values() if country in p.jurisdictions),
        1,
        taken_at=NOW - timedelta(days=30),
        tz=tz,
    )
    everything = " ".join(pages(report_pdf(diary)))
    assert "Where: lower back (11), left side (11)" in everything
    assert ("centre (spine)" if country is Jurisdiction.UK else "center (spine)") in everything
    assert not re.search(r"\b1 (units|days|entries|times|minutes)\b|\(s\)|same than", everything)
    assert not re.search(r"\b[a-z]+_[a-z_]+\b", everything)


def test_the_report_speaks_about_the_person_while_the_diary_speaks_to_them(local_diary: Any) -> None:
    diary = local_diary(Jurisdiction.UK)
    history(diary, "diary-sign")
    assert any(a.detail.startswith("You logged") for a in diary.alerts())  # the diary page, unchanged
    view = report_view(diary)
    assert all("You logged" not in a.detail for a in view.alerts)
    assert view.alerts[0].detail.startswith(f"Logged in the diary on {NOW - timedelta(hours=2):%d %b %Y}: Numbness")
    assert "You logged" not in " ".join(pages(report_pdf(diary)))


def test_any_diary_alert_more_urgent_than_the_latest_check_leads_page_one(local_diary: Any) -> None:
    from tests.test_records import fill

    diary = local_diary(Jurisdiction.UK)
    fill(diary)  # a self-care check, then pain entries that keep coming back
    soon = service.engine().kb.levels["soon"].label
    view = report_view(diary)
    assert view.now == f"Now: {soon} — from the diary: Episodes keep coming back"
    assert view.now_urgency == "soon"
    first = pages(report_pdf(diary))[0]
    assert first.index(f"Now: {soon}") < first.index(f"Result: Self-care (latest check, {NOW:%d %b %Y})")

"""The doctor report and the chart as a person gets them on a phone: the chart fits a 360 px
screen with its figures in a table, and the PDF downloaded from the report page says who, the
result and the warning signs answered yes on page 1, in at most two pages."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from backcare.config import Settings
from backcare.service.diary import DiaryService
from backcare.store.repo import Store
from tests.test_browser import AXE, PHONE, SHOTS, axe, browser, live_server  # noqa: F401 (browser is a fixture)
from tests.test_report import history

pytestmark = pytest.mark.browser


def chart_section_axe(page: Any) -> list[str]:
    """axe-core's serious and critical findings in the chart section alone (this branch's part of
    the diary page; the rest of the page is checked by test_browser)."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "async () => await axe.run(document.querySelector('section[aria-labelledby=chart-h]'),"
        " {resultTypes: ['violations']})"
    )
    return [f"{v['id']}: {v['help']}" for v in result["violations"] if v["impact"] in ("serious", "critical")]


@pytest.fixture(scope="module")
def emergency_base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The local web app over a diary with an emergency history: a saved check with two nerve
    warning signs answered yes, a month of entries and a warning sign logged today."""
    db = tmp_path_factory.mktemp("report") / "local.sqlite3"
    store = Store(f"sqlite:///{db}")
    try:
        history(DiaryService(store), "emergency")
    finally:
        store.close()
    yield from live_server(Settings(), db)


@pytest.fixture
def phone(browser: Any) -> Iterator[Any]:  # noqa: F811 (the fixture imported above)
    context = browser.new_context(bypass_csp=True, accept_downloads=True, viewport=PHONE)
    page = context.new_page()
    yield page
    context.close()


def test_the_pdf_downloaded_on_a_phone_says_who_the_result_and_the_yes_answers(
    emergency_base: str, phone: Any, tmp_path: Path
) -> None:
    from pypdf import PdfReader

    phone.goto(f"{emergency_base}/report")
    assert axe(phone) == []
    with phone.expect_download() as info:
        phone.get_by_role("link", name="Download the PDF report").click()
    target = tmp_path / "report.pdf"
    info.value.save_as(target)
    reader = PdfReader(io.BytesIO(target.read_bytes()))
    assert 1 <= len(reader.pages) <= 2
    first = " ".join(reader.pages[0].extract_text().split())
    assert "Age: 47 years" in first and "Sex: Female" in first
    assert "Result: Emergency" in first
    assert re.search(
        r"Warning signs answered yes .*Numbness or pins and needles between your inner thighs.*? Yes", first
    )
    assert "What the diary shows now Emergency" in first


def test_the_chart_fits_a_360_px_screen_with_its_figures_in_a_table(emergency_base: str, phone: Any) -> None:
    phone.set_viewport_size({"width": 360, "height": 780})
    phone.goto(f"{emergency_base}/diary")
    phone.wait_for_function("() => document.querySelector('img.chart').complete")
    chart = phone.locator("img.chart")
    box = chart.bounding_box()
    assert box is not None and box["width"] <= 360 and box["height"] > 150
    assert chart.evaluate("img => img.naturalWidth") > 0
    # The SVG's text is 12 units in a 360-unit drawing: at this width it is drawn at least 10 px.
    assert box["width"] / 360 * 12 >= 10
    figure = phone.locator("figure.pain-chart").bounding_box()
    assert figure is not None and figure["x"] >= 0 and figure["x"] + figure["width"] <= 360
    phone.get_by_text("The chart's figures as a table").click()
    rows = phone.locator(".chart-data tbody tr")
    assert rows.count() >= 10
    assert re.fullmatch(r"\w{3} \d{2} \w{3}\s+\d+ out of 10|\w{3} \d{2} \w{3}\s+no pain", rows.first.inner_text())
    assert chart_section_axe(phone) == []
    if SHOTS:
        phone.locator("#chart-h").locator("xpath=..").screenshot(path=str(SHOTS / "diary-chart-phone.png"))

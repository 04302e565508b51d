"""The diary in a real browser on a 390 px phone, as a person uses it on a bad day: log an
episode, a medicine and heat from one page; see the confirmation and every alert come into view
(an urgent one focused and announced); see why an entry was refused next to its field with what
was typed kept; a heat timer that survives a change of page and a reload and ends loudly; a sitting
reminder that works without notification permission. axe-core checks the diary page in each
state. With BACKCARE_SCREENSHOTS=docs/screenshots the tests also write diary-*.png there."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from backcare.config import Settings
from tests.test_browser import DESKTOP, PHONE, SHOTS, axe, live_server, shot
from tests.test_browser import browser as browser  # the shared fixture, used by name

pytestmark = pytest.mark.browser


@pytest.fixture
def base(tmp_path: Path) -> Iterator[str]:
    """A fresh local app per test: each starts with an empty diary."""
    yield from live_server(Settings(), tmp_path / "diary.sqlite3")


@pytest.fixture
def phone(browser: Any) -> Iterator[Any]:
    context = browser.new_context(bypass_csp=True, viewport=PHONE, has_touch=True, is_mobile=True)
    pg = context.new_page()
    yield pg
    context.close()


def in_view(page: Any, selector: str) -> bool:
    """The element's top is on screen and it is not hidden: where the person is looking."""
    box = page.locator(selector).first.bounding_box()
    height = page.viewport_size["height"]
    return box is not None and -2 <= box["y"] < height and box["y"] + min(box["height"], 40) <= height


def settled(page: Any, element_id_or_class: str) -> None:
    """Wait until the page has moved the focus where it should (after the browser's own jump to
    the address's #fragment)."""
    page.wait_for_function(
        "(want) => { const e = document.activeElement; return e.id === want || e.classList.contains(want); }",
        arg=element_id_or_class,
        timeout=3000,
    )


def focused(page: Any) -> str:
    return str(page.evaluate("() => document.activeElement.id || document.activeElement.className || ''"))


def view_shot(page: Any, name: str) -> None:
    """What the person sees right now (the screen, not the whole page), for docs/screenshots."""
    if not SHOTS:
        return
    from PIL import Image

    page.screenshot(path=str(SHOTS / name))
    with Image.open(SHOTS / name) as image:
        small = image.convert("RGB").quantize(64, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    small.save(SHOTS / name, optimize=True)


def no_serious_axe(page: Any) -> None:
    found = axe(page)
    assert found == [], found


def save(page: Any, button: str) -> None:
    with page.expect_navigation(wait_until="load"):
        page.click(button)


def test_an_episode_is_logged_from_one_screen_and_the_confirmation_is_in_view(base: str, phone: Any) -> None:
    phone.goto(f"{base}/diary")
    shot(phone, "diary-empty-phone.png")
    shot(phone, "diary-empty-desktop.png", DESKTOP)
    # Labels are words: no stored ids on the page.
    text = phone.locator("main").inner_text()
    assert "bending_twisting" not in text and "Bending or twisting" in text and "Below the knee" in text
    phone.click(".scale label.pain-6")
    phone.click("label:has-text('Lower back')")
    phone.click("label:has-text('Bending or twisting')")
    phone.locator("button.save").scroll_into_view_if_needed()
    save(phone, "button.save")
    assert phone.url.endswith("/diary?saved=episode#saved")
    assert phone.locator("#saved .notice").inner_text().startswith("Saved your entry.")
    assert phone.locator("#saved .notice").get_attribute("role") == "status"
    assert in_view(phone, "#saved .notice")
    view_shot(phone, "diary-saved-screen-phone.png")
    assert "pain 6/10; lower back; after bending or twisting" in phone.locator(".entries").inner_text()
    no_serious_axe(phone)
    shot(phone, "diary-saved-phone.png")


def test_a_warning_sign_alert_comes_into_view_is_focused_and_announced(base: str, phone: Any) -> None:
    phone.goto(f"{base}/diary")
    phone.click(".scale label.pain-5")
    phone.click(".more-detail summary")
    phone.click(".signs-detail summary")
    phone.check("input[name=red_flags][value=bowel_change]")
    # The person is looking at the Save button, far down a long page.
    phone.locator("button.save").scroll_into_view_if_needed()
    assert not in_view(phone, "h1")
    save(phone, "button.save")
    settled(phone, "urgent")
    alert = phone.locator("#saved .alert.urgent").first
    assert alert.get_attribute("role") == "alert"
    assert in_view(phone, "#saved .alert.urgent")
    assert "alert" in focused(phone)
    view_shot(phone, "diary-alert-screen-phone.png")
    words = " ".join(alert.inner_text().split())
    assert "Emergency: A warning sign was logged" in words
    assert "Call 999 now or go to A&E. Do not drive yourself." in words
    assert "bowel_change" not in words and "Not being able to hold in a poo" in words
    no_serious_axe(phone)
    shot(phone, "diary-alert-phone.png")
    shot(phone, "diary-alert-desktop.png", DESKTOP)


def test_a_medicine_logs_with_its_alert_in_view_and_comes_first_next_time(base: str, phone: Any) -> None:
    phone.goto(f"{base}/diary")
    phone.select_option("#product", label="Paracetamol 500 mg")
    phone.fill("#units", "8")
    save(phone, "#more form.stacked >> nth=0 >> button")
    assert phone.url.endswith("saved=medicine#saved") and in_view(phone, "#saved .notice")
    phone.select_option("#product", label="Paracetamol 500 mg")
    phone.fill("#units", "2")
    phone.locator("#units").scroll_into_view_if_needed()
    save(phone, "#more form.stacked >> nth=0 >> button")
    settled(phone, "urgent")
    assert in_view(phone, "#saved .alert.urgent") and "alert" in focused(phone)
    words = " ".join(phone.locator("#saved").inner_text().split())
    assert "More paracetamol than the label allows" in words and "Call NHS 111 now" in words
    # The medicine taken lately leads the list.
    first = phone.locator("#product optgroup").first
    assert first.get_attribute("label") == "Taken lately"
    assert first.locator("option").all_inner_texts() == ["Paracetamol 500 mg"]
    no_serious_axe(phone)


def test_a_refused_entry_shows_the_reason_next_to_the_field_and_keeps_what_was_typed(base: str, phone: Any) -> None:
    phone.goto(f"{base}/diary")
    phone.click(".scale label.pain-4")
    phone.click("label:has-text('Lower back')")
    phone.click(".more-detail summary")
    phone.fill("#note", "after gardening")
    tomorrow = (datetime.now() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    phone.fill("#when", tomorrow)
    phone.locator("button.save").scroll_into_view_if_needed()
    save(phone, "button.save")
    settled(phone, "refused")
    assert phone.url.endswith("/diary#log")
    summary = phone.locator("#refused")
    assert summary.get_attribute("role") == "alert" and focused(phone) == "refused" and in_view(phone, "#refused")
    view_shot(phone, "diary-refused-screen-phone.png")
    assert "The time is in the future" in summary.inner_text()
    assert summary.locator("a").get_attribute("href") == "#err-when"
    # Next to the field, tied to it for screen readers.
    assert "The time is in the future" in phone.locator("#err-when").inner_text()
    assert phone.locator("#when").get_attribute("aria-describedby") == "err-when"
    assert phone.locator("#when").input_value() == tomorrow
    assert phone.locator("input[name=pain][value='4']").is_checked()
    assert phone.locator("input[name=locations][value=lower]").is_checked()
    assert phone.locator("#note").input_value() == "after gardening"
    assert "started_at" not in phone.locator("main").inner_text()
    no_serious_axe(phone)
    shot(phone, "diary-refused-phone.png")


def test_heat_is_logged_and_its_timer_runs_across_pages_and_ends_loudly(base: str, phone: Any) -> None:
    phone.goto(f"{base}/diary")
    phone.select_option("#action", "heat")
    phone.fill("#minutes", "15")
    save(phone, "#more form.stacked >> nth=1 >> button")
    assert in_view(phone, "#saved .notice") and "Heat for 15 min" in phone.locator(".entries").inner_text()
    phone.click("button:has-text('Start 15-minute heat timer')")
    bar = phone.locator(".timer-bar")
    assert bar.is_visible() and "Heat" in bar.inner_text()
    phone.goto(f"{base}/learn")
    assert bar.is_visible() and "left" in bar.inner_text()
    phone.reload()
    assert bar.is_visible()
    time_left = phone.locator(".timer-bar-time").inner_text()
    assert time_left.startswith("14:") or time_left.startswith("15:")
    phone.evaluate("() => window.scrollTo(0, document.body.scrollHeight)")
    assert in_view(phone, ".timer-bar")  # sticky: seen wherever the page is scrolled
    view_shot(phone, "diary-timer-screen-phone.png")
    # Near the end: the page is changed again, and the timer still ends here.
    phone.evaluate(
        "() => { const t = JSON.parse(localStorage.getItem('backcare.timer'));"
        " t.end = Date.now() + 1500; t.halfway = true; localStorage.setItem('backcare.timer', JSON.stringify(t)); }"
    )
    phone.goto(f"{base}/diary")
    phone.wait_for_function("() => document.title.startsWith('⏰')", timeout=5000)
    assert "Time is up: take the pack off now" in bar.inner_text()
    view_shot(phone, "diary-timer-ended-screen-phone.png")
    assert phone.locator(".timer-bar-note").get_attribute("role") == "alert"
    assert phone.evaluate("() => window.backcareAlarm.rang") == 1
    assert phone.evaluate("() => localStorage.getItem('backcare.timer')") is None


def test_the_sitting_reminder_works_without_notification_permission(base: str, phone: Any) -> None:
    phone.goto(f"{base}/prevent")
    phone.fill("#every", "5")
    phone.click("button.reminder-start")
    status = phone.locator(".reminder-status").inner_text()
    assert "every 5 minutes" in status and "Reminders will show on this page with a sound" in status
    # It keeps going on another page; when it fires it is on screen wherever the page is scrolled.
    phone.goto(f"{base}/learn")
    phone.evaluate("() => window.scrollTo(0, document.body.scrollHeight)")
    phone.evaluate("() => window.backcareReminder.fire()")
    assert phone.locator(".reminder-alert").is_visible() and in_view(phone, ".reminder-alert")
    assert phone.title().startswith("⏰") and phone.locator(".reminder-alert").get_attribute("role") == "alert"
    view_shot(phone, "diary-reminder-screen-phone.png")
    phone.click(".reminder-dismiss")
    assert not phone.locator(".reminder-alert").is_visible() and not phone.title().startswith("⏰")


def test_a_refused_entry_is_not_hidden_under_a_running_timer(base: str, phone: Any) -> None:
    phone.goto(f"{base}/diary")
    phone.click("button:has-text('Start 15-minute heat timer')")
    tomorrow = (datetime.now() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    phone.select_option("#product", index=1)
    phone.fill("#med-when", tomorrow)
    save(phone, "#more form.stacked >> nth=0 >> button")
    settled(phone, "refused")
    phone.wait_for_timeout(300)
    bar = phone.locator(".timer-bar").bounding_box()
    summary = phone.locator("#refused").bounding_box()
    assert bar is not None and summary is not None
    assert summary["y"] >= bar["y"] + bar["height"], (summary, bar)  # the summary's top is below the bar
    assert "The time is in the future" in phone.locator("#refused").inner_text()
    assert phone.locator("#med-when").input_value() == tomorrow
    view_shot(phone, "diary-refused-under-timer-phone.png")


def test_a_finished_heat_timer_offers_to_log_the_session(base: str, phone: Any) -> None:
    phone.goto(f"{base}/diary")
    phone.click("button:has-text('Start 15-minute heat timer')")
    phone.goto(f"{base}/plan")
    phone.evaluate(
        "() => { const t = JSON.parse(localStorage.getItem('backcare.timer'));"
        " t.end = Date.now() + 800; t.halfway = true; localStorage.setItem('backcare.timer', JSON.stringify(t)); }"
    )
    log = phone.locator(".timer-bar-log-save")
    log.wait_for(state="visible", timeout=5000)
    assert log.inner_text() == "Log this heat session"
    assert not phone.locator(".timer-bar-stop").is_visible()
    view_shot(phone, "diary-timer-log-screen-phone.png")
    no_serious_axe(phone)
    save(phone, ".timer-bar-log-save")
    assert "Saved the self-care." in phone.locator("#saved").inner_text()
    assert "Heat for 15 min" in phone.locator(".entries").inner_text()
    # Dismiss: the bar goes, nothing is logged.
    phone.click("button:has-text('Start 15-minute heat timer')")
    phone.evaluate(
        "() => { const t = JSON.parse(localStorage.getItem('backcare.timer'));"
        " t.end = Date.now() + 500; localStorage.setItem('backcare.timer', JSON.stringify(t)); }"
    )
    phone.locator(".timer-bar-dismiss").wait_for(state="visible", timeout=5000)
    phone.click(".timer-bar-dismiss")
    assert not phone.locator(".timer-bar").is_visible()
    assert phone.locator(".entries li").count() == 1

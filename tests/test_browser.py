"""The web app in a real browser: Playwright driving Debian's chromium, headless, against a live
server; axe-core checks every page for serious or critical accessibility problems."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from backcare.config import Settings
from backcare.store.repo import Store
from backcare.web.app import create_app
from tests.conftest import ORDINARY

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
AXE = Path(__file__).resolve().parent.parent / ".cache/axe/node_modules/axe-core/axe.min.js"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SHOTS = Path(os.environ.get("BACKCARE_SCREENSHOTS", "")) if os.environ.get("BACKCARE_SCREENSHOTS") else None

if not (Path(CHROMIUM).exists() and AXE.exists()):
    if os.environ.get("BACKCARE_REQUIRE_BROWSER") == "1":
        raise RuntimeError("browser tests need /usr/bin/chromium and axe-core: run ./scripts/setup-browser")
    pytest.skip("chromium or axe-core missing (./scripts/setup-browser installs them)", allow_module_level=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def live_server(settings: Settings, db: Path) -> Iterator[str]:
    import uvicorn

    store = Store(f"sqlite:///{db}")
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings, store), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        store.close()


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from live_server(Settings(), tmp_path_factory.mktemp("web") / "local.sqlite3")


@pytest.fixture(scope="module")
def server_base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    settings = Settings(mode="server", secret_key="k" * 40, secure_cookies=False)
    yield from live_server(settings, tmp_path_factory.mktemp("web") / "server.sqlite3")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(bypass_csp=True, accept_downloads=True, viewport={"width": 420, "height": 900})
    pg = context.new_page()
    yield pg
    context.close()


def axe(page: Any) -> list[str]:
    """Serious or critical axe-core violations on the current page."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def choose(page: Any, value: Any) -> None:
    """Answer the question on screen with ``value`` and go on."""
    if isinstance(value, tuple | list):
        for v in value:
            page.check(f"input[name=answer][value='{v}']")
    elif isinstance(value, float | int):
        page.fill("#answer", str(int(value)))
    else:
        page.check(f"input[name=answer][value='{value}']")
    with page.expect_navigation(wait_until="domcontentloaded"):
        page.click("button[value=next]")


def qid(page: Any) -> str:
    return str(page.get_attribute("input[name=qid]", "value"))


def test_a_bladder_yes_shows_the_emergency_screen(base: str, page: Any) -> None:
    page.goto(f"{base}/check")
    for value in ("yes", "no", "no", "yes"):
        choose(page, value)
    heading = page.locator("h1")
    assert "Call 999 now" in heading.inner_text()
    assert page.locator(".emergency .lead").inner_text().startswith("Do not drive yourself")
    assert axe(page) == []


def complete_ordinary_check(page: Any, base: str) -> None:
    page.goto(f"{base}/check")
    answers = {**ORDINARY, "back_pain_present": "yes"}
    for _ in range(120):
        if page.locator("input[name=qid]").count() == 0:
            return
        current = qid(page)
        value = answers.get(current, "no")
        choose(page, value)
    raise AssertionError("the check did not end")


def test_self_care_path_to_the_plan_with_the_heat_timer(base: str, page: Any) -> None:
    complete_ordinary_check(page, base)
    assert page.locator(".banner.level-self_care").is_visible()
    assert "SELF-CARE" in page.locator(".banner").inner_text().upper()
    assert axe(page) == []
    if SHOTS:
        page.screenshot(path=str(SHOTS / "result.png"), full_page=False)
    page.click("text=Save to my diary")
    page.wait_for_url("**/plan?saved=1")
    assert page.locator("text=Keep moving").first.is_visible()
    timer = page.locator(".timer").first
    display = timer.locator(".timer-display")
    assert display.inner_text() == "15:00"
    timer.locator(".timer-start").click()
    page.wait_for_function("() => document.querySelector('.timer-display').textContent !== '15:00'", timeout=5000)
    assert display.inner_text().startswith("14:")
    assert timer.locator(".timer-stop").is_enabled()
    assert page.locator("text=Ibuprofen 200 mg").first.is_visible()
    assert axe(page) == []


def test_two_diary_entries_appear_in_the_list_and_chart(base: str, page: Any) -> None:
    page.goto(f"{base}/diary")
    for pain, where in (("6", "lower"), ("3", "middle")):
        page.fill("#pain", pain)
        page.check(f"input[name=locations][value={where}]")
        page.click("text=Save entry")
        page.wait_for_selector(f"text=pain {pain}/10")
    listing = page.locator(".entries").inner_text()
    assert "pain 6/10" in listing and "pain 3/10" in listing
    chart = page.locator("img.chart")
    page.wait_for_function("() => document.querySelector('img.chart').complete")
    assert chart.evaluate("img => img.naturalWidth") > 0
    assert "2" in page.locator("table.trends tbody tr").last.inner_text()
    assert axe(page) == []
    page.click("text=Edit >> nth=0")
    assert page.locator("h1").inner_text() == "Edit entry"
    assert axe(page) == []
    page.goto(f"{base}/diary")
    page.click("text=Delete >> nth=0")
    assert "Delete this entry?" in page.locator("h1").inner_text()
    assert axe(page) == []
    page.click("text=Keep it")
    if SHOTS:
        page.set_viewport_size({"width": 900, "height": 1000})
        page.reload()
        page.wait_for_function("() => document.querySelector('img.chart').complete")
        page.locator("#chart-h").locator("xpath=..").screenshot(path=str(SHOTS / "diary-chart.png"))


def test_the_pdf_report_downloads(base: str, page: Any, tmp_path: Path) -> None:
    page.goto(f"{base}/report")
    assert axe(page) == []
    with page.expect_download() as info:
        page.click("text=Download the PDF report")
    target = tmp_path / "report.pdf"
    info.value.save_as(target)
    assert target.read_bytes()[:5] == b"%PDF-"


def test_a_comment_waits_for_moderation(base: str, page: Any) -> None:
    page.goto(f"{base}/learn/prevention")
    assert "min read" in page.inner_text("main")
    assert axe(page) == []
    page.click("text=Send comment")
    assert page.locator("#c-name-err").is_visible() and page.locator("#c-email-err").is_visible()
    time.sleep(3.5)  # the form refuses submissions faster than a person could type
    page.fill("#c-name", "Priya")
    page.fill("#c-email", "priya@example.org")
    page.fill("#c-body", "The sitting reminder is a good idea.")
    page.click("text=Send comment")
    page.wait_for_load_state()
    assert "once a moderator has approved it" in page.inner_text("main"), page.inner_text("main")[-1500:]
    assert page.locator("text=The sitting reminder is a good idea.").count() == 0
    page.goto(f"{base}/admin/comments")
    assert page.locator("text=The sitting reminder is a good idea.").is_visible()
    assert axe(page) == []


def test_sitting_reminder_falls_back_to_an_in_page_alert(base: str, page: Any) -> None:
    page.goto(f"{base}/prevent")
    assert page.locator(".reminder-form").is_visible()
    page.fill("#every", "20")
    page.click("text=Start reminders")
    assert "every 20 minutes" in page.inner_text(".reminder-status")
    page.evaluate("() => window.backcareReminder.fire()")
    assert page.locator(".reminder-alert").is_visible()
    assert axe(page) == []


PAGES = ["/", "/check", "/plan", "/learn", "/learn/what-is-a-back-spasm", "/api/docs", "/nope"]


@pytest.mark.parametrize("path", PAGES)
def test_pages_have_no_serious_accessibility_violations(base: str, page: Any, path: str) -> None:
    page.goto(f"{base}{path}")
    assert axe(page) == []


def test_keyboard_reaches_check_my_back_with_a_visible_focus(base: str, page: Any) -> None:
    page.goto(base)
    for _ in range(12):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.textContent.trim()") == "Check my back":
            break
    outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"


def test_in_server_mode_two_people_cannot_see_each_others_data(server_base: str, browser: Any) -> None:
    contexts = [browser.new_context(bypass_csp=True) for _ in range(2)]
    try:
        alice, bob = (c.new_page() for c in contexts)
        for pg, name in ((alice, "alice"), (bob, "bobby")):
            pg.goto(f"{server_base}/account/register")
            assert axe(pg) == []
            pg.fill("#username", name)
            pg.fill("#password", "correct horse battery")
            pg.fill("#confirm", "correct horse battery")
            pg.click("button[type=submit]")
            pg.wait_for_url(f"{server_base}/")
        alice.goto(f"{server_base}/diary")
        alice.fill("#pain", "7")
        alice.fill("#note", "alice only")
        alice.click("text=Save entry")
        alice.wait_for_selector("text=alice only")
        edit = alice.get_attribute("a[href$='/edit']", "href")
        bob.goto(f"{server_base}/diary")
        assert "alice only" not in bob.inner_text("main")
        response = bob.goto(f"{server_base}{edit}")
        assert response is not None and response.status == 404
        assert axe(bob) == []
        bob.goto(f"{server_base}/account")
        assert bob.locator("text=download everything as JSON").is_visible()
        assert axe(bob) == []
        bob.click("text=Sign out")
        bob.goto(f"{server_base}/account/login")
        assert axe(bob) == []
    finally:
        for c in contexts:
            c.close()


def test_the_accessibility_check_does_catch_problems(page: Any) -> None:
    page.set_content("<html><body><img src='x.png'><input type='text'></body></html>")
    found = axe(page)
    assert any(v.startswith("image-alt") for v in found), found

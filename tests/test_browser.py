"""The web app in a real browser: Playwright driving Debian's chromium, headless, against a live
server; axe-core checks every page for serious or critical accessibility problems, and every
screen of the check, on a 390 px phone, for any problem at all."""

from __future__ import annotations

import os
import re
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


def axe(page: Any, every_impact: bool = False) -> list[str]:
    """axe-core violations on the current page: serious or critical ones, or with ``every_impact``
    all of them (minor and moderate too)."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if every_impact or v["impact"] in ("serious", "critical")
    ]


# --- the check: one short screen of questions at a time, each with its own address ---------------

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
MAX_SCREENS = 12
MAX_RESULT_WORDS = 400

START = {"back_pain_present": "yes", "age": "40", "sex": "male"}
ORDINARY_SCREENS: dict[str, dict[str, str]] = {
    # A 40-year-old man, a sudden spasm low in the back after lifting, no warning signs.
    "start": START,
    "where": {"pain_location": "lower", "pain_side": "central", "pain_spread": "none"},
    "how_it_started": {"onset": "sudden", "trigger": "lifting", "pain_quality": "cramp_spasm"},
    "how_long": {"duration": "under_1_week", "pain_trend": "same", "severity": "6"},
    "back_history": {"previous_episodes": "one_or_two", "back_surgery": "never"},
    # Questions after the result that only fit the plan (medicines, everyday life).
    "tried_medicines": {"medicines_taken": "none"},
    "medicine_checks": {"medicine_safety": "none"},
    "everyday_life": {"sitting_hours": "yes", "exercise_regular": "sometimes", "circulation_or_sensation": "no"},
}
"""Answers by screen; a checklist screen not listed here is answered "None of these"."""


def screen_id(page: Any) -> str:
    """The screen shown: the step id of /check/step/<id>, or the last part of any other path."""
    path = str(page.url).split("?")[0].split("#")[0]
    return path.rstrip("/").rsplit("/", 1)[-1]


def is_checklist(page: Any) -> bool:
    return bool(page.locator("input[name=answer][value=none]").count())


class Visit:
    """Where a test went: the question screens in order, and axe-core's findings on every page."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.screens: list[str] = []
        self.axe: dict[str, list[str]] = {}

    def seen(self) -> None:
        """Record the page on screen and check it with axe-core (every impact) at this width."""
        url = str(self.page.url).replace("http://", "").split("/", 1)[1]
        if "/check/step/" in self.page.url:
            self.screens.append(screen_id(self.page))
        found = axe(self.page, every_impact=True)
        if found:
            self.axe[f"/{url}"] = found

    def no_axe_problems(self) -> None:
        assert self.axe == {}, "\n".join(f"{url}: {found}" for url, found in self.axe.items())


def mouse_answer(page: Any, answers: dict[str, str]) -> None:
    """Answer the screen on show (by mouse or touch) and press Continue; a checklist not in
    ``answers`` gets "None of these"."""
    if is_checklist(page):
        page.check(f"input[name=answer][value='{answers.get('answer', 'none')}']")
    for name, value in answers.items():
        if name == "answer":
            continue
        number = page.locator(f"input[type=number][name={name}]")
        if number.count():
            number.fill(value)
        else:
            page.check(f"input[name={name}][value='{value}']")
    with page.expect_navigation(wait_until="domcontentloaded"):
        page.click("button[value=next]")


def mouse_check(page: Any, visit: Visit, special: dict[str, dict[str, str]] | None = None, stop: str = "") -> None:
    """Answer screens from the one on show until "Check your answers", the result or ``stop``."""
    answers = {**ORDINARY_SCREENS, **(special or {})}
    for _ in range(30):
        visit.seen()
        sid = screen_id(page)
        if "/check/step/" not in page.url or sid == stop:
            return
        assert sid in answers or is_checklist(page), f"no answers for the screen {sid}"
        mouse_answer(page, answers.get(sid, {}))
    raise AssertionError(f"the check did not end: {visit.screens}")


def start_check(page: Any, base: str, country: str = "") -> None:
    """From the home page (or the country switch), on a phone."""
    page.set_viewport_size(PHONE)
    if country:
        page.goto(f"{base}/check/country/{country}")
    else:
        page.goto(base)
        with page.expect_navigation(wait_until="domcontentloaded"):
            page.click("main button:has-text('Check my back')")
    assert screen_id(page) == "start", page.url


def shot(page: Any, name: str, viewport: dict[str, int] = PHONE) -> None:
    """A full-page screenshot for the README, at ``viewport``, in 64 colours to stay small."""
    if not SHOTS:
        return
    from PIL import Image

    page.set_viewport_size(viewport)
    page.screenshot(path=str(SHOTS / name), full_page=True)
    page.set_viewport_size(PHONE)
    with Image.open(SHOTS / name) as image:
        small = image.convert("RGB").quantize(64, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    small.save(SHOTS / name, optimize=True)


# --- the keyboard: Tab, Space, the arrow keys of a radio group, typing, and Enter -----------------

ACTIVE = "() => { const e = document.activeElement; return [e.name || '', e.value || '', e.type || '', e.checked]; }"


def tab_to(page: Any, name: str, value: str | None = None, limit: int = 80) -> list[Any]:
    """Press Tab until the focus is on the field ``name`` (with ``value``, for a checkbox)."""
    for _ in range(limit):
        active = page.evaluate(ACTIVE)
        if active[0] == name and (value is None or active[1] == value or active[2] != "checkbox"):
            return list(active)
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {name}={value} on {page.url}")


def key_pick(page: Any, name: str, value: str) -> None:
    """Choose ``value`` of ``name`` with the keyboard: Tab to it; in a radio group the arrow keys move
    the choice; Space ticks a checkbox or the focused radio button."""
    kind = tab_to(page, name, value)[2]
    if kind == "radio":
        for _ in range(12):
            if page.evaluate(ACTIVE)[1] == value:
                break
            page.keyboard.press("ArrowDown")
        if not page.evaluate(ACTIVE)[3]:
            page.keyboard.press("Space")
    else:
        assert not page.evaluate(ACTIVE)[3], f"{name}={value} was already ticked"
        page.keyboard.press("Space")
    assert page.is_checked(f"input[name={name}][value='{value}']"), f"{name}={value} is not chosen"


def key_type(page: Any, name: str, text: str) -> None:
    tab_to(page, name)
    assert page.evaluate(ACTIVE)[2] == "number"
    page.keyboard.type(text)


def key_continue(page: Any) -> None:
    """Enter in the form sends it with its first button, Continue (never "I'm not sure")."""
    posted = page.expect_request(lambda r: r.method == "POST" and "/check/step/" in r.url)
    with posted as sent, page.expect_navigation(wait_until="domcontentloaded"):
        page.keyboard.press("Enter")
    assert "action=next" in (sent.value.post_data or ""), sent.value.post_data


def keyboard_answer(page: Any, answers: dict[str, str]) -> None:
    if is_checklist(page):
        key_pick(page, "answer", answers.get("answer", "none"))
    for name, value in answers.items():
        if name == "answer":
            continue
        if page.locator(f"input[type=number][name={name}]").count():
            key_type(page, name, value)
        else:
            key_pick(page, name, value)
    key_continue(page)


RESULT_WORDS = """() => {
  const main = document.querySelector('main');
  const count = (text) => text.split(/\\s+/).filter((w) => /[\\p{L}\\p{N}]/u.test(w)).length;
  const closed = [...main.querySelectorAll('details:not([open])')];
  // innerText leaves out what a closed <details> hides: only its summary shows.
  const leaks = closed.filter((d) => d.innerText.trim() !== d.querySelector('summary').innerText.trim());
  const words = count(main.innerText);
  closed.forEach((d) => { d.open = true; });
  const opened = count(main.innerText);
  closed.forEach((d) => { d.open = false; });
  return {words, opened, closed: closed.length, leaks: leaks.map((d) => d.querySelector('summary').innerText)};
}"""


def test_ordinary_check_by_keyboard_alone_on_a_phone(base: str, page: Any) -> None:
    start_check(page, base)
    visit = Visit(page)
    shot(page, "check-start.png")
    for _ in range(30):
        visit.seen()
        sid = screen_id(page)
        if "/check/step/" not in page.url:
            break
        if sid == "emergency_now":
            shot(page, "check-warning-signs.png")
        assert sid in ORDINARY_SCREENS or is_checklist(page), f"no answers for the screen {sid}"
        keyboard_answer(page, ORDINARY_SCREENS.get(sid, {}))
    assert screen_id(page) == "answers", page.url
    assert page.locator("h1").inner_text() == "Check your answers"
    assert len(visit.screens) <= MAX_SCREENS, visit.screens
    assert visit.screens[:3] == ["start", "emergency_now", "emergency_nerves"]
    shot(page, "check-answers.png")
    for _ in range(80):
        if page.evaluate("() => document.activeElement.textContent.trim()") == "See my result":
            break
        page.keyboard.press("Tab")
    with page.expect_navigation(wait_until="domcontentloaded"):
        page.keyboard.press("Enter")
    assert screen_id(page) == "result"
    visit.seen()
    assert page.locator(".banner.level-self_care").is_visible()
    words = page.evaluate(RESULT_WORDS)
    print(f"question screens: {len(visit.screens)} {visit.screens}; result words: {words}")
    # Chromium's innerText leaves out the body of a closed <details>: opening them adds words.
    assert words["leaks"] == [] and words["closed"] >= 3 and words["opened"] > words["words"], words
    assert words["words"] <= MAX_RESULT_WORDS, words
    shot(page, "result-phone.png")
    shot(page, "result.png", DESKTOP)
    visit.no_axe_problems()
    assert printed_pages(page) <= 3


def printed_pages(page: Any) -> int:
    """Pages the result takes on A4 with the print stylesheet (the plan opened for print)."""
    import io

    from pypdf import PdfReader

    page.emulate_media(media="print")
    page.evaluate("() => window.dispatchEvent(new Event('beforeprint'))")
    pdf = page.pdf(format="A4")
    page.emulate_media(media="screen")
    return len(PdfReader(io.BytesIO(pdf)).pages)


@pytest.mark.parametrize(("country", "number"), [("", "999"), ("us", "911")])
def test_a_nerve_warning_sign_shows_the_emergency_screen_at_once(
    base: str, page: Any, country: str, number: str
) -> None:
    start_check(page, base, country)
    visit = Visit(page)
    mouse_check(page, visit, stop="emergency_nerves")
    assert visit.screens == ["start", "emergency_now", "emergency_nerves"]
    page.check("input[name=answer][value=bladder_control]")
    with page.expect_navigation(wait_until="domcontentloaded"):
        page.click("button[value=next]")
    assert screen_id(page) == "result", page.url
    visit.seen()
    assert f"Call {number}" in page.locator("h1").inner_text()
    call = page.locator(f"a[href='tel:{number}']").first
    assert call.is_visible() and call.bounding_box()["y"] < PHONE["height"], (
        "the call button is not on the first screen"
    )
    assert page.locator("h2:has-text('What to say')").is_visible()
    if not country:
        shot(page, "emergency.png")
    else:
        assert "999" not in page.inner_text("main") + page.inner_text("footer")
    with page.expect_navigation(wait_until="domcontentloaded"):
        page.click("text=I chose the wrong answer")
    assert screen_id(page) == "emergency_nerves"
    assert page.is_checked("input[name=answer][value=bladder_control]")
    visit.seen()
    visit.no_axe_problems()


def test_browser_back_shows_the_answers_given_and_forward_carries_on(base: str, page: Any) -> None:
    start_check(page, base)
    visit = Visit(page)
    mouse_check(page, visit, stop="how_it_started")
    assert visit.screens == ["start", "emergency_now", "emergency_nerves", "where", "how_it_started"]
    page.go_back(wait_until="domcontentloaded")
    assert screen_id(page) == "where", page.url
    assert page.locator("h1").inner_text() == "Where it hurts"
    for name, value in ORDINARY_SCREENS["where"].items():
        assert page.is_checked(f"input[name={name}][value={value}]"), (name, value)
    page.go_back(wait_until="domcontentloaded")
    assert screen_id(page) == "emergency_nerves", page.url
    assert page.is_checked("input[name=answer][value=none]")
    assert not page.is_checked("input[name=answer][value=bladder_control]")
    text = page.inner_text("body")
    assert "Confirm Form Resubmission" not in text and "ERR_CACHE_MISS" not in text, text[:300]
    visit.seen()
    page.go_forward(wait_until="domcontentloaded")
    assert screen_id(page) == "where"
    page.go_forward(wait_until="domcontentloaded")
    assert screen_id(page) == "how_it_started"
    mouse_answer(page, ORDINARY_SCREENS["how_it_started"])
    assert screen_id(page) == "how_long", page.url
    visit.seen()
    visit.no_axe_problems()


def test_changing_an_answer_returns_to_check_your_answers(base: str, page: Any) -> None:
    start_check(page, base)
    visit = Visit(page)
    mouse_check(page, visit)
    assert screen_id(page) == "answers"
    section = page.locator("section.review", has=page.locator("h2:has-text('How long and how bad')"))
    assert "6 out of 10" in section.inner_text()
    with page.expect_navigation(wait_until="domcontentloaded"):
        section.locator("a:has-text('Change')").click()
    assert screen_id(page) == "how_long" and "change=1" in page.url
    assert page.input_value("input[name=severity][type=number]") == "6"
    visit.seen()
    page.fill("input[name=severity][type=number]", "8")
    with page.expect_navigation(wait_until="domcontentloaded"):
        page.click("button[value=next]")
    assert screen_id(page) == "answers", page.url
    section = page.locator("section.review", has=page.locator("h2:has-text('How long and how bad')"))
    assert "8 out of 10" in section.inner_text() and "6 out of 10" not in section.inner_text()
    visit.seen()
    visit.no_axe_problems()


UK_WORDS = re.compile(r"999|A&E|\bGP\b|NHS|paracetamol", re.IGNORECASE)
NOT_ADVICE = "main .sources"
"""Left out of the US words check: the titles of cited sources (an NHS leaflet stays an NHS leaflet)."""


def test_the_us_check_never_speaks_of_uk_services(base: str, page: Any) -> None:
    start_check(page, base, "us")
    visit = Visit(page)
    said: dict[str, list[str]] = {}

    def read(when: str = "") -> None:
        page.evaluate("(s) => document.querySelectorAll(s).forEach((e) => { e.hidden = true; })", NOT_ADVICE)
        for part in ("main", "footer"):
            found = UK_WORDS.findall(page.inner_text(part))
            if found:
                said[f"{page.url} {part}{when}"] = found
        page.evaluate("(s) => document.querySelectorAll(s).forEach((e) => { e.hidden = false; })", NOT_ADVICE)

    answers = {**ORDINARY_SCREENS, "start": {**START, "sex": "female", "age": "60"}}
    for _ in range(30):
        if "/check/step/" not in page.url:
            break
        visit.seen()
        read()
        mouse_answer(page, answers.get(screen_id(page), {}))
    assert screen_id(page) == "answers", page.url
    visit.seen()
    read()
    with page.expect_navigation(wait_until="domcontentloaded"):
        page.click("text=See my result")
    visit.seen()
    read()
    page.evaluate("() => document.querySelectorAll('main details').forEach((d) => { d.open = true; })")
    read(" (everything expanded)")
    assert said == {}, said
    assert "911" in page.inner_text("footer")
    visit.no_axe_problems()


def test_the_self_care_plan_is_saved_with_its_heat_timer(base: str, page: Any) -> None:
    start_check(page, base)
    visit = Visit(page)
    mouse_check(page, visit)
    with page.expect_navigation(wait_until="domcontentloaded"):
        page.click("text=See my result")
    assert page.locator(".banner.level-self_care").is_visible()
    with page.expect_navigation(wait_until="domcontentloaded"):
        page.click("#plan a:has-text('Answer them')")
    mouse_check(page, visit)
    assert screen_id(page) == "result" and page.url.endswith("#plan"), page.url
    assert page.locator("#plan a:has-text('Answer them')").count() == 0
    with page.expect_navigation(wait_until="domcontentloaded"):
        page.click("text=Save to my diary")
    assert page.locator("text=Saved to your diary.").is_visible()
    page.goto(f"{base}/plan")
    assert axe(page) == []
    heat = page.locator("details.plan-group", has=page.locator(".timer")).first
    heat.locator("summary").first.click()
    timer = heat.locator(".timer[data-label^='Heat']")
    display = timer.locator(".timer-display")
    assert display.inner_text() == "15:00"
    timer.locator(".timer-start").click()
    page.wait_for_function("(el) => el.textContent !== '15:00'", arg=display.element_handle(), timeout=5000)
    assert display.inner_text().startswith("14:")
    assert timer.locator(".timer-stop").is_enabled()
    page.locator("#plan-medicines > summary").click()
    assert page.locator("text=Ibuprofen 200 mg").first.is_visible()
    assert axe(page) == []


def test_two_diary_entries_appear_in_the_list_and_chart(base: str, page: Any) -> None:
    page.goto(f"{base}/diary")
    for pain, where in (("6", "lower"), ("3", "middle")):
        page.click(f".scale label.pain-{pain}")
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
            pg.wait_for_url(f"{server_base}/?account=created")
            assert "Your account is ready" in pg.locator("main").inner_text()
        alice.goto(f"{server_base}/diary")
        alice.click(".scale label.pain-7")
        alice.click(".more-detail summary")
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

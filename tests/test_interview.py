"""The terminal check, driven by injected input (no real terminal): the same screens as the web."""

from __future__ import annotations

import io
from collections.abc import Callable

from backcare.cli.interview import run_interview
from backcare.cli.render import make_console
from backcare.domain import Jurisdiction

# The first screen asks three questions: is back pain the main problem, age, sex (2 = male).
ABOUT = ["1", "40", "2"]


def scripted(lines: list[str]) -> Callable[[str], str]:
    it = iter(lines)

    def ask(prompt: str) -> str:
        try:
            return next(it)
        except StopIteration:
            raise EOFError from None

    return ask


def run(lines: list[str], jurisdiction: Jurisdiction = Jurisdiction.UK, width: int = 80) -> tuple[int, str]:
    buffer = io.StringIO()
    console = make_console(buffer)
    console.width = width
    code = run_interview(jurisdiction, ask=scripted(lines), console=console, plan=False)
    return code, buffer.getvalue()


def last_lines(out: str, count: int) -> str:
    return " ".join(" ".join(out.strip().splitlines()[-count:]).split())


def test_a_ticked_nerve_sign_stops_the_check_and_ends_with_the_number() -> None:
    code, out = run([*ABOUT, "0", "2"])
    assert code == 0
    assert "EMERGENCY" in out and "Call 999 now" in last_lines(out, 4)
    assert "bladder_control" not in out and "Still to answer" not in out
    assert "Since your back pain started" in out


def test_us_emergency_line_names_911_and_no_uk_service() -> None:
    _, out = run([*ABOUT, "1"], Jurisdiction.US)
    assert "Call 911 now" in out
    assert "999" not in out and "A&E" not in out


def test_invalid_input_is_re_asked_with_a_short_explanation() -> None:
    _, out = run(["maybe", "1", "old", "40", "2", "0,1", "1"])
    assert "Type a number from 1 to 2" in out
    assert "0 means none of these" in out
    assert "EMERGENCY" in out


def test_not_sure_about_an_emergency_checklist_counts_as_yes() -> None:
    _, out = run([*ABOUT, "?"])
    assert "EMERGENCY" in out


def test_back_goes_to_the_previous_screen() -> None:
    _, out = run([*ABOUT, "b", *ABOUT, "1"])
    assert out.count("Is back pain or a back spasm the main reason") == 2


def test_progress_is_shown_and_never_goes_down() -> None:
    import re

    _, out = run([*ABOUT, "0", "0", "1"])
    percents = [int(p) for p in re.findall(r"(\d+)% done", out)]
    assert len(percents) >= 3 and percents == sorted(percents)


def test_end_of_input_exits_cleanly_without_a_result() -> None:
    code, out = run(["1"])
    assert code == 1
    assert "Nothing was saved" in out


def test_text_wraps_to_the_terminal_width() -> None:
    _, out = run([*ABOUT, "0", "5"], width=40)
    assert max(len(line) for line in out.splitlines()) <= 40


def test_an_ordinary_spasm_reaches_self_care_in_the_same_screens_as_the_web() -> None:
    from backcare.service import check

    lines = [
        *ABOUT,
        "0",  # warning signs: none
        "0",  # nerve warning signs: none
        "3",  # where: lower back
        "3",  # side: in the middle
        "1",  # spread: none
        "1",  # onset: sudden
        "1",  # trigger: lifting
        "2",  # feels like: cramp or spasm
        "1",  # duration: under a week
        "2",  # trend: the same
        "5",  # severity
        "0",  # about the pain: none
        "0",  # how you feel: none
        "0",  # your health: none
        "1",  # first episode
        "1",  # no back surgery
    ]
    code, out = run(lines)
    assert code == 0
    assert "SELF-CARE" in out and "When to get help" in out
    screens = out.count("% done")
    answers = check.read_answers(
        {
            "back_pain_present": "yes",
            "age": 40,
            "sex": "male",
            "emergency_now": ["none"],
            "emergency_nerves": ["none"],
        }
    )
    assert check.walk(answers).current == "where"
    assert screens <= 12

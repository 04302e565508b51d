"""The diary and records commands as a person types them (real subprocesses, SQLite)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


@pytest.fixture
def run(tmp_path: Path):  # type: ignore[no-untyped-def]
    env = {
        **os.environ,
        "NO_COLOR": "1",
        "BACKCARE_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}",
        "BACKCARE_TZ": "Europe/London",
    }

    def go(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "backcare", *args], capture_output=True, text=True, env=env, input=stdin, timeout=120
        )

    return go


def test_one_line_entry_then_list_show_edit_delete(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = run("diary", "add", "--pain", "6", "--where", "lower-left", "--trigger", "lifting", "--helped", "heat")
    assert out.returncode == 0, out.stderr
    assert "pain 6/10; lower back, left side; after lifting; helped: heat" in out.stdout
    short = out.stdout.rsplit("(", 1)[1][:8]
    listing = run("diary", "list")
    assert short in listing.stdout
    assert run("diary", "edit", short, "--pain", "4", "--note", "better").returncode == 0
    shown = run("diary", "show", short)
    assert "pain 4/10" in shown.stdout and "edited" in shown.stdout
    kept = run("diary", "delete", short, stdin="n\n")
    assert "Kept." in kept.stdout
    gone = run("diary", "delete", short, stdin="y\n")
    assert "Deleted" in gone.stdout
    assert run("diary", "show", short).returncode == 2


def test_medicine_and_self_care_entries_can_be_edited(run) -> None:  # type: ignore[no-untyped-def]
    out = run("diary", "add", "--medicine", "ibuprofen-200", "--units", "2")
    short = out.stdout.rsplit("(", 1)[1][:8]
    assert run("diary", "edit", short, "--units", "1").returncode == 0
    assert "1 × Ibuprofen 200 mg" in run("diary", "show", short).stdout
    wrong = run("diary", "edit", short, "--minutes", "5")
    assert wrong.returncode == 2 and "not a self-care entry" in wrong.stderr


def test_interactive_add_offers_numbered_words_and_re_asks_bad_input(run) -> None:  # type: ignore[no-untyped-def]
    out = run("diary", "add", stdin="eleven\n7\n3 shoulder\n3 5\n3\n4\nn\nsore after tennis\n")
    assert out.returncode == 0, out.stderr
    assert "Type a whole number from 0" in out.stdout
    assert "'shoulder' is not on the list" in out.stdout
    assert " 3. Lower back" in out.stdout and "bending_twisting" not in out.stdout
    assert "pain 7/10; lower back, right side; after sport; helped: a walk" in out.stdout


def test_interactive_add_asks_about_warning_signs_in_words(run) -> None:  # type: ignore[no-untyped-def]
    from backcare.service.diary import warning_signs

    number = warning_signs().index("saddle_numbness") + 1
    out = run("diary", "add", stdin=f"5\n\n\n\ny\n{number}\n\n")
    assert out.returncode == 0, out.stderr
    text = " ".join(out.stdout.split())
    assert "saddle_numbness" not in text and "!! Emergency: A warning sign was logged" in text


def test_a_warning_sign_logged_shows_the_emergency_at_once_and_ends_with_the_call(run) -> None:  # type: ignore[no-untyped-def]
    out = run("diary", "add", "--pain", "5", "--flag", "bowel_change")
    text = " ".join(out.stdout.split())
    assert "!! Emergency: A warning sign was logged" in text
    # first in the alert, and again as the last line on screen (never a source list last)
    assert text.count("Call 999 now or go to A&E. Do not drive yourself.") == 2
    assert text.endswith("Call 999 now or go to A&E. Do not drive yourself.")
    assert "bowel_change" not in text and "You logged: Not being able to hold in a poo" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("diary", "add", "--pain", "12"), "Pain: must be 10 or less"),
        (("diary", "add", "--pain", "3", "--where", "elbow"), "unknown location 'elbow'"),
        (("diary", "add", "--pain", "3", "--at", "yesterday"), "is not a date and time"),
        (("diary", "add", "--medicine", "unknown-pill"), "is not a known product"),
        (
            ("diary", "add", "--medicine", "cold-pill", "--contains", "paracetamol=lots"),
            "should look like paracetamol=500",
        ),
        (("diary", "show", "zz"), "at least 4 characters"),
        (("report", "--out", "report.txt"), "use a .pdf file name"),
        (("trends", "--out", "chart.gif"), "can be .svg or .pdf"),
    ],
)
def test_bad_diary_input_is_explained_with_exit_2(run, args: tuple[str, ...], message: str) -> None:  # type: ignore[no-untyped-def]
    out = run(*args)
    assert out.returncode == 2, out
    assert message in out.stderr
    assert "Traceback" not in out.stderr


def test_records_commands_write_their_files(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    run(
        "diary",
        "add",
        "--pain",
        "6",
        "--where",
        "lower",
        "--medicine",
        "ibuprofen-200",
        "--units",
        "2",
        "--did",
        "heat",
        "--minutes",
        "15",
    )
    for fmt, name in (("json", "d.json"), ("csv", "d.csv"), ("fhir", "d.fhir.json")):
        out = run("export", "--format", fmt, "--out", str(tmp_path / name))
        assert out.returncode == 0, out.stderr
    assert json.loads((tmp_path / "d.json").read_text())["format"] == "backcare-diary"
    assert run("report", "--out", str(tmp_path / "r.pdf")).returncode == 0
    assert (tmp_path / "r.pdf").read_bytes()[:5] == b"%PDF-"
    assert run("trends", "--out", str(tmp_path / "c.svg")).returncode == 0
    assert b"<svg" in (tmp_path / "c.svg").read_bytes()[:500]
    again = run("import", str(tmp_path / "d.json"))
    assert again.returncode == 2 and "nothing was imported" in again.stderr


def test_assess_can_save_to_the_diary_for_the_report(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import ORDINARY

    answers = tmp_path / "a.json"
    answers.write_text(
        json.dumps(
            {**{k: list(v) if isinstance(v, tuple) else v for k, v in ORDINARY.items()}, "back_pain_present": "yes"}
        )
    )
    assert run("assess", "--answers", str(answers), "--json", "--save").returncode == 0
    run("export", "--format", "json", "--out", str(tmp_path / "e.json"))
    assert len(json.loads((tmp_path / "e.json").read_text())["assessments"]) == 1


def test_the_terminal_the_pages_and_the_api_say_the_same_words(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import html
    import re

    from starlette.testclient import TestClient

    from backcare.config import Settings
    from backcare.store.repo import Store
    from backcare.web.app import create_app
    from tests.test_web import TEST_HOSTS, post

    def words(text: str) -> str:
        return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", text)).split())

    cli = words(run("diary", "add", "--pain", "5", "--flag", "saddle_numbness").stdout)
    store = Store(f"sqlite:///{tmp_path / 'cli.sqlite3'}")
    try:
        client = TestClient(create_app(Settings(allowed_hosts=TEST_HOSTS), store))
        api = client.get("/api/v1/diary/alerts").json()["alerts"][0]
        page = words(client.get("/diary").text)
        # The API's advice carries the emergency call; the page and the terminal show it first.
        assert api["advice"].endswith("Call 999 now or go to A&E. Do not drive yourself.")
        lead, call = api["advice"].rsplit(" Call 999", 1)
        for shown in (cli, page):
            assert f"Emergency: {api['title']}" in shown
            assert lead in shown and f"Call 999{call}" in shown and api["detail"] in shown
        assert "saddle_numbness" not in cli + page + api["detail"]
        # A refusal: the API keeps the field's id for programs; people read its label.
        fresh = TestClient(client.app)  # a program: no browser session, so no form token either
        problem = fresh.post("/api/v1/diary/episodes", json={"pain": 12}).json()["error"]["problems"]
        refused = post(client, "/diary", {"pain": "12"})
        terminal = run("diary", "add", "--pain", "12").stderr
    finally:
        store.close()
    assert problem == ["pain: must be 10 or less"]
    assert refused.status_code == 400 and "Pain: must be 10 or less" in words(refused.text)  # type: ignore[attr-defined]
    assert terminal.strip() == "backcare: Pain: must be 10 or less"

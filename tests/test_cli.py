"""The stable command-line contract (design.md §4), run as a real subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


def run(*args: str, env: dict[str, str] | None = None, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "NO_COLOR": "1", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "backcare", *args],
        capture_output=True,
        text=True,
        env=full_env,
        input=stdin,
        timeout=120,
    )


def write(tmp_path: Path, name: str, content: str) -> str:
    path = tmp_path / name
    path.write_text(content)
    return str(path)


def test_version_prints_the_version() -> None:
    out = run("--version")
    assert out.returncode == 0
    assert out.stdout.startswith("backcare ")


def test_version_path_imports_no_heavy_modules() -> None:
    code = (
        "import sys; from backcare.cli import main\n"
        "try:\n    main(['--version'])\nexcept SystemExit:\n    pass\n"
        "heavy = {'rich', 'pydantic', 'yaml', 'sqlalchemy', 'fastapi', 'reportlab'}\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_questions_json_lists_the_catalogue() -> None:
    out = run("questions", "--json")
    data = json.loads(out.stdout)
    assert data["count"] == len(data["questions"]) >= 30
    first = data["questions"][0]
    assert {"id", "text", "kind", "options", "help"} <= set(first)


def test_assess_with_no_answers_is_incomplete_not_reassuring(tmp_path: Path) -> None:
    out = run("assess", "--answers", write(tmp_path, "a.json", "{}"), "--json")
    data = json.loads(out.stdout)
    assert out.returncode == 0
    assert data["status"] == "incomplete"
    assert data["missing"]
    assert data["plan"]["medicines"] == []
    assert {"urgency", "out_of_scope", "reasons", "possible_causes", "plan", "knowledge_version"} <= set(data)


def test_assess_bladder_dont_know_is_an_emergency_in_json(tmp_path: Path) -> None:
    answers = write(tmp_path, "a.json", json.dumps({"back_pain_present": "yes", "bladder_control": "dont_know"}))
    data = json.loads(run("assess", "--answers", answers, "--json").stdout)
    assert data["urgency"] == "emergency_now"
    reason = data["reasons"][0]
    assert reason["answers"]["bladder_control"] == "dont_know"
    assert reason["citations"][0]["url"].startswith("http")
    assert all({"id", "name"} <= set(c) for c in data["possible_causes"])


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"bladder": "yes"}', "bladder: unknown question id"),
        ('{"age": 300}', "age: 300 is outside 0–120"),
        ('{"severity": "bad"}', "severity: expected a number"),
        ('{"pain_spread": ["none", "thigh"]}', "'none' cannot be combined"),
        ('{"onset": "yesterday"}', "onset: expected one of sudden, gradual"),
        ('{"age": 40,', "not valid JSON"),
        ("[1, 2]", "expected a JSON object"),
    ],
)
def test_bad_answers_get_a_clear_message_and_exit_2(tmp_path: Path, content: str, message: str) -> None:
    out = run("assess", "--answers", write(tmp_path, "bad.json", content), "--json")
    assert out.returncode == 2
    assert message in out.stderr
    assert "Traceback" not in out.stderr
    assert out.stdout == ""


def test_missing_answers_file_is_reported(tmp_path: Path) -> None:
    out = run("assess", "--answers", str(tmp_path / "nope.json"), "--json")
    assert out.returncode == 2
    assert "no such file" in out.stderr


def test_unknown_country_setting_is_refused() -> None:
    out = run("questions", env={"BACKCARE_JURISDICTION": "fr"})
    assert out.returncode == 2
    assert "BACKCARE_JURISDICTION must be one of uk, us" in out.stderr


def test_us_jurisdiction_names_911_and_us_labels(tmp_path: Path) -> None:
    from tests.conftest import ORDINARY

    answers = {k: list(v) if isinstance(v, tuple) else v for k, v in ORDINARY.items()}
    path = write(tmp_path, "a.json", json.dumps(answers))
    data = json.loads(run("assess", "--answers", path, "--json", "--country", "us").stdout)
    assert data["plan"]["emergency_number"] == "911"
    assert data["jurisdiction"] == "us"


def test_check_rules_passes_on_the_packaged_knowledge() -> None:
    out = run("check-rules")
    assert out.returncode == 0, out.stdout
    assert out.stdout.startswith("Knowledge base OK")


def test_eval_json_has_the_contract_keys(tmp_path: Path) -> None:
    cases = write(
        tmp_path,
        "cases.yaml",
        """cases:
  - id: chest-pain
    title: Back pain with chest tightness
    category: serious
    summary: 55-year-old with back pain and chest tightness.
    answers: {back_pain_present: "yes", chest_pain: "yes"}
    expect_urgency: emergency_now
    expect_rules: [back-pain-with-chest-pain]
    rationale: NHS back pain page sends back pain with chest pain to 999.
""",
    )
    data = json.loads(run("eval", cases, "--json").stdout)
    assert {"cases", "accuracy", "emergency_sensitivity", "under_triage_rate", "over_triage_rate", "confusion"} <= set(
        data
    )
    assert data["cases"] == 1
    assert data["emergency_sensitivity"] == 1.0


def test_eval_reports_a_malformed_vignette_with_its_line(tmp_path: Path) -> None:
    cases = write(tmp_path, "cases.yaml", "cases:\n  - id: x\n    expect_urgency: tomorrow\n")
    out = run("eval", cases, "--json")
    assert out.returncode == 2
    assert "cases.yaml:3" in out.stderr


def test_interview_runs_from_piped_input_and_stops_on_emergency() -> None:
    out = run("assess", stdin="1\n40\n2\n1\n")
    assert out.returncode == 0
    assert "EMERGENCY: Call 999 now" in out.stdout
    assert "\x1b[" not in out.stdout  # NO_COLOR honoured


def test_ctrl_c_during_the_interview_exits_cleanly() -> None:
    import signal
    import time

    proc = subprocess.Popen(
        [sys.executable, "-m", "backcare", "assess"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "NO_COLOR": "1"},
    )
    assert proc.stdout is not None
    deadline = time.monotonic() + 60
    seen = ""
    while "About you" not in seen and time.monotonic() < deadline:
        seen += proc.stdout.readline()
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert "Stopped. Nothing was saved." in err
    assert "Traceback" not in err

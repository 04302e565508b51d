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


# --- bad input never ends in a traceback (issue 10, item 9) ---------------------------------------


def one_line_refusal(out: subprocess.CompletedProcess[str], *words: str) -> None:
    """Exit 2 with one line on stderr that names the problem, and no traceback."""
    assert out.returncode == 2, out.stderr
    assert "Traceback" not in out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1, out.stderr
    assert lines[0].startswith("backcare"), lines
    for word in words:
        assert word in lines[0], lines[0]


def db_env(tmp_path: Path) -> dict[str, str]:
    return {"BACKCARE_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}"}


def test_deeply_nested_answers_are_refused_in_one_line(tmp_path: Path) -> None:
    deep = write(tmp_path, "deep.json", '{"pain_quality": ' + "[" * 100_000 + "]" * 100_000 + "}")
    one_line_refusal(run("assess", "--answers", deep, "--json"), "deep.json", "nested too deeply")
    nested = write(tmp_path, "nested.json", '{"pain_quality": ' + "[" * 900 + "]" * 900 + "}")
    out = run("assess", "--answers", nested, "--json")
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert max(len(line) for line in out.stderr.splitlines()) <= 210  # the value is clipped, not dumped


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("diary", "list", "--days", "999999999999"), ("--days", "1 to 36,500")),
        (("diary", "list", "--days", "-5"), ("--days",)),
        (("diary", "list", "--days", "lots"), ("--days", "not a whole number")),
        (("report", "--out", "r.pdf", "--days", "999999999999"), ("--days",)),
        (("trends", "--weeks", "999999999999"), ("--weeks",)),
        (("trends", "--months", "0"), ("--months",)),
    ],
)
def test_out_of_range_periods_are_refused_in_one_line(tmp_path: Path, args: tuple[str, ...], words: tuple[str]) -> None:
    one_line_refusal(run(*args, env=db_env(tmp_path)), *words)


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("nonsense", ("BACKCARE_DATABASE_URL is not a database URL",)),
        ("mysql://someone@somewhere/db", ("SQLite and PostgreSQL", "mysql")),
        ("postgresql+psycopg://someone@host:abc/db", ("BACKCARE_DATABASE_URL",)),
        ("sqlite:////nonexistent-folder/x.sqlite3", ("cannot open the database", "unable to open")),
        ("postgresql+psycopg://postgres@127.0.0.1:1/none", ("cannot open the database",)),
    ],
)
def test_a_bad_database_url_is_one_line_and_exit_2(url: str, words: tuple[str]) -> None:
    one_line_refusal(run("diary", "list", env={"BACKCARE_DATABASE_URL": url}), *words)


def test_serve_refuses_a_bad_database_url_before_starting() -> None:
    out = run("serve", "--port", "8765", env={"BACKCARE_DATABASE_URL": "nonsense"})
    one_line_refusal(out, "BACKCARE_DATABASE_URL")


@pytest.mark.parametrize("port", ["70000", "-1", "0", "abc"])
def test_serve_refuses_a_bad_port_in_one_line(port: str) -> None:
    one_line_refusal(run("serve", "--port", port), "--port", "1 to 65,535")


def test_out_writes_through_a_symlink_and_keeps_it(tmp_path: Path) -> None:
    target = tmp_path / "real.json"
    target.write_text("old")
    target.chmod(0o640)
    link = tmp_path / "link.json"
    link.symlink_to(target)
    out = run("export", "--format", "json", "--out", str(link), env=db_env(tmp_path))
    assert out.returncode == 0, out.stderr
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert json.loads(target.read_text())["format"] == "backcare-diary"
    assert target.stat().st_mode & 0o777 == 0o640  # written into, so it keeps its permissions
    dangling = tmp_path / "dangling.json"
    dangling.symlink_to(tmp_path / "made.json")
    assert run("export", "--format", "csv", "--out", str(dangling), env=db_env(tmp_path)).returncode == 0
    assert dangling.is_symlink() and (tmp_path / "made.json").read_text().startswith("kind,id")
    assert (tmp_path / "made.json").stat().st_mode & 0o777 == 0o600  # a new export: owner only


def test_out_dash_and_dev_stdout_write_to_standard_output(tmp_path: Path) -> None:
    dash = run("export", "--format", "json", "--out", "-", env=db_env(tmp_path))
    assert dash.returncode == 0 and json.loads(dash.stdout)["format"] == "backcare-diary"
    pdf = subprocess.run(
        [sys.executable, "-m", "backcare", "report", "--out", "-"],
        capture_output=True,
        env={**os.environ, **db_env(tmp_path)},
        timeout=120,
    )
    assert pdf.returncode == 0 and pdf.stdout.startswith(b"%PDF-")
    chart = run("trends", "--out", "-", env=db_env(tmp_path))
    assert chart.returncode == 0 and chart.stdout.lstrip().startswith("<?xml") and "Weekly" not in chart.stdout
    if not os.path.islink("/dev/stdout"):
        pytest.skip("/dev/stdout is not a symbolic link here")
    before = os.readlink("/dev/stdout")
    dev = run("export", "--format", "json", "--out", "/dev/stdout", env=db_env(tmp_path))
    assert dev.returncode == 0, dev.stderr
    assert json.loads(dev.stdout)["format"] == "backcare-diary"  # the data alone: no "written to" line
    assert os.path.islink("/dev/stdout") and os.readlink("/dev/stdout") == before


def test_out_into_a_folder_is_refused_in_one_line(tmp_path: Path) -> None:
    one_line_refusal(run("export", "--format", "json", "--out", str(tmp_path), env=db_env(tmp_path)), "is a folder")


def _mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


def run_umask_022(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """A usual umask, so files come out world-readable unless backcare makes them private."""
    old = os.umask(0o022)
    try:
        return subprocess.run(args, capture_output=True, text=True, env=env, timeout=120)
    finally:
        os.umask(old)


def test_the_database_and_its_folder_are_private(tmp_path: Path) -> None:
    env = {**os.environ, "NO_COLOR": "1", "XDG_DATA_HOME": str(tmp_path / "xdg")}
    env.pop("BACKCARE_DATABASE_URL", None)
    out = run_umask_022([sys.executable, "-m", "backcare", "diary", "add", "--pain", "3"], env)
    assert out.returncode == 0, out.stderr
    folder = tmp_path / "xdg" / "backcare"
    assert _mode(folder) == 0o700
    files = sorted(folder.glob("backcare.sqlite3*"))
    assert files and all(_mode(f) == 0o600 for f in files), [(f.name, oct(_mode(f))) for f in files]


def test_an_older_database_and_its_backup_are_made_private(tmp_path: Path) -> None:
    from backcare.store.db import make_engine
    from backcare.store.migrate import upgrade

    path = tmp_path / "old.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine, to="0001")
    engine.dispose()
    path.chmod(0o644)  # as an older backcare left it
    env = {**os.environ, "NO_COLOR": "1", "BACKCARE_DATABASE_URL": f"sqlite:///{path}"}
    out = run_umask_022([sys.executable, "-m", "backcare", "diary", "list"], env)
    assert out.returncode == 0 and "upgraded your database" in out.stderr
    backups = list(tmp_path.glob("old.sqlite3.backup-0001-*"))
    assert len(backups) == 1 and _mode(backups[0]) == 0o600
    assert _mode(path) == 0o600


def test_the_local_secret_is_created_private(tmp_path: Path) -> None:
    code = (
        "from backcare.config import Settings\n"
        "from backcare.web.serve import build\n"
        f"build(Settings(database_url='sqlite:///{tmp_path / 'web.sqlite3'}'))\n"
    )
    out = run_umask_022([sys.executable, "-c", code], dict(os.environ))
    assert out.returncode == 0, out.stderr
    assert _mode(tmp_path / "backcare.secret") == 0o600
    assert _mode(tmp_path / "web.sqlite3") == 0o600


def test_the_administrator_is_granted_by_command_not_by_registering_first(tmp_path: Path) -> None:
    from backcare.service.community import is_admin, register
    from backcare.store.repo import Store

    url = f"sqlite:///{tmp_path / 'server.sqlite3'}"
    store = Store(url)
    register(store, "first1", "a long passphrase 1", "a long passphrase 1")
    assert not is_admin(store, "first1")
    store.close()
    env = {"BACKCARE_DATABASE_URL": url, "HOME": str(tmp_path)}
    granted = run("admin", "grant", "first1", env=env)
    assert granted.returncode == 0 and "first1 is now an administrator" in granted.stdout
    store = Store(url)
    assert is_admin(store, "first1")
    store.close()
    missing = run("admin", "grant", "nobody", env=env)
    assert missing.returncode == 2 and "no account named 'nobody'" in missing.stderr
    assert run("admin", "revoke", "first1", env=env).returncode == 0

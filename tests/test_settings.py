"""Settings: one typed model read from BACKCARE_* variables by the entry points only; bad values
are one line naming the variable (CLI exit 2); local mode needs no PostgreSQL driver."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from backcare.config import Settings, SettingsError
from backcare.domain import Jurisdiction

SRC = Path(__file__).parent.parent / "src" / "backcare"


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in list(os.environ):
        if name.startswith("BACKCARE_") or name == "TZ":
            monkeypatch.delenv(name)
    return monkeypatch


def test_from_env_reads_every_variable(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("BACKCARE_JURISDICTION", " US ")
    clean_env.setenv("BACKCARE_MODE", "Server")
    clean_env.setenv("BACKCARE_SECRET_KEY", "k" * 40)
    clean_env.setenv("BACKCARE_DATABASE_URL", "postgresql+psycopg://u@h/db")
    clean_env.setenv("BACKCARE_SECURE_COOKIES", "no")
    clean_env.setenv("BACKCARE_ALLOWED_HOSTS", "care.example.org, , www.care.example.org")
    clean_env.setenv("BACKCARE_TZ", "America/Chicago")
    s = Settings.from_env()
    assert s.jurisdiction is Jurisdiction.US and s.mode == "server" and s.secret_key == "k" * 40
    assert s.database_url == "postgresql+psycopg://u@h/db" and s.secure_cookies is False
    assert s.allowed_hosts == ("care.example.org", "www.care.example.org")
    assert s.zone == "America/Chicago"


def test_defaults_and_empty_values(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("BACKCARE_SECRET_KEY", "")
    clean_env.setenv("BACKCARE_DATABASE_URL", "")
    s = Settings.from_env()
    assert (s.jurisdiction, s.mode, s.secret_key, s.database_url) == (Jurisdiction.UK, "local", None, None)
    assert s.secure_cookies is True and s.allowed_hosts == () and s.zone is None


def test_the_system_tz_is_used_only_when_it_is_a_zone_name(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("TZ", "Europe/Berlin")
    assert Settings.from_env().zone == "Europe/Berlin"
    clean_env.setenv("BACKCARE_TZ", "Asia/Tokyo")
    assert Settings.from_env().zone == "Asia/Tokyo"  # backcare's own setting wins
    clean_env.delenv("BACKCARE_TZ")
    clean_env.setenv("TZ", ":/etc/localtime")  # a POSIX form: the system's business, not an error
    assert Settings.from_env().zone is None


def test_settings_built_in_code_ignore_the_environment(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("BACKCARE_MODE", "server")
    clean_env.setenv("BACKCARE_JURISDICTION", "us")
    s = Settings(allowed_hosts=("testserver",))
    assert s.mode == "local" and s.jurisdiction is Jurisdiction.UK


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("BACKCARE_JURISDICTION", "fr", "BACKCARE_JURISDICTION must be one of uk, us, not 'fr'"),
        ("BACKCARE_MODE", "cloud", "BACKCARE_MODE must be local or server, not 'cloud'"),
        ("BACKCARE_SECRET_KEY", "short", "BACKCARE_SECRET_KEY must be at least 32 characters"),
        ("BACKCARE_SECURE_COOKIES", "maybe", "BACKCARE_SECURE_COOKIES must be 1 or 0"),
        ("BACKCARE_TZ", "Mars/Olympus", "BACKCARE_TZ must be a time zone name such as Europe/London"),
    ],
)
def test_a_bad_value_is_one_line_naming_the_variable(
    clean_env: pytest.MonkeyPatch, name: str, value: str, message: str
) -> None:
    clean_env.setenv(name, value)
    with pytest.raises(SettingsError) as caught:
        Settings.from_env()
    text = str(caught.value)
    assert text.startswith(message) and "\n" not in text
    assert "pydantic" not in text.lower() and "validation error" not in text.lower()


def test_the_secret_key_is_never_shown(clean_env: pytest.MonkeyPatch) -> None:
    secret = "a-very-private-signing-key-0123456789"
    assert secret not in repr(Settings(secret_key=secret)) and secret not in str(Settings(secret_key=secret))


def run(code: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if not k.startswith("BACKCARE_")}
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env={**full, **env}, timeout=120
    )


def test_a_bad_setting_stops_the_cli_with_exit_2_and_one_line(tmp_path: Path) -> None:
    out = run("from backcare.cli import main; raise SystemExit(main(['diary', 'list']))", {"BACKCARE_TZ": "Nowhere"})
    assert out.returncode == 2
    assert out.stderr.strip().splitlines() == [
        "backcare: BACKCARE_TZ must be a time zone name such as Europe/London or America/New_York, not 'Nowhere'"
    ]


WITHOUT_PSYCOPG = "import sys; sys.modules['psycopg'] = None; sys.modules['psycopg2'] = None\n"


def test_local_mode_runs_without_the_postgresql_driver(tmp_path: Path) -> None:
    code = WITHOUT_PSYCOPG + (
        "from backcare.cli import main\n"
        "assert main(['diary', 'add', '--pain', '3']) == 0\n"
        "assert main(['diary', 'list']) == 0\n"
        "assert 'psycopg' not in {m.split('.')[0] for m in sys.modules if sys.modules[m] is not None}\n"
    )
    out = run(code, {"BACKCARE_DATABASE_URL": f"sqlite:///{tmp_path / 'local.sqlite3'}"})
    assert out.returncode == 0, out.stderr


def test_postgresql_without_its_driver_is_one_clear_line(tmp_path: Path) -> None:
    code = WITHOUT_PSYCOPG + "from backcare.cli import main\nraise SystemExit(main(['diary', 'list']))\n"
    out = run(code, {"BACKCARE_DATABASE_URL": "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"})
    assert out.returncode == 2
    assert out.stderr.strip().splitlines() == [
        "backcare: BACKCARE_DATABASE_URL names PostgreSQL, but its driver is not installed; "
        "install it with: pip install 'backcare[postgres]'"
    ]


def test_the_configured_zone_is_used_for_entries_logged_without_one(tmp_path: Path) -> None:
    from backcare.compose import diary_service
    from backcare.service.entries import local_zone_name, use_zone

    try:
        svc, _ = diary_service(Settings(database_url=f"sqlite:///{tmp_path / 'z.sqlite3'}", tz="Pacific/Auckland"))
        try:
            assert local_zone_name() == "Pacific/Auckland"
            assert svc.log_episode(pain=2).entry.tz == "Pacific/Auckland"
        finally:
            svc.store.close()
    finally:
        use_zone(None)


def test_only_the_settings_module_reads_the_environment() -> None:
    readers = re.compile(r"os\.environ|getenv\(|environ\.get\(")
    found = [
        f"{path.relative_to(SRC)}:{n}"
        for path in sorted(SRC.rglob("*.py"))
        if path.name != "config.py" or path.parent != SRC
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if readers.search(line)
    ]
    assert found == []


def test_the_server_lock_pins_every_runtime_dependency_with_hashes() -> None:
    import tomllib

    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    root = SRC.parent.parent
    project = tomllib.loads((root / "pyproject.toml").read_text())["project"]
    wanted = [Requirement(r) for r in project["dependencies"] + project["optional-dependencies"]["postgres"]]
    lock = (root / "requirements" / "server.lock").read_text()
    blocks = re.findall(r"^([A-Za-z0-9_.-]+)==(\S+) \\\n((?:\s+--hash=sha256:[0-9a-f]{64}(?: \\)?\n)+)", lock, re.M)
    pinned = {canonicalize_name(name): version for name, version, _ in blocks}
    assert len(blocks) == len(re.findall(r"^\S+==", lock, re.M))  # every pin carries its hashes
    for req in wanted:
        name = canonicalize_name(req.name)
        assert name in pinned, f"{req.name} is not in requirements/server.lock: regenerate it (docs/operations.md)"
        assert req.specifier.contains(pinned[name], prereleases=True), (req, pinned[name])

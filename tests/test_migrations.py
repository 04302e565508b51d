"""Schema upgrades: the migrations build exactly the models, each migration is one transaction, a
failed SQLite upgrade is undone from its backup, concurrent upgraders queue, and server mode
refuses a schema that `backcare db upgrade` has not brought up to date."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from backcare.compose import StoreUnavailable, open_store, upgrade_database
from backcare.config import Settings
from backcare.store.db import make_engine
from backcare.store.migrate import (
    MIGRATIONS,
    PG_LOCK_KEY,
    MigrationFailed,
    Upgraded,
    current_revision,
    head_revision,
    upgrade,
)
from backcare.store.models import Base
from backcare.store.repo import Store

FAILING = '''"""A migration that fails half way, after changing the schema and writing a row."""

import sqlalchemy as sa
from alembic import op

revision = "9999"
down_revision = "{down}"


def upgrade() -> None:
    op.create_table("half_done", sa.Column("id", sa.Integer, primary_key=True))
    with op.batch_alter_table("episodes") as batch:
        batch.add_column(sa.Column("extra", sa.Text()))
    op.execute("INSERT INTO half_done (id) VALUES (1)")
    raise RuntimeError("deliberate failure half way")
'''


@pytest.fixture
def failing_scripts(tmp_path: Path) -> Path:
    """backcare's migrations plus one more, after the head, that fails."""
    scripts = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS, scripts, ignore=shutil.ignore_patterns("__pycache__"))
    (scripts / "versions" / "9999_fails.py").write_text(FAILING.format(down=head_revision()))
    return scripts


def columns(engine: sa.Engine, table: str) -> set[str]:
    return {c["name"] for c in sa.inspect(engine).get_columns(table)}


def test_the_migrations_build_exactly_the_models(db_url: str) -> None:
    store = Store(db_url)
    try:
        with store.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True, "compare_server_default": True})
            assert compare_metadata(context, Base.metadata) == []
    finally:
        store.close()


def test_each_migration_is_one_transaction_so_a_failed_one_leaves_no_trace(db_url: str, failing_scripts: Path) -> None:
    engine = make_engine(db_url)  # empty: the real migrations commit, the failing one rolls back
    try:
        with pytest.raises(MigrationFailed, match="deliberate failure half way"):
            upgrade(engine, failing_scripts)
        assert current_revision(engine) == head_revision()
        assert "half_done" not in sa.inspect(engine).get_table_names()
        assert "extra" not in columns(engine, "episodes")
    finally:
        engine.dispose()
    Store(db_url).close()  # and it opens as usual


def dump(path: Path) -> list[str]:
    with sqlite3.connect(path) as conn:
        return list(conn.iterdump())


def test_a_failed_sqlite_upgrade_restores_the_database_exactly(tmp_path: Path, failing_scripts: Path) -> None:
    path = tmp_path / "old.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine, to="0002")
    with engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO users (name, created_at) VALUES ('local', '2026-01-01 00:00:00')")
        conn.exec_driver_sql(
            "INSERT INTO episodes (id, user_id, started_at, tz, pain, locations, qualities, triggers, helped, "
            "red_flags, note) VALUES ('e1', 1, '2026-01-02 08:00:00', 'UTC', 6, '[]', '[]', '[]', '[]', '[]', '')"
        )
    before = dump(path)
    try:
        # 0003 and 0004 succeed and commit, then 9999 fails: the whole upgrade is undone.
        with pytest.raises(MigrationFailed, match="deliberate failure half way"):
            upgrade(engine, failing_scripts)
    finally:
        engine.dispose()
    assert dump(path) == before
    assert not list(tmp_path.glob("old.sqlite3.backup-*"))  # restored, so no second copy kept
    store = Store(f"sqlite:///{path}")  # openable, and the real upgrade still works
    try:
        assert current_revision(store.engine) == head_revision()
        with store.engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT pain FROM episodes WHERE id = 'e1'").scalar() == 6
    finally:
        store.close()


def test_a_failed_upgrade_through_compose_is_one_line_and_changes_nothing(
    tmp_path: Path, failing_scripts: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import backcare.store.migrate as migrate

    path = tmp_path / "db.sqlite3"
    Store(f"sqlite:///{path}").close()
    before = dump(path)
    monkeypatch.setattr(migrate, "MIGRATIONS", failing_scripts)
    with pytest.raises(StoreUnavailable, match=r"upgrade failed: .* put back as it was before") as caught:
        open_store(Settings(database_url=f"sqlite:///{path}"))
    assert "\n" not in str(caught.value)
    assert dump(path) == before


def test_two_sqlite_upgrades_at_once_both_succeed_and_one_does_the_work(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'race.sqlite3'}"
    setup = make_engine(url)
    upgrade(setup, to="0001")
    setup.dispose()
    results: list[Upgraded | BaseException | None] = []
    start = threading.Barrier(2)

    def run() -> None:
        engine = make_engine(url)
        try:
            start.wait()
            results.append(upgrade(engine))
        except BaseException as exc:
            results.append(exc)
        finally:
            engine.dispose()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not [r for r in results if isinstance(r, BaseException)], results
    assert sorted(r is None for r in results) == [False, True]
    assert len(list(tmp_path.glob("race.sqlite3.backup-*"))) == 1


def pg_waiting(admin: sa.Engine) -> int:
    with admin.connect() as conn:
        return int(
            conn.execute(
                sa.text(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted "
                    "AND (classid::bigint << 32) + objid::bigint = :key"
                ),
                {"key": PG_LOCK_KEY},
            ).scalar_one()
        )


def test_two_postgresql_upgrades_at_once_queue_on_the_advisory_lock(db_url: str) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("the advisory lock is PostgreSQL's")
    holder = sa.create_engine(db_url, poolclass=sa.pool.NullPool)
    results: list[Upgraded | BaseException | None] = []

    def run() -> None:
        engine = make_engine(db_url)
        try:
            results.append(upgrade(engine))
        except BaseException as exc:
            results.append(exc)
        finally:
            engine.dispose()

    threads = [threading.Thread(target=run) for _ in range(2)]
    try:
        with holder.connect() as held:
            held.execute(sa.text("SELECT pg_advisory_lock(:key)"), {"key": PG_LOCK_KEY})
            held.commit()
            for t in threads:
                t.start()
            deadline = time.monotonic() + 30
            while pg_waiting(holder) < 2 and time.monotonic() < deadline:
                time.sleep(0.05)
            assert pg_waiting(holder) == 2  # both upgraders wait; neither has touched the schema
            assert all(t.is_alive() for t in threads) and not results
            held.execute(sa.text("SELECT pg_advisory_unlock(:key)"), {"key": PG_LOCK_KEY})
            held.commit()
        for t in threads:
            t.join(120)
    finally:
        holder.dispose()
    assert not [r for r in results if isinstance(r, BaseException)], results
    assert sorted(r is None for r in results) == [False, True]  # one migrated, the other found it done
    engine = make_engine(db_url)
    try:
        assert current_revision(engine) == head_revision()
    finally:
        engine.dispose()


def test_server_mode_refuses_an_empty_or_old_schema_until_db_upgrade(db_url: str) -> None:
    settings = Settings(mode="server", secret_key="k" * 40, database_url=db_url)
    with pytest.raises(StoreUnavailable, match=r"no backcare tables yet; run `backcare db upgrade`"):
        open_store(settings)
    engine = make_engine(db_url)
    try:
        assert sa.inspect(engine).get_table_names() == []  # refusing did not migrate
        upgrade(engine, to="0003")
    finally:
        engine.dispose()
    with pytest.raises(StoreUnavailable, match=r"\(0003\) is older .* run `backcare db upgrade`"):
        open_store(settings)
    done = upgrade_database(settings)
    assert (done.before, done.after) == ("0003", head_revision())
    again = upgrade_database(settings)
    assert again.before == again.after == head_revision()
    open_store(settings).close()


def test_local_mode_upgrades_as_it_opens(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        upgrade(engine, to="0002")
    finally:
        engine.dispose()
    store = open_store(Settings(database_url=db_url))
    try:
        assert current_revision(store.engine) == head_revision()
    finally:
        store.close()


def test_a_schema_from_a_newer_backcare_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "newer.sqlite3"
    Store(f"sqlite:///{path}").close()
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE alembic_version SET version_num = 'ffff'")
    before = dump(path)
    for settings in (
        Settings(database_url=f"sqlite:///{path}"),
        Settings(mode="server", database_url=f"sqlite:///{path}"),
    ):
        with pytest.raises(StoreUnavailable, match="newer"):
            open_store(settings)
    assert dump(path) == before
    assert not list(tmp_path.glob("newer.sqlite3.backup-*"))


def cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    import os

    return subprocess.run(
        [sys.executable, "-m", "backcare", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "NO_COLOR": "1", **env},
        timeout=120,
    )


def test_db_upgrade_command_migrates_once_and_says_so(tmp_path: Path) -> None:
    path = tmp_path / "cli.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine, to="0002")
    engine.dispose()
    env: dict[str, Any] = {"BACKCARE_DATABASE_URL": f"sqlite:///{path}", "BACKCARE_MODE": "server"}
    first = cli("db", "upgrade", env=env)
    assert first.returncode == 0, first.stderr
    assert f"Database upgraded from 0002 to {head_revision()}." in first.stdout
    assert "A copy of it as it was is at" in first.stdout
    second = cli("db", "upgrade", env=env)
    assert second.returncode == 0 and "already at the latest schema" in second.stdout
    bad = cli("db", "upgrade", env={"BACKCARE_DATABASE_URL": "mysql://x/y"})
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1 and "SQLite and PostgreSQL" in bad.stderr

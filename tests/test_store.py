"""The store: migrations (with a backup for SQLite), pragmas, indexes, and no data loss when the
process is killed in the middle of a burst of writes."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import sqlalchemy as sa

from backcare.store.migrate import current_revision, head_revision, upgrade
from backcare.store.repo import Store


def test_a_new_database_is_created_at_the_latest_schema(db_url: str) -> None:
    store = Store(db_url)
    try:
        assert current_revision(store.engine) == head_revision()
        assert store.backup is None
        inspector = sa.inspect(store.engine)
        assert {
            "episodes",
            "medicine_intakes",
            "self_care_actions",
            "checkins",
            "assessments",
            "audit_log",
            "user_settings",
        } <= set(inspector.get_table_names())
        indexed = {tuple(ix["column_names"]) for ix in inspector.get_indexes("episodes")}
        assert ("user_id", "started_at") in indexed
    finally:
        store.close()


def test_an_older_sqlite_database_is_backed_up_then_upgraded(tmp_path: Path) -> None:
    from backcare.store.db import make_engine

    path = tmp_path / "old.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine, to="0001")
    with engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO users (name, created_at) VALUES ('local', '2026-01-01 00:00:00')")
    engine.dispose()

    store = Store(f"sqlite:///{path}")
    try:
        assert store.backup is not None and store.backup.exists()
        assert current_revision(store.engine) == head_revision()
        with sqlite3.connect(store.backup) as old:
            assert old.execute("SELECT version_num FROM alembic_version").fetchone() == ("0001",)
            assert old.execute("SELECT name FROM users").fetchall() == [("local",)]
        assert upgrade(store.engine) is None  # already at head: nothing to do, no second backup
    finally:
        store.close()


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'x.sqlite3'}")
    try:
        with store.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    finally:
        store.close()


WRITER = """
import sys
from backcare.service.diary import DiaryService
from backcare.store.repo import Store
svc = DiaryService(Store(sys.argv[1]))
n = 0
while True:
    entry = svc.log_episode(pain=n % 11, note="burst").entry
    print(entry.id, flush=True)
    n += 1
"""


def test_killing_the_process_mid_burst_loses_no_committed_entry(tmp_path: Path) -> None:
    path = tmp_path / "burst.sqlite3"
    url = f"sqlite:///{path}"
    Store(url).close()
    proc = subprocess.Popen([sys.executable, "-c", WRITER, url], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    committed: list[str] = []
    deadline = time.monotonic() + 60
    while len(committed) < 300 and time.monotonic() < deadline:
        line = proc.stdout.readline()
        if line:
            committed.append(line.strip())
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    proc.stdout.close()
    assert len(committed) >= 300

    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        stored = {row[0] for row in conn.execute("SELECT id FROM episodes")}
    missing = [i for i in committed if i not in stored]
    assert missing == []

from __future__ import annotations

import pytest

from backcare import service
from backcare.domain import Answers
from backcare.engine.compiled import CompiledKnowledge

# A complete, ordinary presentation: every question answered, no red flags. Tests change one
# thing at a time from here.
ORDINARY: Answers = {
    "age": 34.0,
    "sex": "male",
    "pain_quality": ("cramp_spasm",),
    "pain_location": ("lower",),
    "pain_side": "left",
    "pain_spread": ("buttock",),
    "onset": "sudden",
    "duration": "under_1_week",
    "trigger": ("lifting",),
    "pain_trend": "same",
    "severity": 6.0,
    "previous_episodes": "one_or_two",
    "back_surgery": "never",
    "medicines_taken": ("none",),
    "medicine_safety": ("none",),
    "exercise_regular": "sometimes",
}


@pytest.fixture(scope="session")
def ck() -> CompiledKnowledge:
    return service.engine()


def complete(ck: CompiledKnowledge, **changes: object) -> Answers:
    """ORDINARY plus ``changes``; other applicable yes/no questions "no", follow-ups left open."""
    answers: Answers = {**ORDINARY, "back_pain_present": "yes"}
    answers.update(changes)  # type: ignore[arg-type]
    for _ in range(3):  # follow-ups appear as answers change
        eff = ck.effective(answers)
        for q in ck.applicable(eff):
            if q.id not in answers and q.kind == "yes_no" and q.assume_if_unanswered is None:
                answers[q.id] = "no"
    return answers


# --- databases: every store and service test runs on SQLite and on the PostgreSQL server ----------

import os  # noqa: E402
import uuid  # noqa: E402
from collections.abc import Iterator  # noqa: E402
from contextlib import contextmanager  # noqa: E402

PG_ADMIN = os.environ.get("BACKCARE_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def _postgres_available() -> bool:
    import sqlalchemy as sa

    try:
        engine = sa.create_engine(PG_ADMIN, connect_args={"connect_timeout": 3})
        with engine.connect():
            pass
        engine.dispose()
        return True
    except Exception:  # any failure means "not reachable"
        return False


@pytest.fixture(scope="session")
def postgres_ok() -> bool:
    ok = _postgres_available()
    if not ok and os.environ.get("BACKCARE_REQUIRE_POSTGRES") == "1":
        pytest.fail(f"PostgreSQL is required (BACKCARE_REQUIRE_POSTGRES=1) but {PG_ADMIN} is unreachable")
    return ok


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, postgres_ok: bool
) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'backcare.sqlite3'}"
        return
    with postgres_database(postgres_ok) as url:
        yield url


@contextmanager
def postgres_database(postgres_ok: bool, prefix: str = "backcare_test") -> Iterator[str]:
    """A fresh, empty PostgreSQL database of its own, dropped afterwards (tests run in parallel)."""
    if not postgres_ok:
        pytest.skip("PostgreSQL not reachable on 127.0.0.1:5432 (set BACKCARE_REQUIRE_POSTGRES=1 to fail instead)")
    import sqlalchemy as sa

    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture
def diary(db_url: str) -> Iterator[object]:
    from backcare.service.diary import DiaryService
    from backcare.store.repo import Store

    store = Store(db_url)
    try:
        yield DiaryService(store)
    finally:
        store.close()

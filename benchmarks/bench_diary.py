"""Diary at scale: 10 years of a heavy user's diary on SQLite, and 1,000 users on PostgreSQL.

Run: .venv/bin/python benchmarks/bench_diary.py [--pg-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres]

Each operation is timed on the big database and, as a baseline in the same run, on a database
holding only the last 30 days of the same person's diary: with indexed, bounded queries the two
should be close, whatever the size of the table. Query plans are printed to show the indexes used.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from backcare.service.diary import DiaryService
from backcare.service.records import report_pdf
from backcare.store.models import EpisodeRow, IntakeRow, User
from backcare.store.repo import Store

NOW = datetime.now(UTC).replace(microsecond=0)


def episodes_for(user_id: int, days: int, per_day: int) -> list[dict[str, Any]]:
    rows = []
    for d in range(days):
        for k in range(per_day):
            at = NOW - timedelta(days=d, hours=2 + k * 2, minutes=7 * k)
            rows.append(
                {
                    "id": str(uuid.uuid4()),
                    "user_id": user_id,
                    "started_at": at,
                    "tz": "Europe/London",
                    "ended_at": None,
                    "pain": (d * 7 + k * 3) % 11,
                    "locations": ["lower", "left"],
                    "qualities": ["cramp_spasm"],
                    "triggers": ["sitting"],
                    "helped": ["heat"],
                    "red_flags": [],
                    "note": "",
                }
            )
    return rows


def intakes_for(user_id: int, days: int) -> list[dict[str, Any]]:
    return [
        {
            "id": str(uuid.uuid4()),
            "user_id": user_id,
            "taken_at": NOW - timedelta(days=d, hours=3),
            "tz": "Europe/London",
            "product": "ibuprofen-200",
            "units": 2.0,
            "contains": {"ibuprofen": 200},
            "note": "",
        }
        for d in range(days)
    ]


def fill(store: Store, user: str, days: int, per_day: int) -> int:
    with store.transaction() as s:
        uid = store.user_id(s, user)
    with store.engine.begin() as conn:
        rows = episodes_for(uid, days, per_day)
        for start in range(0, len(rows), 5000):
            conn.execute(sa.insert(EpisodeRow), rows[start : start + 5000])
        conn.execute(sa.insert(IntakeRow), intakes_for(uid, days))
    return len(rows)


def timed(fn: Callable[[], Any], runs: int = 7) -> float:
    fn()  # warm caches and the knowledge base
    samples = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t)
    return statistics.median(samples) * 1000


def sqlite_run(folder: Path) -> None:
    big, small = Store(f"sqlite:///{folder / 'big.sqlite3'}"), Store(f"sqlite:///{folder / 'small.sqlite3'}")
    t = time.perf_counter()
    n = fill(big, "local", 3650, 9)
    load_s = time.perf_counter() - t
    fill(small, "local", 30, 9)
    a, b = DiaryService(big), DiaryService(small)
    print(f"SQLite: {n:,} episodes + 3,650 medicine entries over 10 years loaded in {load_s:.1f} s")
    print(f"{'operation':34} {'10 years':>10} {'30 days (baseline)':>20}")
    for label, fa, fb in (
        ("diary list (last 30 days)", lambda: a.recent(30), lambda: b.recent(30)),
        ("trends (8 weeks, 6 months)", lambda: a.trends(), lambda: b.trends()),
        ("alerts (re-triage window)", lambda: a.alerts(), lambda: b.alerts()),
        ("PDF report (180 days)", lambda: report_pdf(a), lambda: report_pdf(b)),
    ):
        print(f"{label:34} {timed(fa, 5):8.1f} ms {timed(fb, 5):18.1f} ms")
    with big.engine.connect() as conn:
        plan = conn.exec_driver_sql(
            "EXPLAIN QUERY PLAN SELECT * FROM episodes "
            "WHERE user_id = 1 AND started_at >= '2026-01-01' AND started_at < '2026-02-01'"
        ).fetchall()
    print("SQLite plan for a month of one person's episodes:", " | ".join(str(r[-1]) for r in plan))
    big.close()
    small.close()


def pg_run(admin_url: str, users: int, per_user: int) -> None:
    name = f"backcare_bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    base = admin_url.rsplit("/", 1)[0]
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        conn.exec_driver_sql(f'CREATE DATABASE "{name}_one"')
    try:
        many, one = Store(f"{base}/{name}"), Store(f"{base}/{name}_one")
        t = time.perf_counter()
        with many.engine.begin() as conn:
            conn.execute(sa.insert(User), [{"name": f"user{i}", "created_at": NOW} for i in range(users)])
        days = per_user // 2
        ids = []
        with many.engine.connect() as conn:
            ids = [r[0] for r in conn.execute(sa.select(User.id).order_by(User.id))]
        raw = many.engine.raw_connection()
        try:
            cur = raw.cursor()
            with cur.copy(  # type: ignore[attr-defined]
                "COPY episodes (id, user_id, started_at, tz, pain, locations, qualities, "
                "triggers, helped, red_flags, note) FROM STDIN"
            ) as copy:
                for uid in ids:
                    for d in range(days):
                        for k in range(2):
                            copy.write_row(
                                (
                                    str(uuid.uuid4()),
                                    uid,
                                    NOW - timedelta(days=d, hours=3 + 5 * k),
                                    "Europe/London",
                                    (uid + d + k) % 11,
                                    '["lower"]',
                                    '["cramp_spasm"]',
                                    '["sitting"]',
                                    '["heat"]',
                                    "[]",
                                    "",
                                )
                            )
            raw.commit()
            cur.execute("ANALYZE episodes")
            raw.commit()
        finally:
            raw.close()
        load_s = time.perf_counter() - t
        fill(one, "user0", days, 2)
        total = users * per_user
        print(f"\nPostgreSQL: {users:,} users × {per_user:,} episodes = {total:,} rows loaded in {load_s:.1f} s")
        target = DiaryService(many, user=f"user{users // 2}")
        alone = DiaryService(one, user="user0")
        print(f"{'operation (one user)':34} {'1,000 users':>12} {'1 user (baseline)':>19}")
        for label, fa, fb in (
            ("trends (8 weeks, 6 months)", lambda: target.trends(), lambda: alone.trends()),
            ("daily pain series (90 days)", lambda: target.daily_pain(90), lambda: alone.daily_pain(90)),
            ("diary list (last 30 days)", lambda: target.recent(30), lambda: alone.recent(30)),
        ):
            print(f"{label:34} {timed(fa):10.1f} ms {timed(fb):17.1f} ms")
        with many.engine.connect() as conn:
            plan = conn.exec_driver_sql(
                "EXPLAIN SELECT * FROM episodes WHERE user_id = 500 AND started_at >= now() - interval '30 days'"
            ).fetchall()
        print("PostgreSQL plan:", " | ".join(r[0].strip() for r in plan[:3]))
        many.close()
        one.close()
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}_one" WITH (FORCE)')
        admin.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--per-user", type=int, default=1000)
    parser.add_argument("--skip-pg", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        sqlite_run(Path(folder))
    if not args.skip_pg:
        pg_run(args.pg_url, args.users, args.per_user)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

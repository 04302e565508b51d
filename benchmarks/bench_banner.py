"""What the urgent diary-alert banner adds to each page (home, plan, result, saved checks,
prevent, report): DiaryService.banner() alone, and GET /plan with and without it, on a diary of
90 days with three entries a day (episode, heat, paracetamol), local mode on SQLite.

Run: .venv/bin/python benchmarks/bench_banner.py
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from starlette.testclient import TestClient

from backcare.config import Settings
from backcare.service.diary import DiaryService
from backcare.store.repo import Store
from backcare.web import context
from backcare.web.app import create_app

RUNS = 40


def median_ms(f: Callable[[], Any]) -> float:
    f()
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        f()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def page_ms(client: TestClient, path: str) -> tuple[float, float]:
    """The page's median time with the banner and with it switched off."""
    with_banner = median_ms(lambda: client.get(path))
    pages = context.BANNER_PAGES
    context.BANNER_PAGES = frozenset()
    try:
        without = median_ms(lambda: client.get(path))
    finally:
        context.BANNER_PAGES = pages
    return with_banner, without


def main() -> None:
    folder = Path(tempfile.mkdtemp())
    store = Store(f"sqlite:///{folder / 'banner.sqlite3'}")
    svc = DiaryService(store)
    client = TestClient(
        create_app(Settings(allowed_hosts=("testserver",)), store), headers={"sec-fetch-site": "same-origin"}
    )
    print(f"empty diary: banner() {median_ms(svc.banner):.2f} ms")
    now = datetime.now(UTC)
    for day in range(90):
        at = now - timedelta(days=day, hours=3)
        svc.log_episode(pain=4, started_at=at, tz="UTC")
        svc.log_action("heat", 15, done_at=at + timedelta(hours=1), tz="UTC")
        svc.log_intake("paracetamol-500", 2, taken_at=at + timedelta(hours=2), tz="UTC")
    print(f"270 entries, nothing urgent: banner() {median_ms(svc.banner):.2f} ms")
    with_banner, without = page_ms(client, "/plan")
    print(f"  GET /plan {with_banner:.1f} ms with the banner check, {without:.1f} ms without")
    svc.log_episode(pain=5, red_flags=["saddle_numbness"], tz="UTC")
    assert svc.banner() is not None
    print(f"271 entries, one emergency: banner() {median_ms(svc.banner):.2f} ms")
    with_banner, without = page_ms(client, "/plan")
    print(f"  GET /plan {with_banner:.1f} ms with the banner, {without:.1f} ms without")
    store.close()


if __name__ == "__main__":
    main()

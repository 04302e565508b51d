"""The pain chart: time to draw 180 days with reportlab.graphics (what backcare uses) against the
matplotlib chart it replaced, in the same run, when matplotlib is still installed.

Run: .venv/bin/python benchmarks/bench_chart.py [--repeat 20]

matplotlib is no longer a dependency; to get the baseline install it beside backcare first
(``.venv/bin/pip install matplotlib``). Times are the median of ``--repeat`` renders, after one
warm-up render that also pays the import.
"""

from __future__ import annotations

import argparse
import io
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import date, timedelta

from backcare.export.chart import PAGE, PHONE, pdf, svg
from backcare.export.views import Point

START = date(2026, 6, 1)


def points(days: int = 180) -> list[Point]:
    out = []
    for i in range(days):
        day = START + timedelta(days=i)
        if i % 9 == 4:
            out.append(Point(day, None))  # nothing logged: a gap
        elif i % 13 == 0:
            out.append(Point(day, 0, True))
        else:
            out.append(Point(day, (i * 7) % 9 + 1))
    return out


def matplotlib_chart(data: list[Point], fmt: str) -> bytes:
    """The chart as backcare drew it before (export/chart.py with matplotlib)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    days = [p.day for p in data if p.worst is not None]
    worst = [p.worst for p in data if p.worst is not None]
    fig, ax = plt.subplots(figsize=(7.5, 3.2), dpi=110)
    try:
        ax.plot(days, worst, marker="o", markersize=3, linewidth=1.2, color="#1f5f99")
        ax.set_ylim(0, 10.5)
        fig.tight_layout()
        buffer = io.BytesIO()
        fig.savefig(buffer, format=fmt)
        return buffer.getvalue()
    finally:
        plt.close(fig)


def timed(fn: Callable[[], bytes], repeat: int) -> tuple[float, int]:
    size = len(fn())  # warm-up
    runs = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t)
    return statistics.median(runs) * 1000, size


def import_ms(module: str) -> float | None:
    """A cold import in a fresh interpreter (what the first chart of a process pays)."""
    code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    return float(done.stdout) * 1000 if done.returncode == 0 else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    data = points()
    rows: list[tuple[str, float, int]] = []
    for module in ("backcare.export.chart", "matplotlib.pyplot"):
        ms = import_ms(module)
        print(f"cold import {module}: " + (f"{ms:.0f} ms" if ms is not None else "not installed"))
    for name, fn in (
        ("reportlab SVG (web, phone size)", lambda: svg(data, size=PHONE)),
        ("reportlab PDF (report size)", lambda: pdf(data, PAGE)),
    ):
        ms, size = timed(fn, args.repeat)
        rows.append((name, ms, size))
    try:
        import matplotlib  # noqa: F401

        for fmt in ("svg", "png"):
            ms, size = timed(lambda fmt=fmt: matplotlib_chart(data, fmt), args.repeat)  # type: ignore[misc]
            rows.append((f"matplotlib {fmt.upper()} (baseline)", ms, size))
    except ImportError:
        print("matplotlib is not installed: no baseline in this run (pip install matplotlib to add it)")
    print(f"{'chart, 180 days':38} {'median ms':>10} {'bytes':>9}")
    for name, ms, size in rows:
        print(f"{name:38} {ms:10.1f} {size:9,d}")


if __name__ == "__main__":
    main()

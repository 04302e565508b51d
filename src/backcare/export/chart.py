"""The pain chart: daily worst pain and its 7-day average, as PNG or SVG (matplotlib)."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

DailyPain = list[tuple[str, int, float, int]]


def pain_chart(
    daily: DailyPain, fmt: str = "png", title: str = "Pain over time", window: tuple[date, date] | None = None
) -> bytes:
    """``window`` fixes the date axis to the period shown, so a few entries do not stretch it."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter

    # matplotlib plots dates natively; its stubs only admit numbers, hence Any.
    days: list[Any] = [date.fromisoformat(d) for d, _, _, _ in daily]
    worst = [mx for _, mx, _, _ in daily]
    fig, ax = plt.subplots(figsize=(7.5, 3.2), dpi=110)
    try:
        if days:
            ax.plot(days, worst, marker="o", markersize=3, linewidth=1.2, color="#1f5f99", label="worst pain that day")
            rolling = [sum(worst[max(0, i - 6) : i + 1]) / len(worst[max(0, i - 6) : i + 1]) for i in range(len(worst))]
            ax.plot(days, rolling, linewidth=2.2, color="#c05a00", linestyle="--", label="7-entry average")
            locator = AutoDateLocator()
            ax.xaxis.set_major_locator(locator)
            ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))
            ax.legend(loc="upper right", fontsize=8, frameon=False)
        else:
            ax.text(0.5, 0.5, "No pain scores logged in this period", ha="center", va="center", transform=ax.transAxes)
        if window is not None:
            ax.set_xlim(window[0], window[1])  # type: ignore[arg-type]
        ax.set_ylim(0, 10.5)
        ax.set_yticks(range(0, 11, 2))
        ax.set_ylabel("pain (0–10)")
        ax.set_title(title, fontsize=11)
        ax.grid(axis="y", alpha=0.3)
        fig.tight_layout()
        buffer = io.BytesIO()
        fig.savefig(buffer, format=fmt, metadata={"Software": "backcare"} if fmt == "png" else {"Creator": "backcare"})
        return buffer.getvalue()
    finally:
        plt.close(fig)

"""The pain chart: the worst pain of each day, drawn once with ``reportlab.graphics`` and rendered
as SVG for the web and as a flowable in the PDF, so both show the same picture.

Readable on a phone: the web drawing is 360 units wide with 12-unit text, so at 360 px the text
is about 12 px. Days with nothing logged are gaps (the line is not drawn across them); a day the
person said was pain-free is a point at 0; both axes are fitted to the days that have data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from xml.sax.saxutils import escape

from reportlab.graphics import renderPDF, renderSVG
from reportlab.graphics.charts.lineplots import LinePlot
from reportlab.graphics.shapes import Drawing, String
from reportlab.graphics.widgets.markers import makeMarker
from reportlab.lib import colors

from backcare.export.views import Point, fitted

PAIN = colors.HexColor("#1f5f99")
NO_PAIN = colors.HexColor("#1b7a3a")
INK = colors.HexColor("#222222")
GRID = colors.HexColor("#d5d9de")
EMPTY = "No pain scores logged in this period"


@dataclass(frozen=True)
class Size:
    width: float
    height: float
    font: float
    ticks: int
    """How many date labels fit along the bottom."""


PHONE = Size(360, 230, 12, 4)
PAGE = Size(510, 165, 9, 7)


def runs(points: list[Point]) -> list[list[tuple[int, int]]]:
    """Consecutive days with a score, as (day index, worst) lines: a gap ends a line."""
    out: list[list[tuple[int, int]]] = []
    current: list[tuple[int, int]] = []
    for i, p in enumerate(points):
        if p.worst is None:
            if current:
                out.append(current)
            current = []
        else:
            current.append((i, p.worst))
    if current:
        out.append(current)
    return out


def _date_label(day: date) -> str:
    return f"{day.day} {day:%b}"


def drawing(points: list[Point], size: Size = PHONE) -> Drawing:
    """The chart as a reportlab drawing (the one picture both outputs render)."""
    d = Drawing(size.width, size.height)
    shown = fitted(points)
    lines = runs(shown)
    if not lines:
        d.add(String(size.width / 2, size.height / 2, EMPTY, textAnchor="middle", fontSize=size.font, fillColor=INK))
        return d
    top = max(p.worst or 0 for p in shown)
    ymax = min(10, max(4, top + 1 + (top + 1) % 2))  # fitted, even, never below 4 or above 10
    legend = size.font + 6
    plot = LinePlot()
    plot.x, plot.y = size.font * 2.6, size.font * 2.2
    plot.width = size.width - plot.x - size.font
    plot.height = size.height - plot.y - legend - 4
    free = [(i, 0) for i, p in enumerate(shown) if p.pain_free]
    plot.data = [*lines, free] if free else lines
    for n in range(len(lines)):
        plot.lines[n].strokeColor = PAIN
        plot.lines[n].strokeWidth = 2
        plot.lines[n].symbol = makeMarker("FilledCircle", size=size.font * 0.45, fillColor=PAIN, strokeColor=PAIN)
    if free:  # pain-free days: markers at 0, no line
        plot.lines[len(lines)].strokeColor = None
        plot.lines[len(lines)].strokeWidth = 0
        plot.lines[len(lines)].symbol = makeMarker(
            "FilledDiamond", size=size.font * 0.75, fillColor=NO_PAIN, strokeColor=NO_PAIN
        )
    last = max(len(shown) - 1, 1)
    xa = plot.xValueAxis
    xa.valueMin, xa.valueMax = -0.5, last + 0.5
    step = max(1, round(last / max(1, size.ticks - 1)))
    xa.valueSteps = list(range(last, -1, -step))[::-1]
    xa.labelTextFormat = lambda v: _date_label(shown[0].day + timedelta(days=round(v)))
    xa.labels.fontSize = size.font
    xa.labels.fillColor = INK
    xa.labels.dy = -2
    xa.keepTickLabelsInside = 1
    xa.strokeColor = INK
    ya = plot.yValueAxis
    ya.valueMin, ya.valueMax = 0, ymax
    ya.valueStep = 1 if ymax <= 4 else 2
    ya.labels.fontSize = size.font
    ya.labels.fillColor = INK
    ya.visibleGrid = True
    ya.gridStrokeColor = GRID
    ya.strokeColor = INK
    ya.labelTextFormat = "%d"
    d.add(plot)
    y = size.height - size.font
    # Legend markers are shapes, not characters: the PDF's built-in fonts have no bullet glyphs.
    d.add(_marker("FilledCircle", plot.x + size.font * 0.3, y + size.font * 0.35, size.font * 0.6, PAIN))
    d.add(String(plot.x + size.font, y, "worst pain that day", fontSize=size.font, fillColor=INK))
    if free:
        # Left-aligned from the middle: browsers draw the SVG text in a wider font than the
        # Helvetica metrics reportlab places it by, so nothing is aligned to the right edge.
        x = size.width * 0.64
        d.add(_marker("FilledDiamond", x, y + size.font * 0.35, size.font * 0.8, NO_PAIN))
        d.add(String(x + size.font * 0.7, y, "no pain", fontSize=size.font, fillColor=INK))
    return d


def _marker(kind: str, x: float, y: float, size: float, color: colors.Color) -> object:
    m = makeMarker(kind, size=size, fillColor=color, strokeColor=color)
    m.x, m.y = x, y
    return m


def svg(points: list[Point], title: str = "Pain over time", size: Size = PHONE) -> bytes:
    """The chart for the web: it scales to the width of the screen (viewBox). reportlab writes
    "..." as the SVG's title and description; they get the chart's title and a one-line summary."""
    text: str = renderSVG.drawToString(drawing(points, size), useClip=False)
    text = text.replace("<title>...</title>", f"<title>{escape(title)}</title>", 1)
    text = text.replace("<desc>...</desc>", f"<desc>{escape(summary(points))}</desc>", 1)
    return text.encode("utf-8")


def summary(points: list[Point]) -> str:
    """The chart in one sentence, for a screen reader."""
    scored = [p for p in points if p.worst is not None]
    if not scored:
        return EMPTY + "."
    worst = max(scored, key=lambda p: p.worst or 0)
    free = sum(1 for p in scored if p.pain_free)
    return (
        f"{len(scored)} days with a score from {_date_label(scored[0].day)} to {_date_label(scored[-1].day)}; "
        f"worst {worst.worst} out of 10 on {_date_label(worst.day)}; latest {scored[-1].worst}; "
        f"{free} pain-free days."
    )


def pdf(points: list[Point], size: Size = PAGE) -> bytes:
    """The chart alone as a one-page PDF (vector, for the command line)."""
    out: bytes = renderPDF.drawToString(drawing(points, size))
    return out

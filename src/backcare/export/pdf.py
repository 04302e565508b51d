"""The doctor report: at most two pages, laid out by reportlab from a ``ReportView`` (the service
has already put everything in words).

Page 1 is what a doctor reads first: who, the latest check's result and why, the warning signs
answered yes (tinted rows with a marker and the word "Yes", not just bold), the risk factors and
the diary's alerts; then the diary's pattern with the chart, medicines and what helped, the
pertinent negatives, earlier checks and as many recent entries as still fit on two pages.
"""

from __future__ import annotations

import io
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from backcare.export.chart import PAGE, drawing
from backcare.export.views import ReportView

MAX_PAGES = 2
WIDTH = 180 * mm
TITLE = "Back pain summary for your doctor"
LEVEL_TINT = {
    "emergency_now": "#f9d4d2",
    "same_day": "#fde4c4",
    "soon": "#fff3c2",
    "self_care": "#dcefdc",
}
YES_TINT = colors.HexColor("#fbe0de")
YES_MARK = colors.HexColor("#b3261e")
GRID = colors.HexColor("#9aa3ad")


def _styles() -> dict[str, ParagraphStyle]:
    base = getSampleStyleSheet()
    return {
        "title": ParagraphStyle("t", parent=base["Title"], fontSize=15, spaceAfter=1, alignment=0),
        "h": ParagraphStyle("h", parent=base["Heading2"], fontSize=10.5, spaceBefore=5, spaceAfter=2),
        "p": ParagraphStyle("p", parent=base["BodyText"], fontSize=8.5, leading=10.5, spaceAfter=1.5),
        "level": ParagraphStyle("l", parent=base["BodyText"], fontSize=11, leading=13.5, fontName="Helvetica-Bold"),
        "small": ParagraphStyle(
            "s", parent=base["BodyText"], fontSize=7.5, leading=9, textColor=colors.HexColor("#333333")
        ),
        "cell": ParagraphStyle("c", parent=base["BodyText"], fontSize=8, leading=9.5),
        "yes": ParagraphStyle("y", parent=base["BodyText"], fontSize=8.5, leading=10, fontName="Helvetica-Bold"),
        "mark": ParagraphStyle(
            "m", parent=base["BodyText"], fontSize=9, leading=10, fontName="Helvetica-Bold", textColor=colors.white
        ),
    }


class _Story:
    def __init__(self) -> None:
        self.st = _styles()
        self.items: list[Any] = []

    def p(self, text: str, style: str = "p") -> Paragraph:
        return Paragraph(escape(text), self.st[style])

    def add(self, *flowables: Any) -> None:
        self.items.extend(flowables)

    def h(self, text: str) -> None:
        self.add(Paragraph(escape(text), self.st["h"]))

    def para(self, text: str, style: str = "p") -> None:
        self.add(self.p(text, style))

    def table(self, rows: list[list[Any]], widths: list[float], style: list[Any], header: bool = False) -> None:
        t = Table(rows, colWidths=widths, repeatRows=1 if header else 0)
        base = [
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), 3),
            ("RIGHTPADDING", (0, 0), (-1, -1), 3),
            ("TOPPADDING", (0, 0), (-1, -1), 1.5),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
        ]
        t.setStyle(TableStyle(base + style))
        self.add(t)


def _now(s: _Story, v: ReportView) -> None:
    """The diary's alert that overtook the latest check, first and tinted by its level."""
    tint = colors.HexColor(LEVEL_TINT.get(v.now_urgency or "", "#eeeeee"))
    s.table(
        [[s.p(v.now, "level")]], [WIDTH], [("BACKGROUND", (0, 0), (-1, -1), tint), ("BOX", (0, 0), (-1, -1), 1, GRID)]
    )
    s.add(Spacer(1, 2 * mm))


def _yes_signs(s: _Story, v: ReportView) -> None:
    rows = [[s.p("!", "mark"), s.p(sign.text, "yes"), s.p(sign.answer, "yes")] for sign in v.yes_signs]
    s.table(
        rows,
        [6 * mm, 124 * mm, 50 * mm],
        [
            ("BACKGROUND", (0, 0), (-1, -1), YES_TINT),
            ("BACKGROUND", (0, 0), (0, -1), YES_MARK),
            ("ALIGN", (0, 0), (0, -1), "CENTER"),
            ("LINEBELOW", (0, 0), (-1, -1), 0.4, colors.white),
            ("BOX", (0, 0), (-1, -1), 0.6, YES_MARK),
        ],
    )


def _page_one(s: _Story, v: ReportView) -> None:
    s.add(Paragraph(TITLE, s.st["title"]))
    s.para(f"Prepared with backcare on {v.generated}. Diary period: {v.period}.", "small")
    if v.now:
        _now(s, v)
    if v.level is None:
        # The doctor must not read silence as "no warning signs": say which were never asked.
        s.para(
            "No check has been saved yet, so age, sex and risk factors are not known, and the warning "
            "signs were not asked: bladder or bowel control, numbness between the legs, leg weakness, "
            "fever, a history of cancer, a recent fall or injury. Please ask about them."
        )
        if v.yes_signs:
            s.h("Warning signs logged in the diary")
            _yes_signs(s, v)
    else:
        cells = [*(f"{label}: {value}" for label, value in v.who), f"Latest check: {v.check_when}"]
        s.table(
            [[s.p(c, "yes") for c in cells]], [WIDTH / len(cells)] * len(cells), [("BOX", (0, 0), (-1, -1), 0.5, GRID)]
        )
        s.add(Spacer(1, 2 * mm))
        tint = colors.HexColor(LEVEL_TINT.get(v.urgency or "", "#eeeeee"))
        label = f"Result: {v.level} (latest check, {v.check_when})" if v.now else f"Result: {v.level}"
        result = [[s.p(label, "level")], [s.p(v.headline)]]
        if v.incomplete:
            result.append([s.p(v.incomplete)])
        s.table(result, [WIDTH], [("BACKGROUND", (0, 0), (-1, -1), tint), ("BOX", (0, 0), (-1, -1), 0.5, GRID)])
        if v.reasons:
            s.h("Why")
            for title, because in v.reasons:
                s.para(f"{title}" + (f" (answered: {because})" if because else ""))
        s.h("Warning signs answered yes")
        if v.yes_signs:
            _yes_signs(s, v)
        else:
            s.para("None: every warning sign asked was answered no (listed below).")
        s.h("Risk factors")
        if v.risks_note:
            s.para(v.risks_note + ".")
        if v.risk_factors:
            s.para("; ".join(v.risk_factors) + ".")
        elif not v.risks_note:
            s.para("None reported.")
        if v.history:
            s.h("The pain, as told at the check")
            s.para(". ".join(v.history) + ".")
    if v.alerts:
        s.h("What the diary shows now")
        rows = [[s.p(a.level, "yes"), s.p(f"{a.title}. {a.detail}", "cell")] for a in v.alerts]
        style: list[Any] = [("GRID", (0, 0), (-1, -1), 0.3, GRID)]
        style += [("BACKGROUND", (0, i), (-1, i), YES_TINT) for i, a in enumerate(v.alerts) if a.emergency]
        s.table(rows, [36 * mm, 144 * mm], style)


def _diary(s: _Story, v: ReportView, episodes: int) -> None:
    s.h("Pain diary")
    for line in v.pattern:
        s.para(line)
    if any(p.worst is not None for p in v.points):
        s.add(drawing(v.points, PAGE))
    s.h("Medicines tried, and what helped")
    if v.before_check:
        s.para(f"Taken before the latest check: {v.before_check}.")
    if v.medicines:
        rows = [[s.p(h, "cell") for h in ("Medicine", "Doses logged", "Days taken", "Most in one day")]]
        rows += [
            [s.p(m.name, "cell"), s.p(m.doses, "cell"), s.p(str(m.days), "cell"), s.p(m.most_in_a_day, "cell")]
            for m in v.medicines
        ]
        s.table(
            rows,
            [80 * mm, 40 * mm, 22 * mm, 38 * mm],
            [("GRID", (0, 0), (-1, -1), 0.3, GRID), ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef5"))],
            header=True,
        )
    else:
        s.para("No medicines logged in the diary.")
    if v.most_in_24h:
        s.para(f"Most taken in any 24 hours, all products counted: {v.most_in_24h}.")
    s.para(v.helped)
    if v.negatives:
        s.h("Warning signs asked and answered no")
        s.para("; ".join(v.negatives) + ".", "small")
    if v.causes:
        s.para(f"Possible causes the tool listed for discussion (not a diagnosis): {v.causes}.")
    if v.earlier_checks:
        s.h("Earlier checks")
        for c in v.earlier_checks:
            s.para(f"{c.when}: {c.level}" + (f" ({c.reasons})" if c.reasons else "") + ".")
    if episodes:
        more = f", latest {episodes} shown" if episodes < v.episodes_total else ""
        s.h(f"Pain entries ({v.episodes_total} logged{more})")
        rows = [[s.p(h, "cell") for h in ("When", "Pain", "Where", "Set off by", "Helped", "Warning signs, note")]]
        shown = v.episodes[:episodes]
        rows += [[s.p(c, "cell") for c in row] for row in shown]
        style: list[Any] = [
            ("GRID", (0, 0), (-1, -1), 0.3, GRID),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef5")),
        ]
        style += [
            ("BACKGROUND", (0, i + 1), (-1, i + 1), YES_TINT)
            for i, flagged in enumerate(v.flagged[:episodes])
            if flagged
        ]
        s.table(rows, [22 * mm, 10 * mm, 36 * mm, 30 * mm, 30 * mm, 52 * mm], style, header=True)


def _render(v: ReportView, episodes: int) -> tuple[bytes, int]:
    s = _Story()
    _page_one(s, v)
    _diary(s, v, episodes)
    s.add(Spacer(1, 2 * mm), s.p(v.intended_use, "small"))
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=11 * mm,
        bottomMargin=11 * mm,
        title=TITLE,
        author="backcare",
    )
    doc.build(s.items)
    return buffer.getvalue(), int(doc.page)


def build_report(view: ReportView) -> bytes:
    """The PDF; the list of recent entries is cut until the whole report fits on two pages."""
    count = min(view.episodes_total, 30)
    pdf, pages = _render(view, count)
    while pages > MAX_PAGES and count > 0:
        count = max(0, count - 4)
        pdf, pages = _render(view, count)
    return pdf

"""The doctor report: one or two pages, in the order a doctor asks, laid out by reportlab.

The person's own words first (how it feels, where, how long, what helps or hurts, medicines),
then the nerve and red-flag questions with every answer including the "no"s, the pain chart,
the episode list, self-care tried, and the latest urgency with its reasons.
"""

from __future__ import annotations

import io
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Image, KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from backcare.export.records import Record, SavedAssessment

# The nerve and red-flag questions a doctor needs to see answered, in the order they ask them.
NEURO_ORDER = [
    "bladder_control",
    "bowel_change",
    "saddle_numbness",
    "sexual_change",
    "both_legs",
    "leg_numbness",
    "leg_weakness_one",
    "walking_difficulty",
]
MAX_EPISODES = 40


@dataclass(frozen=True)
class ReportInput:
    record: Record
    questions: dict[str, dict[str, Any]]
    """Question id → catalogue entry (text, options) to print answers in words."""
    red_flag_ids: list[str]
    chart_png: bytes
    product_names: dict[str, str]
    alerts: list[Any]
    """The diary's re-triage alerts now (``DiaryAlert``), shown beside the last saved check."""
    generated_at: datetime
    intended_use: str
    period_label: str
    ingredient_names: dict[str, str] = field(default_factory=dict)
    """Ingredient id → its name in the reader's country (paracetamol is acetaminophen in the US)."""


def _styles() -> dict[str, ParagraphStyle]:
    base = getSampleStyleSheet()
    return {
        "title": ParagraphStyle("t", parent=base["Title"], fontSize=16, spaceAfter=4),
        "h": ParagraphStyle("h", parent=base["Heading2"], fontSize=11.5, spaceBefore=6, spaceAfter=2),
        "p": ParagraphStyle("p", parent=base["BodyText"], fontSize=9, leading=11.5),
        "small": ParagraphStyle(
            "s", parent=base["BodyText"], fontSize=7.5, leading=9, textColor=colors.HexColor("#444444")
        ),
        "cell": ParagraphStyle("c", parent=base["BodyText"], fontSize=8, leading=9.5),
    }


def _answer_text(questions: dict[str, dict[str, Any]], qid: str, value: Any) -> str:
    if value is None:
        return "not asked"
    q = questions.get(qid)
    labels = {o["id"]: o["label"] for o in q["options"]} if q else {}
    if isinstance(value, list | tuple):
        return ", ".join(labels.get(str(v), str(v)) for v in value)
    if value == "dont_know":
        return "Don't know"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return labels.get(str(value), str(value))


def _table(rows: list[list[Any]], widths: list[float], header: bool = True) -> Table:
    table = Table(rows, colWidths=widths, repeatRows=1 if header else 0)
    style = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("GRID", (0, 0), (-1, -1), 0.3, colors.HexColor("#999999")),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
    ]
    if header:
        style.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef5")))
    table.setStyle(TableStyle(style))
    return table


def build_report(data: ReportInput) -> bytes:
    st = _styles()
    P = lambda text, style="p": Paragraph(escape(str(text)), st[style])  # noqa: E731
    record = data.record
    latest: SavedAssessment | None = record.assessments[-1] if record.assessments else None
    answers = latest.answers if latest else {}
    q = data.questions

    def said(qid: str) -> str:
        if latest is None:
            return "no check saved"
        return _answer_text(q, qid, answers.get(qid))

    story: list[Any] = [
        Paragraph("Back pain summary for your doctor", st["title"]),
        P(f"Prepared with backcare on {data.generated_at:%d %B %Y}. Diary period: {data.period_label}.", "small"),
        Spacer(1, 3 * mm),
    ]

    # 1. The person's account, in the order a doctor takes a pain history.
    episodes = sorted(record.episodes, key=lambda e: e.started_at)
    qualities = Counter(x for e in episodes for x in e.qualities)
    locations = Counter(x for e in episodes for x in e.locations)
    triggers = Counter(x for e in episodes for x in e.triggers)
    helped = Counter(x for e in episodes for x in e.helped)
    first = episodes[0].started_at if episodes else None

    diary_pain = (
        f"diary average {sum(e.pain for e in episodes) / len(episodes):.1f}, worst {max(e.pain for e in episodes)}"
        if episodes
        else "no diary scores"
    )

    def top(counter: Counter[str]) -> str:
        return ", ".join(f"{k.replace('_', ' ')} ({n})" for k, n in counter.most_common(6)) or "none logged"

    history = [
        ["How the pain feels", f"{said('pain_quality')}; in the diary: {top(qualities)}"],
        [
            "Where",
            f"{said('pain_location')}, {said('pain_side')}; spreads to: {said('pain_spread')}; diary: {top(locations)}",
        ],
        [
            "How long",
            f"{said('duration')} (onset: {said('onset')}); first diary entry {first:%d %b %Y}"
            if first
            else f"{said('duration')} (onset: {said('onset')})",
        ],
        ["Set off or made worse by", f"{said('trigger')}; diary: {top(triggers)}"],
        ["What helps", top(helped)],
        ["Severity", (f"{said('severity')} out of 10 at the last check; " if latest else "") + diary_pain],
        ["Previous episodes", said("previous_episodes")],
    ]
    story += [
        Paragraph("What the pain is like", st["h"]),
        _table([[P(a, "cell"), P(b, "cell")] for a, b in history], [38 * mm, 140 * mm], header=False),
    ]

    # 2. Medicines tried, with doses.
    meds: dict[str, list[Any]] = {}
    for i in sorted(record.intakes, key=lambda i: i.taken_at):
        meds.setdefault(i.product, []).append(i)
    med_rows: list[list[Any]] = [
        [P("Medicine", "cell"), P("Doses logged", "cell"), P("Days", "cell"), P("Most in one day", "cell")]
    ]
    for product, items in meds.items():
        per_day = Counter(i.taken_at.date() for i in items for _ in range(1))
        units_per_day: Counter[Any] = Counter()
        for i in items:
            units_per_day[i.taken_at.date()] += i.units
        med_rows.append(
            [
                P(data.product_names.get(product, product), "cell"),
                P(f"{len(items)} ({sum(i.units for i in items):g} units)", "cell"),
                P(str(len(per_day)), "cell"),
                P(f"{max(units_per_day.values()):g} units", "cell"),
            ]
        )
    totals: dict[str, float] = {}  # per ingredient, the most in any 24 hours (all products)
    for i in record.intakes:
        for name, _ in i.contains:
            window = [j for j in record.intakes if timedelta(0) <= i.taken_at - j.taken_at < timedelta(hours=24)]
            total = sum(mg * j.units for j in window for n, mg in j.contains if n == name)
            totals[name] = max(totals.get(name, 0.0), total)
    story.append(Paragraph("Medicines tried", st["h"]))
    story.append(P(f"Taken before the last check: {said('medicines_taken')}."))
    if len(med_rows) > 1:
        story.append(_table(med_rows, [70 * mm, 45 * mm, 20 * mm, 43 * mm]))
    if totals:
        most = ", ".join(f"{data.ingredient_names.get(name, name)} {mg:g} mg" for name, mg in sorted(totals.items()))
        story.append(P(f"Most taken in any 24 hours, all products counted: {most}."))

    # 3. Nerves, bladder and bowel, and the other red-flag questions with every answer.
    flag_rows: list[list[Any]] = [[P("Question asked", "cell"), P("Answer", "cell")]]
    ordered = [f for f in NEURO_ORDER if f in data.red_flag_ids]
    ordered += [f for f in data.red_flag_ids if f not in NEURO_ORDER]
    for qid in ordered:
        if qid in q:
            flag_rows.append([P(q[qid]["text"], "cell"), P(said(qid), "cell")])
    diary_flags = Counter(f for e in episodes for f in e.red_flags)
    story.append(Paragraph("Bladder, bowel, numbness, weakness, balance and other warning signs", st["h"]))
    if latest is None:
        story.append(P("No check has been saved yet, so these questions have not been answered."))
    else:
        story.append(
            P(f"Answers from the check on {latest.created_at:%d %b %Y %H:%M} UTC, including the 'no' answers.")
        )
        story.append(_table(flag_rows, [140 * mm, 38 * mm]))
    if diary_flags:
        story.append(
            P(
                "Warning signs logged in the diary: "
                + ", ".join(f"{k.replace('_', ' ')} ({n})" for k, n in diary_flags.items())
            )
        )

    # 4. Pain chart.
    story += [Paragraph("Pain over time", st["h"]), Image(io.BytesIO(data.chart_png), width=170 * mm, height=72 * mm)]

    # 5. Episodes.
    shown = f", latest {MAX_EPISODES} shown" if len(episodes) > MAX_EPISODES else ""
    ep_rows: list[list[Any]] = [[P(h, "cell") for h in ("When", "Pain", "Where", "Trigger", "Helped", "Note")]]
    for e in episodes[-MAX_EPISODES:][::-1]:
        ep_rows.append(
            [
                P(f"{e.started_at:%d %b %Y %H:%M}", "cell"),
                P(str(e.pain), "cell"),
                P(", ".join(e.locations), "cell"),
                P(", ".join(e.triggers), "cell"),
                P(", ".join(e.helped), "cell"),
                P(e.note[:120], "cell"),
            ]
        )
    story.append(
        Paragraph(
            f"Episodes ({len(episodes)} logged{shown})",
            st["h"],
        )
    )
    story.append(
        _table(ep_rows, [30 * mm, 11 * mm, 35 * mm, 30 * mm, 28 * mm, 44 * mm])
        if episodes
        else P("No episodes logged.")
    )

    # 6. Self-care tried.
    actions = Counter(a.action for a in record.actions)
    minutes: Counter[str] = Counter()
    for a in record.actions:
        minutes[a.action] += a.minutes or 0
    story.append(Paragraph("Self-care tried", st["h"]))
    story.append(
        P(
            ", ".join(
                f"{k.replace('_', ' ')}: {n} times" + (f", {minutes[k]} minutes in all" if minutes[k] else "")
                for k, n in actions.most_common()
            )
            or "None logged."
        )
    )
    free = sum(1 for c in record.checkins if c.pain_free)
    if record.checkins:
        story.append(P(f"Daily check-ins: {len(record.checkins)}, of which {free} were pain-free days."))

    # 7. Latest urgency and why, and what the diary says now.
    if data.alerts:
        story.append(Paragraph("What the diary shows now", st["h"]))
        for alert in data.alerts[:6]:
            level = alert.urgency.value.replace("_", " ").upper()
            story.append(P(f"• {level}: {alert.title}. {alert.detail}"))
    story.append(Paragraph("Latest check: how urgent, and why", st["h"]))
    if latest is None:
        story.append(P("No check saved."))
    else:
        result = latest.result
        story.append(P(f"{latest.urgency.replace('_', ' ').upper()} — {result.get('headline', '')}"))
        for reason in result.get("reasons", [])[:8]:
            cites = "; ".join(c["title"] for c in reason.get("citations", [])[:2])
            story.append(P(f"• {reason['title']}: {reason['advice']} (Sources: {cites})"))
        causes = ", ".join(c["name"] for c in result.get("possible_causes", [])[:4])
        if causes:
            story.append(P(f"Possible causes the tool listed for discussion: {causes}."))

    story += [Spacer(1, 3 * mm), KeepTogether([P(data.intended_use, "small")])]
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=12 * mm,
        bottomMargin=12 * mm,
        title="Back pain summary for your doctor",
        author="backcare",
    )
    doc.build(story)
    return buffer.getvalue()

"""The check as a person meets it: screens and words read before the result, and driver cost.

Run: .venv/bin/python benchmarks/bench_check.py [--check]

For every ordinary vignette (a person with no warning signs) the real interview driver is walked
with the case's answers, counting screens and the words on them (titles, questions, hints,
checklist items and answer choices). The baseline, measured in the same run on the same answers,
is the old interview: one question per screen, in catalogue order, until the engine had nothing
left to ask. The driver's cost per screen (replaying the path, as every web request does) is
printed against one bare assessment. ``--check`` exits 1 if the median is above 12 screens or any
ordinary case above 15.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

from backcare import service
from backcare.domain import Answers, Jurisdiction
from backcare.engine.assess import assess
from backcare.engine.compiled import CompiledKnowledge
from backcare.engine.evaluate import case_answers
from backcare.knowledge.loader import DATA_DIR, read_cases
from backcare.knowledge.schema import Question
from backcare.service import check


def words(text: str) -> int:
    return len(text.split())


def screen_words(s: check.Screen) -> int:
    total = words(s.title) + words(s.text) + words(s.help)
    for f in s.fields:
        total += words(f.text) + (0 if s.checklist else words(f.help))
        if not s.checklist:
            total += sum(words(c.label) for c in f.options) + 3  # "I don't know"
    return total + (3 if s.checklist else 0)  # "None of these"


def new_path(answers: Answers) -> tuple[int, int]:
    path = check.walk(answers)
    so_far: Answers = {}
    total = 0
    for step_id in path.visited[: path.before_result]:
        total += screen_words(check.screen(step_id, so_far, Jurisdiction.UK))
        for qid in service.engine().kb.steps[step_id].questions:
            if qid in path.given:
                so_far[qid] = path.given[qid]
    return path.before_result, total


def next_question(ck: CompiledKnowledge, answers: Answers) -> Question | None:
    """The old interview's order: every applicable question in catalogue order, one per screen,
    until an emergency is certain."""
    if ck.level(ck.effective(answers)).value == "emergency_now":
        return None
    eff = ck.effective(answers)
    return next((q for q in ck.order if q.id not in answers and ck.ask_if[q.id](eff)), None)


def old_path(answers: Answers) -> tuple[int, int]:
    ck = service.engine()
    so_far: Answers = {}
    screens = total = 0
    while (q := next_question(ck, so_far)) is not None and q.id in answers:
        screens += 1
        labels = ("Yes", "No") if q.kind == "yes_no" else tuple(o.label for o in q.options)
        total += words(service.question_wording(q)) + words(q.help) + sum(words(x) for x in labels) + 3
        so_far[q.id] = answers[q.id]
    return screens, total


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    ck = service.engine()
    cases = [c for c, _, _ in read_cases(DATA_DIR / "cases")[0] if c.category == "ordinary"]
    new = [new_path(case_answers(ck, c)) for c in cases]
    old = [old_path(case_answers(ck, c)) for c in cases]
    med = statistics.median
    print(f"{len(cases)} ordinary vignettes (no warning signs), screens and words before the result:")
    print(
        f"  one question per screen (baseline): median {med(s for s, _ in old):g} screens "
        f"(max {max(s for s, _ in old)}), median {med(w for _, w in old):g} words"
    )
    print(
        f"  grouped screens (now):              median {med(s for s, _ in new):g} screens "
        f"(max {max(s for s, _ in new)}), median {med(w for _, w in new):g} words"
    )
    print("  (then one 'Check your answers' page)")

    sample = [case_answers(ck, c) for c in cases]
    start = time.perf_counter()
    for a in sample:
        assess(ck, a, Jurisdiction.UK)
    bare = (time.perf_counter() - start) / len(sample)
    start = time.perf_counter()
    for a in sample:
        check.walk(a)
    walked = (time.perf_counter() - start) / len(sample)
    print(f"driver cost per request: walk {walked * 1000:.2f} ms vs one assessment {bare * 1000:.2f} ms (baseline)")
    if args.check and (med(s for s, _ in new) > 12 or max(s for s, _ in new) > 15):
        print("FAIL: more than 12 screens (median) or 15 (any ordinary case)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Core speed: complete assessments per second in process, and CLI start-up time.

Run: .venv/bin/python benchmarks/bench_core.py [--seconds 3] [--check]

Both figures are printed next to a baseline measured in the same run on the same machine:
assessments against a bare Python loop over the same answer sets, and ``backcare --version``
against ``python -c pass``. ``--check`` exits 1 if a target is missed (≥ 5,000 assessments/s on
one core; start-up within 0.15 s of the bare interpreter).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from backcare import service
from backcare.domain import Answers
from backcare.engine.answers import validate_answers
from backcare.engine.assess import assess
from backcare.knowledge.loader import DATA_DIR, read_cases

TARGET_RATE = 5000.0
TARGET_STARTUP = 0.15


def answer_sets() -> list[Answers]:
    ck = service.engine()
    cases, _ = read_cases(DATA_DIR / "cases")
    sets = []
    for case, _, _ in cases:
        raw: dict[str, object] = {k: tuple(v) if isinstance(v, list) else v for k, v in case.answers.items()}
        for q in ck.order:
            if q.kind == "yes_no" and q.id not in raw and q.assume_if_unanswered is None:
                raw[q.id] = "no"
        sets.append(validate_answers(raw, ck.questions))
    return sets


def rate(fn: object, sets: list[Answers], seconds: float) -> float:
    calls = 0
    start = time.perf_counter()
    deadline = start + seconds
    while time.perf_counter() < deadline:
        for answers in sets:
            fn(answers)  # type: ignore[operator]
        calls += len(sets)
    return calls / (time.perf_counter() - start)


def startup(cmd: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()

    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core, as the target says
    ck = service.engine()
    sets = answer_sets()
    baseline = rate(lambda a: dict(a), sets, args.seconds)
    engine_rate = rate(lambda a: assess(ck, a), sets, args.seconds)
    full_rate = rate(
        lambda a: json.dumps(service.result_json(assess(ck, validate_answers(a, ck.questions)))), sets, args.seconds
    )

    exe = shutil.which("backcare") or str(Path(sys.executable).with_name("backcare"))
    bare = startup([sys.executable, "-c", "pass"], args.runs)
    version = startup([exe, "--version"], args.runs)

    print(f"answer sets (vignettes, completed with 'no'): {len(sets)}")
    print(f"baseline dict copy:                 {baseline:12,.0f} /s")
    print(f"complete assessments (engine):      {engine_rate:12,.0f} /s   target >= {TARGET_RATE:,.0f}")
    print(f"validate + assess + JSON:           {full_rate:12,.0f} /s")
    print(f"python -c pass (median of {args.runs}):     {bare * 1000:8.1f} ms")
    over, limit = (version - bare) * 1000, TARGET_STARTUP * 1000
    print(f"backcare --version (median):        {version * 1000:8.1f} ms   (+{over:.1f} ms; target <= +{limit:.0f} ms)")
    ok = engine_rate >= TARGET_RATE and version - bare <= TARGET_STARTUP
    if args.check and not ok:
        print("TARGET MISSED")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

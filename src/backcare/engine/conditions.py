"""Condition trees over answers, compiled once into plain closures.

An assessment evaluates every rule; compiling the tree into nested closures at load time keeps
that to a few function calls per rule instead of re-walking pydantic models.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TypeAlias

from backcare.knowledge.schema import (
    All,
    Answered,
    Any_,
    AtLeast,
    Below,
    Condition,
    CountOf,
    In,
    Is,
    Not,
    Unsure,
)
from backcare.knowledge.tree import leaves, question_of

Value: TypeAlias = str | float | frozenset[str]
Effective: TypeAlias = Mapping[str, Value]
"""Answers after "don't know" and follow-up assumptions are applied; choice and multi answers
are sets (a "don't know" on a choice question can stand for several options at once)."""

UNSURE_KEY = "__unsure__"
"""Key in the effective answers holding the ids of questions answered "don't know"."""

Test: TypeAlias = Callable[[Effective], bool]


_EMPTY: frozenset[str] = frozenset()


def compile_condition(cond: Condition, multi: frozenset[str] = _EMPTY) -> Test:
    """Turn a condition tree into a function of the effective answers.

    ``multi`` names the choice and multiple-choice questions, whose answers are sets; knowing
    this at compile time lets each test be a single comparison.
    """
    if isinstance(cond, Is):
        return _is_multi(cond.q, str(cond.is_)) if cond.q in multi else _is(cond.q, str(cond.is_))
    if isinstance(cond, In):
        return _in_multi(cond.q, frozenset(cond.in_)) if cond.q in multi else _in(cond.q, frozenset(cond.in_))
    if isinstance(cond, AtLeast):
        return _at_least(cond.q, cond.at_least)
    if isinstance(cond, Below):
        return _below(cond.q, cond.below)
    if isinstance(cond, Answered):
        qid = cond.answered
        return lambda eff: qid in eff
    if isinstance(cond, Unsure):
        unsure_qid = cond.unsure
        return lambda eff: unsure_qid in eff.get(UNSURE_KEY, _EMPTY)  # type: ignore[operator]
    if isinstance(cond, All):
        return _all(tuple(compile_condition(c, multi) for c in cond.all))
    if isinstance(cond, Any_):
        return _any(tuple(compile_condition(c, multi) for c in cond.any))
    if isinstance(cond, CountOf):
        parts = tuple(compile_condition(c, multi) for c in cond.of)
        n = cond.at_least_n
        return lambda eff: sum(1 for p in parts if p(eff)) >= n
    if isinstance(cond, Not):
        inner = compile_condition(cond.not_, multi)
        return lambda eff: not inner(eff)
    raise TypeError(f"unknown condition {cond!r}")  # pragma: no cover - the schema is closed


# Plain loops rather than all()/any() over a generator: this is the hot path of every assessment,
# and the generator's frame costs more than the test it wraps.
def _all(parts: tuple[Test, ...]) -> Test:
    def test(eff: Effective) -> bool:
        for part in parts:  # noqa: SIM110
            if not part(eff):
                return False
        return True

    return test


def _any(parts: tuple[Test, ...]) -> Test:
    if len(parts) == 1:
        return parts[0]

    def test(eff: Effective) -> bool:
        for part in parts:  # noqa: SIM110
            if part(eff):
                return True
        return False

    return test


def _is(qid: str, wanted: str) -> Test:
    return lambda eff: eff.get(qid) == wanted


def _is_multi(qid: str, wanted: str) -> Test:
    return lambda eff: wanted in eff.get(qid, _EMPTY)  # type: ignore[operator]


def _in(qid: str, wanted: frozenset[str]) -> Test:
    return lambda eff: eff.get(qid) in wanted


def _in_multi(qid: str, wanted: frozenset[str]) -> Test:
    return lambda eff: not wanted.isdisjoint(eff.get(qid, _EMPTY))  # type: ignore[arg-type]


def _at_least(qid: str, bound: float) -> Test:
    def test(eff: Effective) -> bool:
        value = eff.get(qid)
        return isinstance(value, float) and value >= bound

    return test


def _below(qid: str, bound: float) -> Test:
    def test(eff: Effective) -> bool:
        value = eff.get(qid)
        return isinstance(value, float) and value < bound

    return test


# Compiled leaf tests per condition tree, built on first use. Keyed by the tree's identity; the
# entry holds the tree itself, so an id is never reused while cached. Only the knowledge base's own
# (bounded) condition trees reach here.
_LEAF_TESTS: dict[tuple[int, frozenset[str]], tuple[Condition, tuple[tuple[Test, str], ...]]] = {}


def matched_questions(cond: Condition, eff: Effective, multi: frozenset[str] = _EMPTY) -> list[str]:
    """The questions whose answers made ``cond`` true: the evidence shown in a reason."""
    key = (id(cond), multi)
    cached = _LEAF_TESTS.get(key)
    if cached is None or cached[0] is not cond:
        tests = tuple(
            (compile_condition(leaf, multi), question_of(leaf)) for leaf in leaves(cond) if not isinstance(leaf, Not)
        )
        cached = _LEAF_TESTS[key] = (cond, tests)
    found: list[str] = []
    for test, qid in cached[1]:
        if qid not in found and test(eff):
            found.append(qid)
    return found

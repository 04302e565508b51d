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
)
from backcare.knowledge.tree import leaves, question_of

Value: TypeAlias = str | float | frozenset[str]
Effective: TypeAlias = Mapping[str, Value]
"""Answers after "don't know" and follow-up assumptions are applied; multi answers are sets."""

Test: TypeAlias = Callable[[Effective], bool]


def compile_condition(cond: Condition) -> Test:
    """Turn a condition tree into a function of the effective answers."""
    if isinstance(cond, Is):
        return _is(cond.q, str(cond.is_))
    if isinstance(cond, In):
        return _in(cond.q, frozenset(cond.in_))
    if isinstance(cond, AtLeast):
        return _at_least(cond.q, cond.at_least)
    if isinstance(cond, Below):
        return _below(cond.q, cond.below)
    if isinstance(cond, Answered):
        qid = cond.answered
        return lambda eff: qid in eff
    if isinstance(cond, All):
        parts = tuple(compile_condition(c) for c in cond.all)
        return lambda eff: all(p(eff) for p in parts)
    if isinstance(cond, Any_):
        parts = tuple(compile_condition(c) for c in cond.any)
        return lambda eff: any(p(eff) for p in parts)
    if isinstance(cond, CountOf):
        parts = tuple(compile_condition(c) for c in cond.of)
        n = cond.at_least_n
        return lambda eff: sum(1 for p in parts if p(eff)) >= n
    if isinstance(cond, Not):
        inner = compile_condition(cond.not_)
        return lambda eff: not inner(eff)
    raise TypeError(f"unknown condition {cond!r}")  # pragma: no cover - the schema is closed


def _is(qid: str, wanted: str) -> Test:
    def test(eff: Effective) -> bool:
        value = eff.get(qid)
        if isinstance(value, frozenset):
            return wanted in value
        return value == wanted

    return test


def _in(qid: str, wanted: frozenset[str]) -> Test:
    def test(eff: Effective) -> bool:
        value = eff.get(qid)
        if isinstance(value, frozenset):
            return not value.isdisjoint(wanted)
        return isinstance(value, str) and value in wanted

    return test


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


def matched_questions(cond: Condition, eff: Effective) -> list[str]:
    """The questions whose answers made ``cond`` true: the evidence shown in a reason."""
    found: list[str] = []
    for leaf in leaves(cond):
        if isinstance(leaf, Not):
            continue
        if compile_condition(leaf)(eff):
            qid = question_of(leaf)
            if qid not in found:
                found.append(qid)
    return found

"""Walking condition trees: which questions a condition reads, and whether it negates."""

from __future__ import annotations

from collections.abc import Iterator

from backcare.knowledge.schema import All, Answered, Any_, AtLeast, Below, Condition, CountOf, In, Is, Not, Unsure


def leaves(cond: Condition) -> Iterator[Condition]:
    """Every question test in the tree, depth first."""
    if isinstance(cond, All):
        for c in cond.all:
            yield from leaves(c)
    elif isinstance(cond, Any_):
        for c in cond.any:
            yield from leaves(c)
    elif isinstance(cond, CountOf):
        for c in cond.of:
            yield from leaves(c)
    elif isinstance(cond, Not):
        yield from leaves(cond.not_)
    else:
        yield cond


def question_of(leaf: Condition) -> str:
    if isinstance(leaf, Is | In | AtLeast | Below):
        return leaf.q
    if isinstance(leaf, Answered):
        return leaf.answered
    if isinstance(leaf, Unsure):
        return leaf.unsure
    raise TypeError(f"not a leaf: {leaf!r}")


def uses_negation(cond: Condition) -> bool:
    if isinstance(cond, Not):
        return True
    if isinstance(cond, All):
        return any(uses_negation(c) for c in cond.all)
    if isinstance(cond, Any_):
        return any(uses_negation(c) for c in cond.any)
    if isinstance(cond, CountOf):
        return any(uses_negation(c) for c in cond.of)
    return False

"""Country words: the names of services and medicines a person may only see in one country.

Shared knowledge text writes them as ``{placeholders}`` (``domain.TERMS``) so one sentence reads
right in the UK and in the US; the lint refuses the raw words in shared text, a UK word in US
text and a US word in UK text. No I/O here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from backcare.domain import TERMS, Jurisdiction


@dataclass(frozen=True)
class CountryWord:
    word: str
    pattern: re.Pattern[str]
    placeholder: str
    """The placeholder to write instead, or "" when the sentence has to be worded another way."""


def _word(word: str, pattern: str, placeholder: str = "", *, case: bool = False) -> CountryWord:
    return CountryWord(word, re.compile(pattern, 0 if case else re.IGNORECASE), placeholder)


# Longer phrases first: a match inside an earlier, longer one is not reported again.
ONLY_IN: Final[dict[Jurisdiction, tuple[CountryWord, ...]]] = {
    Jurisdiction.UK: (
        _word("NHS 111", r"\bNHS 111\b", "urgent_line"),
        _word("999", r"\b999\b", "emergency_number"),
        _word("111", r"\b111\b", "urgent_line"),
        _word("A&E", r"\bA&E\b", "ae"),
        _word("accident and emergency", r"\baccident and emergency\b", "ae"),
        _word("NHS", r"\bNHS\b"),
        _word("GP practice", r"\bGP (?:practice|surgery)\b", "gp_practice", case=True),
        _word("GP", r"\bGPs?\b", "gp", case=True),
        _word("paracetamol", r"\bparacetamol\b", "paracetamol"),
        _word("physiotherapy", r"\bphysiotherapy\b", "physiotherapy"),
        _word("physiotherapist", r"\bphysio(?:therapist)?s?\b", "physio"),
        _word("urgent treatment centre", r"\burgent treatment cent(?:re|er)s?\b", "urgent_centre"),
    ),
    Jurisdiction.US: (
        _word("911", r"\b911\b", "emergency_number"),
        _word("emergency room", r"\bemergency rooms?\b", "ae"),
        _word("ER", r"\bERs?\b", "ae", case=True),
        _word("urgent care", r"\burgent care\b", "urgent_centre"),
        _word("primary care provider", r"\bprimary care providers?\b", "gp"),
        _word("acetaminophen", r"\bacetaminophen\b", "paracetamol"),
        _word("physical therapist", r"\bphysical therapists?\b", "physio"),
        _word("physical therapy", r"\bphysical therapy\b", "physiotherapy"),
        _word("Poison Control", r"\bpoison control\b", "poisons_line"),
        _word("labor and delivery", r"\blabou?r and delivery\b", "maternity_unit"),
    ),
}

PLACEHOLDER: Final = re.compile(r"\{([^{}]*)\}")


def _without_placeholders(text: str) -> str:
    # A placeholder such as {paracetamol} is the fix, not the problem.
    return PLACEHOLDER.sub(lambda m: " " * len(m.group(0)), text)


def words_of(text: str, country: Jurisdiction) -> list[CountryWord]:
    """The words in ``text`` (placeholders aside) that only ``country`` uses, in order of use."""
    plain = _without_placeholders(text)
    taken: list[tuple[int, int]] = []
    found: list[tuple[int, CountryWord]] = []
    for cw in ONLY_IN[country]:
        for m in cw.pattern.finditer(plain):
            if any(m.start() < end and start < m.end() for start, end in taken):
                continue
            taken.append((m.start(), m.end()))
            found.append((m.start(), cw))
    seen: dict[str, CountryWord] = {}
    for _, cw in sorted(found, key=lambda f: f[0]):
        seen.setdefault(cw.word, cw)
    return list(seen.values())


def other(country: Jurisdiction) -> Jurisdiction:
    return Jurisdiction.US if country is Jurisdiction.UK else Jurisdiction.UK


def foreign_words(text: str, country: Jurisdiction) -> list[str]:
    """Words in text shown in ``country`` that belong to the other country."""
    return [cw.word for cw in words_of(text, other(country))]


def unknown_placeholders(text: str) -> list[str]:
    return [name for name in PLACEHOLDER.findall(text) if name not in TERMS]


def shared_text_problems(text: str) -> list[str]:
    """What is wrong with text shown in both countries: raw country words, unknown placeholders."""
    problems = []
    for country in Jurisdiction:
        for cw in words_of(text, country):
            fix = (
                f"write {{{cw.placeholder}}}"
                if cw.placeholder
                else "word it so it reads right in both countries (no placeholder fits)"
            )
            problems.append(
                f"'{cw.word}' is a {country.value.upper()}-only word in text shown in both countries: {fix}"
            )
    problems += [
        f"unknown placeholder {{{name}}} (known: {', '.join(sorted(TERMS))})" for name in unknown_placeholders(text)
    ]
    return problems


def country_text_problems(text: str, country: Jurisdiction) -> list[str]:
    """What is wrong with text shown only in ``country``: the other country's words, unknown
    placeholders."""
    problems = [
        f"'{w}' is a {other(country).value.upper()}-only word in {country.value.upper()} text"
        for w in foreign_words(text, country)
    ]
    problems += [
        f"unknown placeholder {{{name}}} (known: {', '.join(sorted(TERMS))})" for name in unknown_placeholders(text)
    ]
    return problems

"""Moodle's Aiken format: a question line, lettered options, then `ANSWER: X`.

    What does CI verify?
    A. The main branch, on every merge
    B. Production, once a quarter
    ANSWER: A

Options may be written `A)Text`, with no space, as Moodle accepts them. A question whose
options are not followed by `ANSWER:` is refused when the next question starts, as in Moodle.
Aiken has no explanation or difficulty: the explanation restates the correct answer and the
difficulty is medium.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass, field

from bot.content.importers.source import (
    DEFAULT_MCQ_DIFFICULTY,
    LineNote,
    Parsed,
    SourceItem,
    default_explanation,
)

# As in Moodle's importer (qformat_aiken): a capital letter, `.` or `)`, then the option's text,
# the space before it optional (`A)Incorrect`).
_OPTION = re.compile(r"^([A-Z])[.)](.*)$")
_ANSWER = re.compile(r"^ANSWER\s*:\s*(.*)$", re.IGNORECASE)


@dataclass
class _Question:
    line: int
    text: list[str]
    options: list[str] = field(default_factory=list)


def parse_aiken(text: str) -> Parsed:
    parsed = Parsed()
    current: _Question | None = None
    ordinal = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        answer = _ANSWER.match(line)
        option = _OPTION.match(line)
        if current is None:
            if answer or option:
                parsed.problems.append(LineNote(number, "an option or ANSWER before any question"))
                continue
            ordinal += 1
            current = _Question(number, [line])
        elif answer:
            _finish(current, answer.group(1).strip(), number, ordinal, parsed)
            current = None
        elif option:
            expected = string.ascii_uppercase[len(current.options)]
            if option.group(1) != expected:
                parsed.problems.append(
                    LineNote(number, f"option {option.group(1)} where {expected} was expected")
                )
            current.options.append(option.group(2).strip())
        elif current.options:
            parsed.problems.append(
                LineNote(current.line, "the question has no ANSWER line after its options")
            )
            ordinal += 1
            current = _Question(number, [line])
        else:
            current.text.append(line)
    if current is not None:
        parsed.problems.append(LineNote(current.line, "the question has no ANSWER line"))
    return parsed


def _finish(question: _Question, letter: str, line: int, ordinal: int, parsed: Parsed) -> None:
    letters = string.ascii_uppercase[: len(question.options)]
    if len(letter) != 1 or letter.upper() not in letters:
        parsed.problems.append(
            LineNote(line, f"ANSWER {letter!r} is not one of the option letters {letters or '-'}")
        )
        return
    correct = question.options[letters.index(letter.upper())]
    parsed.items.append(
        SourceItem(
            question.line,
            ordinal,
            {
                "kind": "mcq",
                "question": "\n".join(question.text),
                "options": question.options,
                "correct": correct,
                "explanation": default_explanation(correct),
                "difficulty": DEFAULT_MCQ_DIFFICULTY,
            },
        )
    )

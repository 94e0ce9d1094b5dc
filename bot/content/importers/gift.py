"""Moodle's GIFT format: multiple-choice and true/false questions become quiz polls.

    // a comment
    ::ci-core:: What does CI verify? {
      =The main branch, on every merge#Right: CI checks every merge
      ~Production, once a quarter
      ####CI integrates often and checks each merge automatically.
    }
    ::tf:: Continuous delivery deploys by itself. {FALSE}

Questions are separated by blank lines. The general feedback (`####`), else the correct
answer's feedback, becomes the explanation. Other kinds (short answer, numerical, matching,
essay, multiple-answer, descriptions) are reported as skipped with their line.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from bot.content.importers.source import (
    DEFAULT_MCQ_DIFFICULTY,
    LineNote,
    Parsed,
    SourceItem,
    default_explanation,
)

_TRUE = {"T", "TRUE"}
_FALSE = {"F", "FALSE"}
_WEIGHT = re.compile(r"^%(-?\d+(?:\.\d+)?)%")
_TITLE = re.compile(r"^::(.*?)::", re.DOTALL)
_FORMAT = re.compile(r"^\[(html|moodle|plain|markdown)\]", re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")


class _Skip(Exception):
    """The question is of a kind the bot cannot ask."""


@dataclass(frozen=True)
class _Answer:
    correct: bool
    text: str
    feedback: str


def parse_gift(text: str) -> Parsed:
    parsed = Parsed()
    ordinal = 0
    for line, block in _blocks(text):
        if block.startswith("$CATEGORY:"):
            continue
        ordinal += 1
        try:
            fields = _question(block)
        except _Skip as skip:
            parsed.unsupported.append(LineNote(line, f"{skip}: not a quiz poll"))
            continue
        except ValueError as error:
            parsed.problems.append(LineNote(line, str(error)))
            continue
        parsed.items.append(SourceItem(line, ordinal, fields))
    return parsed


def _blocks(text: str) -> list[tuple[int, str]]:
    """Questions with the line each starts on; comments dropped, blank lines separate."""
    blocks: list[tuple[int, str]] = []
    start, lines = 0, list[str]()
    for number, raw in enumerate([*text.splitlines(), ""], start=1):
        stripped = raw.strip()
        if stripped.startswith("//"):
            continue
        if stripped:
            start = start or number
            lines.append(stripped)
        elif lines:
            blocks.append((start, "\n".join(lines)))
            start, lines = 0, []
    return blocks


def _question(block: str) -> dict[str, object]:
    title = _TITLE.match(block)
    body = block[title.end() :].lstrip() if title else block
    as_html = False
    markup = _FORMAT.match(body)
    if markup:
        as_html = markup.group(1).lower() in ("html", "moodle")
        body = body[markup.end() :].lstrip()
    opening = _unescaped(body, "{")
    if opening < 0:
        raise _Skip("description (no answers)")
    closing = _unescaped(body, "}", opening + 1)
    if closing < 0:
        raise ValueError("the answers' '{' is never closed with '}'")
    before, answers, after = body[:opening], body[opening + 1 : closing], body[closing + 1 :]
    question = _text(before, as_html)
    if after.strip():
        question = f"{question} _____ {_text(after, as_html)}".strip()
    general, answers = _split_general_feedback(answers)
    head = answers.strip()
    word = _split_unescaped(head, "#")[0].strip().upper()
    if word in _TRUE | _FALSE:
        correct = "True" if word in _TRUE else "False"
        return _mcq(question, ["True", "False"], correct, _text(general, as_html))
    if not head:
        raise _Skip("essay question")
    if head.startswith("#"):
        raise _Skip("numerical question")
    parsed = _answers(head, as_html)
    if any("->" in answer.text for answer in parsed):
        raise _Skip("matching question")
    right = [answer for answer in parsed if answer.correct]
    if all(answer.correct for answer in parsed):
        raise _Skip("short-answer question")
    if len(right) != 1:
        raise _Skip("multiple-answer question")
    explanation = _text(general, as_html) or right[0].feedback
    return _mcq(question, [answer.text for answer in parsed], right[0].text, explanation)


def _mcq(question: str, options: list[str], correct: str, explanation: str) -> dict[str, object]:
    return {
        "kind": "mcq",
        "question": question,
        "options": options,
        "correct": correct,
        "explanation": explanation or default_explanation(correct),
        "difficulty": DEFAULT_MCQ_DIFFICULTY,
    }


def _answers(head: str, as_html: bool) -> list[_Answer]:
    answers: list[_Answer] = []
    marks = [i for i in range(len(head)) if head[i] in "=~" and not _escaped(head, i)]
    if not marks or marks[0] != 0:
        raise ValueError("every answer must start with '=' (right) or '~' (wrong)")
    for index, start in enumerate(marks):
        end = marks[index + 1] if index + 1 < len(marks) else len(head)
        chunk = head[start + 1 : end]
        correct = head[start] == "="
        weight = _WEIGHT.match(chunk.strip())
        if weight:
            chunk = chunk.strip()[weight.end() :]
            correct = float(weight.group(1)) >= 100
            if 0 < float(weight.group(1)) < 100:
                raise _Skip("multiple-answer question")
        text, *feedback = _split_unescaped(chunk, "#")
        answers.append(
            _Answer(correct, _text(text, as_html), _text(feedback[0], as_html) if feedback else "")
        )
    return answers


def _split_general_feedback(answers: str) -> tuple[str, str]:
    at = answers.find("####")
    while at > 0 and _escaped(answers, at):
        at = answers.find("####", at + 1)
    if at < 0:
        return "", answers
    return answers[at + 4 :], answers[:at]


def _text(raw: str, as_html: bool) -> str:
    text = " ".join(raw.split())
    out = []
    index = 0
    while index < len(text):
        char = text[index]
        if char == "\\" and index + 1 < len(text):
            following = text[index + 1]
            out.append("\n" if following == "n" else following)
            index += 2
            continue
        out.append(char)
        index += 1
    result = "".join(out)
    if as_html:
        result = html.unescape(_TAG.sub("", result))
    return result.strip()


def _escaped(text: str, index: int) -> bool:
    backslashes = 0
    while index - backslashes - 1 >= 0 and text[index - backslashes - 1] == "\\":
        backslashes += 1
    return backslashes % 2 == 1


def _unescaped(text: str, char: str, start: int = 0) -> int:
    for index in range(start, len(text)):
        if text[index] == char and not _escaped(text, index):
            return index
    return -1


def _split_unescaped(text: str, char: str) -> list[str]:
    parts: list[str] = []
    begin = 0
    for index in range(len(text)):
        if text[index] == char and not _escaped(text, index):
            parts.append(text[begin:index])
            begin = index + 1
    parts.append(text[begin:])
    return parts

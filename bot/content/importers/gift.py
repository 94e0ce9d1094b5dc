"""Moodle's GIFT format: multiple-choice and true/false questions become quiz polls.

    // a comment
    ::ci-core:: What does CI verify? {
      =The main branch, on every merge#Right: CI checks every merge
      ~Production, once a quarter
      ####CI integrates often and checks each merge automatically.
    }
    ::tf:: Continuous delivery deploys by itself. {FALSE}

Questions are separated by blank lines. The general feedback (`####`), else the correct
answer's feedback, becomes the explanation. Each question gets the kind Moodle's importer gives
it, and the kinds a quiz poll cannot ask (short answer, numerical, matching, essay,
multiple-answer, descriptions) are reported as skipped with their line. As in Moodle, a choice
question with no `=` answer is multiple-answer (`{~%100%a ~%0%b}` included), text after the
answers makes a missing-word question (`_____`), and `[html]`, `[moodle]`, `[plain]` or
`[markdown]` at the start of any text sets its format; HTML becomes plain text.
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
_BREAK = re.compile(r"<br\s*/?>|</p>|</div>", re.IGNORECASE)
_ESCAPES = {":": ":", "#": "#", "=": "=", "{": "{", "}": "}", "~": "~", "n": "\n", "\\": "\\"}


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
    """One question, its kind decided as Moodle's GIFT importer decides it (qformat_gift):
    no braces → description, `{}` → essay, `{#…}` → numerical, any `~` → multiple choice
    (several answers allowed unless an answer starts with `=`), `=` with `->` → matching,
    `T`/`TRUE`/`F`/`FALSE` → true/false, anything else → short answer."""
    title = _TITLE.match(block)
    body = block[title.end() :].lstrip() if title else block
    as_html = False
    markup = _FORMAT.match(body)
    if markup:
        as_html = _is_html(markup.group(1))
        body = body[markup.end() :].lstrip()
    opening = _unescaped(body, "{")
    if opening < 0:
        if _unescaped(body, "}") >= 0:
            raise ValueError("a '}' with no '{' before it")
        raise _Skip("description (no answers)")
    closing = _unescaped(body, "}", opening + 1)
    if closing < 0:
        raise ValueError("the answers' '{' is never closed with '}'")
    before, answers, after = body[:opening], body[opening + 1 : closing], body[closing + 1 :]
    # Text after the answers makes a missing-word question: the answers become a blank.
    question = _text(f"{before}_____{after}" if after.strip() else before, as_html)
    general, answers = _split_general_feedback(answers)
    head = answers.strip()
    if not head:
        raise _Skip("essay question")
    if head.startswith("#"):
        raise _Skip("numerical question")
    if _unescaped(head, "~") >= 0:
        return _multiple_choice(question, head, _text(general, as_html), as_html)
    if _unescaped(head, "=") >= 0 and "->" in head:
        raise _Skip("matching question")
    word, *feedback = _split_unescaped(head, "#")
    if word.strip() in _TRUE | _FALSE:
        correct = "True" if word.strip() in _TRUE else "False"
        # `{FALSE#feedback for a wrong answer#feedback for the right answer}`
        right = _text(feedback[1], as_html) if len(feedback) > 1 else ""
        return _mcq(question, ["True", "False"], correct, _text(general, as_html) or right)
    raise _Skip("short-answer question")


def _multiple_choice(question: str, head: str, general: str, as_html: bool) -> dict[str, object]:
    if _unescaped(head, "=") < 0:
        # Moodle: with no `=` answer the learner may tick several (weights such as %50%).
        raise _Skip("multiple-answer question")
    answers = _answers(head, as_html)
    right = [answer for answer in answers if answer.correct]
    if len(right) != 1:
        raise _Skip("multiple-answer question")
    explanation = general or right[0].feedback
    return _mcq(question, [answer.text for answer in answers], right[0].text, explanation)


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
    """`=right`, `~wrong` and `~%100%right` (a weight below 100 % is not the right answer)."""
    answers: list[_Answer] = []
    marks = [i for i in range(len(head)) if head[i] in "=~" and not _escaped(head, i)]
    if not marks or marks[0] != 0:
        raise ValueError("every answer must start with '=' (right) or '~' (wrong)")
    for index, start in enumerate(marks):
        end = marks[index + 1] if index + 1 < len(marks) else len(head)
        chunk = head[start + 1 : end].strip()
        correct = head[start] == "="
        weight = _WEIGHT.match(chunk)
        if weight:
            chunk = chunk[weight.end() :]
            correct = correct or float(weight.group(1)) >= 100
        text, *feedback = _split_unescaped(chunk, "#")
        answers.append(
            _Answer(correct, _text(text, as_html), _text(feedback[0], as_html) if feedback else "")
        )
    return answers


def _split_general_feedback(answers: str) -> tuple[str, str]:
    """The general feedback follows the last unescaped `####`."""
    at = answers.rfind("####")
    while at >= 0 and _escaped(answers, at):
        at = answers.rfind("####", 0, at + 3)
    if at < 0:
        return "", answers
    return answers[at + 4 :], answers[:at]


def _is_html(format_name: str) -> bool:
    return format_name.lower() in ("html", "moodle")


def _text(raw: str, as_html: bool) -> str:
    """A text as the learner reads it: its own `[format]` marker (else the question's) decides
    whether it is HTML; GIFT's escapes are undone as Moodle undoes them (`\\:` `\\#` `\\=`
    `\\{` `\\}` `\\~` `\\n` `\\\\`; any other backslash stays); HTML becomes plain text."""
    text = raw.strip()
    markup = _FORMAT.match(text)
    if markup:
        as_html = _is_html(markup.group(1))
        text = text[markup.end() :]
    text = " ".join(text.split())
    out = []
    index = 0
    while index < len(text):
        char = text[index]
        following = text[index + 1] if index + 1 < len(text) else ""
        if char == "\\" and following in _ESCAPES:
            out.append(_ESCAPES[following])
            index += 2
            continue
        out.append(char)
        index += 1
    result = "".join(out)
    if as_html:
        result = _TAG.sub("", _BREAK.sub("\n", result))
        result = html.unescape(result).replace("\xa0", " ")
        result = "\n".join(line.strip() for line in result.split("\n"))
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

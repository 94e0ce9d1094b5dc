"""import-deck reads Moodle's own Aiken and GIFT test files as Moodle does: the same questions,
options and right answers, and every question Moodle imports as a kind a quiz poll cannot ask
is reported as skipped, by that kind.

The files are Moodle's (tests/content/moodle/README.md names their source and licence). What
Moodle makes of each question is written out below from its tests: `aikenformat_test.php`,
`giftformat_test.php` (`questions.gift.txt` is its import cases, one after the other) and the
Behat import features for the counts ("Importing 9 questions from file").
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.content.importers import build_deck, parse
from bot.content.importers.build import ImportResult
from bot.content.models import McqItem

ROOT = Path(__file__).resolve().parents[2]
MOODLE = Path(__file__).parent / "moodle"

# Moodle's question type → how import-deck names a skipped question of that type.
SKIPPED_AS = {
    "essay": "essay question",
    "match": "matching question",
    "numerical": "numerical question",
    "shortanswer": "short-answer question",
    "multichoice, single=0": "multiple-answer question",  # check boxes: several may be ticked
}
TRUE_FALSE = ("True", "False")


@dataclass(frozen=True)
class Moodle:
    """One question as Moodle imports it; `line` is where it starts in the file."""

    line: int
    qtype: str
    question: str = ""
    options: tuple[str, ...] = ()
    correct: str = ""
    explanation: str | None = None  # the bot's explanation, from Moodle's feedback, if any


def import_fixture(name: str, format_name: str, **kwargs: object) -> ImportResult:
    text = (MOODLE / name).read_text(encoding="utf-8")
    return build_deck(
        parse(text, format_name),
        deck_id="moodle",
        title="Moodle",
        description="d",
        **kwargs,  # type: ignore[arg-type]
    )


def assert_agrees_with_moodle(result: ImportResult, moodle: list[Moodle]) -> None:
    asked = [m for m in moodle if m.qtype not in SKIPPED_AS]
    assert result.deck is not None, [str(p) for p in result.problems]
    items = result.deck.items
    assert all(isinstance(item, McqItem) for item in items)
    assert [(i.question, tuple(i.options), i.correct) for i in items if isinstance(i, McqItem)] == [
        (m.question, m.options, m.correct) for m in asked
    ]
    for item, expected in zip(items, asked, strict=True):
        if expected.explanation is not None:
            assert isinstance(item, McqItem) and item.explanation == expected.explanation
    assert [str(note) for note in result.skipped] == [
        f"line {m.line}: {SKIPPED_AS[m.qtype]}: not a quiz poll"
        for m in moodle
        if m.qtype in SKIPPED_AS
    ]


def test_questions_gift_imports_as_moodle_does() -> None:
    spectrum = "What's between orange and green in the spectrum?"
    moodle = [
        Moodle(2, "essay"),  # test_import_essay
        Moodle(5, "match"),  # test_import_match
        # test_import_multichoice: answers yellow, red, blue ("[plain]" sets blue's format).
        Moodle(14, "multichoice", spectrum, ("yellow", "red", "blue"), "yellow", "right; good!"),
        Moodle(22, "multichoice, single=0"),  # test_import_multichoice_multi
        Moodle(31, "numerical"),  # test_import_numerical
        Moodle(34, "shortanswer"),  # test_import_shortanswer: =Frog =%50%Cat =%0%*
        # test_import_truefalse, with general feedback. The file's stray `";` (copied from
        # the PHP test) is text after the answers, so Moodle puts a blank where they were.
        Moodle(
            41,
            "truefalse",
            '42 is the Absolute Answer to everything._____";',
            TRUE_FALSE,
            "False",
            "This is, of course, a Hitchiker's Guide to the Galaxy reference.",
        ),
        Moodle(46, "truefalse", "TSL is blablabla.", TRUE_FALSE, "True"),  # {T}
        Moodle(49, "truefalse", "TSL is blablabla.", TRUE_FALSE, "True"),  # {TRUE}
    ]
    assert len(moodle) == 9  # import.feature: "Importing 9 questions from file"
    assert_agrees_with_moodle(import_fixture("questions.gift.txt", "gift"), moodle)


def test_questions_in_category_gift_imports_as_moodle_does() -> None:
    moodle = [
        # $CATEGORY on line 2 is not a question: "Importing 4 questions from file".
        Moodle(5, "match"),
        # [html]: the link and the two <br /> become text and line breaks; \= \: unescaped.
        Moodle(
            14,
            "multichoice",
            "Listen to this greeting:\n\nWhat language is being spoken?",
            ("English", "French", "German", "Spanish"),
            "French",
            "Yes, well done!",
        ),
        Moodle(22, "shortanswer"),  # {=%100%Moodler#}
        Moodle(
            27,
            "truefalse",
            "Moodle is an acronym for Modular Object-Oriented Dynamic Learning Environment.",
            TRUE_FALSE,
            "True",
        ),
    ]
    assert len(moodle) == 4
    result = import_fixture("questions_in_category.gift.txt", "gift")
    assert_agrees_with_moodle(result, moodle)


def test_giftformat_test_inputs_import_as_moodle_does() -> None:
    moodle = [
        # test_import_truefalse: `FALSE#feedback if True is picked#feedback if False is`;
        # the right answer's feedback is the explanation, as for a choice question.
        Moodle(
            3,
            "truefalse",
            "42 is the Absolute Answer to everything.",
            TRUE_FALSE,
            "False",
            "You gave the right answer.",
        ),
        # test_import_multichoice_multi_tricky: no `=` answer, so "single => 0", even though
        # only yellow has 100 %.
        Moodle(8, "multichoice, single=0"),
        Moodle(17, "shortanswer"),  # test_import_shortanswer_with_general_feedback
        Moodle(26, "essay"),  # test_import_backslash
        Moodle(29, "essay"),  # test_import_pre_content: \{ and \} are not the answers
        Moodle(42, "essay"),  # test_import_question_with_tags
    ]
    result = import_fixture("giftformat_test_inputs.gift.txt", "gift")
    assert_agrees_with_moodle(result, moodle)


def test_aiken_errors_imports_the_two_good_questions_as_moodle_does() -> None:
    # aikenformat_test.php: errors for the question with too few answers (Moodle: its ANSWER
    # on line 3; here: the question, line 1), the option on line 5 and the ANSWER on line 7
    # with no question, and the question left unfinished (Moodle: when the next one starts on
    # line 18; here: the question, line 14). By default Moodle then stops ("stop on error");
    # import-deck writes nothing either, unless told to --skip-invalid.
    refused = import_fixture("aiken_errors.txt", "aiken")
    assert refused.deck is None
    assert [note.line for note in refused.problems] == [1, 5, 7, 14]
    result = import_fixture("aiken_errors.txt", "aiken", skip_invalid=True)
    assert result.deck is not None
    assert [
        (i.question, i.options, i.correct) for i in result.deck.items if isinstance(i, McqItem)
    ] == [
        ("A good question", ["Correct", "Incorrect"], "Correct"),
        # `A)Incorrect`: no space after the bracket.
        (
            "A second good question",
            ["Incorrect (No space)", "Correct (No space)"],
            "Correct (No space)",
        ),
    ]
    assert [note.line for note in result.skipped] == [1, 5, 7, 14]


def test_questions_aiken_imports_as_moodle_does() -> None:
    moodle = [
        Moodle(
            1,
            "multichoice",
            "The Moodle project was started by:",
            ("Petr Skoda", "Martin Dougiamas", "Eloy Lafuente", "Tim Hunt"),
            "Martin Dougiamas",
        ),
        # Moodle escapes the HTML (htmlspecialchars), so learners read it as written.
        Moodle(
            8,
            "multichoice",
            "Moodle's abilities include handling user input that includes "
            '<html class="cool"> & images:',
            ("True", "False"),
            "True",
        ),
    ]
    # aiken_import.feature: "Importing 2 questions from file"
    assert_agrees_with_moodle(import_fixture("questions.aiken.txt", "aiken"), moodle)


@pytest.mark.parametrize(
    ("fixture", "written", "skipped"),
    [
        ("questions.gift.txt", 4, 5),
        ("questions_in_category.gift.txt", 2, 2),
        ("aiken_errors.txt", 2, 4),
        ("questions.aiken.txt", 2, 0),
    ],
)
def test_import_deck_guesses_the_format_of_each_fixture_and_writes_its_questions(
    tmp_path: Path, fixture: str, written: int, skipped: int
) -> None:
    environment = {k: v for k, v in os.environ.items() if k != "CONTENT_DIR"}
    source = str(MOODLE / fixture)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "bot",
            "import-deck",
            source,
            "--skip-invalid",
            "--out",
            str(tmp_path),
        ],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert f": {written} items (mcq {written}, card 0); {skipped} skipped" in result.stdout

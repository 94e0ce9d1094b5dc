"""import-deck: every sample format round-trips into a deck that loads; bad input is refused
with the input's line numbers and the Telegram limit broken, and nothing is written."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.content.importers import build_deck, dump_deck, guess_format, parse
from bot.content.importers.build import ImportResult
from bot.content.loader import load_bank
from bot.content.models import CardItem, Deck, McqItem

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = Path(__file__).parent / "samples"


def run_import(*args: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k != "CONTENT_DIR"}
    return subprocess.run(
        [sys.executable, "-m", "bot", "import-deck", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def build(text: str, format_name: str, deck_id: str = "imported", **kwargs: object) -> ImportResult:
    return build_deck(
        parse(text, format_name),
        deck_id=deck_id,
        title="Imported",
        description="d",
        **kwargs,  # type: ignore[arg-type]
    )


def deck_of(text: str, format_name: str) -> Deck:
    result = build(text, format_name)
    assert result.problems == [], [str(p) for p in result.problems]
    assert result.deck is not None
    return result.deck


def messages(result: ImportResult) -> list[str]:
    assert result.deck is None
    return [str(problem) for problem in result.problems]


@pytest.mark.parametrize(
    ("sample", "format_name", "count"),
    [
        ("sre-basics.csv", "csv", 3),
        ("golden-signals.tsv", "tsv", 2),
        ("deploy-notes.txt", "anki-txt", 3),
        ("ci-quiz.aiken", "aiken", 2),
        ("monitoring.gift", "gift", 4),
    ],
)
def test_each_sample_is_written_as_a_deck_the_bank_loads(
    tmp_path: Path, sample: str, format_name: str, count: int
) -> None:
    result = run_import(str(SAMPLES / sample), "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    deck_id = Path(sample).stem
    assert f"wrote {tmp_path / deck_id}.yaml: {count} items" in result.stdout
    bank = load_bank(tmp_path)
    deck = bank.deck(deck_id)
    assert deck is not None and len(deck.items) == count
    assert f"({format_name})" in deck.description
    # The YAML is the deck: dumping what was loaded gives the same text back.
    assert dump_deck(deck) == (tmp_path / f"{deck_id}.yaml").read_text(encoding="utf-8")


def test_all_samples_together_pass_check_content(tmp_path: Path) -> None:
    for sample in sorted(SAMPLES.iterdir()):
        assert run_import(str(sample), "--out", str(tmp_path)).returncode == 0
    check = subprocess.run(
        [sys.executable, "-m", "bot", "check-content", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert check.returncode == 0, check.stderr
    assert "OK: 5 decks, 14 items" in check.stdout


def test_csv_reads_correct_by_text_number_or_letter_and_a_worked_solution() -> None:
    deck = deck_of((SAMPLES / "sre-basics.csv").read_text(encoding="utf-8"), "csv")
    slo, budget, toil = deck.items
    assert isinstance(slo, McqItem) and slo.id == "sre-slo"
    assert slo.correct == "A target for a service level indicator"  # "1"
    assert isinstance(budget, McqItem) and budget.correct == "About 43 minutes"  # "A"
    assert budget.solution is not None
    assert [(s.title, s.detail) for s in budget.solution.steps] == [
        ("Convert", "30 days = 43 200 minutes"),
        ("Apply the budget", "0.1% of 43 200 = 43.2"),
    ]
    assert budget.solution.common_mistakes == [
        "Using 99% instead of 99.9%",
        "Forgetting to convert days to minutes",
    ]
    assert isinstance(toil, McqItem) and toil.id == "imported-3"  # no id cell: generated
    assert toil.difficulty == "hard"


def test_anki_notes_become_cards_with_plain_text_and_difficulty_from_tags() -> None:
    deck = deck_of((SAMPLES / "deploy-notes.txt").read_text(encoding="utf-8"), "anki-txt")
    canary, artifact, quoted = deck.items
    assert isinstance(canary, CardItem)
    assert canary.front == "What is a canary release?"
    assert canary.back == "Release to a small share of users first,\nthen widen"
    assert canary.difficulty == "hard"
    assert isinstance(artifact, CardItem)
    assert artifact.front == 'What does "immutable artifact" mean?'
    assert artifact.difficulty == "easy"
    assert isinstance(quoted, CardItem) and quoted.front == "Text with a tab\tinside"


def test_aiken_options_and_answer_letters() -> None:
    deck = deck_of((SAMPLES / "ci-quiz.aiken").read_text(encoding="utf-8"), "aiken")
    first, second = deck.items
    assert isinstance(first, McqItem) and isinstance(second, McqItem)
    assert first.options == [
        "The main branch, on every merge",
        "Production, once a quarter",
        "Only feature branches",
    ]
    assert first.correct == "The main branch, on every merge"
    assert second.correct == "Continuous deployment"
    assert second.explanation == "Correct answer: Continuous deployment"


def test_gift_multiple_choice_true_false_escapes_and_skipped_kinds_by_line() -> None:
    result = build((SAMPLES / "monitoring.gift").read_text(encoding="utf-8"), "gift")
    assert result.deck is not None and result.problems == []
    drift, true_false, weighted, escaped = result.deck.items
    assert isinstance(drift, McqItem)
    assert drift.correct == "A change in the distribution of the model's inputs"
    assert drift.explanation == (
        "Data drift: production inputs no longer look like the training data."
    )
    assert isinstance(true_false, McqItem)
    assert (true_false.options, true_false.correct) == (["True", "False"], "True")
    assert isinstance(weighted, McqItem) and weighted.correct == "Accuracy"
    assert isinstance(escaped, McqItem)
    assert escaped.question == "Which symbol starts a comment in Python: # or //?"
    assert (escaped.options, escaped.correct) == (["#", "//"], "#")
    # Ids count every question, so a skipped one does not shift the next id.
    assert escaped.id == "imported-6"
    assert [str(note) for note in result.skipped] == [
        "line 15: short-answer question: not a quiz poll",
        "line 17: essay question: not a quiz poll",
    ]


LONG_QUESTION = "Q" * 301
LONG_OPTION = "o" * 101


def test_csv_problems_name_the_line_and_the_telegram_limit() -> None:
    rows = [
        ["id", "question", "option1", "option2", "correct", "explanation"],
        ["a-ok", "Fine?", "Yes", "No", "Yes", "ok"],
        ["a-long", LONG_QUESTION, "Yes", "No", "Yes", "ok"],
        ["a-opt", "Long option?", LONG_OPTION, "No", "No", "ok"],
        ["a-feeds", "Feeds?", "Yes", "No", "Yes", "one\ntwo\nthree\nfour"],
        ["a-one", "One option?", "Yes", "", "Yes", "ok"],
        ["a-ok", "Same id?", "Yes", "No", "Yes", "ok"],
        ["a-wrong", "Wrong answer?", "Yes", "No", "Maybe", "ok"],
    ]
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    problems = messages(build(buffer.getvalue(), "csv"))
    assert problems == [
        "line 3: question is 301 characters, the limit is 300 "
        "(Telegram poll question: at most 300 characters)",
        "line 4: options option 1 is 101 characters, the limit is 100 "
        "(Telegram poll: 2-12 options of at most 100 characters)",
        "line 5: explanation has 3 line feeds, the limit is 2 "
        "(Telegram quiz explanation: at most 200 characters and 2 line feeds)",
        # The quoted cell with line feeds spans lines 5-8: the next row is on line 9.
        "line 9: options has 1 options, the limit is 2 to 12 "
        "(Telegram poll: 2-12 options of at most 100 characters)",
        "line 10: duplicate id 'a-ok': line 2",
        "line 11: correct correct answer 'Maybe' is not one of the options",
    ]


def test_csv_thirteen_options_and_a_long_explanation_are_refused() -> None:
    header = ["question", *[f"option{n}" for n in range(1, 14)], "correct", "explanation"]
    options = [f"Choice {n}" for n in range(1, 14)]
    text = "\n".join(
        [
            ",".join(header),
            ",".join(["Thirteen?", *options, "1", "ok"]),
            ",".join(["Wordy?", "Yes", "No", *[""] * 11, "1", "e" * 201]),
        ]
    )
    problems = messages(build(text, "csv"))
    assert problems[0].startswith("line 2: options has 13 options, the limit is 2 to 12")
    assert problems[1].startswith("line 3: explanation is 201 characters, the limit is 200")


def test_csv_header_problems_are_on_line_1() -> None:
    problems = messages(build("question,option1,colour\nQ?,A,red\n", "csv"))
    assert problems == ["line 1: unknown column 'colour'"]
    assert messages(build("", "csv")) == ["the file is empty: a header row is needed"]


def test_tsv_problem_lines() -> None:
    text = "question\toption1\toption2\tcorrect\nFine?\tYes\tNo\tYes\n" + (
        f"{LONG_QUESTION}\tYes\tNo\tYes\n"
    )
    assert messages(build(text, "tsv"))[0].startswith("line 3: question is 301 characters")


def test_anki_note_with_one_field_is_refused_and_cloze_is_skipped() -> None:
    text = "#separator:tab\nFront\tBack\nLonely front\n{{c1::Paris}} is in France\tx\n"
    result = build(text, "anki-txt")
    assert messages(result) == ["line 3: needs a front and a back field"]
    assert [str(n) for n in result.skipped] == ["line 4: cloze note: not a flashcard"]
    too_long = build("Front\t" + "b" * 1001 + "\n", "anki-txt")
    assert messages(too_long) == ["line 1: back is 1001 characters, the limit is 1000"]


def test_aiken_missing_answer_bad_letter_and_option_order() -> None:
    text = "\n".join(
        [
            "First?",  # 1
            "A. one",
            "B. two",
            "Second?",  # 4: the first question never got its ANSWER
            "A. one",
            "C. three",  # 6: B expected
            "ANSWER: A",
            "Third?",  # 8
            "A. one",
            "B. two",
            "ANSWER: D",  # 11
            "Fourth?",  # 12
            "A. only",
            "ANSWER: A",
        ]
    )
    assert messages(build(text, "aiken")) == [
        "line 1: the question has no ANSWER line after its options",
        "line 6: option C where B was expected",
        "line 11: ANSWER 'D' is not one of the option letters AB",
        "line 12: options has 1 options, the limit is 2 to 12 "
        "(Telegram poll: 2-12 options of at most 100 characters)",
    ]


def test_gift_unclosed_braces_and_long_options_are_refused_by_line() -> None:
    text = (
        "// header\n::ok:: Fine? {=Yes ~No}\n\n"
        "::open:: Never closed? {=Yes ~No\n\n"
        f"::long:: Long option? {{={LONG_OPTION} ~No}}\n\n"
        "::both:: Two right answers? {=Yes =Sure ~No}\n"
    )
    result = build(text, "gift")
    assert messages(result) == [
        "line 4: the answers' '{' is never closed with '}'",
        "line 6: options option 1 is 101 characters, the limit is 100 "
        "(Telegram poll: 2-12 options of at most 100 characters)",
    ]
    assert [str(n) for n in result.skipped] == ["line 8: multiple-answer question: not a quiz poll"]


def test_skip_invalid_writes_the_valid_records_and_lists_the_rest(tmp_path: Path) -> None:
    source = tmp_path / "mixed.aiken"
    source.write_text("Good?\nA. yes\nB. no\nANSWER: A\n\nBad?\nA. yes\nANSWER: Z\n")
    out = tmp_path / "out"
    refused = run_import(str(source), "--out", str(out))
    assert refused.returncode == 1
    assert "line 8: ANSWER 'Z' is not one of the option letters A" in refused.stderr
    assert "nothing written" in refused.stderr
    assert not out.exists()
    written = run_import(str(source), "--out", str(out), "--skip-invalid", "--title", "Mixed")
    assert written.returncode == 0, written.stderr
    assert "skipped: line 8: ANSWER 'Z'" in written.stderr
    deck = load_bank(out).decks[0]
    assert (deck.title, len(deck.items)) == ("Mixed", 1)


def test_ids_already_used_by_another_deck_in_the_folder_are_refused(tmp_path: Path) -> None:
    (tmp_path / "other.yaml").write_text(
        yaml.safe_dump(
            {
                "id": "other",
                "title": "Other",
                "description": "d",
                "items": [{"kind": "card", "id": "taken-id", "front": "f", "back": "b"}],
            }
        )
    )
    source = tmp_path / "new.csv"
    source.write_text("id,front,back\ntaken-id,Front,Back\n")
    result = run_import(str(source), "--out", str(tmp_path))
    assert result.returncode == 1
    assert f"line 2: duplicate id 'taken-id': already in {tmp_path / 'other.yaml'}" in (
        result.stderr
    )
    assert not (tmp_path / "new.yaml").exists()
    # Replacing other.yaml itself is allowed: its own ids are not "already used".
    replaced = run_import(str(source), "--out", str(tmp_path), "--deck-id", "other")
    assert replaced.returncode == 0, replaced.stderr
    (tmp_path / "renamed.yaml").write_text(
        (tmp_path / "other.yaml").read_text().replace("taken-id", "moved-id")
    )
    clash = run_import(str(source), "--out", str(tmp_path), "--deck-id", "other")
    assert clash.returncode == 1
    assert f"deck id 'other' is already used by {tmp_path / 'renamed.yaml'}" in clash.stderr


def test_reimporting_replaces_the_deck_file(tmp_path: Path) -> None:
    sample = str(SAMPLES / "ci-quiz.aiken")
    assert run_import(sample, "--out", str(tmp_path)).returncode == 0
    again = run_import(sample, "--out", str(tmp_path))
    assert again.returncode == 0, again.stderr  # its own ids are not "already used"


def test_unknown_format_asks_for_format(tmp_path: Path) -> None:
    source = tmp_path / "notes.txt"
    source.write_text("just some prose\n")
    result = run_import(str(source), "--out", str(tmp_path))
    assert result.returncode == 2
    assert "--format" in result.stderr


def test_format_is_guessed_from_name_or_content() -> None:
    assert guess_format(Path("x.csv"), "") == "csv"
    assert guess_format(Path("x.gift"), "") == "gift"
    assert guess_format(Path("x.txt"), "#separator:tab\na\tb\n") == "anki-txt"
    assert guess_format(Path("x.txt"), "Q?\nA. a\nB. b\nANSWER: A\n") == "aiken"
    assert guess_format(Path("x.txt"), "// c\nQ? {=a ~b}\n") == "gift"


_cell = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), min_size=1, max_size=80
).filter(lambda s: s.strip() == s and s != "")


@settings(max_examples=60, deadline=None)
@given(question=_cell, options=st.lists(_cell, min_size=2, max_size=12, unique=True))
def test_any_spreadsheet_question_within_limits_round_trips(
    question: str, options: list[str]
) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["question", *[f"option{n}" for n in range(1, len(options) + 1)], "correct"])
    writer.writerow([question, *options, options[-1]])
    deck = deck_of(buffer.getvalue(), "csv")
    loaded = Deck.model_validate(yaml.safe_load(dump_deck(deck)))
    item = loaded.items[0]
    assert isinstance(item, McqItem)
    assert (item.question, item.options, item.correct) == (question, options, options[-1])


def test_a_deck_may_declare_its_language(tmp_path: Path) -> None:
    sample = str(SAMPLES / "ci-quiz.aiken")
    result = run_import(sample, "--out", str(tmp_path), "--language", "pt-BR")
    assert result.returncode == 0, result.stderr
    assert load_bank(tmp_path).decks[0].language == "pt-BR"
    refused = run_import(sample, "--out", str(tmp_path), "--language", "Portuguese")
    assert refused.returncode == 1
    assert "deck language: String should match pattern" in refused.stderr


def test_gift_kinds_follow_moodle_rules() -> None:
    text = "\n\n".join(
        [
            "::partial:: Partial credit? {=Right ~%50%Half right ~Wrong}",  # 1: single choice
            "::lower:: Lowercase true? {true}",  # 3: Moodle: short answer, not true/false
            "::both:: Choice with arrows? {=a -> b ~c}",  # 5: a `~` makes it a choice
            r"::slash:: C:\temp and \\ and \{x\}? {=Yes ~No}",  # 7: only GIFT's escapes
            "::mw:: Grant is {=entombed ~living} in Grant's tomb.",  # 9: missing word
            "::tf:: Sky is green. {F#It is not?#Right, it is blue.}",  # 11
        ]
    )
    result = build(text, "gift")
    assert result.deck is not None, messages(result)
    partial, arrows, slash, missing_word, true_false = result.deck.items
    assert isinstance(partial, McqItem)
    assert (partial.options, partial.correct) == (["Right", "Half right", "Wrong"], "Right")
    assert isinstance(arrows, McqItem) and arrows.options == ["a -> b", "c"]
    assert isinstance(slash, McqItem) and slash.question == r"C:\temp and \ and {x}?"
    assert isinstance(missing_word, McqItem)
    assert missing_word.question == "Grant is _____ in Grant's tomb."
    assert isinstance(true_false, McqItem)
    assert (true_false.correct, true_false.explanation) == ("False", "Right, it is blue.")
    assert [str(n) for n in result.skipped] == ["line 3: short-answer question: not a quiz poll"]
    stray = build("::x:: Closed but never opened? =a ~b}\n", "gift")
    assert messages(stray) == ["line 1: a '}' with no '{' before it"]

"""load_bank / check_content on small YAML decks written into tmp_path.

Every rule gets a failing deck, and every problem must say where it is (file,
item id, field) and which limit was broken, so an author can fix a deck in one pass.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.content.loader import ContentError, ContentProblem, check_content, load_bank
from bot.content.models import CardItem, McqItem, PromptItem

ROOT = Path(__file__).resolve().parents[2]
CONTENT_DIR = ROOT / "content"


def mcq(item_id: str = "t-q1", **overrides: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "kind": "mcq",
        "id": item_id,
        "question": "Which practice ships every passing change?",
        "options": ["Continuous integration", "Continuous deployment"],
        "correct": "Continuous deployment",
        "difficulty": "easy",
        "explanation": "Deployment releases every passing change.",
    }
    item.update(overrides)
    return item


def card(item_id: str = "t-c1") -> dict[str, Any]:
    return {"kind": "card", "id": item_id, "front": "Front", "back": "Back"}


def deck(deck_id: str = "test-deck", items: list[dict[str, Any]] | None = None, **extra: Any):
    return {
        "id": deck_id,
        "title": "Test deck",
        "description": "A deck for tests.",
        **extra,
        "items": items if items is not None else [mcq()],
    }


def write(directory: Path, name: str, data: Any) -> Path:
    path = directory / name
    path.write_text(
        yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=1000), encoding="utf-8"
    )
    return path


def only_problem(directory: Path) -> ContentProblem:
    _, problems = check_content(directory)
    assert len(problems) == 1, problems
    return problems[0]


def assert_names_everything(
    problem: ContentProblem, path: Path, item_id: str, field: str, limit: str
) -> None:
    assert problem.file == str(path)
    assert problem.item_id == item_id
    assert problem.field == field
    assert limit in problem.message
    text = str(problem)
    assert path.name in text
    assert f"item {item_id}" in text
    assert f"field {field}" in text
    assert limit in text


# --- one failing deck per item rule ------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field", "limit"),
    [
        pytest.param({"question": "q" * 301}, "question", "300", id="question-over-300"),
        pytest.param(
            {"options": ["o" * 101, "short"], "correct": "short"},
            "options",
            "100",
            id="option-over-100",
        ),
        pytest.param(
            {"options": [f"option {n}" for n in range(13)], "correct": "option 0"},
            "options",
            "12",
            id="thirteen-options",
        ),
        pytest.param(
            {"options": ["only one"], "correct": "only one"}, "options", "2", id="one-option"
        ),
        pytest.param({"explanation": "e" * 201}, "explanation", "200", id="explanation-over-200"),
        pytest.param(
            {"explanation": "one\ntwo\nthree\nfour"},
            "explanation",
            "2",
            id="explanation-three-line-feeds",
        ),
    ],
)
def test_item_over_a_telegram_limit_is_reported_with_its_limit(
    tmp_path: Path, overrides: dict[str, Any], field: str, limit: str
) -> None:
    path = write(tmp_path, "test-deck.yaml", deck(items=[mcq("t-broken", **overrides)]))
    problem = only_problem(tmp_path)
    assert_names_everything(problem, path, "t-broken", field, limit)
    assert "limit" in problem.message


def test_option_over_100_names_the_option_and_its_length(tmp_path: Path) -> None:
    write(tmp_path, "d.yaml", deck(items=[mcq(options=["fine", "x" * 101], correct="fine")]))
    problem = only_problem(tmp_path)
    assert "option 2" in problem.message
    assert "101" in problem.message


def test_explanation_with_three_line_feeds_reports_the_count(tmp_path: Path) -> None:
    write(tmp_path, "d.yaml", deck(items=[mcq(explanation="a\nb\nc\nd")]))
    assert "3 line feeds" in only_problem(tmp_path).message


def test_explanation_with_two_line_feeds_is_accepted(tmp_path: Path) -> None:
    write(tmp_path, "d.yaml", deck(items=[mcq(explanation="a\nb\nc")]))
    decks, problems = check_content(tmp_path)
    assert problems == []
    assert decks[0].mcqs[0].explanation == "a\nb\nc"


def test_duplicate_options_are_reported(tmp_path: Path) -> None:
    path = write(tmp_path, "d.yaml", deck(items=[mcq("t-dup", options=["Same", "Same", "Other"])]))
    problem = only_problem(tmp_path)
    assert_names_everything(problem, path, "t-dup", "options", "'Same'")
    assert "duplicate" in problem.message


def test_correct_answer_not_among_options_is_reported(tmp_path: Path) -> None:
    path = write(tmp_path, "d.yaml", deck(items=[mcq("t-wrong", correct="Option B")]))
    problem = only_problem(tmp_path)
    assert problem.file == str(path)
    assert problem.item_id == "t-wrong"
    assert "'Option B'" in problem.message
    assert "not one of the options" in problem.message


def test_correct_answer_not_among_options_names_the_field_correct(tmp_path: Path) -> None:
    write(tmp_path, "d.yaml", deck(items=[mcq("t-wrong", correct="Option B")]))
    assert only_problem(tmp_path).field == "correct"


def test_unknown_kind_is_reported_with_the_allowed_kinds(tmp_path: Path) -> None:
    path = write(tmp_path, "d.yaml", deck(items=[mcq("t-kind", kind="quiz")]))
    problem = only_problem(tmp_path)
    assert problem.file == str(path)
    assert problem.item_id == "t-kind"
    assert "'quiz'" in problem.message
    for kind in ("mcq", "card", "prompt"):
        assert kind in problem.message


@pytest.mark.parametrize("kind", ["quiz", None])
def test_unknown_or_missing_kind_names_the_field_kind(tmp_path: Path, kind: str | None) -> None:
    item = mcq("t-kind", kind=kind)
    if kind is None:
        del item["kind"]
    write(tmp_path, "d.yaml", deck(items=[item]))
    assert only_problem(tmp_path).field == "kind"


def test_missing_field_is_reported(tmp_path: Path) -> None:
    item = mcq("t-missing")
    del item["explanation"]
    path = write(tmp_path, "d.yaml", deck(items=[item]))
    problem = only_problem(tmp_path)
    assert_names_everything(problem, path, "t-missing", "explanation", "required")


def test_extra_unknown_field_is_rejected(tmp_path: Path) -> None:
    path = write(tmp_path, "d.yaml", deck(items=[mcq("t-extra", colour="red")]))
    problem = only_problem(tmp_path)
    assert_names_everything(problem, path, "t-extra", "colour", "not permitted")


def test_typo_in_a_deck_level_field_is_rejected(tmp_path: Path) -> None:
    write(tmp_path, "d.yaml", deck(titel="typo"))
    problem = only_problem(tmp_path)
    assert problem.item_id is None
    assert problem.field == "titel"


@pytest.mark.parametrize("bad_id", ["Bad_Id", "-leading-hyphen", "x", "a" * 41, "has space"])
def test_bad_item_id_pattern_is_reported(tmp_path: Path, bad_id: str) -> None:
    path = write(tmp_path, "d.yaml", deck(items=[mcq(bad_id)]))
    problem = only_problem(tmp_path)
    assert_names_everything(problem, path, bad_id, "id", "pattern")


def test_bad_deck_id_pattern_is_reported(tmp_path: Path) -> None:
    write(tmp_path, "d.yaml", deck(deck_id="My Deck"))
    problem = only_problem(tmp_path)
    assert problem.item_id is None
    assert problem.field == "id"
    assert "pattern" in problem.message


def test_error_in_a_worked_solution_names_the_nested_field(tmp_path: Path) -> None:
    solution = {
        "steps": [{"title": "Step 1", "detail": "d" * 1001}],
        "final_answer": "Continuous deployment",
        "quick_check": "check",
        "hint": "hint",
    }
    write(tmp_path, "d.yaml", deck(items=[mcq("t-sol", solution=solution)]))
    problem = only_problem(tmp_path)
    assert problem.item_id == "t-sol"
    assert problem.field == "solution.steps.0.detail"
    assert "1000" in problem.message


def test_item_without_an_id_is_named_by_its_position(tmp_path: Path) -> None:
    item = mcq(question="q" * 301)
    del item["id"]
    write(tmp_path, "d.yaml", deck(items=[mcq("t-ok"), item]))
    _, problems = check_content(tmp_path)
    assert {(p.item_id, p.field) for p in problems} == {("#2", "id"), ("#2", "question")}


# --- rules across decks -----------------------------------------------------------


def test_duplicate_item_id_across_two_deck_files(tmp_path: Path) -> None:
    first = write(tmp_path, "a-deck.yaml", deck("a-deck", [mcq("shared-id")]))
    second = write(tmp_path, "b-deck.yaml", deck("b-deck", [card("shared-id")]))
    problem = only_problem(tmp_path)
    assert problem.file == str(second)
    assert problem.item_id == "shared-id"
    assert problem.field == "id"
    assert "not unique" in problem.message
    assert str(first) in problem.message


def test_duplicate_item_id_within_one_deck(tmp_path: Path) -> None:
    write(tmp_path, "d.yaml", deck(items=[mcq("same-id"), card("same-id")]))
    problem = only_problem(tmp_path)
    assert (problem.item_id, problem.field) == ("same-id", "id")


def test_duplicate_item_id_is_reported_even_when_the_deck_has_another_error(
    tmp_path: Path,
) -> None:
    write(tmp_path, "a-deck.yaml", deck("a-deck", [mcq("shared-id")]))
    write(
        tmp_path, "b-deck.yaml", deck("b-deck", [card("shared-id"), mcq("b-q", question="q" * 301)])
    )
    _, problems = check_content(tmp_path)
    assert {(p.item_id, p.field) for p in problems} == {("b-q", "question"), ("shared-id", "id")}


def test_duplicate_deck_id_flags_both_files(tmp_path: Path) -> None:
    first = write(tmp_path, "one.yaml", deck("same-deck", [mcq("one-q")]))
    second = write(tmp_path, "two.yaml", deck("same-deck", [mcq("two-q")]))
    _, problems = check_content(tmp_path)
    assert {p.file for p in problems} == {str(first), str(second)}
    for problem in problems:
        assert problem.field == "id"
        assert "'same-deck'" in problem.message
    with pytest.raises(ContentError):
        load_bank(tmp_path)


def test_invalid_yaml_is_reported_and_other_decks_still_load(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("id: broken\nitems: [unclosed\n", encoding="utf-8")
    write(tmp_path, "good.yaml", deck("good", [mcq("good-q")]))
    decks, problems = check_content(tmp_path)
    assert [d.id for d in decks] == ["good"]
    assert len(problems) == 1
    assert problems[0].file == str(broken)
    assert "not valid YAML" in problems[0].message


@pytest.mark.parametrize("text", ["", "- just\n- a list\n", "plain string\n"])
def test_yaml_that_is_not_a_mapping_is_reported(tmp_path: Path, text: str) -> None:
    (tmp_path / "odd.yaml").write_text(text, encoding="utf-8")
    assert "mapping" in only_problem(tmp_path).message


def test_empty_directory_is_a_problem(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("not a deck", encoding="utf-8")
    problem = only_problem(tmp_path)
    assert problem.file == str(tmp_path)
    assert "no *.yaml" in problem.message
    with pytest.raises(ContentError):
        load_bank(tmp_path)


def test_missing_directory_is_a_problem(tmp_path: Path) -> None:
    problem = only_problem(tmp_path / "nowhere")
    assert "not a directory" in problem.message


def test_deck_with_no_items_is_rejected(tmp_path: Path) -> None:
    write(tmp_path, "d.yaml", deck(items=[]))
    problem = only_problem(tmp_path)
    assert problem.field == "items"


# --- all problems, not the first --------------------------------------------------


def test_every_problem_of_a_deck_is_reported_not_just_the_first(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "many.yaml",
        {
            "id": "many",
            "description": "title is missing",
            "items": [
                mcq("m-question", question="q" * 301),
                mcq("m-option", options=["o" * 101, "short"], correct="short"),
                mcq("m-explain", explanation="e" * 201),
                mcq("m-extra", colour="red"),
                mcq("m-ok"),
            ],
        },
    )
    decks, problems = check_content(tmp_path)
    assert decks == []
    assert {(p.item_id, p.field) for p in problems} == {
        (None, "title"),
        ("m-question", "question"),
        ("m-option", "options"),
        ("m-explain", "explanation"),
        ("m-extra", "colour"),
    }
    assert all(p.file == str(path) for p in problems)


def test_several_errors_in_one_item_are_all_reported(tmp_path: Path) -> None:
    item = mcq("m-item", question="q" * 301, explanation="e" * 201, difficulty="extreme")
    write(tmp_path, "d.yaml", deck(items=[item]))
    _, problems = check_content(tmp_path)
    assert {p.field for p in problems} == {"question", "explanation", "difficulty"}


def test_problems_in_several_files_are_all_reported(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", deck("a-deck", [mcq("a-q", question="q" * 301)]))
    write(tmp_path, "b.yaml", deck("b-deck", [mcq("b-q", explanation="e" * 201)]))
    (tmp_path / "c.yaml").write_text("id: [\n", encoding="utf-8")
    _, problems = check_content(tmp_path)
    assert sorted(Path(p.file).name for p in problems) == ["a.yaml", "b.yaml", "c.yaml"]


def test_load_bank_error_lists_every_problem(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", deck("a-deck", [mcq("a-q", question="q" * 301)]))
    write(tmp_path, "b.yaml", deck("b-deck", [mcq("b-q", explanation="e" * 201)]))
    with pytest.raises(ContentError) as raised:
        load_bank(tmp_path)
    assert len(raised.value.problems) == 2
    message = str(raised.value)
    assert "2 content problem(s)" in message
    assert "item a-q" in message and "field question" in message and "300" in message
    assert "item b-q" in message and "field explanation" in message and "200" in message


# --- valid decks -------------------------------------------------------------------


def test_valid_decks_load_sorted_by_order_then_id(tmp_path: Path) -> None:
    write(tmp_path, "zeta.yaml", deck("zeta", [mcq("z-q")], order=1))
    write(tmp_path, "beta.yaml", deck("beta", [mcq("b-q")]))
    write(tmp_path, "alpha.yml", deck("alpha", [card("a-c")]))
    bank = load_bank(tmp_path)
    assert [d.id for d in bank.decks] == ["zeta", "alpha", "beta"]
    assert bank.default_deck.id == "zeta"
    assert bank.deck_of("a-c").id == "alpha"


def test_shipped_content_passes_load_bank() -> None:
    bank = load_bank(CONTENT_DIR)
    assert len(bank.decks) >= 1
    decks, problems = check_content(CONTENT_DIR)
    assert problems == []
    assert [d.id for d in decks] == [d.id for d in bank.decks]


def test_shipped_mlops_deck_has_5_cards_10_mcq_and_2_prompts() -> None:
    mlops = load_bank(CONTENT_DIR).deck("mlops-vs-devops")
    assert mlops is not None
    assert len(mlops.cards) == 5
    assert len(mlops.mcqs) == 10
    assert len(mlops.prompts) == 2
    assert len(mlops.items) == 17
    assert all(isinstance(i, CardItem | McqItem | PromptItem) for i in mlops.items)


def test_shipped_mlops_deck_has_the_5_practice_questions_with_worked_solutions() -> None:
    mlops = load_bank(CONTENT_DIR).deck("mlops-vs-devops")
    assert mlops is not None
    practice = [q for q in mlops.mcqs if q.id.startswith("mvd-practice-")]
    assert len(practice) == 5
    for question in practice:
        assert question.solution is not None
        assert len(question.solution.steps) >= 1
        assert question.solution.final_answer == question.correct

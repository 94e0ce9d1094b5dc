"""`python -m bot check-content [DIR]`, run as a real subprocess from the project root."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from bot.content.loader import load_bank

ROOT = Path(__file__).resolve().parents[2]
CONTENT_DIR = ROOT / "content"


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k != "CONTENT_DIR"}
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "bot", "check-content", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def mcq(item_id: str, **overrides: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "kind": "mcq",
        "id": item_id,
        "question": "Which one?",
        "options": ["Alpha", "Beta"],
        "correct": "Alpha",
        "difficulty": "easy",
        "explanation": "Because.",
    }
    item.update(overrides)
    return item


def write_deck(directory: Path, deck_id: str, items: list[dict[str, Any]]) -> Path:
    path = directory / f"{deck_id}.yaml"
    data = {"id": deck_id, "title": deck_id.title(), "description": "d", "items": items}
    path.write_text(yaml.safe_dump(data, sort_keys=False, width=1000), encoding="utf-8")
    return path


def test_shipped_content_exits_0_with_a_summary_line_per_deck() -> None:
    result = run_cli(str(CONTENT_DIR))
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    bank = load_bank(CONTENT_DIR)
    for deck in bank.decks:
        (line,) = [line for line in lines if line.startswith(f"{deck.id}: ")]
        assert f"{len(deck.items)} items" in line
        assert f"mcq {len(deck.mcqs)}" in line
        assert f"card {len(deck.cards)}" in line
        assert f"prompt {len(deck.prompts)}" in line
    items = sum(len(deck.items) for deck in bank.decks)
    assert lines[-1] == f"OK: {len(bank.decks)} decks, {items} items"


def test_shipped_mlops_summary_counts_each_kind() -> None:
    result = run_cli(str(CONTENT_DIR))
    assert "mlops-vs-devops: 17 items (mcq 10, card 5, prompt 2;" in result.stdout


def test_summary_counts_difficulty_levels(tmp_path: Path) -> None:
    write_deck(
        tmp_path,
        "small",
        [mcq("s-one"), mcq("s-two", difficulty="hard"), mcq("s-three", difficulty="hard")],
    )
    result = run_cli(str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "small: 3 items (mcq 3, card 0, prompt 0; easy 1, medium 0, hard 2)" in result.stdout


def test_broken_directory_exits_1_listing_every_problem(tmp_path: Path) -> None:
    first = write_deck(
        tmp_path,
        "first",
        [
            mcq("f-long-question", question="q" * 301),
            mcq("f-long-option", options=["o" * 101, "Beta"], correct="Beta"),
            mcq("f-fine"),
        ],
    )
    second = write_deck(tmp_path, "second", [mcq("s-long-explanation", explanation="e" * 201)])
    third = write_deck(tmp_path, "third", [mcq("shared-id")])
    fourth = write_deck(tmp_path, "fourth", [mcq("shared-id")])
    result = run_cli(str(tmp_path))
    assert result.returncode == 1
    assert result.stdout == ""
    header, *rest = result.stderr.splitlines()
    assert header == f"4 problem(s) in {tmp_path}:"
    problems = [line.strip() for line in rest]
    assert len(problems) == 4
    expected = [
        (first, "f-long-question", "question", "300"),
        (first, "f-long-option", "options", "100"),
        (second, "s-long-explanation", "explanation", "200"),
    ]
    for path, item_id, field, limit in expected:
        (line,) = [p for p in problems if f"item {item_id}:" in p]
        assert line.startswith(f"{path}: ")
        assert f"field {field}" in line
        assert limit in line
    # Files are read in name order: fourth.yaml claims the id first, third.yaml repeats it.
    (dup,) = [p for p in problems if "item shared-id" in p]
    assert dup.startswith(f"{third}: ")
    assert "field id" in dup
    assert str(fourth) in dup


def test_empty_directory_exits_1(tmp_path: Path) -> None:
    result = run_cli(str(tmp_path))
    assert result.returncode == 1
    assert "holds no *.yaml deck" in result.stderr


def test_without_a_directory_it_checks_content_dir_from_the_environment(tmp_path: Path) -> None:
    write_deck(tmp_path, "env-deck", [mcq("e-bad", question="q" * 301)])
    result = run_cli(env={"CONTENT_DIR": str(tmp_path)})
    assert result.returncode == 1
    assert "item e-bad" in result.stderr


def test_without_a_directory_or_environment_it_checks_content() -> None:
    result = run_cli()
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(load_bank(CONTENT_DIR).default_deck.id + ": ")

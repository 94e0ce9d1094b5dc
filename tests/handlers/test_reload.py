"""/reload and the bank swap: learners mid-session carry on, a bad deck keeps the old bank,
answers to removed items are still stored."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot import render
from bot.content.importers import build_deck, dump_deck, parse
from bot.content.models import McqItem
from bot.flows.reload import reload_bank
from bot.handlers.context import TutorContext
from tests.conftest import CONTENT_DIR, Harness, make_settings
from tests.fakes.html_check import parse_html
from tests.handlers.test_challenge import GROUP, answer_after, group_texts, timer_fires

ADMIN = 99
SAMPLES = Path(__file__).resolve().parents[1] / "content" / "samples"


@pytest.fixture
def content(tmp_path: Path, harness: Harness) -> Path:
    """A copy of the shipped decks that the test may change, and an admin allowed to reload."""
    folder = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, folder, ignore=shutil.ignore_patterns("*.md"))
    harness.services.settings = make_settings(
        tmp_path, content_dir=folder, admin_user_ids=frozenset({ADMIN})
    )
    return folder


def add_sample_deck(folder: Path) -> None:
    """The Aiken sample, imported as a new deck `ci-quiz`."""
    result = build_deck(
        parse((SAMPLES / "ci-quiz.aiken").read_text(encoding="utf-8"), "aiken"),
        deck_id="ci-quiz",
        title="CI quiz (imported)",
        description="Imported from Aiken.",
    )
    assert result.deck is not None
    (folder / "ci-quiz.yaml").write_text(dump_deck(result.deck), encoding="utf-8")


def remove_item(folder: Path, item_id: str) -> None:
    for path in folder.glob("*.yaml"):
        raw: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
        kept = [item for item in raw["items"] if item["id"] != item_id]
        if len(kept) != len(raw["items"]):
            raw["items"] = kept
            path.write_text(yaml.safe_dump(raw, sort_keys=False, allow_unicode=True))
            return
    raise AssertionError(f"no item {item_id}")


async def test_only_admins_may_reload(harness: Harness, content: Path) -> None:
    before = harness.services.bank
    add_sample_deck(content)
    await harness.command(harness.user(11), "/reload")
    assert harness.api.texts(11)[-1] == "Only the bot's admins can reload the decks."
    assert harness.services.bank is before


async def test_admin_reload_adds_a_deck_that_decks_then_lists(
    harness: Harness, content: Path
) -> None:
    admin = harness.user(ADMIN, "Root")
    await harness.command(admin, "/decks")
    assert "CI quiz (imported)" not in harness.api.texts(ADMIN)[-1]
    add_sample_deck(content)
    await harness.command(admin, "/reload")
    assert harness.api.texts(ADMIN)[-1].startswith("✅ Decks reloaded: 4 decks")
    assert "(2 new, 0 removed)" in harness.api.texts(ADMIN)[-1]
    await harness.command(admin, "/decks")
    assert "CI quiz (imported)" in harness.api.texts(ADMIN)[-1]
    await harness.command(admin, "/quiz ci-quiz")
    assert harness.last_poll()["poll"]["question"] in {
        "What does continuous integration verify?",
        "Which practice deploys every passing change with no human approval?",
    }


async def test_a_bad_deck_keeps_the_old_bank_and_the_admin_gets_the_problems(
    harness: Harness, content: Path
) -> None:
    before = harness.services.bank
    add_sample_deck(content)
    broken = {
        "id": "broken",
        "title": "Broken",
        "description": "d",
        "items": [
            {
                "kind": "mcq",
                "id": "ci-quiz-1",  # also in ci-quiz.yaml
                "question": "Q?",
                "options": ["a"],
                "correct": "a",
                "difficulty": "easy",
                "explanation": "e",
            }
        ],
    }
    (content / "broken.yaml").write_text(yaml.safe_dump(broken))
    admin = harness.user(ADMIN, "Root")
    await harness.command(admin, "/reload")
    text = harness.api.texts(ADMIN)[-1]
    assert text.startswith("⚠️ Reload refused: 2 problems in the decks.")
    assert "broken.yaml: item ci-quiz-1: field options: has 1 options" in text
    assert "item id is not unique" in text
    assert harness.services.bank is before
    await harness.command(admin, "/decks")
    assert "CI quiz (imported)" not in harness.api.texts(ADMIN)[-1]


async def test_learner_mid_test_keeps_going_and_the_removed_items_answer_is_stored(
    harness: Harness, content: Path
) -> None:
    ada = harness.user(11)
    await harness.command(ada, "/test ci-cd")
    for _ in range(4):
        poll = harness.last_poll()["poll"]
        await harness.answer_poll(ada, poll["id"], poll["correct_option_ids"][0])
    open_poll = harness.last_poll()["poll"]
    sent = await harness.services.storage.polls.get(open_poll["id"])
    assert sent is not None
    # The operator removes the very question the learner is looking at, and adds a deck.
    remove_item(content, sent.item_id)
    add_sample_deck(content)
    outcome = await reload_bank(harness.services)
    assert outcome.ok and (outcome.added, outcome.removed) == (2, 1)
    assert harness.services.bank.item(sent.item_id) is None

    await harness.answer_poll(ada, open_poll["id"], open_poll["correct_option_ids"][0])
    for _ in range(5):
        poll = harness.last_poll()["poll"]
        assert poll["id"] != open_poll["id"]
        await harness.answer_poll(ada, poll["id"], poll["correct_option_ids"][0])
    assert "Score: 9/9" in harness.api.texts(11)[-1]  # the removed question is not scored
    answers = await harness.services.storage.answers.for_user(11)
    assert len(answers) == 10 and all(answer.correct for answer in answers)
    assert sent.item_id in {answer.item_id for answer in answers}


async def test_reload_under_load_swaps_once_and_every_answer_counts(
    harness: Harness, content: Path
) -> None:
    learners = [harness.user(100 + n, f"L{n}") for n in range(20)]
    polls = []
    for learner in learners:
        await harness.command(learner, "/quiz")
        polls.append(harness.last_poll()["poll"])
    before = harness.services.bank
    add_sample_deck(content)
    banks_seen: list[int] = []

    async def answer(learner: dict[str, Any], poll: dict[str, Any]) -> None:
        await harness.answer_poll(learner, poll["id"], poll["correct_option_ids"][0])
        banks_seen.append(id(harness.services.bank))

    outcome, *_ = await asyncio.gather(
        reload_bank(harness.services),
        *(answer(learner, poll) for learner, poll in zip(learners, polls, strict=True)),
    )
    assert outcome.ok
    assert harness.services.bank is not before
    assert set(banks_seen) <= {id(before), id(harness.services.bank)}
    for learner in learners:
        stored = await harness.services.storage.answers.for_user(learner["id"])
        assert [answer.correct for answer in stored] == [True]
        assert "Right!" in harness.api.texts(learner["id"])[-1]


async def test_a_context_keeps_one_bank_for_the_whole_update(
    harness: Harness, content: Path
) -> None:
    context = TutorContext(harness.app)
    old = context.bank
    add_sample_deck(content)
    assert (await reload_bank(harness.services)).ok
    assert context.bank is old  # mid-update: still the bank it started with
    assert TutorContext(harness.app).bank is harness.services.bank is not old


async def test_answer_to_an_item_unknown_after_a_restart_is_still_stored(
    harness: Harness, content: Path
) -> None:
    ada = harness.user(11)
    await harness.command(ada, "/quiz")
    poll = harness.last_poll()["poll"]
    sent = await harness.services.storage.polls.get(poll["id"])
    assert sent is not None
    remove_item(content, sent.item_id)
    assert (await reload_bank(harness.services)).ok
    harness.services.retired_items.clear()  # what a restart forgets
    await harness.answer_poll(ada, poll["id"], poll["correct_option_ids"][0])
    stored = await harness.services.storage.answers.for_user(11)
    assert [(a.item_id, a.correct) for a in stored] == [(sent.item_id, False)]
    assert await harness.services.storage.reviews.get(11, sent.item_id) is None


async def test_reloading_back_in_brings_a_retired_item_back(
    harness: Harness, content: Path
) -> None:
    item = harness.services.bank.deck("ci-cd-fundamentals").mcqs[0]  # type: ignore[union-attr]
    original = (content / "ci-cd-fundamentals.yaml").read_text(encoding="utf-8")
    remove_item(content, item.id)
    assert (await reload_bank(harness.services)).ok
    assert item.id in harness.services.retired_items
    (content / "ci-cd-fundamentals.yaml").write_text(original, encoding="utf-8")
    assert (await reload_bank(harness.services)).ok
    assert item.id not in harness.services.retired_items
    assert isinstance(harness.services.bank.item(item.id), McqItem)


def test_refused_reload_message_fits_one_telegram_message_as_valid_html() -> None:
    problems = [
        f"content/deck-{n}.yaml: item <q{n}>: field options: has 1 options" for n in range(400)
    ]
    text = render.reload_failed(problems)
    assert len(text) <= render.MESSAGE_LIMIT
    assert text.startswith("⚠️ <b>Reload refused</b>: 400 problems in the decks.")
    shown = text.count("\n• ")
    assert 0 < shown < 400
    assert text.endswith(f"… and {400 - shown} more")
    parse_html(text)
    short = render.reload_failed(["a.yaml: broken & bad"])
    assert "more" not in short and "broken &amp; bad" in short


def test_admin_user_ids_come_comma_separated_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ADMIN_USER_IDS", "12, 34")
    assert make_settings(tmp_path).admin_user_ids == {12, 34}
    monkeypatch.setenv("ADMIN_USER_IDS", "")
    assert make_settings(tmp_path).admin_user_ids == frozenset()
    monkeypatch.setenv("ADMIN_USER_IDS", "@admin")
    with pytest.raises(ValueError, match="Telegram user ids separated by commas"):
        make_settings(tmp_path)


async def test_a_round_whose_next_question_was_removed_asks_the_rest(
    harness: Harness, content: Path
) -> None:
    """A reload removes the question a running round would ask next: the round drops it
    and asks the one after, and its results count the questions really asked."""
    ann = harness.user(1, "Ann")
    await harness.command(ann, "/challenge 3 5", chat=GROUP)
    round_ = await harness.services.storage.challenges.running_in(GROUP["id"])
    assert round_ is not None
    await answer_after(harness, ann, 1, True, harness.last_poll()["poll"])
    remove_item(content, round_.item_ids[1])
    assert (await reload_bank(harness.services)).ok

    await timer_fires(harness)
    asked = await harness.services.storage.polls.get(harness.last_poll()["poll"]["id"])
    assert asked is not None and asked.item_id == round_.item_ids[2]
    await answer_after(harness, ann, 1, True, harness.last_poll()["poll"])
    await timer_fires(harness)
    results = group_texts(harness)[-1]
    assert "Round over" in results and "2 questions" in results
    assert "Ann — 2 right" in results

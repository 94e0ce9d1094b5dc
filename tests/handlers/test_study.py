"""/explain, /cards, /prompt, /test, /stats, /forget and /decks through PTB."""

from __future__ import annotations

from bot.content.models import McqItem
from tests.conftest import Harness


async def test_explain_last_item_shows_worked_solution(harness: Harness) -> None:
    ada = harness.user(11)
    await harness.command(ada, "/explain")
    assert "Nothing to explain yet" in harness.api.texts(11)[-1]
    await harness.command(ada, "/explain mvd-practice-main-difference")
    text = "\n".join(harness.api.texts(11)[-3:])
    item = harness.services.bank.item("mvd-practice-main-difference")
    assert isinstance(item, McqItem) and item.solution is not None
    for needle in ("Step 1", "Final answer", "Quick check", "Hint", "Common mistakes"):
        assert needle in text
    assert item.solution.final_answer in text


async def test_explain_without_args_uses_last_poll(harness: Harness) -> None:
    ada = harness.user(11)
    await harness.command(ada, "/quiz")
    sent = await harness.services.storage.polls.get(harness.last_poll()["poll"]["id"])
    assert sent is not None
    await harness.command(ada, "/explain")
    item = harness.services.bank.item(sent.item_id)
    assert isinstance(item, McqItem)
    assert item.question.splitlines()[0] in harness.api.texts(11)[-1] or any(
        item.question.splitlines()[0] in text for text in harness.api.texts(11)
    )


async def test_explain_unknown_id_and_bad_usage(harness: Harness) -> None:
    ada = harness.user(11)
    await harness.command(ada, "/explain nope-123")
    assert "No item with id" in harness.api.texts(11)[-1]
    await harness.command(ada, "/explain a b")
    assert harness.api.texts(11)[-1].startswith("Usage: /explain")


async def test_explain_prompt_lists_key_concepts(harness: Harness) -> None:
    ada = harness.user(11)
    prompt = harness.services.bank.deck("mlops-vs-devops").prompts[0]  # type: ignore[union-attr]
    await harness.command(ada, f"/explain {prompt.id}")
    text = harness.api.texts(11)[-1]
    assert all(concept in text for concept in prompt.key_concepts)


async def test_cards_flow_front_back_grade_next(harness: Harness) -> None:
    ada = harness.user(11)
    await harness.command(ada, "/cards")
    front = harness.last_message_with_buttons()
    assert list(harness.buttons(front)) == ["Show answer"]
    await harness.press(ada, front, harness.button(front, "Show answer"))
    back = harness.last_message_with_buttons()
    assert [label.split(" · ")[0] for label in harness.buttons(back)] == [
        "Again",
        "Hard",
        "Good",
        "Easy",
    ]
    card_id = harness.button(back, "Good").split(":")[2]
    card = harness.services.bank.item(card_id)
    assert card is not None and card.back in back["text"]  # type: ignore[union-attr]
    await harness.press(ada, back, harness.button(back, "Good"))
    answers = await harness.services.storage.answers.for_user(11)
    assert [(a.item_id, a.correct) for a in answers] == [(card_id, True)]
    memory = await harness.services.storage.reviews.get(11, card_id)
    assert memory is not None and memory.due > harness.clock.now()
    next_front = harness.last_message_with_buttons()
    assert next_front["message_id"] != front["message_id"]
    assert card.front not in next_front["text"]  # type: ignore[union-attr]


async def test_prompt_ticks_concepts_and_scores(harness: Harness) -> None:
    ada = harness.user(11)
    await harness.command(ada, "/prompt")
    message = harness.last_message_with_buttons()
    buttons = harness.buttons(message)
    concept_buttons = [label for label in buttons if label != "Done"]
    assert len(concept_buttons) == 4
    await harness.press(ada, message, buttons[concept_buttons[0]])
    message = harness.last_message_with_buttons()
    buttons = harness.buttons(message)
    await harness.press(ada, message, buttons[next(b for b in buttons if b.startswith("▫️"))])
    message = harness.last_message_with_buttons()
    await harness.press(ada, message, harness.button(message, "Done"))
    assert "You got 2/4 concepts" in harness.api.texts(11)[-1]
    answers = await harness.services.storage.answers.for_user(11)
    assert len(answers) == 1 and answers[0].correct is True


async def test_test_runs_ten_questions_and_scores_by_difficulty(harness: Harness) -> None:
    ada = harness.user(11)
    await harness.command(ada, "/test")
    questions = []
    for number in range(10):
        poll = harness.last_poll()["poll"]
        questions.append(poll["id"])
        right = poll["correct_option_ids"][0]
        # Get the first three wrong, the rest right.
        await harness.answer_poll(ada, poll["id"], right if number >= 3 else (right + 1) % 4)
    assert len(set(questions)) == 10
    result = harness.api.texts(11)[-1]
    assert "Score: 7/10" in result
    assert "easy:" in result and "medium:" in result and "hard:" in result
    assert "Needs review" in result
    missed = [line for line in result.splitlines() if "(mvd-" in line]
    assert [line.split(".")[0] for line in missed] == ["1", "2", "3"]


async def test_test_all_right_is_strong(harness: Harness) -> None:
    ada = harness.user(11)
    await harness.command(ada, "/test ci-cd")
    for _ in range(10):
        poll = harness.last_poll()["poll"]
        await harness.answer_poll(ada, poll["id"], poll["correct_option_ids"][0])
    result = harness.api.texts(11)[-1]
    assert "Score: 10/10" in result and "Strong" in result


async def test_stats_counts_answers_per_deck(harness: Harness) -> None:
    ada = harness.user(11)
    await harness.command(ada, "/stats")
    assert "Nothing to show yet" in harness.api.texts(11)[-1]
    for _ in range(3):
        await harness.command(ada, "/quiz")
        poll = harness.last_poll()["poll"]
        await harness.answer_poll(ada, poll["id"], poll["correct_option_ids"][0])
    await harness.command(ada, "/stats text")
    text = harness.api.texts(11)[-1]
    assert "Quiz answers: 3 · 100% right" in text
    assert "MLOps vs DevOps: 3 quiz answers, 100% right, 3/17 seen" in text
    assert "Streak: 1 day" in text


async def test_forget_needs_confirmation_then_deletes(harness: Harness) -> None:
    ada = harness.user(11)
    await harness.command(ada, "/quiz")
    poll = harness.last_poll()["poll"]
    await harness.answer_poll(ada, poll["id"], 0)
    await harness.command(ada, "/forget")
    confirm = harness.last_message_with_buttons()
    await harness.press(ada, confirm, harness.button(confirm, "Cancel"))
    assert len(await harness.services.storage.answers.for_user(11)) == 1
    await harness.command(ada, "/forget")
    confirm = harness.last_message_with_buttons()
    await harness.press(ada, confirm, harness.button(confirm, "Yes, delete everything"))
    assert await harness.services.storage.answers.for_user(11) == []
    assert await harness.services.storage.users.get(11) is None
    assert "deleted" in harness.api.texts(11)[-1]


async def test_decks_lists_and_switches(harness: Harness) -> None:
    ada = harness.user(11)
    await harness.command(ada, "/decks")
    message = harness.last_message_with_buttons()
    assert "MLOps vs DevOps" in message["text"] and "0/17 seen" in message["text"]
    await harness.press(ada, message, harness.button(message, "CI/CD fundamentals"))
    user = await harness.services.storage.users.get(11)
    assert user is not None and user.active_deck == "ci-cd-fundamentals"


async def test_help_unknown_command_and_plain_text(harness: Harness) -> None:
    ada = harness.user(11)
    await harness.command(ada, "/help")
    help_text = harness.api.texts(11)[-1]
    for command in ("/quiz", "/cards", "/explain", "/test", "/stats", "/forget", "/decks"):
        assert command in help_text
    await harness.command(ada, "/dance")
    assert "/help" in harness.api.texts(11)[-1]
    await harness.command(ada, "hello there")
    assert "/help" in harness.api.texts(11)[-1]


async def test_blocked_user_is_marked_inactive(harness: Harness) -> None:
    ada = harness.user(11)
    await harness.command(ada, "/start")
    await harness.send(
        {
            "my_chat_member": {
                "chat": {"id": 11, "type": "private", "first_name": "Ada"},
                "from": ada,
                "date": 0,
                "old_chat_member": {"status": "member", "user": harness.user(7000001, "Bot")},
                "new_chat_member": {
                    "status": "kicked",
                    "until_date": 0,
                    "user": harness.user(7000001, "Bot"),
                },
            }
        }
    )
    user = await harness.services.storage.users.get(11)
    assert user is not None and user.active is False

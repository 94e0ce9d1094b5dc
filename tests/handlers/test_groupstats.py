"""/groupstats through PTB: admins only, questions hardest first, who has not played this week."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.content.models import ContentBank
from bot.domain.clock import ManualClock
from bot.flows import groups
from tests.conftest import Harness, running_harness
from tests.fakes.telegram_server import PNG_SIGNATURE, png_dimensions
from tests.handlers.test_challenge import GROUP, answer_after, group_texts, timer_fires


@pytest.fixture
async def harness(
    tmp_path: Path, clock: ManualClock, bank: ContentBank, caplog: pytest.LogCaptureFixture
) -> AsyncIterator[Harness]:
    """The shared harness, but with the per-group sending cap lifted: the cap works in real
    seconds (20 a minute), and these rounds send more than 20 messages to one group."""
    async with running_harness(
        tmp_path, clock, bank, caplog, group_max_rate_per_minute=100_000
    ) as running:
        yield running


async def play_round(harness: Harness) -> list[str]:
    """Three questions; right answers 3 of 3, then 1 of 3, then 0 of 2. Returns the item ids."""
    ann, bob, cat = harness.user(1, "Ann"), harness.user(2, "Bob"), harness.user(3, "Cat & Co")
    await harness.command(ann, "/challenge 3 10", chat=GROUP)
    plan = [((ann, True), (bob, True), (cat, True)), ((ann, True), (bob, False), (cat, False))]
    plan.append(((ann, False), (bob, False)))  # type: ignore[arg-type]
    items = []
    for number, votes in enumerate(plan):
        poll = harness.last_poll()["poll"]
        sent = await harness.services.storage.polls.get(poll["id"])
        assert sent is not None
        items.append(sent.item_id)
        for member, right in votes:
            await answer_after(harness, member, 2, right, poll)
        await timer_fires(harness, 12)
        if number == len(plan) - 1:
            assert "Round over" in group_texts(harness)[-1]
    return items


async def test_non_admins_get_a_one_line_refusal(harness: Harness) -> None:
    await play_round(harness)
    harness.api.clear()
    await harness.command(harness.user(2, "Bob"), "/groupstats", chat=GROUP)
    assert not harness.api.of("sendPhoto")
    refusal = group_texts(harness)[-1]
    assert "admins" in refusal and "\n" not in refusal


async def test_private_chat_gets_a_hint_that_it_is_for_groups(harness: Harness) -> None:
    await harness.command(harness.user(2, "Bob"), "/groupstats")
    assert "works in a group" in harness.api.texts(2)[-1]


async def test_admin_sees_questions_hardest_first_and_who_is_missing(harness: Harness) -> None:
    items = await play_round(harness)
    # Next week only Ann plays; Dan, the admin, never played at all.
    harness.clock.advance(timedelta(days=7))
    ann = harness.user(1, "Ann")
    await harness.command(ann, "/challenge 1 10", chat=GROUP)
    poll = harness.last_poll()["poll"]
    await answer_after(harness, ann, 1, True, poll)
    await timer_fires(harness, 12)
    harness.api.set_admin(GROUP["id"], 4)
    harness.api.server.set_member_count(GROUP["id"], 5)  # four people and this bot
    harness.api.clear()
    await harness.command(harness.user(4, "Dan"), "/groupstats", chat=GROUP)

    call = harness.api.of("sendPhoto")[-1]
    png = call.params["photo"]["content"]
    assert png.startswith(PNG_SIGNATURE)
    width, height = png_dimensions(png)
    assert width == 1080 and 500 <= height <= 2000
    caption = call.result["caption"]
    bank = harness.services.bank
    hardest = [bank.item(item_id) for item_id in items[::-1]]
    lines = caption.splitlines()
    assert lines[1] == "9 challenge answers from 3 players, 4 questions."
    # Telegram's count, not the players the bot happens to know: Dan never played.
    assert lines[2] == "1 of 4 members played this week."
    first, second = lines[4], lines[5]
    assert first.startswith("1. ") and first.endswith("— 2 of 4 members answered, 0% right")
    assert hardest[0] is not None and hardest[0].question[:40] in first  # type: ignore[union-attr]
    assert second.startswith("2. ") and second.endswith("— 3 of 4 members answered, 33% right")
    assert "Not played this week (3): Bob, Cat & Co, and 1 more" in caption
    assert "Everyone" not in caption


async def test_group_without_challenges_gets_nothing_yet(harness: Harness) -> None:
    harness.api.set_admin(GROUP["id"], 4)
    await harness.command(harness.user(4, "Dan"), "/groupstats", chat=GROUP)
    assert "No challenge answers" in group_texts(harness)[-1]


def service_message(harness: Harness, **content: object) -> dict[str, object]:
    """A group service message ("X joined", "X left") as Telegram sends it."""
    server = harness.api.server
    message = server._store_message(  # the fake's own message store: ids in order
        GROUP["id"], server.user(90, "Admin").to_dict(), dict(content)
    )
    return {"message": message}


async def test_one_of_four_members_played_is_not_everyone(harness: Harness) -> None:
    """Issue 16: in a 4-member group where one member played, "Everyone has played"."""
    ann = harness.user(1, "Ann")
    await harness.command(ann, "/challenge 1 10", chat=GROUP)
    poll = harness.last_poll()["poll"]
    await answer_after(harness, ann, 1, True, poll)
    await timer_fires(harness, 12)
    harness.api.set_admin(GROUP["id"], 1)
    harness.api.server.set_member_count(GROUP["id"], 5)  # Ann, three others, this bot
    await harness.command(ann, "/groupstats", chat=GROUP)
    caption = harness.api.of("sendPhoto")[-1].result["caption"]
    assert "1 of 4 members played this week." in caption
    assert "Everyone has played" not in caption
    assert "Not played this week (3): 3 members" in caption
    assert "— 1 of 4 members answered, 100% right" in caption


async def test_join_and_leave_messages_keep_the_count_between_calls(harness: Harness) -> None:
    await play_round(harness)  # Ann, Bob and Cat
    harness.clock.advance(timedelta(days=7))  # nobody has played this week
    harness.api.set_admin(GROUP["id"], 1)
    harness.api.server.set_member_count(GROUP["id"], 6)  # 4 people, this bot, another bot
    other_bot = {"id": 555, "is_bot": True, "first_name": "Helper"}
    dan, eve = harness.user(4, "Dan"), harness.user(5, "Eve")
    await harness.send(service_message(harness, new_chat_members=[other_bot]))
    await harness.command(harness.user(1, "Ann"), "/groupstats", chat=GROUP)
    assert "0 of 4 members played this week." in harness.api.of("sendPhoto")[-1].result["caption"]
    storage, bank, now = harness.services.storage, harness.services.bank, harness.clock.now()

    joined = service_message(harness, new_chat_members=[dan, eve])
    await harness.send(joined)
    await harness.redeliver(joined)  # the same message again changes nothing
    left = service_message(harness, left_chat_member=harness.user(2, "Bob"))
    await harness.send(left)
    await harness.redeliver(left)
    # What the Mini App reads without asking Telegram: 4 + 2 - 1.
    report = await groups.group_report(storage, bank, GROUP["id"], now)
    assert report.members == 5 and report.players == 2
    assert [member.first_name for member in report.absent] == ["Ann", "Cat & Co"]

    # Telegram cannot be asked for a moment: the stored count stands in.
    harness.api.server.fail_next("getChatMemberCount", "500")
    await harness.command(harness.user(1, "Ann"), "/groupstats", chat=GROUP)
    caption = harness.api.of("sendPhoto")[-1].result["caption"]
    assert "0 of 5 members played this week." in caption
    assert "Not played this week (5): Ann, Cat & Co, and 3 more" in caption
    assert "Bob" not in caption

"""/groupstats through PTB: admins only, questions hardest first, who has not played this week."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.content.models import ContentBank
from bot.domain.clock import ManualClock
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
    first, second = lines[3], lines[4]
    assert first.startswith("1. ") and "0% (2 of 3)" in first
    assert hardest[0] is not None and hardest[0].question[:40] in first  # type: ignore[union-attr]
    assert second.startswith("2. ") and "33% (3 of 3)" in second
    assert "Not played this week (2): Bob, Cat & Co" in caption


async def test_group_without_challenges_gets_nothing_yet(harness: Harness) -> None:
    harness.api.set_admin(GROUP["id"], 4)
    await harness.command(harness.user(4, "Dan"), "/groupstats", chat=GROUP)
    assert "No challenge answers" in group_texts(harness)[-1]

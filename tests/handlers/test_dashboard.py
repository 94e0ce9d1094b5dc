"""/progress and /dashboard through PTB: the buttons that open the Mini App, for whom, and
the roster kept from join and leave service messages."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.content.models import ContentBank
from bot.domain.clock import ManualClock
from tests.conftest import Harness, make_settings, running_harness
from tests.fakes.telegram_server import BOT_USERNAME

GROUP = {"id": -1001, "type": "supergroup", "title": "Study group"}
URL = "https://quiz.example.org/app/"


@pytest.fixture
async def harness(
    tmp_path: Path, clock: ManualClock, bank: ContentBank, caplog: pytest.LogCaptureFixture
) -> AsyncIterator[Harness]:
    async with running_harness(tmp_path, clock, bank, caplog, miniapp_url=URL) as running:
        yield running


def buttons(harness: Harness) -> list[dict[str, object]]:
    message = harness.last_message_with_buttons()
    return [button for row in message["reply_markup"]["inline_keyboard"] for button in row]


async def test_progress_in_private_opens_the_mini_app(harness: Harness) -> None:
    await harness.command(harness.user(5, "Ada"), "/progress")
    [button] = buttons(harness)
    assert button["web_app"] == {"url": URL}


async def test_dashboard_in_a_group_is_a_startapp_link_for_admins_only(harness: Harness) -> None:
    await harness.command(harness.user(2, "Bob"), "/dashboard", chat=GROUP)
    assert "for the group's admins" in harness.api.texts(GROUP["id"])[-1]
    harness.api.set_admin(GROUP["id"], 4)
    await harness.command(harness.user(4, "Tom"), "/dashboard", chat=GROUP)
    [button] = buttons(harness)
    assert button["url"] == f"https://t.me/{BOT_USERNAME}/dashboard?startapp=g-1001"


async def test_without_miniapp_url_the_commands_say_so(
    tmp_path: Path, clock: ManualClock, bank: ContentBank, caplog: pytest.LogCaptureFixture
) -> None:
    async with running_harness(tmp_path, clock, bank, caplog) as harness:
        await harness.command(harness.user(5, "Ada"), "/progress")
        assert "MINIAPP_URL" in harness.api.texts(5)[-1]


async def test_join_and_leave_messages_keep_the_roster(harness: Harness) -> None:
    eve, zed = harness.user(7, "Eve"), harness.user(8, "Zed")
    base = {"message_id": 50, "date": 1_800_000_000, "chat": GROUP, "from": eve}
    await harness.send({"message": {**base, "new_chat_members": [eve, zed]}})
    roster = harness.services.storage.roster
    never, count = await roster.never_played(GROUP["id"], 10)
    assert [m.first_name for m in never] == ["Eve", "Zed"] and count == 2
    await harness.send({"message": {**base, "message_id": 51, "left_chat_member": zed}})
    never, count = await roster.never_played(GROUP["id"], 10)
    assert [m.first_name for m in never] == ["Eve"] and count == 1


def test_webhook_mode_needs_a_port_of_its_own_for_the_mini_app(tmp_path: Path) -> None:
    webhook = {"webhook_url": "https://bot.example.org", "miniapp_url": URL, "port": 8080}
    with pytest.raises(ValidationError, match="miniapp_port"):
        make_settings(tmp_path, **webhook)
    with pytest.raises(ValidationError, match="miniapp_port"):
        make_settings(tmp_path, **webhook, miniapp_port=8080)
    assert make_settings(tmp_path, **webhook, miniapp_port=8081).dashboard_port == 8081
    assert make_settings(tmp_path, miniapp_url=URL, port=9000).dashboard_port == 9000

"""A group's admins can restrict /challenge to themselves (issue 16, item 17): off by
default, stored per group in SQLite, changed only by an admin."""

from __future__ import annotations

from pathlib import Path

from bot.storage import Storage
from tests.conftest import Harness

GROUP = {"id": -1001, "type": "supergroup", "title": "Study group"}
OTHER = {"id": -1002, "type": "supergroup", "title": "Other group"}


def texts(harness: Harness, chat: dict[str, object]) -> list[str]:
    return harness.api.texts(int(str(chat["id"])))


async def rounds_started(harness: Harness, chat: dict[str, object]) -> int:
    running = await harness.services.storage.challenges.running_in(int(str(chat["id"])))
    return 0 if running is None else 1


async def test_any_member_may_start_a_round_by_default(harness: Harness) -> None:
    await harness.command(harness.user(2, "Bob"), "/challengers", chat=GROUP)
    assert texts(harness, GROUP)[-1].startswith("In this group, every member can start a round.")
    await harness.command(harness.user(2, "Bob"), "/challenge 1 10", chat=GROUP)
    assert await rounds_started(harness, GROUP) == 1


async def test_admins_can_keep_rounds_to_themselves(harness: Harness) -> None:
    ann, bob = harness.user(1, "Ann"), harness.user(2, "Bob")
    harness.api.set_admin(GROUP["id"], 1)
    await harness.command(ann, "/challengers admins", chat=GROUP)
    assert texts(harness, GROUP)[-1] == (
        "Done: from now on, only this group's admins can start a round."
    )
    await harness.command(bob, "/challenge 1 10", chat=GROUP)
    assert texts(harness, GROUP)[-1] == "In this group, only admins can start a round."
    assert harness.api.of("sendPoll") == []
    await harness.command(ann, "/challenge 1 10", chat=GROUP)
    assert len(harness.api.of("sendPoll")) == 1
    # Another group keeps the default.
    await harness.command(bob, "/challenge 1 10", chat=OTHER)
    assert await rounds_started(harness, OTHER) == 1


async def test_only_an_admin_changes_the_setting(harness: Harness) -> None:
    bob = harness.user(2, "Bob")
    await harness.command(bob, "/challengers admins", chat=GROUP)
    assert texts(harness, GROUP)[-1] == "Only the group's admins can choose who starts rounds."
    settings = await harness.services.storage.group_settings.get(GROUP["id"])
    assert settings.challenge_admins_only is False
    await harness.command(bob, "/challenge 1 10", chat=GROUP)
    assert await rounds_started(harness, GROUP) == 1


async def test_everyone_again_and_bad_arguments(harness: Harness) -> None:
    ann = harness.user(1, "Ann")
    harness.api.set_admin(GROUP["id"], 1)
    await harness.command(ann, "/challengers admins", chat=GROUP)
    await harness.command(ann, "/challengers everyone", chat=GROUP)
    assert texts(harness, GROUP)[-1] == (
        "Done: from now on, every member of this group can start a round."
    )
    await harness.command(harness.user(2, "Bob"), "/challenge 1 10", chat=GROUP)
    assert await rounds_started(harness, GROUP) == 1
    await harness.command(ann, "/challengers nobody", chat=GROUP)
    assert texts(harness, GROUP)[-1].startswith("Usage: /challengers [admins | everyone]")


async def test_challengers_works_in_groups_only(harness: Harness) -> None:
    await harness.command(harness.user(11), "/challengers admins")
    assert "works in a group" in harness.api.texts(11)[-1]


async def test_the_setting_is_stored_per_group(tmp_path: Path) -> None:
    storage = Storage(tmp_path / "quiz.sqlite3")
    await storage.open()
    try:
        assert (await storage.group_settings.get(-1)).challenge_admins_only is False
        await storage.group_settings.set_challenge_admins_only(-1, True)
        await storage.group_settings.set_challenge_admins_only(-2, False)
        await storage.group_settings.set_challenge_admins_only(-2, True)
        await storage.group_settings.set_challenge_admins_only(-2, False)
    finally:
        await storage.close()
    reopened = Storage(tmp_path / "quiz.sqlite3")
    await reopened.open()
    try:
        assert (await reopened.group_settings.get(-1)).challenge_admins_only is True
        assert (await reopened.group_settings.get(-2)).challenge_admins_only is False
        assert (await reopened.group_settings.get(-3)).challenge_admins_only is False
    finally:
        await reopened.close()

"""SIGHUP to `python -m bot` reloads the decks: a new deck shows up in /decks without a
restart; a broken deck is refused, the admin is told, and the decks in use stay."""

from __future__ import annotations

import shutil
import signal
from collections.abc import Callable
from pathlib import Path

from bot.content.importers import build_deck, dump_deck, parse
from tests.e2e.conftest import ROOT, BotProcess
from tests.fakes.telegram_server import FakeTelegramServer

SAMPLES = ROOT / "tests" / "content" / "samples"
ADMIN = 7


def test_sighup_reloads_the_decks_and_refuses_a_broken_one(
    server: FakeTelegramServer, start_bot: Callable[..., BotProcess], tmp_path: Path
) -> None:
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content, ignore=shutil.ignore_patterns("*.md"))
    bot = start_bot(CONTENT_DIR=str(content), ADMIN_USER_IDS=str(ADMIN))
    assert bot.process is not None
    admin = server.user(ADMIN, "Root")
    server.push_message(admin, "/start")
    server.wait_for_message(ADMIN, contains="/quiz")

    # The operator imports a deck, then signals the running bot.
    imported = build_deck(
        parse((SAMPLES / "monitoring.gift").read_text(encoding="utf-8"), "gift"),
        deck_id="monitoring-gift",
        title="Monitoring (from Moodle)",
        description="Imported from GIFT.",
    )
    assert imported.deck is not None
    (content / "monitoring-gift.yaml").write_text(dump_deck(imported.deck), encoding="utf-8")
    bot.process.send_signal(signal.SIGHUP)
    log = tmp_path / "quiz.log"
    server.wait_for(
        lambda: "SIGHUP: decks reloaded: 4 decks" in log.read_text(encoding="utf-8"),
        timeout=20,
        description="the reload to be logged",
    )
    seen = server.message_count(ADMIN)
    server.push_message(admin, "/decks")
    server.wait_for_message(ADMIN, contains="Monitoring (from Moodle)", after=seen)

    # A broken deck: the bank in use stays, the admin gets the problem with its file.
    (content / "broken.yaml").write_text("id: broken\ntitle: [unclosed\n", encoding="utf-8")
    seen = server.message_count(ADMIN)
    bot.process.send_signal(signal.SIGHUP)
    refused = server.wait_for_message(ADMIN, contains="Reload refused", after=seen, timeout=20)
    assert "broken.yaml: is not valid YAML" in refused["text"]
    seen = server.message_count(ADMIN)
    server.push_message(admin, "/quiz monitoring-gift")
    poll = server.wait_for_poll(ADMIN)
    assert poll["poll"]["type"] == "quiz"
    assert server.message_count(ADMIN) >= seen
    assert "reload refused, the old decks stay" in bot.stop()

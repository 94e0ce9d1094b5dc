"""Reloading the decks without a restart: load and validate off the event loop, then swap
the bank in one step (`Services.swap_bank`); on any problem the bank in use stays."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from bot.content.loader import ContentError, load_bank
from bot.flows.services import Services


@dataclass(frozen=True)
class ReloadOutcome:
    problems: tuple[str, ...] = ()
    decks: int = 0
    items: int = 0
    added: int = 0
    removed: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


async def reload_bank(services: Services) -> ReloadOutcome:
    """Load the content folder again and swap it in, or keep the old bank and say why."""
    async with services.reload_lock:
        try:
            # YAML parsing of every deck takes a while: keep the loop answering meanwhile.
            bank = await asyncio.to_thread(load_bank, services.settings.content_dir)
        except ContentError as error:
            return ReloadOutcome(problems=tuple(str(problem) for problem in error.problems))
        old_ids = {item.id for deck in services.bank.decks for item in deck.items}
        new_ids = {item.id for deck in bank.decks for item in deck.items}
        services.swap_bank(bank)
    return ReloadOutcome(
        decks=len(bank.decks),
        items=len(new_ids),
        added=len(new_ids - old_ids),
        removed=len(old_ids - new_ids),
    )

"""The Mini App's server, started and stopped with the bot (bot/app.py's post_init and
post_shutdown), in the bot's own event loop: polling and webhook mode alike.

In webhook mode PTB's own server already listens on PORT, so the Mini App needs a port of
its own (MINIAPP_PORT, checked at start-up); a reverse proxy in front sends /telegram to one
and the rest to the other. In polling mode nothing else listens, and it uses PORT.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable

from aiohttp import web

from bot.content.models import ContentBank
from bot.domain.clock import Clock
from bot.flows.dashboard import ChatActions
from bot.storage import Storage
from bot.web.server import DashboardApp

log = logging.getLogger(__name__)


class MiniAppPortError(Exception):
    """The Mini App's port cannot be listened on; the message names the setting."""


def check_port(host: str, port: int) -> None:
    """Before the bot starts: a port in use (or not ours to take) is one line, not a
    traceback out of PTB's start-up."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            raise MiniAppPortError(
                f"MINIAPP_PORT (or PORT) {port} on {host}: {error.strerror or error}"
            ) from None


class MiniAppServer:
    def __init__(
        self,
        *,
        host: str,
        port: int,
        storage: Storage,
        bank: Callable[[], ContentBank],
        clock: Clock,
        bot_token: str,
        actions: ChatActions,
    ) -> None:
        self.host = host
        self.port = port
        self.app = DashboardApp(
            storage=storage, bank=bank, clock=clock, bot_token=bot_token, actions=actions
        )
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        # No access log: it would hold request lines, and the CSV links are credentials
        # for five minutes.
        runner = web.AppRunner(self.app.build(), access_log=None, handle_signals=False)
        await runner.setup()
        self._runner = runner
        site = web.TCPSite(runner, self.host, self.port, reuse_address=True)
        await site.start()
        log.info("mini app listening on %s:%d", self.host, self.port)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

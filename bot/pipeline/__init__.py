"""The durable update pipeline: inbox before acknowledgement, per-chat order, retries.

```
Telegram ─getUpdates/webhook─► DurableUpdateQueue (row in SQLite before the offset / the 200)
        ─► ChatOrderedProcessor (one chat in order, chats at once) ─► handlers
        ─► row deleted (handled) | kept with its error (bug) | retried (transient)
```
"""

from bot.failures import is_transient
from bot.pipeline.inbox import DurableUpdateQueue, InboxFirstRequest, UpdateInbox
from bot.pipeline.processor import ChatOrderedProcessor

__all__ = [
    "ChatOrderedProcessor",
    "DurableUpdateQueue",
    "InboxFirstRequest",
    "UpdateInbox",
    "is_transient",
]

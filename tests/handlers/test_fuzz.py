"""Fuzz: thousands of random updates through the real Application and the offline Bot API.

Commands of every kind with hostile arguments (4,096 characters, RTL marks, zero-width
joiners, digits of other scripts, HTML-like text), real and forged button presses, poll
answers with random poll and option ids, edited messages, stickers, channel posts,
membership changes and update types the bot never asked for.

The `harness` fixture already fails the test when anything reached the error handler or
when the fake Bot API refused a call Telegram would refuse (too long, bad HTML, a callback
answered twice, ...); each example ends by checking the bot still answers /help.
"""

from __future__ import annotations

import contextlib
import os
import random
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot import render
from bot.app import build_application
from bot.content.loader import load_bank
from bot.content.models import ContentBank
from bot.domain.clock import ManualClock
from bot.handlers.context import Services
from bot.storage import Storage
from tests.conftest import CONTENT_DIR, Harness, make_settings
from tests.fakes.offline import OfflineBotApi, OfflineRequest

BANK = load_bank(CONTENT_DIR)
ITEM_IDS = sorted(item.id for deck in BANK.decks for item in deck.items)
DECK_IDS = [deck.id for deck in BANK.decks]
COMMANDS = [entry.command for entry in render.COMMANDS] + [
    "nosuchcommand",
    "quiz@quiz_tutor_test_bot",
]
GRADES = ["again", "hard", "good", "easy"]

USERS = [
    {"id": 1001, "is_bot": False, "first_name": "Ada", "language_code": "en"},
    {"id": 1002, "is_bot": False, "first_name": "\u202eBob\u200f", "language_code": "ar"},
    {"id": 1003, "is_bot": False, "first_name": "<b>&amp;</b> 😀\u200d", "language_code": "en"},
    {"id": 1004, "is_bot": False, "first_name": "Z" * 64},
]
GROUPS = [
    {"id": -4001, "type": "group", "title": "Study <group>"},
    {"id": -1001000000002, "type": "supergroup", "title": "Supergroup & co"},
]
CHANNEL = {"id": -1001000000099, "type": "channel", "title": "News"}

# Characters that break naive code: bidi controls, zero-width, other scripts' digits, HTML.
WEIRD = ["\u200f", "\u202e", "\u200d", "\u200b", "\ufeff", "²", "٣", "۵", "५", "１", "𝟗"]
WEIRD += ["<b>", "</i>", "&", "&amp;", "<", ">", '"', "'", "\\", "\n", "😀", "👩\u200d💻"]

# Arguments that mean something to some command, and near misses.
# fmt: off
MEANINGFUL = [
    "5", "20", "0", "1", "21", "600", "601", "08:30", "9:05", "25:99", "off", "size", "3",
    "0.9", ".85", "0.99", "1e-1", "nan", "inf", "-1", "UTC+2", "UTC-05:30", "UTC+²",
    "Europe/Berlin", "America/Argentina", "a/a/a/a", "..", "../../etc/passwd", "Etc",
]
# fmt: on

word = st.one_of(
    st.sampled_from([*MEANINGFUL, *DECK_IDS, *ITEM_IDS]),
    st.lists(st.sampled_from([*WEIRD, *"abcXYZ0189:/.+-_"]), min_size=1, max_size=24).map("".join),
    st.text(min_size=1, max_size=40),
)
long_argument = st.builds(
    lambda unit, count: unit * count,
    st.sampled_from(["a/", "²", "<b>&", "\u200f", "x", "😀", "٣", "Europe/"]),
    st.integers(200, 2100),
)
arguments = st.one_of(st.just(""), st.lists(word, max_size=4).map(" ".join), long_argument)

item_or_junk = st.one_of(st.sampled_from(ITEM_IDS), st.text(max_size=20))
mask = st.one_of(
    st.integers(-5, 300).map(str), st.sampled_from(["", "²", "٣", "1e3", "9" * 30, " 1"])
)
callback_data = st.one_of(
    st.builds("cs:{}".format, item_or_junk),
    st.builds("cg:{}:{}".format, st.sampled_from([*GRADES, "great", ""]), item_or_junk),
    st.builds("pt:{}:{}".format, mask, item_or_junk),
    st.builds("pd:{}:{}".format, mask, item_or_junk),
    st.sampled_from(["qn", "qn:", "cs", "cg", "cg:good", "pt:1", "ex", "dk", "fg:yes", "fg:no"]),
    st.builds("ex:{}".format, item_or_junk),
    st.builds("dk:{}".format, st.one_of(st.sampled_from(DECK_IDS), st.text(max_size=20))),
    st.builds("fg:{}".format, st.text(max_size=5)),
    st.binary(min_size=1, max_size=64).map(lambda raw: raw.decode("utf-8", "replace")),
    st.text(min_size=1, max_size=64),
).map(lambda data: data.encode()[:64].decode("utf-8", "ignore") or "x")

user_index = st.integers(0, len(USERS) - 1)
any_chat = st.one_of(st.just(None), st.sampled_from(GROUPS))  # None: the user's private chat

action = st.one_of(
    st.tuples(st.just("command"), user_index, any_chat, st.sampled_from(COMMANDS), arguments),
    st.tuples(st.just("text"), user_index, any_chat, arguments),
    st.tuples(st.just("press"), user_index, st.integers(0, 50), st.integers(0, 10)),
    st.tuples(st.just("forged"), user_index, st.integers(0, 50), callback_data),
    st.tuples(st.just("odd_press"), user_index, st.booleans(), callback_data),
    st.tuples(st.just("vote"), user_index, st.integers(0, 50), st.integers(0, 11)),
    st.tuples(
        st.just("poll_answer"),
        user_index,
        st.one_of(st.integers(0, 50), st.text(max_size=20)),
        st.lists(st.integers(-3, 15), max_size=3),
    ),
    st.tuples(st.just("poll_state"), st.integers(0, 50)),
    st.tuples(st.just("edited"), user_index, any_chat, st.sampled_from(COMMANDS), arguments),
    st.tuples(st.just("sticker"), user_index, any_chat),
    st.tuples(st.just("channel"), st.sampled_from(COMMANDS), arguments),
    st.tuples(st.just("member"), user_index, any_chat, st.booleans()),
    st.tuples(st.just("other"), user_index, st.integers(0, 4)),
    st.tuples(st.just("later"), st.integers(1, 90_000)),
)


Chat = dict[str, Any] | None  # None: the user's private chat


def _message_text(command: str, args: str) -> str:
    return f"/{command} {args}".strip()[:4096]


def _chat_of(user: dict[str, Any], chat: dict[str, Any] | None) -> dict[str, Any]:
    return chat or {"id": user["id"], "type": "private", "first_name": user["first_name"]}


def _raw_message(h: Harness, user: dict[str, Any] | None, chat: dict[str, Any]) -> dict[str, Any]:
    message: dict[str, Any] = {
        "message_id": 900_000 + next(h._ids),
        "date": int(h.clock.now().timestamp()),
        "chat": chat,
    }
    if user is not None:
        message["from"] = user
    return message


async def command(h: Harness, index: int, chat: Chat, name: str, args: str) -> None:
    await h.command(USERS[index], _message_text(name, args), chat)


async def text(h: Harness, index: int, chat: Chat, args: str) -> None:
    if args.strip():
        await h.command(USERS[index], args[:4096], chat)


async def press(h: Harness, index: int, which: int, button: int) -> None:
    """A real button on a real message, as it is now."""
    user = USERS[index]
    messages = [
        m
        for m in h.api.server.sent_messages(user["id"], include_deleted=False)
        if "reply_markup" in m
    ]
    if messages:
        message = messages[which % len(messages)]
        rows = message["reply_markup"]["inline_keyboard"]
        data = [b["callback_data"] for row in rows for b in row]
        await h.press(user, message, data[button % len(data)])


async def forged_press(h: Harness, index: int, which: int, data: str) -> None:
    """Data the bot never made, on a button of one of its real text messages."""
    user, server = USERS[index], h.api.server
    messages = server.sent_messages(user["id"], include_deleted=False)
    if messages:
        message_id = messages[which % len(messages)]["message_id"]
        buttons = [[{"text": "?", "callback_data": data}]]
        await h.press(user, server.set_buttons(user["id"], message_id, buttons), data)


async def odd_press(h: Harness, index: int, inline: bool, data: str) -> None:
    """A press on an inline message, or on a message too old for Telegram to show."""
    user = USERS[index]
    query: dict[str, Any] = {
        "id": h.api.server.open_callback_query(),
        "from": user,
        "chat_instance": "7",
        "data": data,
    }
    if inline:
        query["inline_message_id"] = "AAAAfuzz"
    else:
        query["message"] = {"chat": _chat_of(user, None), "message_id": 1, "date": 0}
    await h.send({"callback_query": query})


async def vote(h: Harness, index: int, which: int, option: int) -> None:
    """A vote Telegram would really report (the fake refuses the others)."""
    polls = h.api.server.poll_ids()
    if polls:
        with contextlib.suppress(ValueError):  # closed poll, bad option, no revoting
            await h.answer_poll(USERS[index], polls[which % len(polls)], option)


async def raw_poll_answer(h: Harness, index: int, poll: int | str, options: list[int]) -> None:
    """Unknown poll ids, and out-of-range option ids for the bot's real polls."""
    polls = h.api.server.poll_ids()
    poll_id = polls[poll % len(polls)] if polls and isinstance(poll, int) else str(poll)
    answer = {
        "poll_id": poll_id,
        "user": USERS[index],
        "option_ids": options,
        "option_persistent_ids": [f"p{option}" for option in options],
    }
    await h.send({"poll_answer": answer})


async def poll_state(h: Harness, which: int) -> None:
    polls = h.api.server.poll_ids()
    if polls:
        await h.send({"poll": h.api.server.get_poll(polls[which % len(polls)])})


async def edited(h: Harness, index: int, chat: Chat, name: str, args: str) -> None:
    user = USERS[index]
    message = _raw_message(h, user, _chat_of(user, chat))
    message.update(text=_message_text(name, args), edit_date=message["date"] + 5)
    await h.send({"edited_message": message})


async def sticker(h: Harness, index: int, chat: Chat) -> None:
    user = USERS[index]
    message = _raw_message(h, user, _chat_of(user, chat))
    message["sticker"] = {
        "file_id": "CAACAgIAAxk",
        "file_unique_id": "AgADfuzz",
        "type": "regular",
        "width": 512,
        "height": 512,
        "is_animated": False,
        "is_video": False,
    }
    await h.send({"message": message})


async def channel_post(h: Harness, name: str, args: str) -> None:
    h.api.server.set_chat(CHANNEL["id"], "channel", CHANNEL["title"])
    message = _raw_message(h, None, CHANNEL)
    message.update(text=_message_text(name, args), sender_chat=CHANNEL)
    await h.send({"channel_post": message})


def _member(status: str, bot: dict[str, Any]) -> dict[str, Any]:
    return {"status": status, "user": bot, **({"until_date": 0} if status == "kicked" else {})}


async def membership(h: Harness, index: int, chat: Chat, joined: bool) -> None:
    """The bot blocked or unblocked in private, added to or removed from a group."""
    user = USERS[index]
    old, new = ("left", "member") if joined else ("member", "left")
    if chat is None:
        old, new = ("kicked", "member") if joined else ("member", "kicked")
    bot = {"id": h.app.bot.id, "is_bot": True, "first_name": "Quiz Tutor"}
    change = {
        "chat": _chat_of(user, chat),
        "from": user,
        "date": int(h.clock.now().timestamp()),
        "old_chat_member": _member(old, bot),
        "new_chat_member": _member(new, bot),
    }
    await h.send({"my_chat_member": change})


async def unasked_update(h: Harness, index: int, which: int) -> None:
    """Update types the bot never asked for, one from the future, and an empty one."""
    user = USERS[index]
    chat = _chat_of(user, GROUPS[0])
    date = int(h.clock.now().timestamp())
    reaction = {
        "chat": chat,
        "message_id": 1,
        "user": user,
        "date": date,
        "old_reaction": [],
        "new_reaction": [{"type": "emoji", "emoji": "👍"}],
    }
    join = {"chat": chat, "from": user, "user_chat_id": user["id"], "date": date}
    updates: list[dict[str, Any]] = [
        {"inline_query": {"id": "iq1", "from": user, "query": "<b>", "offset": ""}},
        {"chat_join_request": join},
        {"message_reaction": reaction},
        {"some_future_update": {"id": 1, "text": "from Bot API 99"}},
        {},
    ]
    await h.send(updates[which % len(updates)])


async def later(h: Harness, seconds: int) -> None:
    h.clock.advance(timedelta(seconds=seconds))


STEPS: dict[str, Callable[..., Awaitable[None]]] = {
    "command": command,
    "text": text,
    "press": press,
    "forged": forged_press,
    "odd_press": odd_press,
    "vote": vote,
    "poll_answer": raw_poll_answer,
    "poll_state": poll_state,
    "edited": edited,
    "sticker": sticker,
    "channel": channel_post,
    "member": membership,
    "other": unasked_update,
    "later": later,
}


async def run(h: Harness, step: tuple[Any, ...]) -> None:
    kind, *args = step
    await STEPS[kind](h, *args)


@pytest.fixture
async def fuzz_harness(
    tmp_path: Path, clock: ManualClock, bank: ContentBank, caplog: pytest.LogCaptureFixture
) -> AsyncIterator[Harness]:
    """The `harness` fixture with the same checks, but sending unpaced: at Telegram's
    20 messages a minute per group, the bot's own pacing would make every group reply in
    the fuzz wait seconds (pacing has its own tests and benchmark)."""
    settings = make_settings(
        tmp_path, overall_max_rate=1_000_000, group_max_rate_per_minute=60_000_000
    )
    api = OfflineBotApi()
    services = Services(
        settings=settings,
        storage=Storage(settings.database_path),
        bank=bank,
        clock=clock,
        rng=random.Random(7),
    )
    app = build_application(settings, request=OfflineRequest(api), services=services)
    await app.initialize()
    await services.storage.open()
    yield Harness(app, api, clock)
    await services.storage.close()
    await app.shutdown()
    errors = [r for r in caplog.get_records("call") if r.name == "bot.handlers.errors"]
    assert not errors, f"a handler raised: {errors[0].exc_info}"
    refused = [e for e in api.errors if e.response["error_code"] != 403]
    assert not refused, f"the Bot API refused: {refused}"
    assert not api.server.internal_errors, api.server.internal_errors


FUZZ_SETTINGS = settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "300")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    # Repeatable in CI; FUZZ_RANDOM=1 explores new inputs on every run.
    derandomize=os.environ.get("FUZZ_RANDOM") != "1",
    database=None,
)


def assert_nothing_went_wrong(h: Harness, caplog: pytest.LogCaptureFixture) -> None:
    """Checked after every example (not only at teardown), so hypothesis can shrink a
    failure to the few updates that cause it."""
    raised = [r for r in caplog.records if r.name == "bot.handlers.errors"]
    assert not raised, f"a handler raised: {raised[0].exc_info}"
    refused = [e for e in h.api.errors if e.response["error_code"] != 403]
    assert not refused, f"the Bot API refused: {refused[0]}"


@FUZZ_SETTINGS
@given(steps=st.lists(action, min_size=20, max_size=80))
async def test_random_updates_never_reach_the_error_handler(
    fuzz_harness: Harness, caplog: pytest.LogCaptureFixture, steps: list[tuple[Any, ...]]
) -> None:
    harness = fuzz_harness
    for step in steps:
        await run(harness, step)
    assert_nothing_went_wrong(harness, caplog)
    user = USERS[len(steps) % len(USERS)]
    await harness.command(user, "/help")
    assert harness.api.texts(user["id"])[-1].startswith("Commands")

"""Self-tests for the fake Telegram server: it must speak PTB's wire format, answer with objects
PTB 22.8 deserialises without warnings, and enforce Telegram's limits with Telegram's errors.

Most tests talk through a real ``telegram.Bot`` (PTB's own HTTPXRequest), so the wire format
is PTB's; a few use httpx directly for JSON/multipart bodies and raw error replies.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import AbstractContextManager
from typing import Any

import httpx
import pytest
import telegram
from telegram import constants
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from tests.fakes import telegram_server as ts
from tests.fakes.html_check import HtmlParseError, parse_html
from tests.fakes.offline import OfflineBotApi, OfflineRequest
from tests.fakes.telegram_server import BOT_ID, FakeTelegramServer

TOKEN = "123456:TEST-token"
USER_ID = 4242
GROUP_ID = -100123


@pytest.fixture
def server() -> Iterator[FakeTelegramServer]:
    with FakeTelegramServer(max_poll_wait=0.3) as fake:
        yield fake


@pytest.fixture
async def bot(server: FakeTelegramServer) -> AsyncIterator[telegram.Bot]:
    async with telegram.Bot(TOKEN, base_url=server.base_url) as ptb_bot:
        yield ptb_bot


def raises_bad_request(error: str) -> AbstractContextManager[Any]:
    """PTB drops "Bad Request: " and re-capitalises the rest, so compare case-insensitively."""
    return pytest.raises(BadRequest, match=f"(?i){re.escape(error)}")


def api_url(server: FakeTelegramServer, method: str) -> str:
    return f"{server.base_url}{TOKEN}/{method}"


def assert_fully_parsed(obj: Any) -> None:
    """Every field of the reply was known to PTB: nothing ended up in ``api_kwargs``."""
    if isinstance(obj, telegram.TelegramObject):
        assert not obj.api_kwargs, f"{type(obj).__name__} got unknown fields {obj.api_kwargs}"
        for value in obj._get_attrs(recursive=False).values():
            assert_fully_parsed(value)
    elif isinstance(obj, tuple | list):
        for item in obj:
            assert_fully_parsed(item)


# ---- limits stay in sync with PTB ---------------------------------------------------------------


def test_limits_match_ptb_constants() -> None:
    assert constants.MessageLimit.MAX_TEXT_LENGTH == ts.MAX_TEXT_LENGTH
    assert constants.InlineKeyboardButtonLimit.MAX_CALLBACK_DATA == ts.MAX_CALLBACK_DATA_BYTES
    assert constants.PollLimit.MAX_QUESTION_LENGTH == ts.MAX_QUESTION_LENGTH
    assert constants.PollLimit.MIN_OPTION_NUMBER == ts.MIN_OPTION_NUMBER
    assert constants.PollLimit.MAX_OPTION_NUMBER == ts.MAX_OPTION_NUMBER
    assert constants.PollLimit.MAX_OPTION_LENGTH == ts.MAX_OPTION_LENGTH
    assert constants.PollLimit.MAX_EXPLANATION_LENGTH == ts.MAX_EXPLANATION_LENGTH
    assert constants.PollLimit.MAX_EXPLANATION_LINE_FEEDS == ts.MAX_EXPLANATION_LINE_FEEDS
    assert constants.PollLimit.MIN_OPEN_PERIOD == ts.MIN_OPEN_PERIOD
    assert constants.PollLimit.MAX_OPEN_PERIOD == ts.MAX_OPEN_PERIOD
    assert constants.BotCommandLimit.MAX_COMMAND_NUMBER == ts.MAX_COMMANDS
    assert constants.BotCommandLimit.MAX_DESCRIPTION == ts.MAX_COMMAND_DESCRIPTION
    limit = constants.CallbackQueryLimit.ANSWER_CALLBACK_QUERY_TEXT_LENGTH
    assert limit == ts.MAX_CALLBACK_ANSWER_LENGTH
    assert set(constants.ChatAction) == ts.CHAT_ACTIONS
    assert set(ts.ALL_UPDATE_TYPES) <= set(constants.UpdateType)


# ---- html_check ---------------------------------------------------------------------------------


def test_parse_html_text_and_entities() -> None:
    text, entities = parse_html(
        '😀 <b>bold</b> &amp; <a href="https://x.y/?a=1&amp;b=2">link</a> &#33;&#x41;'
        '<pre><code class="language-python">x = 1</code></pre><tg-spoiler>s</tg-spoiler>'
    )
    assert text == "😀 bold & link !Ax = 1s"
    assert entities == [
        {"type": "bold", "offset": 3, "length": 4},  # the emoji is 2 UTF-16 units
        {"type": "text_link", "offset": 10, "length": 4, "url": "https://x.y/?a=1&b=2"},
        {"type": "pre", "offset": 17, "length": 5, "language": "python"},
        {"type": "spoiler", "offset": 22, "length": 1},
    ]


def test_parse_html_nested_and_blockquote() -> None:
    text, entities = parse_html("<b>a<i>b</i></b><blockquote expandable>q</blockquote><u></u>")
    assert text == "abq"
    assert entities == [
        {"type": "bold", "offset": 0, "length": 2},
        {"type": "italic", "offset": 1, "length": 1},
        {"type": "expandable_blockquote", "offset": 2, "length": 1},
    ]


@pytest.mark.parametrize(
    ("markup", "error"),
    [
        ("<b>x", 'Can\'t find end tag corresponding to start tag "b"'),
        ("ab <foo>", 'Unsupported start tag "foo" at byte offset 3'),
        ("é <br/>", 'Unsupported start tag "br/" at byte offset 3'),  # é is 2 bytes
        ("a < b", 'Unsupported start tag "" at byte offset 2'),
        ("<b><i>x</b></i>", 'Unmatched end tag at byte offset 7, expected "</i>", found "</b>"'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("<b", "Unclosed start tag at byte offset 0"),
        ("a &nbsp; b", 'Unsupported HTML entity "&nbsp;" at byte offset 2'),
        ("R&D", "Character entity expected at byte offset 1"),
        ("a > b", 'Unescaped ">" at byte offset 2'),
        ('<span class="x">s</span>', 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
        ("<a>x</a>", 'Tag "a" must have attribute "href" at byte offset 0'),
    ],
)
def test_parse_html_errors(markup: str, error: str) -> None:
    with pytest.raises(HtmlParseError) as excinfo:
        parse_html(markup)
    assert str(excinfo.value) == error
    assert excinfo.value.description == f"Bad Request: can't parse entities: {error}"


def test_parse_html_lenient_mode_matches_telegram() -> None:
    assert parse_html("R&D &nbsp; a > b", strict=False) == ("R&D &nbsp; a > b", [])
    assert parse_html("<a>t.me</a>", strict=False)[1][0]["url"] == "t.me"


# ---- basic methods via PTB ----------------------------------------------------------------------


async def test_get_me_and_lifecycle(server: FakeTelegramServer, bot: telegram.Bot) -> None:
    me = await bot.get_me()
    assert (me.id, me.username, me.is_bot) == (BOT_ID, "quiz_tutor_test_bot", True)
    assert_fully_parsed(me)
    assert await bot.delete_webhook(drop_pending_updates=True)
    assert await bot.log_out()
    assert await bot.close()
    assert server.requests[0].method == "getMe"
    assert server.errors == []


async def test_send_message_html(server: FakeTelegramServer, bot: telegram.Bot) -> None:
    keyboard = _keyboard([telegram.InlineKeyboardButton("Next ▶", callback_data="quiz:next")])
    message = await bot.send_message(
        USER_ID, "  <b>Score</b>: 3 &lt; 5\n", parse_mode="HTML", reply_markup=keyboard
    )
    assert_fully_parsed(message)
    assert message.text == "Score: 3 < 5"  # tags parsed, entities decoded, whitespace trimmed
    assert message.entities == (telegram.MessageEntity("bold", 0, 5),)
    assert message.reply_markup == keyboard
    assert message.chat.type == "private"
    assert message.from_user is not None and message.from_user.id == BOT_ID

    second = await bot.send_message(USER_ID, "plain <b> is fine without parse_mode")
    assert second.message_id == message.message_id + 1
    assert [m["text"] for m in server.sent_messages(USER_ID)] == [message.text, second.text]
    last = server.last_message(USER_ID)
    assert last is not None and last["message_id"] == second.message_id
    assert server.message_count(USER_ID) == 2


@pytest.mark.parametrize(
    ("text", "parse_mode", "error"),
    [
        ("x" * 4097, None, "Message is too long"),
        ("😀" * 2049, None, "Message is too long"),  # 4098 UTF-16 units
        ("   ", None, "Message text is empty"),
        ("<b></b>", "HTML", "Message text is empty"),
        ("<b>x", "HTML", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<foo>", "HTML", 'Unsupported start tag "foo" at byte offset 0'),
        ("a < b", "HTML", 'Unsupported start tag "" at byte offset 2'),
        ("a&nbsp;b", "HTML", 'Unsupported HTML entity "&nbsp;"'),
    ],
)
async def test_send_message_limits(
    server: FakeTelegramServer, bot: telegram.Bot, text: str, parse_mode: str | None, error: str
) -> None:
    with raises_bad_request(error):
        await bot.send_message(USER_ID, text, parse_mode=parse_mode)
    assert server.errors[-1].response["error_code"] == 400
    assert server.sent_messages() == []


async def test_text_limit_counts_parsed_text(bot: telegram.Bot) -> None:
    message = await bot.send_message(USER_ID, f"<b>{'x' * 4096}</b>", parse_mode="HTML")
    assert len(message.text) == 4096


def _button(data: str) -> telegram.InlineKeyboardButton:
    return telegram.InlineKeyboardButton("b", callback_data=data)


def _keyboard(*rows: list[telegram.InlineKeyboardButton]) -> telegram.InlineKeyboardMarkup:
    return telegram.InlineKeyboardMarkup(rows)


async def test_inline_keyboard_limits(bot: telegram.Bot) -> None:
    sent = await bot.send_message(USER_ID, "ok", reply_markup=_keyboard([_button("é" * 32)]))
    assert sent.reply_markup == _keyboard([_button("é" * 32)])  # 64 bytes is the maximum
    with raises_bad_request("BUTTON_DATA_INVALID"):
        await bot.send_message(USER_ID, "x", reply_markup=_keyboard([_button("é" * 32 + "a")]))
    with raises_bad_request("reply markup is too long"):
        rows = [[_button(str(i)) for i in range(10)] for _ in range(11)]
        await bot.send_message(USER_ID, "x", reply_markup=_keyboard(*rows))
    with raises_bad_request("text buttons are unallowed"):
        text_only = _keyboard([telegram.InlineKeyboardButton("t")])
        await bot.send_message(USER_ID, "x", reply_markup=text_only)


async def test_edit_and_delete(server: FakeTelegramServer, bot: telegram.Bot) -> None:
    keyboard = _keyboard([_button("a")])
    sent = await bot.send_message(USER_ID, "v1", reply_markup=keyboard)
    edited = await bot.edit_message_text("<i>v2</i>", USER_ID, sent.message_id, parse_mode="HTML")
    assert isinstance(edited, telegram.Message)
    assert_fully_parsed(edited)
    assert (edited.text, edited.reply_markup, edited.edit_date is not None) == ("v2", None, True)
    with raises_bad_request("message is not modified"):
        await bot.edit_message_text("<i>v2</i>", USER_ID, sent.message_id, parse_mode="HTML")
    marked = await bot.edit_message_reply_markup(USER_ID, sent.message_id, reply_markup=keyboard)
    assert isinstance(marked, telegram.Message) and marked.reply_markup == keyboard
    assert server.sent_messages(USER_ID)[0]["text"] == "v2"  # current version
    with raises_bad_request("message to edit not found"):
        await bot.edit_message_text("x", USER_ID, 999)

    assert await bot.delete_message(USER_ID, sent.message_id)
    assert server.is_deleted(USER_ID, sent.message_id)
    assert server.sent_messages(USER_ID, include_deleted=False) == []
    with raises_bad_request("message to delete not found"):
        await bot.delete_message(USER_ID, sent.message_id)


async def test_commands(server: FakeTelegramServer, bot: telegram.Bot) -> None:
    commands = [telegram.BotCommand("quiz", "Start a quiz"), telegram.BotCommand("stats_7", "S")]
    assert await bot.set_my_commands(commands)
    assert await bot.get_my_commands() == tuple(commands)
    assert server.commands == [c.to_dict() for c in commands]
    assert await bot.get_my_commands(language_code="de") == ()
    for bad, error in [
        (telegram.BotCommand("Quiz", "upper case"), "BOT_COMMAND_INVALID"),
        (telegram.BotCommand("q" * 33, "too long"), "BOT_COMMAND_INVALID"),
        (telegram.BotCommand("quiz", "d" * 257), "BOT_COMMAND_DESCRIPTION_INVALID"),
    ]:
        with raises_bad_request(error):
            await bot.set_my_commands([bad])


async def test_chat_members_and_chat(server: FakeTelegramServer, bot: telegram.Bot) -> None:
    server.user(USER_ID, "Ann", "ann")
    server.set_chat(GROUP_ID, "supergroup", "Study group")
    server.set_creator(GROUP_ID, 1)
    server.set_admin(GROUP_ID, USER_ID)
    server.set_member_status(GROUP_ID, 3, "restricted")
    server.set_member_status(GROUP_ID, 4, "kicked")

    admin = await bot.get_chat_member(GROUP_ID, USER_ID)
    assert isinstance(admin, telegram.ChatMemberAdministrator)
    assert admin.user.username == "ann"
    assert isinstance(await bot.get_chat_member(GROUP_ID, 2), telegram.ChatMemberMember)
    assert isinstance(await bot.get_chat_member(GROUP_ID, 3), telegram.ChatMemberRestricted)
    assert isinstance(await bot.get_chat_member(GROUP_ID, 4), telegram.ChatMemberBanned)
    admins = await bot.get_chat_administrators(GROUP_ID)
    assert [type(m).__name__ for m in admins] == ["ChatMemberOwner", "ChatMemberAdministrator"]
    for member in admins:
        assert_fully_parsed(member)

    chat = await bot.get_chat(GROUP_ID)
    assert_fully_parsed(chat)
    assert (chat.type, chat.title) == ("supergroup", "Study group")
    assert (await bot.get_chat(USER_ID)).first_name == "Ann"
    assert await bot.send_chat_action(GROUP_ID, "typing")
    with raises_bad_request("wrong parameter action"):
        await bot.send_chat_action(GROUP_ID, "dancing")


# ---- polls --------------------------------------------------------------------------------------


async def send_quiz(bot: telegram.Bot, chat_id: int = USER_ID, **kwargs: Any) -> telegram.Message:
    params: dict[str, Any] = {
        "chat_id": chat_id,
        "question": "2 + 2 = ?",
        "options": ["3", "4", "5"],
        "type": "quiz",
        "is_anonymous": False,
        "correct_option_ids": [1],
        "explanation": "Because <b>2+2</b> is 4",
        "explanation_parse_mode": "HTML",
    }
    params.update(kwargs)
    return await bot.send_poll(**params)


async def test_send_quiz_poll(server: FakeTelegramServer, bot: telegram.Bot) -> None:
    message = await send_quiz(bot, open_period=60)
    assert_fully_parsed(message)
    poll = message.poll
    assert poll is not None
    assert (poll.type, poll.is_anonymous, poll.correct_option_ids) == ("quiz", False, (1,))
    assert (poll.allows_revoting, poll.members_only, poll.is_closed) == (False, False, False)
    assert poll.explanation == "Because 2+2 is 4"
    assert poll.explanation_entities == (telegram.MessageEntity("bold", 8, 3),)
    assert [o.text for o in poll.options] == ["3", "4", "5"]
    assert len({o.persistent_id for o in poll.options}) == 3
    assert (
        poll.close_date is not None and poll.close_date.timestamp() == message.date.timestamp() + 60
    )
    assert "correct_option_id" not in server.sent_polls(USER_ID)[0]["poll"]

    stopped = await bot.stop_poll(USER_ID, message.message_id)
    assert_fully_parsed(stopped)
    assert stopped.is_closed
    with raises_bad_request("poll has already been closed"):
        await bot.stop_poll(USER_ID, message.message_id)
    assert server.poll_count(USER_ID) == 1


async def test_poll_accepts_legacy_and_input_poll_options(bot: telegram.Bot) -> None:
    options = [telegram.InputPollOption("yes"), telegram.InputPollOption("no")]
    regular = await bot.send_poll(USER_ID, "Ready?", options)
    assert regular.poll is not None
    assert (regular.poll.is_anonymous, regular.poll.allows_revoting) == (True, True)
    assert regular.poll.correct_option_ids == ()
    with pytest.warns(telegram.warnings.PTBDeprecationWarning):  # PTB warns about the name
        legacy = await bot.send_poll(
            USER_ID, "Q", ["a", "b"], type="quiz", correct_option_id=0, is_anonymous=False
        )
    assert legacy.poll is not None and legacy.poll.correct_option_ids == (0,)


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"question": "q" * 301}, "poll question length must not exceed 300"),
        ({"options": ["a", "o" * 101]}, "poll option length must not exceed 100"),
        ({"options": [str(i) for i in range(13)]}, "poll must have 1-12 options"),
        ({"options": ["a", "a"]}, "POLL_OPTION_DUPLICATE"),
        ({"explanation": "e" * 201}, "explanation is too long"),
        ({"explanation": "a\nb\nc\nd"}, "explanation has too many line feeds"),
        ({"correct_option_ids": [3]}, "wrong correct option id"),
        ({"correct_option_ids": [0, 1]}, "QUIZ_CORRECT_ANSWERS_TOO_MUCH"),
        ({"correct_option_ids": None}, "QUIZ_CORRECT_ANSWERS_EMPTY"),
        ({"open_period": 4}, "wrong open period"),
    ],
)
async def test_poll_limits(
    server: FakeTelegramServer, bot: telegram.Bot, overrides: dict[str, Any], error: str
) -> None:
    with raises_bad_request(error):
        await send_quiz(bot, **overrides)
    assert server.sent_polls() == []


async def test_poll_limit_boundaries_are_accepted(bot: telegram.Bot) -> None:
    await send_quiz(
        bot,
        question="q" * 300,
        options=[f"{i}" * (100 if i == 1 else 1) for i in range(12)],
        explanation="e" * 190 + "\n\n<b>x</b>",
        open_period=5,
    )
    await bot.send_poll(USER_ID, "single option is fine since Bot API 10.0", ["only"])


# ---- blocking and rate limits -------------------------------------------------------------------


async def test_blocked_user_gets_forbidden(server: FakeTelegramServer, bot: telegram.Bot) -> None:
    sent = await bot.send_message(USER_ID, "hi")
    server.block_user(USER_ID)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(USER_ID, "still there?")
    with pytest.raises(Forbidden):
        await bot.edit_message_text("edited", USER_ID, sent.message_id)
    with pytest.raises(Forbidden):
        await send_quiz(bot)
    await bot.send_message(USER_ID + 1, "other users are fine")
    server.unblock_user(USER_ID)
    await bot.send_message(USER_ID, "welcome back")


async def test_bot_removed_from_group_gets_forbidden(
    server: FakeTelegramServer, bot: telegram.Bot
) -> None:
    user = server.user(USER_ID, "Ann")
    server.push_my_chat_member(user, GROUP_ID, "supergroup", "member", "kicked", "Study group")
    with pytest.raises(Forbidden, match="bot was kicked from the supergroup chat"):
        await bot.send_message(GROUP_ID, "hello?")


@pytest.fixture
def ptb_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without PTB_TIMEDELTA, PTB 22 warns (an error here) whenever it builds a RetryAfter."""
    monkeypatch.setenv("PTB_TIMEDELTA", "1")


@pytest.mark.usefixtures("ptb_timedelta")
async def test_global_rate_limit() -> None:
    with FakeTelegramServer(global_rate=5, group_rate_per_minute=None) as server:
        async with telegram.Bot(TOKEN, base_url=server.base_url) as bot:
            for i in range(5):
                await bot.send_message(USER_ID + i, "hi")
            with pytest.raises(RetryAfter) as excinfo:
                await bot.send_message(USER_ID, "one too many")
            assert excinfo.value.retry_after == dt.timedelta(seconds=1)
            assert server.rate_limited_count == 1
            assert server.errors[-1].response == {
                "ok": False,
                "error_code": 429,
                "description": "Too Many Requests: retry after 1",
                "parameters": {"retry_after": 1},
            }
            server.advance_clock(1.0)
            await bot.send_message(USER_ID, "the window moved on")
            assert len(server.send_log) == 6
            assert server.peak_rate(1.0) == 5


@pytest.mark.usefixtures("ptb_timedelta")
async def test_group_rate_limit_and_time_scale() -> None:
    with FakeTelegramServer(global_rate=None, group_rate_per_minute=20, time_scale=10) as server:
        async with telegram.Bot(TOKEN, base_url=server.base_url) as bot:
            for _ in range(20):
                await bot.send_message(GROUP_ID, "hi group")
            await bot.send_message(USER_ID, "private chats are not limited per minute")
            with pytest.raises(RetryAfter) as excinfo:
                await bot.send_message(GROUP_ID, "one too many")
            # ~60 server seconds until the first slot frees = ~6 wall seconds at time_scale 10
            assert excinfo.value.retry_after in (dt.timedelta(seconds=6), dt.timedelta(seconds=7))
            server.advance_clock(60)
            await bot.send_message(GROUP_ID, "again")
            assert server.peak_rate(60, chat_id=GROUP_ID) == 20


async def test_concurrent_sends_respect_the_global_cap() -> None:
    with FakeTelegramServer(global_rate=30, group_rate_per_minute=None) as server:
        async with httpx.AsyncClient(limits=httpx.Limits(max_connections=20)) as client:
            replies = await asyncio.gather(
                *(
                    client.post(api_url(server, "sendMessage"), data={"chat_id": i, "text": "x"})
                    for i in range(1, 41)
                )
            )
    codes = sorted(reply.status_code for reply in replies)
    assert codes == [200] * 30 + [429] * 10
    assert server.rate_limited_count == 10
    assert server.peak_rate(1.0) == 30
    assert len({m["message_id"] for m in server.sent_messages()}) == 1  # one per private chat


def test_time_scale_clock() -> None:
    server = FakeTelegramServer(time_scale=100)
    wall_start, server_start = time.monotonic(), server.now()
    time.sleep(0.05)
    server_elapsed = server.now() - server_start
    assert 5 <= server_elapsed <= (time.monotonic() - wall_start) * 100
    server.advance_clock(60)
    assert server.now() - server_start >= 65


# ---- updates ------------------------------------------------------------------------------------


async def test_get_updates_all_kinds(server: FakeTelegramServer, bot: telegram.Bot) -> None:
    user = server.user(USER_ID, "Ann", "ann")
    poll_message = await send_quiz(bot)
    text_message = await bot.send_message(USER_ID, "pick", reply_markup=_keyboard([_button("a")]))
    assert poll_message.poll is not None
    poll_id = poll_message.poll.id
    server.push_message(user, "/start@quiz_tutor_test_bot deep")
    server.push_message(user, "hello", reply_to_message_id=text_message.message_id)
    server.push_poll_answer(user, poll_id, [2])
    server.push_callback(user, text_message.to_dict(), "a")
    server.push_my_chat_member(user, USER_ID, "private", "member", "kicked")
    server.push_poll_closed(poll_id)

    updates = await bot.get_updates(timeout=5, allowed_updates=list(ts.DEFAULT_UPDATE_TYPES))
    for update in updates:
        assert_fully_parsed(update)
    command, reply, answer, new_state, callback, member, closed = updates
    assert new_state.poll is not None and new_state.poll.id == poll_id
    assert [o.voter_count for o in new_state.poll.options] == [0, 0, 1]
    assert command.message is not None and command.message.text is not None
    assert command.message.entities == (telegram.MessageEntity("bot_command", 0, 26),)
    assert command.message.from_user == telegram.User(USER_ID, "Ann", False, username="ann")
    assert reply.message is not None and reply.message.reply_to_message == text_message
    assert answer.poll_answer is not None and answer.poll_answer.option_ids == (2,)
    assert answer.poll_answer.option_persistent_ids == (poll_message.poll.options[2].persistent_id,)
    assert callback.callback_query is not None and callback.callback_query.data == "a"
    assert callback.callback_query.message == text_message
    assert member.my_chat_member is not None
    assert member.my_chat_member.new_chat_member.status == "kicked"
    assert closed.poll is not None and closed.poll.is_closed
    assert server.get_poll(poll_id)["options"][2]["voter_count"] == 1
    assert server.allowed_updates == list(ts.DEFAULT_UPDATE_TYPES)

    # Unconfirmed updates are delivered again; a higher offset confirms them.
    assert len(await bot.get_updates(timeout=0)) == 7
    assert await bot.get_updates(offset=updates[-1].update_id + 1, timeout=0) == ()
    assert server.pending_update_count() == 0

    assert await bot.answer_callback_query(callback.callback_query.id, text="Correct!")
    assert server.callback_answers[-1]["text"] == "Correct!"
    with raises_bad_request("query is too old"):
        await bot.answer_callback_query(callback.callback_query.id)


async def test_allowed_updates_filter(server: FakeTelegramServer, bot: telegram.Bot) -> None:
    user = server.user(USER_ID, "Ann")
    server.push_message(user, "hi")
    server.push_callback(user, (await bot.send_message(USER_ID, "x")).to_dict(), "d")
    updates = await bot.get_updates(timeout=0, allowed_updates=["callback_query"])
    assert [u.callback_query is not None for u in updates] == [True]
    assert server.dropped_updates[0][0] == "not in allowed_updates"


async def test_long_poll_returns_when_update_arrives() -> None:
    with FakeTelegramServer(max_poll_wait=10) as server:
        async with telegram.Bot(TOKEN, base_url=server.base_url) as bot:
            user = server.user(USER_ID, "Ann")
            timer = threading.Timer(0.1, server.push_message, args=(user, "late"))
            timer.start()
            started = time.monotonic()
            updates = await bot.get_updates(timeout=30)
            assert 0.05 < time.monotonic() - started < 5
            assert [u.message.text for u in updates if u.message] == ["late"]


async def test_long_poll_is_capped(server: FakeTelegramServer, bot: telegram.Bot) -> None:
    started = time.monotonic()
    assert await bot.get_updates(timeout=30) == ()
    assert 0.25 < time.monotonic() - started < 5  # max_poll_wait=0.3, not 30 s


async def test_anonymous_poll_answers_are_refused(
    server: FakeTelegramServer, bot: telegram.Bot
) -> None:
    user = server.user(USER_ID, "Ann")
    message = await bot.send_poll(USER_ID, "Anonymous?", ["a", "b"])
    assert message.poll is not None
    with pytest.raises(ValueError, match="anonymous"):
        server.push_poll_answer(user, message.poll.id, [0])


async def test_group_privacy_mode() -> None:
    with FakeTelegramServer(group_privacy=True) as server:
        user = server.user(USER_ID, "Ann")
        server.push_message(user, "just chatting", chat_id=GROUP_ID, chat_type="group")
        server.push_message(user, "/challenge", chat_id=GROUP_ID, chat_type="group")
        assert server.pending_update_count() == 1
        assert server.dropped_updates[0][0] == "group privacy mode"


# ---- raw HTTP -----------------------------------------------------------------------------------


async def test_raw_http_encodings(server: FakeTelegramServer) -> None:
    markup = {"inline_keyboard": [[{"text": "b", "callback_data": "d"}]]}
    async with httpx.AsyncClient() as client:
        as_json = await client.post(
            api_url(server, "sendMessage"),
            json={"chat_id": "7", "text": "123", "reply_markup": markup},
        )
        as_multipart = await client.post(
            api_url(server, "sendMessage"),
            data={"chat_id": "7", "text": "true", "reply_markup": ts.json.dumps(markup)},
            files={"unused": ("f.txt", b"file body")},
        )
        unknown = await client.post(api_url(server, "sendSticker"), data={"chat_id": "7"})
        bad_path = await client.get(f"http://127.0.0.1:{server.port}/nonsense")
    assert as_json.json()["result"]["text"] == "123"
    assert as_json.json()["result"]["reply_markup"] == markup
    assert as_multipart.json()["result"]["text"] == "true"  # strings are never JSON-decoded
    assert as_multipart.json()["result"]["reply_markup"] == markup
    assert server.requests_for("sendMessage")[1].params["unused"] == {
        "filename": "f.txt",
        "size": 9,
    }
    assert (unknown.status_code, unknown.json()) == (
        404,
        {"ok": False, "error_code": 404, "description": "Not Found: method not found"},
    )
    assert bad_path.status_code == 404
    assert [e.method for e in server.errors] == ["sendSticker"]


async def test_superseded_long_poll_gets_conflict(server: FakeTelegramServer) -> None:
    async with httpx.AsyncClient() as first, httpx.AsyncClient() as second:
        url = api_url(server, "getUpdates")
        held = asyncio.create_task(first.post(url, data={"timeout": "10"}))
        await asyncio.sleep(0.05)
        await second.post(url, data={"timeout": "0"})
        response = await held
    assert response.status_code == 409
    assert "terminated by other getUpdates request" in response.json()["description"]


async def test_abandoned_long_poll_is_not_a_conflict(server: FakeTelegramServer) -> None:
    """A killed bot's poll is still held when its replacement polls: that's no error."""
    url = api_url(server, "getUpdates")
    async with httpx.AsyncClient() as old_bot:
        held = asyncio.create_task(old_bot.post(url, data={"timeout": "10"}))
        await asyncio.sleep(0.05)
        held.cancel()
    async with httpx.AsyncClient() as new_bot:
        assert (await new_bot.post(url, data={"timeout": "0"})).json() == {"ok": True, "result": []}
    await asyncio.sleep(0.1)
    assert server.errors == []


# ---- waiting helpers ----------------------------------------------------------------------------


async def test_wait_helpers(server: FakeTelegramServer, bot: telegram.Bot) -> None:
    await bot.send_message(USER_ID, "first")
    after = server.message_count(USER_ID)
    asyncio.get_running_loop().call_later(0.05, lambda: asyncio.ensure_future(_later(bot)))
    message = await server.async_wait_for_message(USER_ID, contains="Score", after=after)
    assert message["text"] == "Score: 1/1"
    poll = await server.async_wait_for_poll(USER_ID, timeout=2)
    assert poll["poll"]["question"] == "2 + 2 = ?"
    assert server.wait_for_message(USER_ID, "first", timeout=0.1)["text"] == "first"
    assert server.wait_for(lambda: server.poll_count(USER_ID), timeout=0.1) == 1

    with pytest.raises(AssertionError) as excinfo:
        server.wait_for_message(USER_ID, contains="never", timeout=0.1)
    report = str(excinfo.value)
    assert "timed out waiting for a message to chat 4242 containing 'never'" in report
    assert 'sendMessage {"chat_id": 4242, "text": "Score: 1/1"} -> ok' in report
    with pytest.raises(AssertionError):
        await server.async_wait_for_poll(USER_ID, after=1, timeout=0.05)


async def _later(bot: telegram.Bot) -> None:
    await bot.send_message(USER_ID, "Score: 1/1")
    await send_quiz(bot)


def test_bug_in_fake_is_loud(server: FakeTelegramServer) -> None:
    def broken(params: dict[str, Any]) -> None:
        raise KeyError("oops")

    server._handlers["getme"] = broken
    response = httpx.post(api_url(server, "getMe"))
    assert response.status_code == 500
    assert server.internal_errors == ["getMe: KeyError: 'oops'"]


# ---- poll updates -------------------------------------------------------------------------------


async def test_votes_on_the_bots_polls_queue_the_new_poll_state(
    server: FakeTelegramServer, bot: telegram.Bot
) -> None:
    ann, bob = server.user(USER_ID, "Ann"), server.user(USER_ID + 1, "Bob")
    regular = await bot.send_poll(USER_ID, "Lunch?", ["soup", "salad"], is_anonymous=False)
    assert regular.poll is not None
    server.push_poll_answer(ann, regular.poll.id, [1])
    server.push_poll_answer(bob, regular.poll.id, [1])
    server.push_poll_answer(ann, regular.poll.id, [])  # retracted

    updates = await bot.get_updates(timeout=0)
    kinds = ["poll_answer" if u.poll_answer else "poll" if u.poll else "?" for u in updates]
    assert kinds == ["poll_answer", "poll"] * 3
    states = [u.poll for u in updates if u.poll is not None]
    for state in states:
        assert_fully_parsed(state)
        assert state.id == regular.poll.id and state.question == "Lunch?"
    assert [[o.voter_count for o in s.options] for s in states] == [[0, 1], [0, 2], [0, 1]]
    assert [s.total_voter_count for s in states] == [1, 2, 1]
    assert [o.persistent_id for o in states[0].options] == [
        o.persistent_id for o in regular.poll.options
    ]

    quiz = await send_quiz(bot)
    assert quiz.poll is not None
    server.push_poll_answer(ann, quiz.poll.id, [2])
    *_, state = await bot.get_updates(offset=updates[-1].update_id + 1, timeout=0)
    assert state.poll is not None
    assert_fully_parsed(state.poll)
    assert state.poll.correct_option_ids == (1,) and state.poll.explanation == "Because 2+2 is 4"


async def test_poll_updates_can_be_turned_off() -> None:
    with FakeTelegramServer(poll_updates=False) as server:
        async with telegram.Bot(TOKEN, base_url=server.base_url) as bot:
            message = await send_quiz(bot)
            assert message.poll is not None
            server.push_poll_answer(server.user(USER_ID, "Ann"), message.poll.id, [1])
            updates = await bot.get_updates(timeout=0)
            assert [u.poll_answer is not None for u in updates] == [True]


# ---- injected faults ----------------------------------------------------------------------------


async def test_server_errors_are_refused_before_the_call_is_applied(
    server: FakeTelegramServer, bot: telegram.Bot
) -> None:
    with server.faults(error_rate=1.0):
        for attempt in range(6):
            with pytest.raises(NetworkError, match=r"Internal Server Error|Bad Gateway"):
                await bot.send_message(USER_ID, f"try {attempt}")
    assert server.message_count(USER_ID) == 0
    kinds = {fault.kind for fault in server.injected_faults}
    assert kinds == {"500", "502"}  # six calls at even odds: both kinds, seeded
    assert server.errors == []  # not the bot's mistakes
    await bot.send_message(USER_ID, "after")
    assert server.last_message(USER_ID) is not None


async def test_a_held_timeout_delivers_the_message_but_never_answers(
    server: FakeTelegramServer, bot: telegram.Bot
) -> None:
    with server.faults(timeout_rate=1.0):
        started = time.monotonic()
        with pytest.raises(TimedOut):
            await bot.send_message(USER_ID, "lost answer", read_timeout=0.3)
        with pytest.raises(TimedOut):
            await send_quiz(bot, read_timeout=0.3)
        assert time.monotonic() - started < 3
    assert [m["text"] for m in server.sent_messages(USER_ID)] == ["lost answer"]
    assert server.poll_count(USER_ID) == 1  # the poll exists, its id never reached the bot
    faults = server.injected_faults
    assert [(f.method, f.kind) for f in faults] == [
        ("sendMessage", "timeout-hold"),
        ("sendPoll", "timeout-hold"),
    ]
    assert faults[1].response["result"]["poll"]["question"] == "2 + 2 = ?"
    assert (await bot.send_message(USER_ID, "fine")).text == "fine"  # the pool recovered


async def test_a_closed_timeout_drops_the_connection(
    server: FakeTelegramServer, bot: telegram.Bot
) -> None:
    server.fail_next("sendMessage", "timeout-close")
    with pytest.raises(NetworkError, match="disconnected"):
        await bot.send_message(USER_ID, "sent anyway")
    assert server.find_message(USER_ID, "sent anyway") is not None
    assert (await bot.send_message(USER_ID, "next")).text == "next"


async def test_get_updates_is_spared_unless_included(
    server: FakeTelegramServer, bot: telegram.Bot
) -> None:
    server.push_message(server.user(USER_ID, "Ann"), "hi")
    with server.faults(error_rate=1.0):
        assert len(await bot.get_updates(timeout=0)) == 1
    with server.faults(error_rate=1.0, include_get_updates=True), pytest.raises(NetworkError):
        await bot.get_updates(timeout=0)


def test_faults_only_hit_the_chosen_methods_and_expire() -> None:
    server = FakeTelegramServer()
    server.inject_faults(error_rate=1.0, methods=["sendPoll"], duration=0.2)
    assert server.faults_active
    assert server.call_api("t", "sendMessage", {"chat_id": 1, "text": "ok"}).status == 200
    assert server.call_api("t", "sendPoll", {"chat_id": 1}).status in (500, 502)
    time.sleep(0.25)
    assert not server.faults_active
    assert server.call_api("t", "getMe", {}).status == 200


def _fault_pattern(seed: int, calls: int = 300) -> list[str | None]:
    server = FakeTelegramServer(global_rate=None, group_rate_per_minute=None)
    server.inject_faults(error_rate=0.2, timeout_rate=0.1, seed=seed, timeout_style="mixed")
    pattern = []
    for n in range(calls):
        outcome = server.call_api("t", "sendMessage", {"chat_id": 1 + n % 7, "text": f"m{n}"})
        pattern.append(str(outcome.status) if outcome.status != 200 else outcome.timeout)
    return pattern


def test_faults_are_seeded_and_near_the_asked_rates() -> None:
    first, again, other = _fault_pattern(1), _fault_pattern(1), _fault_pattern(2)
    assert first == again
    assert first != other
    errors = sum(kind in ("500", "502") for kind in first)
    timeouts = sum(kind in ("hold", "close") for kind in first)
    assert 40 <= errors <= 80 and 15 <= timeouts <= 45  # 20 % and 10 % of 300
    assert {"hold", "close", "500", "502"} <= set(first)


def test_fault_decisions_do_not_depend_on_call_order() -> None:
    def kinds(order: list[int]) -> dict[int, str | None]:
        server = FakeTelegramServer(global_rate=None, group_rate_per_minute=None)
        server.inject_faults(error_rate=0.3, timeout_rate=0.2, seed=5)
        return {
            n: server.call_api("t", "sendMessage", {"chat_id": n, "text": "x"}).timeout
            or str(server.requests[-1].response.get("error_code", ""))
            for n in order
        }

    order = list(range(1, 60))
    assert kinds(order) == kinds(order[::-1])


async def test_offline_request_reports_injected_timeouts_like_httpx() -> None:
    api = OfflineBotApi()
    async with telegram.Bot(TOKEN, request=OfflineRequest(api)) as offline_bot:
        api.server.fail_next("sendMessage", "timeout-hold")
        with pytest.raises(TimedOut):
            await offline_bot.send_message(USER_ID, "applied")
        api.server.fail_next("sendMessage", "timeout-close")
        with pytest.raises(NetworkError, match="disconnected"):
            await offline_bot.send_message(USER_ID, "applied too")
        api.server.fail_next("sendMessage", "502")
        with pytest.raises(NetworkError, match="Bad Gateway"):
            await offline_bot.send_message(USER_ID, "refused")
    assert [m["text"] for m in api.server.sent_messages(USER_ID)] == ["applied", "applied too"]

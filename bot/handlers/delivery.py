"""Sending study items: quiz polls, flashcards and explain-it prompts.

Shared by /quiz, /cards, /prompt, /test, daily revision and group challenges, so a
poll is always shuffled, non-anonymous and stored the same way.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message
from telegram.constants import ParseMode, PollType
from telegram.error import BadRequest, Forbidden

from bot import render
from bot.content.models import CardItem, McqItem, PromptItem
from bot.domain.memory import Grade
from bot.flows import delivery
from bot.handlers.callbacks import (
    ExplainItem,
    FinishPrompt,
    GradeCard,
    QuizNext,
    ShowCard,
    TickConcept,
)
from bot.handlers.context import TutorContext
from bot.storage.records import SentPoll


async def send_quiz_poll(
    context: TutorContext,
    chat_id: int,
    item: McqItem,
    *,
    purpose: str,
    session_id: int | None = None,
    open_period: int | None = None,
    progress: tuple[int, int] | None = None,
) -> SentPoll:
    """Send `item` as a shuffled, non-anonymous quiz poll and store it before returning.

    An intent is stored first: if sendPoll times out after Telegram delivered the poll,
    the `poll` update that follows the first vote is matched to it, so answers count.
    """
    intent = await delivery.poll_intent(
        context.services,
        chat_id,
        item,
        context.clock.now(),
        purpose=purpose,
        session_id=session_id,
        open_period=open_period,
    )
    order = intent.option_order
    correct_position = order.index(item.correct_index)
    async with context.services.polls_in_flight.sending():
        try:
            message = await context.bot.send_poll(
                chat_id=chat_id,
                question=render.numbered_question(item.question, progress),
                options=[item.options[index] for index in order],
                is_anonymous=False,
                type=PollType.QUIZ,
                correct_option_ids=[correct_position],  # type: ignore[list-item]  # 0–11 by validation
                explanation=item.explanation,
                open_period=open_period,
                # In a timed round nobody may see how others voted before it closes.
                hide_results_until_closes=True if open_period else None,
            )
        except (BadRequest, Forbidden):
            await delivery.poll_refused(context.storage, intent)
            raise
        if message.poll is None:
            raise RuntimeError("Telegram returned a message without a poll for sendPoll")
        return await delivery.poll_sent(
            context.storage, intent, message.poll.id, message.message_id, context.clock.now()
        )


async def send_card(
    context: TutorContext,
    chat_id: int,
    card: CardItem,
    progress: tuple[int, int] | None = None,
) -> Message:
    deck = context.bank.deck_of(card.id)
    message = await context.bot.send_message(
        chat_id,
        render.card_front(card, deck, progress),
        parse_mode=ParseMode.HTML,
        reply_markup=InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(
                        render.show_answer_button(),
                        callback_data=ShowCard(card, progress).pack(),
                    )
                ]
            ]
        ),
    )
    await delivery.item_sent(context.storage, chat_id, card.id)
    return message


def card_grade_keyboard(
    card: CardItem,
    intervals: Mapping[Grade, timedelta] | None = None,
    progress: tuple[int, int] | None = None,
) -> InlineKeyboardMarkup:
    """Again/Hard/Good/Easy, each with when the card comes back after it ("Good · 3 d")."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    render.grade_button(grade.value, (intervals or {}).get(grade)),
                    callback_data=GradeCard(grade, card, progress).pack(),
                )
                for grade in Grade
            ]
        ]
    )


async def send_prompt(context: TutorContext, chat_id: int, prompt: PromptItem) -> Message:
    ticked = [False] * len(prompt.key_concepts)
    message = await context.bot.send_message(
        chat_id,
        render.prompt_question(prompt, ticked),
        parse_mode=ParseMode.HTML,
        reply_markup=prompt_keyboard(prompt, ticked),
    )
    await delivery.item_sent(context.storage, chat_id, prompt.id)
    return message


def prompt_keyboard(prompt: PromptItem, ticked: Sequence[bool]) -> InlineKeyboardMarkup:
    def toggled(index: int) -> tuple[bool, ...]:
        return tuple(hit != (position == index) for position, hit in enumerate(ticked))

    rows = [
        [
            InlineKeyboardButton(
                render.concept_button(concept, hit),
                callback_data=TickConcept(prompt, toggled(index)).pack(),
            )
        ]
        for index, (concept, hit) in enumerate(zip(prompt.key_concepts, ticked, strict=True))
    ]
    rows.append(
        [
            InlineKeyboardButton(
                render.prompt_done_button(),
                callback_data=FinishPrompt(prompt, tuple(ticked)).pack(),
            )
        ]
    )
    return InlineKeyboardMarkup(rows)


def after_answer_keyboard(item: McqItem) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(render.next_button(), callback_data=QuizNext().pack()),
                InlineKeyboardButton(
                    render.explain_button(), callback_data=ExplainItem(item).pack()
                ),
            ]
        ]
    )


async def send_item(
    context: TutorContext,
    chat_id: int,
    item: McqItem | CardItem | PromptItem,
    *,
    purpose: str,
    session_id: int | None = None,
    progress: tuple[int, int] | None = None,
) -> None:
    """Send a session's item; `progress` ("3/10") is shown on polls and cards."""
    if isinstance(item, McqItem):
        await send_quiz_poll(
            context, chat_id, item, purpose=purpose, session_id=session_id, progress=progress
        )
    elif isinstance(item, CardItem):
        await send_card(context, chat_id, item, progress)
    else:
        await send_prompt(context, chat_id, item)


async def reply_html(context: TutorContext, chat_id: int, text: str, **kwargs: object) -> Message:
    return await context.bot.send_message(chat_id, text, parse_mode=ParseMode.HTML, **kwargs)  # type: ignore[arg-type]

"""/prompt: explain-it prompts; the learner ticks the key concepts they covered."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot import render
from bot.content.models import PromptItem
from bot.domain.memory import grade_explain_prompt
from bot.handlers.common import deck_from_args, learner, refuse_outside_private, reply
from bot.handlers.context import TutorContext
from bot.handlers.delivery import PROMPT_DONE, PROMPT_TOGGLE, prompt_keyboard, send_prompt
from bot.handlers.study import choose_for, continue_session, record_answer, session_awaiting

PURPOSE_PROMPT = "prompt"


async def prompt(update: Update, context: TutorContext) -> None:
    if await refuse_outside_private(update, context, "prompt"):
        return
    user = await learner(update, context)
    deck = await deck_from_args(update, context, user)
    if deck is None:
        return
    item = await choose_for(context, user, deck.id, (PromptItem,))
    if item is None:
        await reply(update, render.no_items(deck, "explain prompts"))
        return
    assert isinstance(item, PromptItem)
    await send_prompt(context, user.user_id, item)


def _parse(data: str, context: TutorContext) -> tuple[PromptItem, list[bool]] | None:
    _, mask_text, item_id = data.split(":", 2)
    item = context.bank.item(item_id)
    if not isinstance(item, PromptItem) or not mask_text.isdigit():
        return None
    mask = int(mask_text)
    return item, [bool(mask >> index & 1) for index in range(len(item.key_concepts))]


async def toggle_concept(update: Update, context: TutorContext) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    parsed = _parse(query.data, context)
    if parsed is None:
        await query.answer(render.item_gone("prompt"), show_alert=True)
        return
    item, ticked = parsed
    await query.answer()
    await query.edit_message_text(
        render.prompt_question(item, ticked),
        parse_mode="HTML",
        reply_markup=prompt_keyboard(item, ticked),
    )


async def finish_prompt(update: Update, context: TutorContext) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None and query.message is not None
    parsed = _parse(query.data, context)
    if parsed is None:
        await query.answer(render.item_gone("prompt"), show_alert=True)
        return
    item, ticked = parsed
    user = await learner(update, context)
    await query.answer()
    await query.edit_message_text(render.prompt_result(item, ticked), parse_mode="HTML")
    grade = grade_explain_prompt(sum(ticked), len(ticked))
    session = await session_awaiting(context, user.user_id, item.id)
    await record_answer(
        context,
        user_id=user.user_id,
        item=item,
        chat_id=query.message.chat.id,
        correct=sum(ticked) * 2 >= len(ticked),
        grade=grade,
        purpose=session.kind if session else PURPOSE_PROMPT,
        session_id=session.id if session else None,
    )
    if session is not None:
        await continue_session(context, session, query.message.chat.id)


def handlers() -> list[BaseHandler[Update, TutorContext, None]]:
    return [
        CommandHandler("prompt", prompt),
        CallbackQueryHandler(toggle_concept, pattern=rf"^{PROMPT_TOGGLE}:"),
        CallbackQueryHandler(finish_prompt, pattern=rf"^{PROMPT_DONE}:"),
    ]

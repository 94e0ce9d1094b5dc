"""Quiz feedback, flashcards, explain-it prompts, worked solutions and /test."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from bot.content.models import CardItem, Deck, McqItem, PromptItem
from bot.domain.exam import ExamResult
from bot.i18n import _, ngettext
from bot.render.base import (
    _DIFFICULTIES,
    _GRADES,
    grade_label,
    shorten,
    split_messages,
)


def answer_feedback(correct: bool, item: McqItem) -> str:
    if correct:
        return _("✅ Right!")
    return _("❌ Not quite — the answer is <b>{answer}</b>.").format(answer=escape(item.correct))


def card_front(card: CardItem, deck: Deck) -> str:
    return f"🃏 <i>{escape(deck.title)}</i>\n\n<b>{escape(card.front)}</b>"


def card_back(card: CardItem, deck: Deck) -> str:
    return (
        f"🃏 <i>{escape(deck.title)}</i>\n\n<b>{escape(card.front)}</b>\n\n{escape(card.back)}\n\n"
        + _("How well did you know it?")
    )


def card_graded(card: CardItem, deck: Deck, grade: str) -> str:
    label = grade_label(grade) if grade in _GRADES else grade
    return (
        f"🃏 <i>{escape(deck.title)}</i>\n\n<b>{escape(card.front)}</b>\n\n{escape(card.back)}\n\n"
        + _("You said: <i>{grade}</i>").format(grade=escape(label))
    )


def show_answer_button() -> str:
    return _("Show answer")


def prompt_done_button() -> str:
    return _("Done")


def next_button() -> str:
    return _("Next ▶")


def explain_button() -> str:
    return _("Explain")


def prompt_question(prompt: PromptItem, ticked: Sequence[bool]) -> str:
    return _(
        "💬 <b>Explain:</b> {question}\n\n"
        "<i>Think about:</i> {think_about}\n\n"
        "Explain it in your own words (out loud or here), then tick the key concepts "
        "you covered and press Done. ({ticked}/{total} ticked)"
    ).format(
        question=escape(prompt.question),
        think_about=escape(prompt.think_about),
        ticked=sum(ticked),
        total=len(prompt.key_concepts),
    )


def prompt_result(prompt: PromptItem, ticked: Sequence[bool]) -> str:
    lines = [
        _("💬 <b>Explain:</b> {question}").format(question=escape(prompt.question)) + "\n",
        ngettext(
            "You got <b>{ticked}/{total}</b> concept.",
            "You got <b>{ticked}/{total}</b> concepts.",
            len(prompt.key_concepts),
        ).format(ticked=sum(ticked), total=len(prompt.key_concepts)),
    ]
    lines += [
        f"{'✅' if hit else '▫️'} {escape(concept)}"
        for concept, hit in zip(prompt.key_concepts, ticked, strict=True)
    ]
    return "\n".join(lines)


def explain_item(item: McqItem | CardItem | PromptItem) -> list[str]:
    """The worked solution, split into messages of at most MESSAGE_LIMIT characters."""
    if isinstance(item, McqItem):
        blocks = _explain_mcq(item)
    elif isinstance(item, CardItem):
        blocks = [f"🃏 <b>{escape(item.front)}</b>", escape(item.back)]
    else:
        blocks = [
            f"💬 <b>{escape(item.question)}</b>",
            _("<i>Think about:</i> {think_about}").format(think_about=escape(item.think_about)),
            _("<b>Key concepts</b>")
            + "\n"
            + "\n".join(f"• {escape(c)}" for c in item.key_concepts),
        ]
    return split_messages(blocks)


def _explain_mcq(item: McqItem) -> list[str]:
    blocks = [f"❓ <b>{escape(item.question)}</b>"]
    solution = item.solution
    if solution is None:
        blocks.append(_("<b>Answer:</b> {answer}").format(answer=escape(item.correct)))
        blocks.append(escape(item.explanation))
        return blocks
    for number, step in enumerate(solution.steps, start=1):
        blocks.append(
            _("<b>Step {number}: {title}</b>").format(number=number, title=escape(step.title))
            + "\n"
            + escape(step.detail)
        )
    blocks.append(_("<b>Final answer:</b> {answer}").format(answer=escape(solution.final_answer)))
    blocks.append(_("<b>Quick check:</b> {check}").format(check=escape(solution.quick_check)))
    blocks.append(_("💡 <b>Hint:</b> {hint}").format(hint=escape(solution.hint)))
    if solution.common_mistakes:
        mistakes = "\n".join(f"• {escape(m)}" for m in solution.common_mistakes)
        blocks.append(_("<b>Common mistakes</b>") + "\n" + mistakes)
    return blocks


def explain_usage_no_last() -> str:
    return _("Nothing to explain yet: answer a /quiz first, or send /explain &lt;item id&gt;.")


def unknown_item(item_id: str) -> str:
    return _("No item with id <code>{id}</code>.").format(id=escape(shorten(item_id)))


def exam_intro(deck: Deck, count: int) -> str:
    return ngettext(
        "📝 <b>Test: {title}</b>\n{count} question from easy to hard. "
        "Answer each poll; the next one follows.",
        "📝 <b>Test: {title}</b>\n{count} questions from easy to hard. "
        "Answer each poll; the next one follows.",
        count,
    ).format(title=escape(deck.title), count=count)


def exam_result(deck: Deck, result: ExamResult) -> str:
    lines = [
        _("📝 <b>Test result: {title}</b>").format(title=escape(deck.title)),
        _("Score: {right}/{total}").format(right=result.right, total=result.total),
    ]
    for level in result.levels:
        if level.total:
            name = _(_DIFFICULTIES[level.difficulty.value])
            lines.append(f"• {escape(name)}: {level.right}/{level.total}")
    verdict = _("💪 Strong — this pattern is solid.") if result.strong else _("📚 Needs review.")
    lines.append("\n" + _("<b>Verdict:</b> {verdict}").format(verdict=verdict))
    if result.missed:
        lines.append("\n" + _("Missed (see /explain &lt;id&gt;):"))
        lines += [f"• <code>{escape(item_id)}</code>" for item_id in result.missed]
    return "\n".join(lines)


def leech_notice(item: McqItem, lapses: int) -> str:
    """Said before the worked solution of a question the learner keeps missing."""
    return ngettext(
        "🔁 Missed {lapses} time: <b>{question}</b>\n"
        "Here is the worked solution — read it through before it comes back.",
        "🔁 Missed {lapses} times: <b>{question}</b>\n"
        "Here is the worked solution — read it through before it comes back.",
        lapses,
    ).format(lapses=lapses, question=escape(item.question))

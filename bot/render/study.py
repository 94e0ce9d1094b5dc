"""Quiz feedback, flashcards, explain-it prompts, worked solutions and /test."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from html import escape

from babel.dates import format_date, format_time

from bot.content.models import POLL_QUESTION_MAX, CardItem, Deck, McqItem, PromptItem
from bot.domain.exam import ExamResult
from bot.domain.timezones import parse_timezone
from bot.i18n import _, current_language, ngettext
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


Progress = tuple[int, int] | None  # (this one, how many) in a session: "3/5"


def _card_head(deck: Deck, progress: Progress) -> str:
    step = f" · {progress[0]}/{progress[1]}" if progress else ""
    return f"🃏 <i>{escape(deck.title)}</i>{step}"


def card_front(card: CardItem, deck: Deck, progress: Progress = None) -> str:
    return f"{_card_head(deck, progress)}\n\n<b>{escape(card.front)}</b>"


def card_back(card: CardItem, deck: Deck, progress: Progress = None) -> str:
    return (
        f"{_card_head(deck, progress)}\n\n<b>{escape(card.front)}</b>\n\n{escape(card.back)}\n\n"
        + _("How well did you know it?")
    )


def card_graded(card: CardItem, deck: Deck, grade: str, progress: Progress = None) -> str:
    label = grade_label(grade) if grade in _GRADES else grade
    return (
        f"{_card_head(deck, progress)}\n\n<b>{escape(card.front)}</b>\n\n{escape(card.back)}\n\n"
        + _("You said: <i>{grade}</i>").format(grade=escape(label))
    )


def interval(span: timedelta) -> str:
    """How long until a card comes back, as short as Anki says it: "10 min", "3 d"."""
    minutes = max(1, math.ceil(span.total_seconds() / 60))
    if minutes < 60:
        return ngettext("{count} min", "{count} min", minutes).format(count=minutes)
    hours = round(minutes / 60)
    if hours < 24:
        return ngettext("{count} h", "{count} h", hours).format(count=hours)
    days = round(minutes / 1440)
    if days < 31:
        return ngettext("{count} d", "{count} d", days).format(count=days)
    if days < 365:
        months = round(days / 30.4)
        return ngettext("{count} mo", "{count} mo", months).format(count=months)
    years = max(1, round(days / 365))
    return ngettext("{count} y", "{count} y", years).format(count=years)


def grade_button(grade: str, span: timedelta | None = None) -> str:
    """A grade button: the grade, and when the card comes back after it ("Good · 3 d")."""
    label = grade_label(grade)
    return f"{label} · {interval(span)}" if span is not None else label


def cards_done(deck: Deck, next_due: datetime | None, timezone: str | None, now: datetime) -> str:
    """The end of a /cards session (or nothing to study): when the next card is due, in the
    learner's own zone."""
    if next_due is None:
        return _("Done for now — new cards of <b>{title}</b> come again tomorrow.").format(
            title=escape(deck.title)
        )
    if next_due <= now:
        return _("Done for now — more cards are due already: send /cards again.")
    zone = parse_timezone(timezone)
    local, today = next_due.astimezone(zone), now.astimezone(zone).date()
    locale = current_language()
    days = (local.date() - today).days
    if days == 0:
        when = _("today at {time}").format(time=format_time(local, "short", locale=locale))
    elif days == 1:
        when = _("tomorrow")
    elif days < 7:
        when = format_date(local, "EEE", locale=locale)
    else:
        when = format_date(local, "d MMM", locale=locale)
    return _("Done for now — next card due {when}.").format(when=escape(when))


_NUMBERED = re.compile(r"^\d+/\d+ · ")


def numbered_question(question: str, progress: Progress) -> str:
    """A session's poll question with its place in the session ("3/10 · …"), when it fits."""
    if progress is None:
        return question
    numbered = f"{progress[0]}/{progress[1]} · {question}"
    return numbered if len(numbered) <= POLL_QUESTION_MAX else question


def unnumbered_question(shown: str) -> str:
    """The question as the deck has it, from a poll `numbered_question` made."""
    return _NUMBERED.sub("", shown, count=1)


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
    ) + "".join(
        # Whole here: a button shows a long concept cut to fit a phone.
        f"\n{'✅' if index < len(ticked) and ticked[index] else '▫️'} {escape(concept)}"
        for index, concept in enumerate(prompt.key_concepts)
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


def explain_while_open() -> str:
    return _("No spoilers while the question is open — answer it first, then ask again.")


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


def exam_result(
    deck: Deck,
    result: ExamResult,
    numbers: Mapping[str, int] | None = None,
    questions: Mapping[str, McqItem] | None = None,
) -> str:
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
        # Numbered as in the test; each has its own Explain button below.
        lines.append("\n" + _("Missed — tap a number below for its solution:"))
        for item_id in result.missed:
            number = (numbers or {}).get(item_id)
            item = (questions or {}).get(item_id)
            what = escape(shorten(item.question.splitlines()[0], 80)) if item else ""
            lines.append(
                f"{number}. {what} (<code>{escape(item_id)}</code>)"
                if number is not None
                else f"• <code>{escape(item_id)}</code>"
            )
    return "\n".join(lines)


def exam_explain_button(number: int) -> str:
    return _("Explain {number}").format(number=number)


def exam_retake_button(count: int) -> str:
    return ngettext(
        "Retake {count} missed question", "Retake {count} missed questions", count
    ).format(count=count)


def exam_retake_intro(deck: Deck, count: int) -> str:
    return ngettext(
        "📝 <b>Retake: {title}</b>\n{count} question you missed, once more.",
        "📝 <b>Retake: {title}</b>\n{count} questions you missed, once more.",
        count,
    ).format(title=escape(deck.title), count=count)


def exam_replaced(deck: Deck, asked: int, total: int) -> str:
    """A second /test while one runs: what happens to the one open."""
    return ngettext(
        "Your test of <b>{title}</b> stops at question {asked} of {total}; "
        "its answers are kept. A new test begins.",
        "Your test of <b>{title}</b> stops at question {asked} of {total}; "
        "its answers are kept. A new test begins.",
        total,
    ).format(title=escape(deck.title), asked=asked, total=total)


def exam_paused(asked: int, total: int) -> str:
    """/quiz while a /test runs: the test waits."""
    return ngettext(
        "Your /test waits at question {asked} of {total}: answer that poll to carry on.",
        "Your /test waits at question {asked} of {total}: answer that poll to carry on.",
        total,
    ).format(asked=asked, total=total)


def leech_notice(item: McqItem, lapses: int) -> str:
    """Said before the worked solution of a question the learner keeps missing."""
    return ngettext(
        "🔁 Missed {lapses} time: <b>{question}</b>\n"
        "Here is the worked solution — read it through before it comes back.",
        "🔁 Missed {lapses} times: <b>{question}</b>\n"
        "Here is the worked solution — read it through before it comes back.",
        lapses,
    ).format(lapses=lapses, question=escape(item.question))

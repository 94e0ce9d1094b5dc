"""Every user-facing text: HTML-escaped, within Telegram's limits, one function per message.

Texts go through gettext (`bot.i18n`): the English text is the message id, placeholders are
named (`{title}`), and values are escaped before they are put in. The language is the one set
for the current update or job.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from html import escape

from bot.content.models import CardItem, Deck, McqItem, PromptItem
from bot.domain.daily import MAX_SESSION_SIZE, MIN_SESSION_SIZE
from bot.domain.exam import ExamResult
from bot.domain.group_report import GroupReport
from bot.domain.inputs import echo
from bot.domain.progress import Headline, ProgressReport
from bot.domain.scoring import Standing
from bot.i18n import LANGUAGES, N_, _, ngettext

MESSAGE_LIMIT = 4096
# What a reply quotes back of the user's own text (a deck name, an item id) at most.
ECHO_LIMIT = 64
# A learner's first name (Telegram allows 64 characters) as shown in lists and greetings.
NAME_LIMIT = 64
# A problem description quoted in a "bad value" reply.
PROBLEM_LIMIT = 300


def shorten(text: str, limit: int = ECHO_LIMIT) -> str:
    """`text` cut to `limit` characters with "…"; call it BEFORE escaping, so an entity such
    as &amp; is never cut in half."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _name(first_name: str) -> str:
    return escape(shorten(first_name, NAME_LIMIT))


@dataclass(frozen=True)
class CommandHelp:
    command: str
    usage: str
    description: str


# Usage lines and descriptions are translated where they are shown (N_ only marks them).
COMMANDS: tuple[CommandHelp, ...] = (
    CommandHelp("start", "/start", N_("Register and see what this bot does")),
    CommandHelp("help", "/help", N_("List every command")),
    CommandHelp("decks", "/decks", N_("List decks and choose the one to study")),
    CommandHelp("quiz", N_("/quiz [deck]"), N_("Answer the next quiz question")),
    CommandHelp("cards", N_("/cards [deck]"), N_("Review flashcards")),
    CommandHelp(
        "prompt", N_("/prompt [deck]"), N_("Explain a concept, then tick what you covered")
    ),
    CommandHelp(
        "explain", N_("/explain [item id]"), N_("Worked solution of the last or a given item")
    ),
    CommandHelp("test", N_("/test [deck]"), N_("Ten questions, easy to hard, with a verdict")),
    CommandHelp("stats", N_("/stats [text]"), N_("Your progress as a picture (or as text)")),
    CommandHelp("export", "/export", N_("Your answers as a CSV file")),
    CommandHelp("progress", "/progress", N_("Your dashboard: progress, due forecast, misses")),
    CommandHelp("daily", N_("/daily [HH:MM | off | size N]"), N_("Daily revision time and length")),
    CommandHelp("timezone", "/timezone [Europe/Berlin | UTC+2]", N_("Your time zone")),
    CommandHelp("retention", "/retention [0.80-0.97]", N_("How much you aim to remember")),
    CommandHelp("language", "/language [en | ru | es | auto]", N_("Language of my messages")),
    CommandHelp("forget", "/forget", N_("Delete all your data")),
    CommandHelp(
        "challenge",
        N_("/challenge [questions] [seconds] [deck]"),
        N_("Timed round in a group"),
    ),
    CommandHelp("stopchallenge", "/stopchallenge", N_("Stop the group's running round")),
    CommandHelp("leaderboard", "/leaderboard", N_("This week's and all-time group standings")),
    CommandHelp(
        "groupstats", "/groupstats", N_("For group admins: the questions the group gets wrong")
    ),
    CommandHelp("dashboard", "/dashboard", N_("For group admins: the group's results dashboard")),
)

_DIFFICULTIES = {"easy": N_("easy"), "medium": N_("medium"), "hard": N_("hard")}
_GRADES = {"again": N_("Again"), "hard": N_("Hard"), "good": N_("Good"), "easy": N_("Easy")}


def command_description(entry: CommandHelp) -> str:
    return _(entry.description)


def usage(command: str) -> str:
    for entry in COMMANDS:
        if entry.command == command:
            return _("Usage: {usage} — {description}").format(
                usage=escape(_(entry.usage)), description=escape(_(entry.description).lower())
            )
    raise KeyError(command)


def grade_label(grade: str) -> str:
    """An FSRS grade as a button label or in a sentence."""
    return _(_GRADES[grade])


def welcome(first_name: str, deck: Deck, daily_time: str | None, zone: str | None) -> str:
    text = _(
        "Hi {name}! I'm your study tutor.\n\n"
        "I send quiz questions, flashcards and explain-it prompts, remember every answer, "
        "and bring back what you are about to forget.\n\n"
        "Your deck: <b>{deck}</b> (change it with /decks).\n"
        "Try /quiz for a question, /cards for flashcards, or /test to check this topic."
    ).format(name=_name(first_name), deck=escape(deck.title))
    if daily_time is not None:
        text += "\n\n" + _(
            "⏰ Daily revision is on at {time} {zone}. "
            "Change it with /daily HH:MM, stop it with /daily off, "
            "set your zone with /timezone Europe/Berlin."
        ).format(time=escape(daily_time), zone=escape(zone or "UTC"))
    return text


def help_text() -> str:
    lines = [f"{escape(_(entry.usage))} — {escape(_(entry.description))}" for entry in COMMANDS]
    return _("<b>Commands</b>") + "\n" + "\n".join(lines)


def unknown_command() -> str:
    return _("I don't know that command. Send /help to see what I can do.")


def plain_text_hint() -> str:
    return _("I answer commands. Send /quiz for a question or /help for the list.")


def unknown_deck(query: str, decks: Sequence[Deck]) -> str:
    ids = ", ".join(f"<code>{escape(deck.id)}</code>" for deck in decks)
    return _("No deck called “{query}”. Decks: {ids}.").format(
        query=escape(shorten(query)), ids=ids
    )


def deck_list(decks: Sequence[Deck], progress: dict[str, int], active_deck_id: str) -> str:
    lines = [_("<b>Decks</b> (items seen / total)")]
    for deck in decks:
        marker = "▶ " if deck.id == active_deck_id else ""
        language = f" [{escape(deck.language)}]" if deck.language else ""
        lines.append(
            _(
                "{marker}<b>{title}</b> <code>{id}</code>{language}: "
                "{questions} questions, {cards} cards, {prompts} prompts — {seen}/{total} seen"
            ).format(
                marker=marker,
                title=escape(deck.title),
                id=escape(deck.id),
                language=language,
                questions=len(deck.mcqs),
                cards=len(deck.cards),
                prompts=len(deck.prompts),
                seen=progress.get(deck.id, 0),
                total=len(deck.items),
            )
        )
    lines.append("\n" + _("Tap a deck to study it."))
    return "\n".join(lines)


def deck_chosen(deck: Deck) -> str:
    return _("Now studying <b>{title}</b>. Send /quiz or /cards to begin.").format(
        title=escape(deck.title)
    )


def deck_chosen_note(deck: Deck) -> str:
    """The short answer to the deck button (answerCallbackQuery allows 200 characters)."""
    return shorten(_("Studying {title}").format(title=deck.title), 200)


_KINDS = {"questions": N_("questions"), "flashcards": N_("flashcards"), "prompts": N_("prompts")}


def no_items(deck: Deck, kind: str) -> str:
    return _("The deck <b>{title}</b> has no {kind}. Try /decks.").format(
        title=escape(deck.title), kind=escape(_(_KINDS.get(kind, kind)))
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
        _("You got <b>{ticked}/{total}</b> concepts.").format(
            ticked=sum(ticked), total=len(prompt.key_concepts)
        ),
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


def split_messages(blocks: Sequence[str], limit: int = MESSAGE_LIMIT) -> list[str]:
    """Join blocks with blank lines into as few messages as fit; never split inside a block.

    Blocks are built by this module and each is far below the limit (content
    validation caps every field), so a tag is never cut in half.
    """
    messages: list[str] = []
    current = ""
    for block in blocks:
        candidate = f"{current}\n\n{block}" if current else block
        if len(candidate) <= limit:
            current = candidate
            continue
        if current:
            messages.append(current)
        current = block
    if current:
        messages.append(current)
    return messages


def explain_usage_no_last() -> str:
    return _("Nothing to explain yet: answer a /quiz first, or send /explain &lt;item id&gt;.")


def unknown_item(item_id: str) -> str:
    return _("No item with id <code>{id}</code>.").format(id=escape(shorten(item_id)))


def exam_intro(deck: Deck, count: int) -> str:
    return _(
        "📝 <b>Test: {title}</b>\n{count} questions from easy to hard. "
        "Answer each poll; the next one follows."
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


@dataclass(frozen=True)
class DeckLine:
    title: str
    answers: int
    correct: int
    seen: int
    total: int


def stats(
    answers: int, correct: int, seen: int, total: int, decks: Sequence[DeckLine], streak: int
) -> str:
    if answers == 0:
        return _("No answers yet. Send /quiz to start.")
    lines = [
        _("📊 <b>Your stats</b>"),
        _("Answers: {answers}, accuracy {accuracy}").format(
            answers=answers, accuracy=_percent(correct, answers)
        ),
        _("Items seen: {seen}/{total}").format(seen=seen, total=total),
        ngettext("Streak: {count} day", "Streak: {count} days", streak).format(count=streak),
        "",
    ]
    for deck in decks:
        lines.append(
            _("<b>{title}</b>: {answers} answers, {accuracy}, {seen}/{total} seen").format(
                title=escape(deck.title),
                answers=deck.answers,
                accuracy=_percent(deck.correct, deck.answers),
                seen=deck.seen,
                total=deck.total,
            )
        )
    return "\n".join(lines)


def _percent(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)}%" if whole else "—"


def forget_confirm() -> str:
    return _(
        "This deletes all your answers, progress and settings. It cannot be undone. Are you sure?"
    )


def forget_yes_button() -> str:
    return _("Yes, delete everything")


def forget_cancel_button() -> str:
    return _("Cancel")


def forget_done() -> str:
    return _("All your data is deleted. Send /start to begin again.")


def forget_cancelled() -> str:
    return _("Nothing was deleted.")


def private_only(command: str) -> str:
    return _(
        "/{command} works in a private chat with me — open my profile and send it there."
    ).format(command=escape(command))


def daily_summary(right: int, total: int, streak: int) -> str:
    return (
        _("🏁 <b>Revision done</b>: {right}/{total} right ({percent}).").format(
            right=right, total=total, percent=_percent(right, total)
        )
        + "\n"
        + ngettext(
            "🔥 Streak: {count} day. See you tomorrow!",
            "🔥 Streak: {count} days. See you tomorrow!",
            streak,
        ).format(count=streak)
    )


def group_only(command: str) -> str:
    return _("/{command} works in a group: add me to a group chat and send it there.").format(
        command=escape(command)
    )


def challenge_usage() -> str:
    return _(
        "Usage: /challenge [questions 1-20] [seconds 5-600] [deck] — "
        "e.g. <code>/challenge 5 20</code>"
    )


def challenge_running(ends_at: datetime) -> str:
    return _("A round is already running here; it ends at about {time} UTC.").format(
        time=f"{ends_at:%H:%M:%S}"
    )


def challenge_announce(deck: Deck, questions: int, seconds: int, starter: str) -> str:
    return ngettext(
        "🏆 <b>Challenge!</b> {starter} started a round: {count} question from "
        "<b>{title}</b>, {seconds} s each. Faster right answers score more (500–1000 points).",
        "🏆 <b>Challenge!</b> {starter} started a round: {count} questions from "
        "<b>{title}</b>, {seconds} s each. Faster right answers score more (500–1000 points).",
        questions,
    ).format(starter=_name(starter), count=questions, title=escape(deck.title), seconds=seconds)


_MEDALS = {1: "🥇", 2: "🥈", 3: "🥉"}


def challenge_results(deck: Deck, standings: Sequence[Standing], questions: int) -> str:
    lines = [
        _("🏁 <b>Round over</b> — {title}, {count} questions").format(
            title=escape(deck.title), count=questions
        )
    ]
    if not standings:
        lines.append(_("Nobody answered this time."))
    for standing in standings:
        medal = _MEDALS.get(standing.rank, f"{standing.rank}.")
        lines.append(
            _("{medal} {name} — {right} right, <b>{points}</b> pts").format(
                medal=medal,
                name=_name(standing.first_name),
                right=standing.right,
                points=standing.points,
            )
        )
    lines.append("\n" + _("Standings: /leaderboard"))
    return "\n".join(lines)


def no_running_challenge() -> str:
    return _("No round is running. Start one with /challenge.")


def stop_refused() -> str:
    return _("Sorry, only the member who started this round or a group admin can stop it.")


def leaderboard(
    week: Sequence[Standing], ever: Sequence[Standing], caller_id: int, size: int
) -> str:
    lines = [_("🏆 <b>Leaderboard</b>"), "", _("<b>This week</b>")]
    lines += _board(week, caller_id, size)
    lines += ["", _("<b>All time</b>")]
    lines += _board(ever, caller_id, size)
    return "\n".join(lines)


def _board(standings: Sequence[Standing], caller_id: int, size: int) -> list[str]:
    if not standings:
        return [_("No answers yet.")]
    lines = [
        _("{rank}. {name} — {points} pts ({right} right)").format(
            rank=s.rank, name=_name(s.first_name), points=s.points, right=s.right
        )
        for s in standings[:size]
    ]
    mine = next((s for s in standings if s.user_id == caller_id), None)
    if mine is not None and mine.rank > size:
        lines.append(
            "…\n"
            + _("You: {rank}. {name} — {points} pts").format(
                rank=mine.rank, name=_name(mine.first_name), points=mine.points
            )
        )
    return lines


def group_intro() -> str:
    return _(
        "Hi, I'm Quiz Tutor! Start a timed quiz round with /challenge "
        "(e.g. <code>/challenge 5 20</code>) and see the standings with /leaderboard."
    )


def group_nothing_to_explain() -> str:
    return _("No question has been asked here yet. Start one with /challenge.")


def group_explain_while_open() -> str:
    return _("No spoilers while the question is open — ask again when it closes.")


def bad_value(problem: str, usage_line: str) -> str:
    return f"⚠️ {escape(shorten(problem, PROBLEM_LIMIT))}\n{usage_line}"


def not_a_time(typed: str) -> str:
    """Plain text: bad_value() escapes it."""
    return _("{typed} is not a time; use HH:MM, e.g. 07:30 or 18:00").format(typed=echo(typed))


def bad_session_size() -> str:
    return _("session size must be a whole number from {low} to {high}").format(
        low=MIN_SESSION_SIZE, high=MAX_SESSION_SIZE
    )


def not_a_timezone(typed: str, *, offset: bool) -> str:
    if offset:
        return _("{typed} is not a valid UTC offset (UTC-12 … UTC+14)").format(typed=echo(typed))
    return _("{typed} is not a time zone; try Europe/Berlin or UTC+2").format(typed=echo(typed))


def something_went_wrong() -> str:
    return _("Sorry, something went wrong on my side. Please try again.")


def daily_intro(decks: Sequence[Deck], due: int, missed: int, size: int) -> str:
    """The daily prompt: which decks today's questions come from, and how many."""
    titles = " · ".join(escape(deck.title) for deck in decks)
    return (
        _("⏰ <b>Daily revision</b> — {title}").format(title=titles)
        + "\n"
        + ngettext(
            "{due} question due, {missed} missed recently. Here come {size}; "
            "each answer brings the next.",
            "{due} questions due, {missed} missed recently. Here come {size}; "
            "each answer brings the next.",
            due,
        ).format(due=due, missed=missed, size=size)
    )


def due_extras_button(cards: int, prompts: int) -> str:
    """One button under the summary for the flashcards and prompts due (≤ 64 chars)."""
    parts = []
    if cards:
        parts.append(ngettext("{count} flashcard", "{count} flashcards", cards).format(count=cards))
    if prompts:
        parts.append(
            ngettext("{count} explain prompt", "{count} explain prompts", prompts).format(
                count=prompts
            )
        )
    return _("{what} due — review them").format(what=_(" and ").join(parts))


def review_done(count: int) -> str:
    return ngettext(
        "🏁 <b>Review done</b>: {count} item reviewed.",
        "🏁 <b>Review done</b>: {count} items reviewed.",
        count,
    ).format(count=count)


def nothing_to_review() -> str:
    return _("Nothing else is due right now. 🎉")


def leech_notice(item: McqItem, lapses: int) -> str:
    """Said before the worked solution of a question the learner keeps missing."""
    return _(
        "🔁 Missed {lapses} times: <b>{question}</b>\n"
        "Here is the worked solution — read it through before it comes back."
    ).format(lapses=lapses, question=escape(item.question))


STATS_LEECHES_SHOWN = 10  # 10 questions of at most 300 characters stay within one message


def stats_leeches(questions: Sequence[McqItem]) -> str:
    """The /stats lines for leeches (questions missed again and again), or nothing."""
    if not questions:
        return ""
    lines = ["", _("🔁 <b>Keep missing</b> (worked solution: /explain id):")]
    lines += [
        f"• {escape(item.question)} — <code>{escape(item.id)}</code>"
        for item in questions[:STATS_LEECHES_SHOWN]
    ]
    if len(questions) > STATS_LEECHES_SHOWN:
        lines.append(_("…and {count} more").format(count=len(questions) - STATS_LEECHES_SHOWN))
    return "\n".join(lines)


def daily_off() -> str:
    return _("Daily revision is off. Turn it on with /daily HH:MM, e.g. /daily 08:30.")


def daily_setting(
    daily_time: str, zone: str, next_run: datetime, size: int, *, timezone_never_set: bool
) -> str:
    text = _(
        "⏰ Daily revision at <b>{time}</b> ({zone}), {size} items per session.\n"
        "Next: {next_run:%a %d %b %H:%M}."
    ).format(time=escape(daily_time), zone=escape(zone), size=size, next_run=next_run)
    if timezone_never_set:
        text += "\n" + _("Times are in UTC: set your zone with /timezone Europe/Berlin (or UTC+2).")
    return text


def timezone_current(zone: str | None) -> str:
    if zone is None:
        return _("Your time zone is not set, so times are UTC.") + " " + usage("timezone")
    return (
        _("Your time zone: <b>{zone}</b>.").format(zone=escape(shorten(zone)))
        + " "
        + usage("timezone")
    )


def timezone_set(zone: str) -> str:
    return _("Time zone set to <b>{zone}</b>.").format(zone=escape(shorten(zone)))


def retention_current(value: float) -> str:
    return _(
        "Desired retention: <b>{value}</b> — higher means more frequent reviews. "
        "Change it with /retention 0.80 … 0.97."
    ).format(value=f"{value:.2f}")


def button_expired() -> str:
    """The quiet answer to a button that is stale, already used, or not one the bot made."""
    return _("This button has expired.")


# --- The learner's language (/language) ---


def language_current(language: str, *, chosen: bool) -> str:
    if chosen:
        text = _("Language: <b>{name}</b> (your choice).")
    else:
        text = _("Language: <b>{name}</b> (from your Telegram settings).")
    return text.format(name=escape(LANGUAGES[language])) + "\n" + usage("language")


def language_set(language: str, *, chosen: bool) -> str:
    if chosen:
        text = _("Language set to <b>{name}</b>.")
    else:
        text = _("Language follows your Telegram settings again: <b>{name}</b>.")
    return text.format(name=escape(LANGUAGES[language]))


def group_language_current(language: str, *, chosen: bool) -> str:
    if chosen:
        text = _("This group's language: <b>{name}</b> (chosen by an admin).")
    else:
        text = _("This group's language: <b>{name}</b> (the default).")
    return text.format(name=escape(LANGUAGES[language])) + "\n" + usage("language")


def group_language_set(language: str, *, chosen: bool) -> str:
    if chosen:
        text = _("This group's language is now <b>{name}</b>.")
    else:
        text = _("This group's language is back to the default: <b>{name}</b>.")
    return text.format(name=escape(LANGUAGES[language]))


def group_language_refused() -> str:
    return _("Only the group's admins can change its language.")


# --- Reloading the decks (/reload, SIGHUP) ---


def reload_refused() -> str:
    return _("Only the bot's admins can reload the decks.")


def reload_done(decks: int, items: int, added: int, removed: int) -> str:
    return _(
        "✅ Decks reloaded: <b>{decks}</b> decks, <b>{items}</b> items "
        "({added} new, {removed} removed). Open polls and sessions carry on."
    ).format(decks=decks, items=items, added=added, removed=removed)


def reload_failed(problems: Sequence[str], limit: int = MESSAGE_LIMIT) -> str:
    """Every problem that fits in one message; the count of the rest at the end."""
    head = _(
        "⚠️ <b>Reload refused</b>: {count} problem(s) in the decks. "
        "The decks in use have not changed."
    ).format(count=len(problems))
    more = _("… and {count} more")
    lines = [head]
    size = len(head)
    for shown, problem in enumerate(problems):
        line = f"• {escape(problem)}"
        rest = len(problems) - shown - 1
        # Leave room for the "… and N more" line that may follow.
        reserve = len("\n" + more.format(count=len(problems))) if rest else 0
        if size + 1 + len(line) + reserve > limit:
            lines.append(more.format(count=len(problems) - shown))
            break
        lines.append(line)
        size += 1 + len(line)
    return "\n".join(lines)


# --- Progress pictures, the group report, the export ---

CAPTION_LIMIT = 1024


def _share_text(share: float | None) -> str:
    return "—" if share is None else f"{round(100 * share)}%"


def _flat(text: str) -> str:
    """Every run of whitespace (newlines too) as one space: a list line stays one line."""
    return " ".join(text.split())


def stats_nothing_yet() -> str:
    return _(
        "Nothing to show yet: your progress appears here once you have answered a few "
        "questions. Send /quiz to start."
    )


def stats_usage() -> str:
    return _("Usage: /stats for the picture, /stats text for the same facts as text.")


def stats_caption(headline: Headline) -> str:
    """The picture's caption: the headline facts, so it reads without the image."""
    return "\n".join(
        [
            _("📊 <b>Your progress</b>"),
            _("Answers: {answers} · accuracy {accuracy}").format(
                answers=f"{headline.answers:,}", accuracy=_share_text(headline.accuracy)
            ),
            ngettext(
                "Streak: {days} day · due today: {due}",
                "Streak: {days} days · due today: {due}",
                headline.streak,
            ).format(days=headline.streak, due=f"{headline.due_today:,}"),
            _("Mastered: {mastered}/{items} items").format(
                mastered=f"{headline.mastered:,}", items=f"{headline.items:,}"
            ),
            _("/stats text gives these numbers as text."),
        ]
    )


def stats_progress(report: ProgressReport) -> str:
    """Lines for /stats text that the picture shows: due reviews, this week, mastery."""
    week = report.weeks[-1]
    lines = [
        _("Due today: {today}, next 7 days: {week}").format(
            today=f"{report.headline.due_today:,}", week=f"{sum(report.forecast[1:8]):,}"
        ),
        ngettext(
            "This week: {count} answer, accuracy {accuracy}",
            "This week: {count} answers, accuracy {accuracy}",
            week.answers,
        ).format(count=f"{week.answers:,}", accuracy=_share_text(week.accuracy)),
        _("Mastered (recall ≥ 90%): {mastered}/{items}").format(
            mastered=f"{report.headline.mastered:,}", items=f"{report.headline.items:,}"
        ),
    ]
    lines += [
        f"  {escape(shorten(_flat(deck.title), 64))}: {deck.mastered}/{deck.total}"
        for deck in report.mastery
    ]
    return "\n".join(lines)


def groupstats_refused() -> str:
    return _("Sorry, /groupstats is for the group's admins.")


def groupstats_nothing_yet() -> str:
    return _("No challenge answers in this group yet. Start a round with /challenge.")


def groupstats_caption(report: GroupReport, hardest: int = 3, names: int = 20) -> str:
    """Short summary under the group picture: the hardest questions, who has not played."""
    answers = sum(line.answers for line in report.questions)
    head = [
        _("👥 <b>Group report</b>"),
        _("{answers} from {members}, {questions}.").format(
            answers=ngettext(
                "{count} challenge answer", "{count} challenge answers", answers
            ).format(count=f"{answers:,}"),
            members=ngettext("{count} member", "{count} members", report.members).format(
                count=f"{report.members:,}"
            ),
            questions=ngettext(
                "{count} question", "{count} questions", len(report.questions)
            ).format(count=len(report.questions)),
        ),
        _("Hardest:"),
    ]
    head += [
        _("{rank}. {question} — {accuracy} ({answered} of {members})").format(
            rank=rank,
            question=escape(shorten(_flat(line.question), 70)),
            accuracy=_share_text(line.accuracy),
            answered=line.members,
            members=report.members,
        )
        for rank, line in enumerate(report.questions[:hardest], start=1)
    ]
    if not report.absent:
        return "\n".join([*head, _("Everyone has played this week.")])
    # Fewer names until it fits: the caption limit counts the text, tags and escapes count less.
    for shown in range(min(names, len(report.absent)), -1, -1):
        listed = ", ".join(
            escape(shorten(_flat(member.first_name), 32)) for member in report.absent[:shown]
        )
        rest = len(report.absent) - shown
        if rest:
            more = _("and {count} more").format(count=rest)
            listed += f"{', ' if listed else ''}{more}"
        line = _("Not played this week ({count}): {names}").format(
            count=len(report.absent), names=listed
        )
        text = "\n".join([*head, line])
        if len(text) <= CAPTION_LIMIT:
            return text
    return "\n".join(head)  # three questions of at most 70 characters always fit


def export_caption(rows: int) -> str:
    return ngettext(
        "Your answers: {count} row, times in your time zone.",
        "Your answers: {count} rows, times in your time zone.",
        rows,
    ).format(count=f"{rows:,}")


def export_nothing_yet() -> str:
    return _("You have no answers to export yet. Send /quiz to start.")

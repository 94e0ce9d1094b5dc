"""Every user-facing text: HTML-escaped, within Telegram's limits, one function per message."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from html import escape

from bot.content.models import CardItem, Deck, McqItem, PromptItem
from bot.domain.exam import ExamResult
from bot.domain.scoring import Standing

MESSAGE_LIMIT = 4096


@dataclass(frozen=True)
class CommandHelp:
    command: str
    usage: str
    description: str


COMMANDS: tuple[CommandHelp, ...] = (
    CommandHelp("start", "/start", "Register and see what this bot does"),
    CommandHelp("help", "/help", "List every command"),
    CommandHelp("decks", "/decks", "List decks and choose the one to study"),
    CommandHelp("quiz", "/quiz [deck]", "Answer the next quiz question"),
    CommandHelp("cards", "/cards [deck]", "Review flashcards"),
    CommandHelp("prompt", "/prompt [deck]", "Explain a concept, then tick what you covered"),
    CommandHelp("explain", "/explain [item id]", "Worked solution of the last or a given item"),
    CommandHelp("test", "/test [deck]", "Ten questions, easy to hard, with a verdict"),
    CommandHelp("stats", "/stats", "Your answers, accuracy, progress and streak"),
    CommandHelp("daily", "/daily [HH:MM | off | size N]", "Daily revision time and length"),
    CommandHelp("timezone", "/timezone [Europe/Berlin | UTC+2]", "Your time zone"),
    CommandHelp("retention", "/retention [0.80-0.97]", "How much you aim to remember"),
    CommandHelp("forget", "/forget", "Delete all your data"),
    CommandHelp("challenge", "/challenge [questions] [seconds] [deck]", "Timed round in a group"),
    CommandHelp("stopchallenge", "/stopchallenge", "Stop the group's running round"),
    CommandHelp("leaderboard", "/leaderboard", "This week's and all-time group standings"),
)


def usage(command: str) -> str:
    for entry in COMMANDS:
        if entry.command == command:
            return f"Usage: {escape(entry.usage)} — {escape(entry.description.lower())}"
    raise KeyError(command)


def welcome(first_name: str, deck: Deck, daily_time: str | None, zone: str | None) -> str:
    text = (
        f"Hi {escape(first_name)}! I'm your study tutor.\n\n"
        "I send quiz questions, flashcards and explain-it prompts, remember every answer, "
        "and bring back what you are about to forget.\n\n"
        f"Your deck: <b>{escape(deck.title)}</b> (change it with /decks).\n"
        "Try /quiz for a question, /cards for flashcards, or /test to check this topic."
    )
    if daily_time is not None:
        text += (
            f"\n\n⏰ Daily revision is on at {daily_time} {escape(zone or 'UTC')}. "
            "Change it with /daily HH:MM, stop it with /daily off, "
            "set your zone with /timezone Europe/Berlin."
        )
    return text


def help_text() -> str:
    lines = [f"{escape(entry.usage)} — {escape(entry.description)}" for entry in COMMANDS]
    return "<b>Commands</b>\n" + "\n".join(lines)


def unknown_command() -> str:
    return "I don't know that command. Send /help to see what I can do."


def plain_text_hint() -> str:
    return "I answer commands. Send /quiz for a question or /help for the list."


def unknown_deck(query: str, decks: Sequence[Deck]) -> str:
    ids = ", ".join(f"<code>{escape(deck.id)}</code>" for deck in decks)
    return f"No deck called “{escape(query)}”. Decks: {ids}."


def deck_list(decks: Sequence[Deck], progress: dict[str, int], active_deck_id: str) -> str:
    lines = ["<b>Decks</b> (items seen / total)"]
    for deck in decks:
        marker = "▶ " if deck.id == active_deck_id else ""
        lines.append(
            f"{marker}<b>{escape(deck.title)}</b> <code>{escape(deck.id)}</code>: "
            f"{len(deck.mcqs)} questions, {len(deck.cards)} cards, {len(deck.prompts)} prompts"
            f" — {progress.get(deck.id, 0)}/{len(deck.items)} seen"
        )
    lines.append("\nTap a deck to study it.")
    return "\n".join(lines)


def deck_chosen(deck: Deck) -> str:
    return f"Now studying <b>{escape(deck.title)}</b>. Send /quiz or /cards to begin."


def no_items(deck: Deck, kind: str) -> str:
    return f"The deck <b>{escape(deck.title)}</b> has no {escape(kind)}. Try /decks."


def answer_feedback(correct: bool, item: McqItem) -> str:
    if correct:
        return "✅ Right!"
    return f"❌ Not quite — the answer is <b>{escape(item.correct)}</b>."


def card_front(card: CardItem, deck: Deck) -> str:
    return f"🃏 <i>{escape(deck.title)}</i>\n\n<b>{escape(card.front)}</b>"


def card_back(card: CardItem, deck: Deck) -> str:
    return (
        f"🃏 <i>{escape(deck.title)}</i>\n\n<b>{escape(card.front)}</b>\n\n{escape(card.back)}\n\n"
        "How well did you know it?"
    )


def card_graded(card: CardItem, deck: Deck, grade: str) -> str:
    return (
        f"🃏 <i>{escape(deck.title)}</i>\n\n<b>{escape(card.front)}</b>\n\n{escape(card.back)}\n\n"
        f"You said: <i>{escape(grade)}</i>"
    )


def prompt_question(prompt: PromptItem, ticked: Sequence[bool]) -> str:
    return (
        f"💬 <b>Explain:</b> {escape(prompt.question)}\n\n"
        f"<i>Think about:</i> {escape(prompt.think_about)}\n\n"
        "Explain it in your own words (out loud or here), then tick the key concepts "
        f"you covered and press Done. ({sum(ticked)}/{len(prompt.key_concepts)} ticked)"
    )


def prompt_result(prompt: PromptItem, ticked: Sequence[bool]) -> str:
    lines = [
        f"💬 <b>Explain:</b> {escape(prompt.question)}\n",
        f"You got <b>{sum(ticked)}/{len(prompt.key_concepts)}</b> concepts.",
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
            f"<i>Think about:</i> {escape(item.think_about)}",
            "<b>Key concepts</b>\n" + "\n".join(f"• {escape(c)}" for c in item.key_concepts),
        ]
    return split_messages(blocks)


def _explain_mcq(item: McqItem) -> list[str]:
    blocks = [f"❓ <b>{escape(item.question)}</b>"]
    solution = item.solution
    if solution is None:
        blocks.append(f"<b>Answer:</b> {escape(item.correct)}")
        blocks.append(escape(item.explanation))
        return blocks
    for number, step in enumerate(solution.steps, start=1):
        blocks.append(f"<b>Step {number}: {escape(step.title)}</b>\n{escape(step.detail)}")
    blocks.append(f"<b>Final answer:</b> {escape(solution.final_answer)}")
    blocks.append(f"<b>Quick check:</b> {escape(solution.quick_check)}")
    blocks.append(f"💡 <b>Hint:</b> {escape(solution.hint)}")
    if solution.common_mistakes:
        mistakes = "\n".join(f"• {escape(m)}" for m in solution.common_mistakes)
        blocks.append(f"<b>Common mistakes</b>\n{mistakes}")
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
    return "Nothing to explain yet: answer a /quiz first, or send /explain &lt;item id&gt;."


def unknown_item(item_id: str) -> str:
    return f"No item with id <code>{escape(item_id)}</code>."


def exam_intro(deck: Deck, count: int) -> str:
    return (
        f"📝 <b>Test: {escape(deck.title)}</b>\n{count} questions from easy to hard. "
        "Answer each poll; the next one follows."
    )


def exam_result(deck: Deck, result: ExamResult) -> str:
    lines = [
        f"📝 <b>Test result: {escape(deck.title)}</b>",
        f"Score: {result.right}/{result.total}",
    ]
    for level in result.levels:
        if level.total:
            lines.append(f"• {level.difficulty.value}: {level.right}/{level.total}")
    verdict = "💪 Strong — this pattern is solid." if result.strong else "📚 Needs review."
    lines.append(f"\n<b>Verdict:</b> {verdict}")
    if result.missed:
        lines.append("\nMissed (see /explain &lt;id&gt;):")
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
        return "No answers yet. Send /quiz to start."
    lines = [
        "📊 <b>Your stats</b>",
        f"Answers: {answers}, accuracy {_percent(correct, answers)}",
        f"Items seen: {seen}/{total}",
        f"Streak: {streak} day{'s' if streak != 1 else ''}",
        "",
    ]
    for deck in decks:
        lines.append(
            f"<b>{escape(deck.title)}</b>: {deck.answers} answers, "
            f"{_percent(deck.correct, deck.answers)}, {deck.seen}/{deck.total} seen"
        )
    return "\n".join(lines)


def _percent(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)}%" if whole else "—"


def forget_confirm() -> str:
    return (
        "This deletes all your answers, progress and settings. It cannot be undone. Are you sure?"
    )


def forget_done() -> str:
    return "All your data is deleted. Send /start to begin again."


def forget_cancelled() -> str:
    return "Nothing was deleted."


def private_only(command: str) -> str:
    return (
        f"/{escape(command)} works in a private chat with me — open my profile and send it there."
    )


def daily_summary(right: int, total: int, streak: int) -> str:
    return (
        f"🏁 <b>Revision done</b>: {right}/{total} right ({_percent(right, total)}).\n"
        f"🔥 Streak: {streak} day{'s' if streak != 1 else ''}. See you tomorrow!"
    )


def group_only(command: str) -> str:
    return f"/{escape(command)} works in a group: add me to a group chat and send it there."


def challenge_usage() -> str:
    return (
        "Usage: /challenge [questions 1-20] [seconds 5-600] [deck] — "
        "e.g. <code>/challenge 5 20</code>"
    )


def challenge_running(ends_at: datetime) -> str:
    return f"A round is already running here; it ends at about {ends_at:%H:%M:%S} UTC."


def challenge_announce(deck: Deck, questions: int, seconds: int, starter: str) -> str:
    return (
        f"🏆 <b>Challenge!</b> {escape(starter)} started a round: {questions} question"
        f"{'s' if questions != 1 else ''} from <b>{escape(deck.title)}</b>, {seconds} s each. "
        "Faster right answers score more (500–1000 points)."
    )


_MEDALS = {1: "🥇", 2: "🥈", 3: "🥉"}


def challenge_results(deck: Deck, standings: Sequence[Standing], questions: int) -> str:
    lines = [f"🏁 <b>Round over</b> — {escape(deck.title)}, {questions} questions"]
    if not standings:
        lines.append("Nobody answered this time.")
    for standing in standings:
        medal = _MEDALS.get(standing.rank, f"{standing.rank}.")
        lines.append(
            f"{medal} {escape(standing.first_name)} — {standing.right} right, "
            f"<b>{standing.points}</b> pts"
        )
    lines.append("\nStandings: /leaderboard")
    return "\n".join(lines)


def no_running_challenge() -> str:
    return "No round is running. Start one with /challenge."


def stop_refused() -> str:
    return "Sorry, only the member who started this round or a group admin can stop it."


def leaderboard(
    week: Sequence[Standing], ever: Sequence[Standing], caller_id: int, size: int
) -> str:
    lines = ["🏆 <b>Leaderboard</b>", "", "<b>This week</b>"]
    lines += _board(week, caller_id, size)
    lines += ["", "<b>All time</b>"]
    lines += _board(ever, caller_id, size)
    return "\n".join(lines)


def _board(standings: Sequence[Standing], caller_id: int, size: int) -> list[str]:
    if not standings:
        return ["No answers yet."]
    lines = [
        f"{s.rank}. {escape(s.first_name)} — {s.points} pts ({s.right} right)"
        for s in standings[:size]
    ]
    mine = next((s for s in standings if s.user_id == caller_id), None)
    if mine is not None and mine.rank > size:
        lines.append(f"…\nYou: {mine.rank}. {escape(mine.first_name)} — {mine.points} pts")
    return lines


def group_intro() -> str:
    return (
        "Hi, I'm Quiz Tutor! Start a timed quiz round with /challenge "
        "(e.g. <code>/challenge 5 20</code>) and see the standings with /leaderboard."
    )


def group_nothing_to_explain() -> str:
    return "No question has been asked here yet. Start one with /challenge."


def group_explain_while_open() -> str:
    return "No spoilers while the question is open — ask again when it closes."


def bad_value(problem: str, usage_line: str) -> str:
    return f"⚠️ {escape(problem)}\n{usage_line}"


def daily_intro(deck: Deck, due: int, missed: int, size: int) -> str:
    return (
        f"⏰ <b>Daily revision</b> — {escape(deck.title)}\n"
        f"{due} item{'s' if due != 1 else ''} due, {missed} missed recently. "
        f"Here come {size}; each answer brings the next."
    )


def daily_off() -> str:
    return "Daily revision is off. Turn it on with /daily HH:MM, e.g. /daily 08:30."


def daily_setting(
    daily_time: str, zone: str, next_run: datetime, size: int, *, timezone_never_set: bool
) -> str:
    text = (
        f"⏰ Daily revision at <b>{daily_time}</b> ({escape(zone)}), {size} items per session.\n"
        f"Next: {next_run:%a %d %b %H:%M}."
    )
    if timezone_never_set:
        text += "\nTimes are in UTC: set your zone with /timezone Europe/Berlin (or UTC+2)."
    return text


def timezone_current(zone: str | None) -> str:
    if zone is None:
        return "Your time zone is not set, so times are UTC. " + usage("timezone")
    return f"Your time zone: <b>{escape(zone)}</b>. " + usage("timezone")


def timezone_set(zone: str) -> str:
    return f"Time zone set to <b>{escape(zone)}</b>."


def retention_current(value: float) -> str:
    return (
        f"Desired retention: <b>{value:.2f}</b> — higher means more frequent reviews. "
        "Change it with /retention 0.80 … 0.97."
    )


# --- Reloading the decks (/reload, SIGHUP) ---


def reload_refused() -> str:
    return "Only the bot's admins can reload the decks."


def reload_done(decks: int, items: int, added: int, removed: int) -> str:
    return (
        f"✅ Decks reloaded: <b>{decks}</b> decks, <b>{items}</b> items "
        f"({added} new, {removed} removed). Open polls and sessions carry on."
    )


def reload_failed(problems: Sequence[str], limit: int = MESSAGE_LIMIT) -> str:
    """Every problem that fits in one message; the count of the rest at the end."""
    head = (
        f"⚠️ <b>Reload refused</b>: {len(problems)} problem(s) in the decks. "
        "The decks in use have not changed."
    )
    lines = [head]
    size = len(head)
    for shown, problem in enumerate(problems):
        line = f"• {escape(problem)}"
        rest = len(problems) - shown - 1
        # Leave room for the "… and N more" line that may follow.
        reserve = len(f"\n… and {len(problems)} more") if rest else 0
        if size + 1 + len(line) + reserve > limit:
            lines.append(f"… and {len(problems) - shown} more")
            break
        lines.append(line)
        size += 1 + len(line)
    return "\n".join(lines)

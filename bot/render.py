"""Every user-facing text: HTML-escaped, within Telegram's limits, one function per message."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from html import escape

from bot.content.models import CardItem, Deck, McqItem, PromptItem
from bot.domain.exam import ExamResult
from bot.domain.group_report import GroupReport
from bot.domain.progress import Headline, ProgressReport
from bot.domain.scoring import Standing

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


COMMANDS: tuple[CommandHelp, ...] = (
    CommandHelp("start", "/start", "Register and see what this bot does"),
    CommandHelp("help", "/help", "List every command"),
    CommandHelp("decks", "/decks", "List decks and choose the one to study"),
    CommandHelp("quiz", "/quiz [deck]", "Answer the next quiz question"),
    CommandHelp("cards", "/cards [deck]", "Review flashcards"),
    CommandHelp("prompt", "/prompt [deck]", "Explain a concept, then tick what you covered"),
    CommandHelp("explain", "/explain [item id]", "Worked solution of the last or a given item"),
    CommandHelp("test", "/test [deck]", "Ten questions, easy to hard, with a verdict"),
    CommandHelp("stats", "/stats [text]", "Your progress as a picture (or as text)"),
    CommandHelp("export", "/export", "Your answers as a CSV file"),
    CommandHelp("daily", "/daily [HH:MM | off | size N]", "Daily revision time and length"),
    CommandHelp("timezone", "/timezone [Europe/Berlin | UTC+2]", "Your time zone"),
    CommandHelp("retention", "/retention [0.80-0.97]", "How much you aim to remember"),
    CommandHelp("forget", "/forget", "Delete all your data"),
    CommandHelp("challenge", "/challenge [questions] [seconds] [deck]", "Timed round in a group"),
    CommandHelp("stopchallenge", "/stopchallenge", "Stop the group's running round"),
    CommandHelp("leaderboard", "/leaderboard", "This week's and all-time group standings"),
    CommandHelp(
        "groupstats", "/groupstats", "For group admins: the questions the group gets wrong"
    ),
)


def usage(command: str) -> str:
    for entry in COMMANDS:
        if entry.command == command:
            return f"Usage: {escape(entry.usage)} — {escape(entry.description.lower())}"
    raise KeyError(command)


def welcome(first_name: str, deck: Deck, daily_time: str | None, zone: str | None) -> str:
    text = (
        f"Hi {_name(first_name)}! I'm your study tutor.\n\n"
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
    return f"No deck called “{escape(shorten(query))}”. Decks: {ids}."


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


def deck_chosen_note(deck: Deck) -> str:
    """The short answer to the deck button (answerCallbackQuery allows 200 characters)."""
    return shorten(f"Studying {deck.title}", 200)


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
    return f"No item with id <code>{escape(shorten(item_id))}</code>."


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
        f"🏆 <b>Challenge!</b> {_name(starter)} started a round: {questions} question"
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
            f"{medal} {_name(standing.first_name)} — {standing.right} right, "
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
        f"{s.rank}. {_name(s.first_name)} — {s.points} pts ({s.right} right)"
        for s in standings[:size]
    ]
    mine = next((s for s in standings if s.user_id == caller_id), None)
    if mine is not None and mine.rank > size:
        lines.append(f"…\nYou: {mine.rank}. {_name(mine.first_name)} — {mine.points} pts")
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
    return f"⚠️ {escape(shorten(problem, PROBLEM_LIMIT))}\n{usage_line}"


def daily_intro(decks: Sequence[Deck], due: int, missed: int, size: int) -> str:
    """The daily prompt: which decks today's questions come from, and how many."""
    titles = " · ".join(escape(deck.title) for deck in decks)
    return (
        f"⏰ <b>Daily revision</b> — {titles}\n"
        f"{due} question{'s' if due != 1 else ''} due, {missed} missed recently. "
        f"Here come {size}; each answer brings the next."
    )


def due_extras_button(cards: int, prompts: int) -> str:
    """One button under the summary for the flashcards and prompts due (≤ 64 chars)."""
    parts = []
    if cards:
        parts.append(f"{cards} flashcard{'s' if cards != 1 else ''}")
    if prompts:
        parts.append(f"{prompts} explain prompt{'s' if prompts != 1 else ''}")
    return " and ".join(parts) + " due — review them"


def review_done(count: int) -> str:
    return f"🏁 <b>Review done</b>: {count} item{'s' if count != 1 else ''} reviewed."


def nothing_to_review() -> str:
    return "Nothing else is due right now. 🎉"


def leech_notice(item: McqItem, lapses: int) -> str:
    """Said before the worked solution of a question the learner keeps missing."""
    return (
        f"🔁 Missed {lapses} times: <b>{escape(item.question)}</b>\n"
        "Here is the worked solution — read it through before it comes back."
    )


STATS_LEECHES_SHOWN = 10  # 10 questions of at most 300 characters stay within one message


def stats_leeches(questions: Sequence[McqItem]) -> str:
    """The /stats lines for leeches (questions missed again and again), or nothing."""
    if not questions:
        return ""
    lines = ["", "🔁 <b>Keep missing</b> (worked solution: /explain id):"]
    lines += [
        f"• {escape(item.question)} — <code>{escape(item.id)}</code>"
        for item in questions[:STATS_LEECHES_SHOWN]
    ]
    if len(questions) > STATS_LEECHES_SHOWN:
        lines.append(f"…and {len(questions) - STATS_LEECHES_SHOWN} more")
    return "\n".join(lines)


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
    return f"Your time zone: <b>{escape(shorten(zone))}</b>. " + usage("timezone")


def timezone_set(zone: str) -> str:
    return f"Time zone set to <b>{escape(shorten(zone))}</b>."


def retention_current(value: float) -> str:
    return (
        f"Desired retention: <b>{value:.2f}</b> — higher means more frequent reviews. "
        "Change it with /retention 0.80 … 0.97."
    )


def button_expired() -> str:
    """The quiet answer to a button that is stale, already used, or not one the bot made."""
    return "This button has expired."


# ---- progress pictures, the group report, the export ------------------------------------------

CAPTION_LIMIT = 1024


def _counted(count: int, word: str) -> str:
    return f"{count:,} {word}{'' if count == 1 else 's'}"


def _share_text(share: float | None) -> str:
    return "—" if share is None else f"{round(100 * share)}%"


def _flat(text: str) -> str:
    """Every run of whitespace (newlines too) as one space: a list line stays one line."""
    return " ".join(text.split())


def stats_nothing_yet() -> str:
    return (
        "Nothing to show yet: your progress appears here once you have answered a few "
        "questions. Send /quiz to start."
    )


def stats_usage() -> str:
    return "Usage: /stats for the picture, /stats text for the same facts as text."


def stats_caption(headline: Headline) -> str:
    """The picture's caption: the headline facts, so it reads without the image."""
    return "\n".join(
        [
            "📊 <b>Your progress</b>",
            f"Answers: {headline.answers:,} · accuracy {_share_text(headline.accuracy)}",
            f"Streak: {_counted(headline.streak, 'day')} · due today: {headline.due_today:,}",
            f"Mastered: {headline.mastered:,}/{headline.items:,} items",
            "/stats text gives these numbers as text.",
        ]
    )


def stats_progress(report: ProgressReport) -> str:
    """Lines for /stats text that the picture shows: due reviews, this week, mastery."""
    week = report.weeks[-1]
    lines = [
        f"Due today: {report.headline.due_today:,}, next 7 days: {sum(report.forecast[1:8]):,}",
        f"This week: {_counted(week.answers, 'answer')}, accuracy {_share_text(week.accuracy)}",
        f"Mastered (recall ≥ 90%): {report.headline.mastered:,}/{report.headline.items:,}",
    ]
    lines += [
        f"  {escape(shorten(_flat(deck.title), 64))}: {deck.mastered}/{deck.total}"
        for deck in report.mastery
    ]
    return "\n".join(lines)


def groupstats_refused() -> str:
    return "Sorry, /groupstats is for the group's admins."


def groupstats_nothing_yet() -> str:
    return "No challenge answers in this group yet. Start a round with /challenge."


def groupstats_caption(report: GroupReport, hardest: int = 3, names: int = 20) -> str:
    """Short summary under the group picture: the hardest questions, who has not played."""
    answers = sum(line.answers for line in report.questions)
    head = [
        "👥 <b>Group report</b>",
        f"{_counted(answers, 'challenge answer')} from {_counted(report.members, 'member')}, "
        f"{_counted(len(report.questions), 'question')}.",
        "Hardest:",
    ]
    head += [
        f"{rank}. {escape(shorten(_flat(line.question), 70))} — {_share_text(line.accuracy)} "
        f"({line.members} of {report.members})"
        for rank, line in enumerate(report.questions[:hardest], start=1)
    ]
    if not report.absent:
        return "\n".join([*head, "Everyone has played this week."])
    # Fewer names until it fits: the caption limit counts the text, tags and escapes count less.
    for shown in range(min(names, len(report.absent)), -1, -1):
        listed = ", ".join(
            escape(shorten(_flat(member.first_name), 32)) for member in report.absent[:shown]
        )
        rest = len(report.absent) - shown
        if rest:
            listed += f"{', ' if listed else ''}and {rest} more"
        text = "\n".join([*head, f"Not played this week ({len(report.absent)}): {listed}"])
        if len(text) <= CAPTION_LIMIT:
            return text
    return "\n".join(head)  # three questions of at most 70 characters always fit


def export_caption(rows: int) -> str:
    return f"Your answers: {_counted(rows, 'row')}, times in your time zone."


def export_nothing_yet() -> str:
    return "You have no answers to export yet. Send /quiz to start."

"""/stats, /groupstats, /export and /forget: what a learner or a teacher is told about progress."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from html import escape

from bot.content.models import McqItem
from bot.domain.due import DueCounts
from bot.domain.group_report import GroupReport
from bot.domain.progress import MASTERY_STABILITY_DAYS, DeckLine, Headline, ProgressReport
from bot.i18n import _, ngettext
from bot.render.base import (
    CAPTION_LIMIT,
    _flat,
    _percent,
    _share_text,
    shorten,
)


def stats(
    answers: int,
    correct: int,
    seen: int,
    total: int,
    decks: Sequence[DeckLine],
    streak: int,
    self_graded: int = 0,
) -> str:
    """/stats text's summary: accuracy over quiz answers only; the flashcards and prompts
    the learner graded are counted apart."""
    if answers == 0 and self_graded == 0:
        return _("No answers yet. Send /quiz to start.")
    lines = [_("📊 <b>Your stats</b>"), quiz_answers_line(answers, correct)]
    if self_graded:
        lines.append(self_graded_line(self_graded))
    lines += [
        _("Items seen: {seen}/{total}").format(seen=seen, total=total),
        ngettext("Streak: {count} day", "Streak: {count} days", streak).format(count=streak),
        "",
    ]
    for deck in decks:
        line = ngettext(
            "<b>{title}</b>: {count} quiz answer, {accuracy} right, {seen}/{total} seen",
            "<b>{title}</b>: {count} quiz answers, {accuracy} right, {seen}/{total} seen",
            deck.answers,
        ).format(
            title=escape(deck.title),
            count=deck.answers,
            accuracy=_percent(deck.correct, deck.answers),
            seen=deck.seen,
            total=deck.total,
        )
        if deck.self_graded:
            line += " · " + ngettext(
                "{count} self-graded", "{count} self-graded", deck.self_graded
            ).format(count=deck.self_graded)
        lines.append(line)
    return "\n".join(lines)


def quiz_answers_line(answers: int, correct: int) -> str:
    """Quiz answers and the share right: the only answers accuracy is about."""
    return ngettext(
        "Quiz answers: {count} · {accuracy} right",
        "Quiz answers: {count} · {accuracy} right",
        answers,
    ).format(count=f"{answers:,}", accuracy=_percent(correct, answers))


def self_graded_line(count: int) -> str:
    """Flashcards and prompts the learner graded themselves: reported apart from accuracy."""
    return ngettext(
        "Graded by you (flashcards, prompts): {count} review, not counted in accuracy",
        "Graded by you (flashcards, prompts): {count} reviews, not counted in accuracy",
        count,
    ).format(count=f"{count:,}")


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


STATS_LEECHES_SHOWN = 10  # 10 questions of at most 300 characters stay within one message


def stats_memory_model(own_fit: datetime | None, in_use: bool) -> str:
    """/stats text's line on whose memory model plans the learner's revision."""
    if own_fit is None:
        return _(
            "🧠 Your revision is planned with the standard memory model, adjusted to how"
            " often you answer right. No model fitted to your own answers is in use yet."
        )
    day = own_fit.strftime("%Y-%m-%d")
    if in_use:
        return _(
            "🧠 Your revision is planned with a memory model fitted to your own answers"
            " (fitted {date})."
        ).format(date=day)
    return _(
        "🧠 A memory model was fitted to your own answers ({date}), but it is not in use:"
        " your revision is planned with the standard model, adjusted to how often you"
        " answer right."
    ).format(date=day)


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
        rest = len(questions) - STATS_LEECHES_SHOWN
        lines.append(ngettext("…and {count} more", "…and {count} more", rest).format(count=rest))
    return "\n".join(lines)


def stats_nothing_yet() -> str:
    return _(
        "Nothing to show yet: your progress appears here once you have answered a few "
        "questions. Send /quiz to start."
    )


def stats_usage() -> str:
    return _("Usage: /stats for the picture, /stats text for the same facts as text.")


def due_line(due: DueCounts) -> str:
    """What is due by the next daily prompt (the planner's rule), questions and the
    flashcards and prompts apart, as the daily intro and summary count them."""
    questions = ngettext("Due: {count} question", "Due: {count} questions", due.questions).format(
        count=f"{due.questions:,}"
    )
    if not due.self_graded:
        return questions
    return (
        questions
        + " · "
        + ngettext(
            "{count} flashcard or prompt", "{count} flashcards and prompts", due.self_graded
        ).format(count=f"{due.self_graded:,}")
    )


def stats_caption(headline: Headline) -> str:
    """The picture's caption: the headline facts, so it reads without the image."""
    lines = [_("📊 <b>Your progress</b>"), quiz_answers_line(headline.answers, headline.correct)]
    if headline.self_graded:
        lines.append(self_graded_line(headline.self_graded))
    lines += [
        ngettext("Streak: {count} day", "Streak: {count} days", headline.streak).format(
            count=headline.streak
        ),
        due_line(headline.due),
        mastered_line(headline.mastered, headline.items),
        _("/stats text gives these numbers as text."),
    ]
    return "\n".join(lines)


def mastered_line(mastered: int, items: int) -> str:
    return ngettext(
        "Mastered: {mastered} of {count} item",
        "Mastered: {mastered} of {count} items",
        items,
    ).format(mastered=f"{mastered:,}", count=f"{items:,}")


def stats_progress(report: ProgressReport) -> str:
    """Lines for /stats text that the picture shows: due reviews, this week, mastery, and
    the rules behind "due" and "mastered"."""
    week = report.weeks[-1]
    later = sum(report.forecast[1:8])
    lines = [
        due_line(report.headline.due),
        _("(due: due before your next daily revision, as the daily session counts)"),
        ngettext(
            "Due in the next 7 days after that: {count} item",
            "Due in the next 7 days after that: {count} items",
            later,
        ).format(count=f"{later:,}"),
        ngettext(
            "This week: {count} quiz answer, {accuracy} right",
            "This week: {count} quiz answers, {accuracy} right",
            week.answers,
        ).format(count=f"{week.answers:,}", accuracy=_share_text(week.accuracy)),
        mastered_line(report.headline.mastered, report.headline.items),
        _(
            "(mastered: the memory lasts — FSRS stability of at least {days} days, "
            "as Anki's mature cards; an item just missed is never mastered)"
        ).format(days=f"{MASTERY_STABILITY_DAYS:.0f}"),
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
    """Short summary under the group picture: who played this week of the group's members,
    the hardest questions, who has not played."""
    answers = sum(line.answers for line in report.questions)
    head = [
        _("👥 <b>Group report</b>"),
        _("{answers} from {players}, {questions}.").format(
            answers=ngettext(
                "{count} challenge answer", "{count} challenge answers", answers
            ).format(count=f"{answers:,}"),
            players=ngettext("{count} player", "{count} players", report.players).format(
                count=f"{report.players:,}"
            ),
            questions=ngettext(
                "{count} question", "{count} questions", len(report.questions)
            ).format(count=len(report.questions)),
        ),
        ngettext(
            "{played} of {count} member played this week.",
            "{played} of {count} members played this week.",
            report.members,
        ).format(played=f"{report.played:,}", count=f"{report.members:,}"),
        _("Hardest:"),
    ]
    head += [
        ngettext(
            "{rank}. {question} — {answered} of {count} member answered, {accuracy} right",
            "{rank}. {question} — {answered} of {count} members answered, {accuracy} right",
            report.members,
        ).format(
            rank=rank,
            question=escape(shorten(_flat(line.question), 70)),
            accuracy=_share_text(line.accuracy),
            answered=line.members,
            count=report.members,
        )
        for rank, line in enumerate(report.questions[:hardest], start=1)
    ]
    if not report.not_played:
        return "\n".join([*head, _("Everyone has played this week.")])
    # Fewer names until it fits: the caption limit counts the text, tags and escapes count less.
    # Members never seen playing have no name here: they are counted in "more".
    for shown in range(min(names, len(report.absent)), -1, -1):
        listed = ", ".join(
            escape(shorten(_flat(member.first_name), 32)) for member in report.absent[:shown]
        )
        rest = report.not_played - shown
        if rest:
            more = (
                ngettext("and {count} more", "and {count} more", rest)
                if listed
                else ngettext("{count} member", "{count} members", rest)
            ).format(count=f"{rest:,}")
            listed += f"{', ' if listed else ''}{more}"
        line = ngettext(
            "Not played this week ({count}): {names}",
            "Not played this week ({count}): {names}",
            report.not_played,
        ).format(count=f"{report.not_played:,}", names=listed)
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

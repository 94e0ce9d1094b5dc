"""/stats, /groupstats, /export and /forget: what a learner or a teacher is told about progress."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from bot.content.models import McqItem
from bot.domain.group_report import GroupReport
from bot.domain.progress import DeckLine, Headline, ProgressReport
from bot.i18n import _, ngettext
from bot.render.base import (
    CAPTION_LIMIT,
    _flat,
    _percent,
    _share_text,
    shorten,
)


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

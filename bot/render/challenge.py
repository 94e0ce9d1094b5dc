"""Group challenge rounds and leaderboards."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import timedelta
from html import escape

from bot.content.models import Deck
from bot.domain.scoring import Standing
from bot.i18n import _, ngettext
from bot.render.base import (
    _name,
)


def challenge_usage() -> str:
    return _(
        "Usage: /challenge [questions 1-20] [seconds 5-600] [deck] — "
        "e.g. <code>/challenge 5 20</code>"
    )


def challenge_running(left: timedelta) -> str:
    """A group spans time zones: say how long is left, never a clock time."""
    seconds = max(0, math.ceil(left.total_seconds()))
    if seconds < 60:
        return ngettext(
            "A round is already running here; it ends in {count} second.",
            "A round is already running here; it ends in {count} seconds.",
            seconds,
        ).format(count=seconds)
    minutes = math.ceil(seconds / 60)
    return ngettext(
        "A round is already running here; it ends in about {count} minute.",
        "A round is already running here; it ends in about {count} minutes.",
        minutes,
    ).format(count=minutes)


def challenge_announce(deck: Deck, questions: int, seconds: int, starter: str) -> str:
    return ngettext(
        "🏆 <b>Challenge!</b> {starter} started a round: {count} question from "
        "<b>{title}</b>, {seconds} s each. Faster right answers score more (500–1000 points).",
        "🏆 <b>Challenge!</b> {starter} started a round: {count} questions from "
        "<b>{title}</b>, {seconds} s each. Faster right answers score more (500–1000 points).",
        questions,
    ).format(starter=_name(starter), count=questions, title=escape(deck.title), seconds=seconds)


_MEDALS = {1: "🥇", 2: "🥈", 3: "🥉"}


def challenge_results(
    deck: Deck,
    standings: Sequence[Standing],
    questions: int,
    *,
    planned: int | None = None,
    stopped_by: str | None = None,
) -> str:
    """The results; a round stopped early (`stopped_by`) says by whom and after how many
    of the `planned` questions, so it does not read like one played to its end."""
    if stopped_by is None:
        heading = ngettext(
            "🏁 <b>Round over</b> — {title}, {count} question",
            "🏁 <b>Round over</b> — {title}, {count} questions",
            questions,
        ).format(title=escape(deck.title), count=questions)
    else:
        total = planned if planned is not None else questions
        heading = ngettext(
            "🛑 <b>Round stopped</b> by {name} after {count} of {total} question — {title}",
            "🛑 <b>Round stopped</b> by {name} after {count} of {total} questions — {title}",
            total,
        ).format(name=_name(stopped_by), count=questions, total=total, title=escape(deck.title))
    lines = [heading]
    if not standings:
        lines.append(_("Nobody answered this time."))
    for standing in standings:
        # A medal is for points scored: nobody wins bronze with nothing right.
        medal = _MEDALS.get(standing.rank, "") if standing.points > 0 else ""
        medal = medal or f"{standing.rank}."
        lines.append(
            ngettext(
                "{medal} {name} — {right} right, <b>{points}</b> pt",
                "{medal} {name} — {right} right, <b>{points}</b> pts",
                standing.points,
            ).format(
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
        ngettext(
            "{rank}. {name} — {points} pt ({right} right)",
            "{rank}. {name} — {points} pts ({right} right)",
            s.points,
        ).format(rank=s.rank, name=_name(s.first_name), points=s.points, right=s.right)
        for s in standings[:size]
    ]
    mine = next((s for s in standings if s.user_id == caller_id), None)
    if mine is not None and mine.rank > size:
        lines.append(
            "…\n"
            + ngettext(
                "You: {rank}. {name} — {points} pt",
                "You: {rank}. {name} — {points} pts",
                mine.points,
            ).format(rank=mine.rank, name=_name(mine.first_name), points=mine.points)
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

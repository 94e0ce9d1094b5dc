"""/start and /help: the command list, usage lines, the welcome."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from bot.content.models import Deck
from bot.i18n import N_, _
from bot.render.base import (
    _name,
)


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
    CommandHelp(
        "challengers",
        N_("/challengers [admins | everyone]"),
        N_("For group admins: who may start rounds"),
    ),
    CommandHelp("leaderboard", "/leaderboard", N_("This week's and all-time group standings")),
    CommandHelp(
        "groupstats", "/groupstats", N_("For group admins: the questions the group gets wrong")
    ),
    CommandHelp("dashboard", "/dashboard", N_("For group admins: the group's results dashboard")),
)


def command_description(entry: CommandHelp) -> str:
    return _(entry.description)


def usage(command: str) -> str:
    for entry in COMMANDS:
        if entry.command == command:
            return _("Usage: {usage} — {description}").format(
                usage=escape(_(entry.usage)), description=escape(_(entry.description).lower())
            )
    raise KeyError(command)


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


def _help_lines(commands: Sequence[str]) -> list[str]:
    return [
        f"{escape(_(entry.usage))} — {escape(_(entry.description))}"
        for entry in COMMANDS
        if entry.command in commands
    ]


def help_text(commands: Sequence[str] | None = None, in_groups: Sequence[str] = ()) -> str:
    """The commands that work here (all of them when None), then those that work in groups."""
    shown = [entry.command for entry in COMMANDS] if commands is None else commands
    text = _("<b>Commands</b>") + "\n" + "\n".join(_help_lines(shown))
    if in_groups:
        text += "\n\n" + _("<b>In a group</b>") + "\n" + "\n".join(_help_lines(in_groups))
    return text


def group_help_text(commands: Sequence[str]) -> str:
    """/help in a group: the group's commands, and where the rest are."""
    return (
        help_text(commands)
        + "\n\n"
        + _("Your own study (quizzes, flashcards, progress) works in a private chat with me.")
    )


def open_private_chat_button() -> str:
    return _("Open a private chat")


def start_hint(command: str) -> str:
    """After /start from an "open a private chat" button: the command the learner was after."""
    return _("Send /{command} here to go on.").format(command=escape(command))


def unknown_command() -> str:
    return _("I don't know that command. Send /help to see what I can do.")


def plain_text_hint() -> str:
    return _("I answer commands. Send /quiz for a question or /help for the list.")

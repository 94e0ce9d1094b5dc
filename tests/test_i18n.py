"""Translations: complete, faithful to placeholders and HTML, compiled, and every message
renders in every language as valid Telegram HTML within Telegram's limits."""

from __future__ import annotations

import inspect
import io
import re
import string
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from bot import i18n, render
from bot.content.models import ContentBank, Deck
from bot.domain.due import DueCounts
from bot.domain.exam import score_exam
from bot.domain.group_report import GroupReport, Member, QuestionLine
from bot.domain.progress import DeckLine, DeckMastery, Headline, ProgressReport, WeekAccuracy
from bot.domain.scoring import Standing
from tests.fakes.html_check import parse_html, utf16_len

ROOT = Path(__file__).resolve().parents[1]
LOCALE = ROOT / "bot" / "locale"
TAG = re.compile(r"</?([a-z]+)[^>]*>")


def catalog(language: str) -> Catalog:
    with (LOCALE / language / "LC_MESSAGES" / "messages.po").open("rb") as stream:
        return read_po(stream, locale=language)


def ids_in_code() -> set[str | tuple[str, ...]]:
    found: set[str | tuple[str, ...]] = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT / "bot"),
        # The Mini App page's texts share the catalogues (bot/web/messages.py).
        method_map=[("**.py", "python"), ("web/static/app.js", "javascript")],
    ):
        found.add(message if isinstance(message, str) else tuple(message))
    return found


def pairs(message: Message) -> Iterator[tuple[str, str]]:
    """(source, translation) for each form: plural forms compare with msgid_plural."""
    if isinstance(message.id, str):
        assert isinstance(message.string, str)
        yield message.id, message.string
        return
    singular, plural = message.id[0], message.id[1]
    for index, form in enumerate(message.string):
        yield (singular if index == 0 else plural), form


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def tags(text: str) -> list[str]:
    return sorted(TAG.findall(text))


@pytest.mark.parametrize("language", sorted(i18n.LANGUAGES))
def test_every_message_in_the_code_is_translated_and_nothing_else(language: str) -> None:
    entries = {
        (m.id if isinstance(m.id, str) else tuple(m.id)): m for m in catalog(language) if m.id
    }
    code = ids_in_code()
    assert sorted(map(str, code - entries.keys())) == [], "missing: run `make translations`"
    assert sorted(map(str, entries.keys() - code)) == [], "obsolete entries in the .po"
    for message in entries.values():
        assert not message.fuzzy, message.id
        for _source, translation in pairs(message):
            assert translation.strip(), f"{language}: no translation for {message.id!r}"


@pytest.mark.parametrize("language", sorted(i18n.LANGUAGES))
def test_translations_keep_placeholders_and_html(language: str) -> None:
    for message in catalog(language):
        if not message.id:
            continue
        for source, translation in pairs(message):
            assert fields(translation) == fields(source), (language, source)
            assert tags(translation) == tags(source), (language, source)
            filled = translation.format(
                **{name.split(".")[0]: _sample(name) for name in fields(source)}
            )
            parse_html(filled)  # raises on an unclosed tag or a bare "<" or "&"


def _sample(name: str) -> object:
    return datetime(2026, 1, 2, 3, 4, tzinfo=UTC) if name == "next_run" else "x"


@pytest.mark.parametrize("language", sorted(i18n.LANGUAGES))
def test_shipped_mo_is_compiled_from_the_current_po(language: str) -> None:
    compiled = io.BytesIO()
    write_mo(compiled, catalog(language))
    shipped = (LOCALE / language / "LC_MESSAGES" / "messages.mo").read_bytes()
    assert shipped == compiled.getvalue(), "stale .mo: run `make translations`"


def test_russian_plurals_follow_russian_grammar() -> None:
    with i18n.language("ru"):
        assert [render.daily_summary(1, 1, n).split("\n")[2] for n in (1, 3, 5, 21)] == [
            "🔥 Серия: 1 день. До завтра!",
            "🔥 Серия: 3 дня. До завтра!",
            "🔥 Серия: 5 дней. До завтра!",
            "🔥 Серия: 21 день. До завтра!",
        ]


def test_language_picking_and_context() -> None:
    assert i18n.pick_language(None, "pt-br") == "en"
    assert i18n.pick_language(None, "ru-RU") == "ru"
    assert i18n.pick_language("es", "ru") == "es"
    assert i18n.pick_language("xx", None) == "en"
    with i18n.language("es"):
        assert render.forget_cancelled() == "No se ha borrado nada."
        with i18n.language("ru"):
            assert render.forget_cancelled() == "Ничего не удалено."
        assert i18n.current_language() == "es"
    assert render.forget_cancelled() == "Nothing was deleted."


def every_message(bank: ContentBank) -> dict[str, Callable[[], str | list[str]]]:
    """One call per public render function, with awkward values (HTML-like names, long ids)."""
    deck = bank.default_deck
    mcq, card, prompt = deck.mcqs[0], deck.cards[0], deck.prompts[0]
    exam = score_exam(deck.mcqs, {q.id: i % 2 == 0 for i, q in enumerate(deck.mcqs)})
    people = [
        Standing(rank, 100 + rank, f"<Ann & {rank}>", rank, 1000 - rank, 1.0)
        for rank in range(1, 13)
    ]
    when = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
    tagged = Deck.model_validate({**deck.model_dump(), "language": "pt-BR"})
    headline = Headline(
        answers=1234,
        correct=900,
        streak=3,
        due=DueCounts(7, 2, 1),
        mastered=12,
        items=71,
        self_graded=4,
    )
    report = ProgressReport(
        today=when.date(),
        headline=headline,
        heatmap_start=when.date(),
        daily_answers=(1,) * 84,
        weeks=(WeekAccuracy(when.date(), 40, 30),) * 12,
        forecast=(2,) * 14,
        mastery=(DeckMastery("<Deck & co>", 5, 17),),
    )
    lines = tuple(QuestionLine(q.id, q.question, 20, n, 9) for n, q in enumerate(deck.mcqs[:5]))
    absent = tuple(Member(n, f"<Member {n}> " + "x" * 40) for n in range(200))
    group = GroupReport(questions=lines, members=250, absent=absent, played=20, players=220)
    group_all_played = GroupReport(questions=lines, members=250, absent=(), played=250, players=250)
    return {
        "usage": lambda: render.usage("daily"),
        "command_description": lambda: render.command_description(render.COMMANDS[0]),
        "grade_label": lambda: render.grade_label("again"),
        "welcome": lambda: render.welcome("<Eve>", deck, "09:00", "Europe/Berlin"),
        "help_text": lambda: render.help_text() + render.help_text(["quiz"], ["challenge"]),
        "group_help_text": lambda: render.group_help_text(["challenge", "leaderboard"]),
        "open_private_chat_button": render.open_private_chat_button,
        "start_hint": lambda: render.start_hint("quiz"),
        "unknown_command": render.unknown_command,
        "plain_text_hint": render.plain_text_hint,
        "unknown_deck": lambda: render.unknown_deck("<x>", bank.decks),
        "deck_list": lambda: render.deck_list([*bank.decks, tagged], {deck.id: 3}, deck.id),
        "deck_chosen": lambda: render.deck_chosen(deck),
        "deck_chosen_note": lambda: render.deck_chosen_note(deck),
        "button_expired": render.button_expired,
        "shorten": lambda: render.shorten("a long name " * 10),
        "no_items": lambda: render.no_items(deck, "flashcards"),
        "answer_feedback": lambda: (
            render.answer_feedback(False, mcq) + render.answer_feedback(True, mcq)
        ),
        "card_front": lambda: render.card_front(card, deck) + render.card_front(card, deck, (3, 5)),
        "card_back": lambda: render.card_back(card, deck, (3, 5)),
        "card_graded": lambda: render.card_graded(card, deck, "good", (5, 5)),
        "interval": lambda: " ".join(
            render.interval(timedelta(minutes=minutes))
            for minutes in (1, 90, 3 * 1440, 62 * 1440, 800 * 1440)
        ),
        "grade_button": lambda: render.grade_button("good", timedelta(days=3)),
        "cards_done": lambda: " ".join(
            render.cards_done(deck, due, "Europe/Berlin", when)
            for due in (
                None,
                when,
                when + timedelta(hours=2),
                when + timedelta(days=1),
                when + timedelta(days=3),
                when + timedelta(days=30),
            )
        ),
        "numbered_question": lambda: render.numbered_question(mcq.question, (3, 10)),
        "unnumbered_question": lambda: render.unnumbered_question("3/10 · " + mcq.question),
        "explain_while_open": render.explain_while_open,
        "exam_explain_button": lambda: render.exam_explain_button(7),
        "exam_retake_button": lambda: render.exam_retake_button(1) + render.exam_retake_button(5),
        "exam_retake_intro": lambda: (
            render.exam_retake_intro(deck, 1) + render.exam_retake_intro(deck, 3)
        ),
        "exam_replaced": lambda: render.exam_replaced(deck, 3, 10),
        "exam_paused": lambda: render.exam_paused(3, 10),
        "deck_switched": lambda: render.deck_switched(deck),
        "show_answer_button": render.show_answer_button,
        "prompt_done_button": render.prompt_done_button,
        "next_button": render.next_button,
        "explain_button": render.explain_button,
        "prompt_question": lambda: render.prompt_question(prompt, [True, False]),
        "prompt_result": lambda: render.prompt_result(prompt, [True] * len(prompt.key_concepts)),
        "explain_item": lambda: render.explain_item(mcq) + render.explain_item(prompt),
        "split_messages": lambda: render.split_messages(["a", "b"]),
        "explain_usage_no_last": render.explain_usage_no_last,
        "unknown_item": lambda: render.unknown_item("<nope>"),
        "exam_intro": lambda: render.exam_intro(deck, 10),
        "exam_result": lambda: (
            render.exam_result(deck, exam)
            + render.exam_result(
                deck, exam, {item_id: n for n, item_id in enumerate(exam.missed, 1)}, {mcq.id: mcq}
            )
        ),
        "stats": lambda: (
            render.stats(10, 7, 5, 40, [DeckLine("<T>", 10, 7, 5, 20, 3)], streak=2, self_graded=3)
            + render.stats(0, 0, 0, 40, [], 0)
        ),
        "forget_confirm": render.forget_confirm,
        "forget_yes_button": render.forget_yes_button,
        "forget_cancel_button": render.forget_cancel_button,
        "forget_done": render.forget_done,
        "forget_cancelled": render.forget_cancelled,
        "private_only": lambda: render.private_only("quiz"),
        "daily_summary": lambda: render.daily_summary(4, 5, 2) + render.daily_summary(4, 5, 2, 7),
        "more_button": lambda: render.more_button(5),
        "nothing_more_due": render.nothing_more_due,
        "due_line": lambda: render.due_line(DueCounts(3, 1, 1)) + render.due_line(DueCounts(2)),
        "mastered_line": lambda: render.mastered_line(3, 40),
        "quiz_answers_line": lambda: render.quiz_answers_line(20, 14),
        "self_graded_line": lambda: render.self_graded_line(4),
        "group_only": lambda: render.group_only("challenge"),
        "challenge_usage": render.challenge_usage,
        "challenge_running": lambda: (
            render.challenge_running(timedelta(seconds=22))
            + render.challenge_running(timedelta(minutes=5, seconds=10))
        ),
        "challenge_announce": lambda: render.challenge_announce(deck, 5, 20, "<Bob>"),
        "challenge_results": lambda: (
            render.challenge_results(deck, people, 5)
            + render.challenge_results(deck, [], 5)
            + render.challenge_results(deck, people, 2, planned=5, stopped_by="<Ann>")
        ),
        "no_running_challenge": render.no_running_challenge,
        "stop_refused": render.stop_refused,
        "leaderboard": lambda: (
            render.leaderboard(people, people, caller_id=112, size=10)
            + render.leaderboard([], [], caller_id=1, size=10)
        ),
        "group_intro": render.group_intro,
        "group_nothing_to_explain": render.group_nothing_to_explain,
        "group_explain_while_open": render.group_explain_while_open,
        "bad_value": lambda: render.bad_value("<bad> & worse", render.usage("daily")),
        "something_went_wrong": render.something_went_wrong,
        # Plain-text problems, shown through bad_value() which escapes them.
        "not_a_time": lambda: render.bad_value(render.not_a_time("<25:99>"), ""),
        "bad_session_size": lambda: render.bad_value(render.bad_session_size(), ""),
        "not_a_timezone": lambda: render.bad_value(
            render.not_a_timezone("Mars/<Base>", offset=False)
            + render.not_a_timezone("UTC+15", offset=True),
            "",
        ),
        "not_a_timezone_but_close": lambda: render.bad_value(
            render.not_a_timezone_but_close("<Berlin>", ["Europe/Berlin", "America/New_York"]), ""
        ),
        "retention_out_of_range": lambda: render.bad_value(
            render.retention_out_of_range("<0.99>", 0.8, 0.97), ""
        ),
        "not_a_retention": lambda: render.bad_value(render.not_a_retention("<lots>"), ""),
        "unknown_language": lambda: render.bad_value(render.unknown_language("<fr>"), ""),
        "challenge_too_many_questions": lambda: render.bad_value(
            render.challenge_too_many_questions(20), ""
        ),
        "challenge_too_few_questions": lambda: render.bad_value(
            render.challenge_too_few_questions(1), ""
        ),
        "challenge_seconds_out_of_range": lambda: render.bad_value(
            render.challenge_seconds_out_of_range(5, 600), ""
        ),
        "already_recorded": render.already_recorded,
        "challengers_current": lambda: (
            render.challengers_current(True) + render.challengers_current(False)
        ),
        "challengers_set": lambda: render.challengers_set(True) + render.challengers_set(False),
        "challengers_refused": render.challengers_refused,
        "challenge_admins_only": render.challenge_admins_only,
        "fit_label": lambda: render.fit_label("a long label " * 5),
        "label_width": lambda: str(render.label_width("🃏 1")),
        "concept_button": lambda: render.concept_button("a key concept " * 8, ticked=True),
        "deck_button": lambda: render.deck_button(tagged),
        "daily_intro": lambda: render.daily_intro([deck, tagged], 3, 1, 5),
        "daily_off": render.daily_off,
        "daily_setting": lambda: render.daily_setting(
            "09:00", "Europe/Berlin", when, 5, timezone_never_set=True
        ),
        "timezone_current": lambda: (
            render.timezone_current(None) + render.timezone_current("Asia/Tokyo")
        ),
        "timezone_set": lambda: render.timezone_set("Asia/Tokyo"),
        "retention_current": lambda: render.retention_current(0.9),
        "language_current": lambda: (
            render.language_current("ru", chosen=True) + render.language_current("es", chosen=False)
        ),
        "language_set": lambda: (
            render.language_set("es", chosen=True) + render.language_set("en", chosen=False)
        ),
        "group_language_current": lambda: (
            render.group_language_current("ru", chosen=True)
            + render.group_language_current("en", chosen=False)
        ),
        "group_language_set": lambda: (
            render.group_language_set("es", chosen=True)
            + render.group_language_set("en", chosen=False)
        ),
        "group_language_refused": render.group_language_refused,
        "reload_refused": render.reload_refused,
        "reload_done": lambda: render.reload_done(4, 60, 2, 1),
        "reload_failed": lambda: render.reload_failed([f"<f{n}>.yaml: bad" for n in range(300)]),
        "due_extras_button": lambda: (
            render.due_extras_button(3, 1) + render.due_extras_button(1, 0)
        ),
        "review_done": lambda: (
            render.review_done(3) + render.review_done(1, 1) + render.review_done(2, 5)
        ),
        "nothing_to_review": render.nothing_to_review,
        "leech_notice": lambda: render.leech_notice(mcq, 4),
        "stats_leeches": lambda: render.stats_leeches([mcq] * 12),
        "stats_memory_model": lambda: "\n".join(
            render.stats_memory_model(day, in_use)
            for day, in_use in (
                (None, False),
                (datetime(2026, 11, 2, tzinfo=UTC), False),
                (datetime(2026, 11, 2, tzinfo=UTC), True),
            )
        ),
        "stats_nothing_yet": render.stats_nothing_yet,
        "stats_usage": render.stats_usage,
        "stats_caption": lambda: render.stats_caption(report.headline),
        "stats_progress": lambda: render.stats_progress(report),
        "groupstats_refused": render.groupstats_refused,
        "groupstats_nothing_yet": render.groupstats_nothing_yet,
        "groupstats_caption": lambda: (
            render.groupstats_caption(group) + render.groupstats_caption(group_all_played)
        ),
        "export_caption": lambda: render.export_caption(1) + render.export_caption(5_000),
        "export_nothing_yet": render.export_nothing_yet,
        "progress_intro": render.progress_intro,
        "progress_button": render.progress_button,
        "dashboard_intro": render.dashboard_intro,
        "dashboard_button": render.dashboard_button,
        "dashboard_refused": render.dashboard_refused,
        "dashboard_not_configured": render.dashboard_not_configured,
    }


# Texts made only of deck content, names and numbers: the same in every language.
CONTENT_ONLY = {
    "card_front",
    "split_messages",
    "bad_value",
    "shorten",
    "numbered_question",
    "unnumbered_question",
    "fit_label",
    "label_width",
    "concept_button",
    "deck_button",
}


def test_every_render_function_has_a_sample(bank: ContentBank) -> None:
    public = {
        name
        for name, value in inspect.getmembers(render, inspect.isfunction)
        if value.__module__.startswith(f"{render.__name__}.") and not name.startswith("_")
    }
    assert public == set(every_message(bank)), "add the new message to every_message()"


@pytest.mark.parametrize("language", sorted(i18n.LANGUAGES))
def test_every_message_renders_as_valid_html_within_limits(
    bank: ContentBank, language: str
) -> None:
    english = {name: make() for name, make in every_message(bank).items()}
    with i18n.language(language):
        rendered = {name: make() for name, make in every_message(bank).items()}
    for name, output in rendered.items():
        for message in output if isinstance(output, list) else [output]:
            text, _entities = parse_html(message)
            assert 0 < utf16_len(text) <= render.MESSAGE_LIMIT, (language, name)
        if language != i18n.DEFAULT_LANGUAGE and name not in CONTENT_ONLY:
            assert output != english[name], f"{name} is not translated into {language}"


@pytest.mark.parametrize("language", sorted(i18n.LANGUAGES))
def test_command_menu_fits_telegram(language: str) -> None:
    with i18n.language(language):
        for entry in render.COMMANDS:
            description = render.command_description(entry)
            assert 3 <= len(description) <= 256, (language, entry.command)

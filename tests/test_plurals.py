"""Every counted message agrees with its number, in every language: rendered for 0, 1, 2, 5,
11, 21 and 101, the noun after the number takes the form that language's grammar wants
(Russian has three: 1 вопрос, 2 вопроса, 5 вопросов; 11 is "many", 21 and 101 are "one")."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from bot import i18n, render
from bot.content.models import ContentBank
from bot.domain.due import DueCounts
from bot.domain.group_report import GroupReport, QuestionLine
from bot.domain.progress import Headline

COUNTS = (0, 1, 2, 5, 11, 21, 101)
LANGUAGES = ("en", "ru", "es")


def category(language: str, n: int) -> int:
    """The plural form a count takes: en and es one/other; ru one/few/many."""
    if language == "ru":
        if n % 10 == 1 and n % 100 != 11:
            return 0
        if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
            return 1
        return 2
    return 0 if n == 1 else 1


# Message → (render n, {language: the word right after the number, per plural form}).
Forms = dict[str, tuple[str, ...]]
MESSAGES: dict[str, tuple[Callable[[ContentBank, int], str], Forms]] = {
    "daily intro": (
        lambda bank, n: render.daily_intro([bank.default_deck], due=n, missed=0, size=3),
        {
            "en": ("question due", "questions due"),
            "ru": ("вопрос к", "вопроса к", "вопросов к"),
            "es": ("pregunta pendiente", "preguntas pendientes"),
        },
    ),
    "daily summary, what is left": (
        lambda bank, n: render.daily_summary(3, 3, 1, left=n),
        {
            "en": ("more question is due", "more questions are due"),
            "ru": ("вопрос.", "вопроса.", "вопросов."),
            "es": ("pregunta pendiente", "preguntas pendientes"),
        },
    ),
    "due by kind": (
        lambda bank, n: render.due_line(DueCounts(questions=n)),
        {
            "en": ("question", "questions"),
            "ru": ("вопрос", "вопроса", "вопросов"),
            "es": ("pregunta", "preguntas"),
        },
    ),
    "mastered": (
        lambda bank, n: render.mastered_line(0, n),
        {
            "en": ("item", "items"),
            # "из" takes the genitive: из 1 элемента, из 2 элементов, из 21 элемента.
            "ru": ("элемента", "элементов", "элементов"),
            "es": ("elemento", "elementos"),
        },
    ),
    "members who played": (
        lambda bank, n: (
            render.groupstats_caption(
                GroupReport((QuestionLine("q", "Q?", 1, 1, 1),), max(n, 1), (), played=1, players=1)
            ).splitlines()[2]
            if n
            else "0 members"
        ),
        {
            "en": ("member played", "members played"),
            "ru": ("участника.", "участников.", "участников."),
            "es": ("miembro.", "miembros."),
        },
    ),
    "hardest question line": (
        lambda bank, n: (
            render.groupstats_caption(
                GroupReport((QuestionLine("q", "Q?", 1, 1, 1),), max(n, 1), (), played=1, players=1)
            ).splitlines()[4]
            if n
            else "0 members"
        ),
        {
            "en": ("member answered", "members answered"),
            "ru": ("участника,", "участников,", "участников,"),
            "es": ("miembro,", "miembros,"),
        },
    ),
    "test intro": (
        lambda bank, n: render.exam_intro(bank.default_deck, n),
        {
            "en": ("question from", "questions from"),
            "ru": ("вопрос,", "вопроса,", "вопросов,"),
            "es": ("pregunta de", "preguntas de"),
        },
    ),
    "round over": (
        lambda bank, n: render.challenge_results(bank.default_deck, [], n).splitlines()[0],
        {
            "en": ("question", "questions"),
            "ru": ("вопрос", "вопроса", "вопросов"),
            "es": ("pregunta", "preguntas"),
        },
    ),
    "leech notice": (
        lambda bank, n: render.leech_notice(bank.default_deck.mcqs[0], n),
        {"en": ("time:", "times:"), "ru": ("раз:", "раза:", "раз:"), "es": ("vez:", "veces:")},
    ),
    "daily setting": (
        lambda bank, n: render.daily_setting(
            "09:00", "UTC", datetime(2026, 11, 3, 9, tzinfo=UTC), n, timezone_never_set=False
        ),
        {
            # The daily session asks quiz questions: not "cards" in any language.
            "en": ("question per", "questions per"),
            "ru": ("вопрос за", "вопроса за", "вопросов за"),
            "es": ("pregunta por", "preguntas por"),
        },
    ),
    "reload refused": (
        lambda bank, n: render.reload_failed([f"problem {i}" for i in range(n)]),
        {
            "en": ("problem in", "problems in"),
            "ru": ("ошибка.", "ошибки.", "ошибок."),
            "es": ("problema en", "problemas en"),
        },
    ),
    "streak": (
        lambda bank, n: render.stats_caption(Headline(1, 1, n, DueCounts(), 0, 1)),
        {"en": ("day", "days"), "ru": ("день", "дня", "дней"), "es": ("día", "días")},
    ),
    "self-graded": (
        lambda bank, n: render.self_graded_line(n),
        {
            "en": ("review,", "reviews,"),
            "ru": ("повторение,", "повторения,", "повторений,"),
            "es": ("repaso,", "repasos,"),
        },
    ),
    "review done": (
        lambda bank, n: render.review_done(n),
        {
            "en": ("item reviewed", "items reviewed"),
            "ru": ("элемент.", "элемента.", "элементов."),
            "es": ("elemento", "elementos"),
        },
    ),
    "review left": (
        lambda bank, n: render.review_done(1, n),
        {
            "en": ("more flashcard or prompt is", "more flashcards and prompts are"),
            "ru": ("карточку или задание.", "карточки или задания.", "карточек и заданий."),
            "es": ("tarjeta o ejercicio", "tarjetas y ejercicios"),
        },
    ),
    "more button": (
        lambda bank, n: render.more_button(n),
        {"en": ("more", "more"), "ru": ("", "", ""), "es": ("más", "más")},
    ),
    "export": (
        lambda bank, n: render.export_caption(n),
        {
            "en": ("row,", "rows,"),
            "ru": ("строка,", "строки,", "строк,"),
            "es": ("fila,", "filas,"),
        },
    ),
}


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("message", list(MESSAGES))
def test_each_counted_message_agrees_with_its_number(
    bank: ContentBank, language: str, message: str
) -> None:
    draw, forms = MESSAGES[message]
    with i18n.language(language):
        for n in COUNTS:
            text = draw(bank, n)
            if n == 0 and message in ("members who played", "hardest question line"):
                continue  # a group always has a member: the one asking
            if n == 0 and message in (
                "daily summary, what is left",
                "review left",
                "reload refused",
            ):
                continue  # nothing left is said in words; a refusal names a problem
            word = forms[language][min(category(language, n), len(forms[language]) - 1)]
            assert re.search(rf"(?<![\d,]){n:,}\s*{re.escape(word)}(?![\w])", text) or (
                word == "" and f"{n:,}" in text
            ), f"{language}, {n}: {word!r} not right after the number in {text!r}"
            assert "{" not in text and "}" not in text, text


def test_every_ngettext_entry_has_its_languages_plural_forms() -> None:
    """Russian needs three forms; a two-form translation would say "5 вопроса"."""
    from babel.messages.pofile import read_po

    for language, forms in (("ru", 3), ("es", 3)):
        path = f"bot/locale/{language}/LC_MESSAGES/messages.po"
        with open(path, "rb") as stream:
            catalogue = read_po(stream)
        for entry in catalogue:
            if entry.pluralizable:
                assert len(entry.string) == forms and all(entry.string), (language, entry.id)

"""Texts of the progress views: captions within Telegram's 1024, valid HTML, facts in words."""

from __future__ import annotations

from datetime import date

from bot import render
from bot.domain.due import DueCounts
from bot.domain.group_report import GroupReport, Member, QuestionLine
from bot.domain.progress import DeckMastery, Headline, ProgressReport, WeekAccuracy
from tests.fakes.html_check import parse_html, utf16_len


def plain(html: str) -> str:
    text, _ = parse_html(html, strict=True)
    return text


def test_stats_caption_states_the_headline_facts() -> None:
    headline = Headline(1234, 1000, 1, DueCounts(17, 2, 1), 40, 62, self_graded=5)
    caption = plain(render.stats_caption(headline))
    assert "Quiz answers: 1,234 · 81% right" in caption
    assert "Graded by you (flashcards, prompts): 5 reviews, not counted in accuracy" in caption
    assert "Streak: 1 day" in caption
    assert "Due: 17 questions · 3 flashcards and prompts" in caption
    assert "Mastered: 40 of 62 items" in caption


def test_stats_progress_lines_escape_deck_titles() -> None:
    report = ProgressReport(
        today=date(2026, 12, 2),
        headline=Headline(10, 5, 2, DueCounts(3), 1, 4),
        heatmap_start=date(2026, 9, 14),
        daily_answers=(0,) * 84,
        weeks=(WeekAccuracy(date(2026, 11, 30), 4, 3),),
        forecast=(3, 1, 1, 0, 0, 0, 0, 2) + (0,) * 6,
        mastery=(DeckMastery("<Ops> & Co", 1, 4),),
    )
    text = plain(render.stats_progress(report))
    assert "Due: 3 questions" in text and "flashcard" not in text
    assert "Due in the next 7 days after that: 4 items" in text
    assert "This week: 4 quiz answers, 75% right" in text
    assert "<Ops> & Co: 1/4" in text


def test_group_caption_fits_1024_with_hundreds_of_absent_members() -> None:
    questions = tuple(QuestionLine(f"q{n}", "Why <this> & that? " * 20, 10, n, 7) for n in range(3))
    absent = tuple(Member(n, f"<Name & {n}> " * 6) for n in range(500))
    html = render.groupstats_caption(GroupReport(questions, 600, absent, played=20, players=520))
    text = plain(html)
    assert utf16_len(text) <= 1024
    assert text.splitlines()[2] == "20 of 600 members played this week."
    assert text.splitlines()[4].startswith("1. Why <this> & that?")
    assert "Not played this week (580):" in text and "more" in text


def test_group_caption_when_everyone_played() -> None:
    report = GroupReport((QuestionLine("q", "Q?", 4, 1, 4),), 4, (), played=4, players=4)
    text = plain(render.groupstats_caption(report))
    assert "1. Q? — 4 of 4 members answered, 25% right" in text
    assert "4 of 4 members played this week." in text
    assert "Everyone has played this week." in text

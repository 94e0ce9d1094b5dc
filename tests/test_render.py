"""Rendering: every text escapes content and learner names, and fits Telegram's messages."""

from __future__ import annotations

from bot import render
from bot.content.models import ContentBank, McqItem, Solution, Step
from tests.fakes.html_check import parse_html, utf16_len


def long_item() -> McqItem:
    steps = [Step(title=f"Step <{n}>", detail="x & y " * 160) for n in range(12)]
    return McqItem(
        kind="mcq",
        id="long-one",
        question="Which <tag> & which?",
        options=["a < b", "b > a"],
        correct="a < b",
        difficulty="hard",  # type: ignore[arg-type]
        explanation="Because.",
        solution=Solution(
            steps=steps,
            final_answer="a < b",
            quick_check="ok",
            hint="think",
            common_mistakes=["<script>"],
        ),
    )


def test_long_solutions_split_into_valid_messages_under_4096() -> None:
    messages = render.explain_item(long_item())
    assert len(messages) > 1
    for message in messages:
        text, _ = parse_html(message)  # raises on broken or unescaped HTML
        assert 0 < utf16_len(text) <= 4096
    joined = "\n".join(parse_html(m)[0] for m in messages)
    assert joined.count("Step <") == 12 and "<script>" in joined


def test_every_shipped_item_explains_into_valid_html(bank: ContentBank) -> None:
    for deck in bank.decks:
        for item in deck.items:
            for message in render.explain_item(item):
                text, _ = parse_html(message)
                assert utf16_len(text) <= 4096, item.id


def test_split_keeps_blocks_whole_and_in_order() -> None:
    blocks = ["a" * 3000, "b" * 3000, "c" * 10]
    assert render.split_messages(blocks) == ["a" * 3000, "b" * 3000 + "\n\n" + "c" * 10]


def test_learner_names_are_escaped(bank: ContentBank) -> None:
    text = render.welcome("<b>Eve</b> & co", bank.default_deck, "09:00", None)
    plain, entities = parse_html(text)
    assert "<b>Eve</b> & co" in plain
    assert not any(e["type"] == "bold" and e["offset"] == 3 for e in entities)


def test_daily_texts_escape_content_and_count_right(bank: ContentBank) -> None:
    item = long_item()
    for text in (
        render.daily_intro(bank.decks, due=1, missed=0, size=5),
        render.leech_notice(item, 4),
        render.stats_leeches([item] * 12),
        render.review_done(1),
    ):
        plain, _ = parse_html(text)  # raises on broken or unescaped HTML
        assert utf16_len(plain) <= render.MESSAGE_LIMIT
    intro = parse_html(render.daily_intro(bank.decks, due=1, missed=0, size=5))[0]
    assert all(deck.title in intro for deck in bank.decks) and "1 question due" in intro
    assert "Which <tag> & which?" in parse_html(render.leech_notice(item, 4))[0]
    listed = parse_html(render.stats_leeches([item] * 12))[0]
    assert listed.count("long-one") == render.STATS_LEECHES_SHOWN and "2 more" in listed
    assert render.stats_leeches([]) == ""
    assert render.due_extras_button(3, 0) == "Review: 🃏 3"
    assert render.due_extras_button(1, 2) == "Review: 🃏 1 · 💬 2"

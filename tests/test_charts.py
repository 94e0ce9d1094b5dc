"""The pictures: valid PNGs of phone-friendly size, any text drawable, matplotlib loaded lazily."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta

from bot import i18n
from bot.domain.group_report import GroupReport, Member, QuestionTally, build_group_report
from bot.domain.memory import Grade, review
from bot.domain.progress import AnswerFact, DeckItems, ProgressReport, build_progress
from bot.render import charts
from tests.conftest import ROOT
from tests.fakes.telegram_server import PNG_SIGNATURE, png_dimensions

NOW = datetime(2026, 12, 2, 14, 0, tzinfo=UTC)
# Broken mathtext: matplotlib would raise if it parsed deck text as math.
AWKWARD = (r"Costs $\frac{ and $ 🚀 日本語 <b>&amp;", "A" * 64, "")


def progress(titles: tuple[str, ...] = ("Deck one", "Deck two")) -> ProgressReport:
    answers = [AnswerFact(NOW - timedelta(hours=7 * hour), hour % 4 != 0) for hour in range(200)]
    memories = {
        f"i{n}": review(
            None, f"i{n}", Grade.GOOD if n % 2 else Grade.AGAIN, NOW - timedelta(hours=n)
        )
        for n in range(30)
    }
    decks = [
        DeckItems(title, tuple(f"i{n}" for n in range(k * 10, k * 10 + 10)))
        for k, title in enumerate(titles)
    ]
    return build_progress(
        recent_answers=answers,
        total_answers=len(answers),
        total_correct=sum(a.correct for a in answers),
        memories=memories,
        decks=decks,
        zone=UTC,
        now=NOW,
    )


def group(questions: int) -> GroupReport:
    tallies = [QuestionTally(f"q{n}", 10, n % 11, 5) for n in range(questions)]
    texts = {
        f"q{n}": f"Question {n}: what does $PATH hold, and why 🤔? " * 3 for n in range(questions)
    }
    return build_group_report(tallies, texts, [Member(1, "Ann")], [])


def test_progress_picture_is_a_phone_sized_png() -> None:
    png = charts.progress_png(progress())
    assert png.startswith(PNG_SIGNATURE)
    width, height = png_dimensions(png)
    assert width == 1080
    assert 1.2 < height / width < 2.0  # portrait, fits a phone screen when scaled
    assert len(png) < 1_000_000


def test_more_decks_make_a_taller_picture_not_a_cramped_one() -> None:
    _, two = png_dimensions(charts.progress_png(progress()))
    _, six = png_dimensions(charts.progress_png(progress(tuple(f"Deck {n}" for n in range(6)))))
    assert six > two


def test_awkward_text_is_drawn_without_warnings() -> None:
    # pytest turns warnings into errors: a missing glyph or a mathtext parse error would fail.
    assert charts.progress_png(progress(AWKWARD)).startswith(PNG_SIGNATURE)
    assert charts.group_png(group(3), "Study 🚀 $group$").startswith(PNG_SIGNATURE)


def test_a_reused_figure_draws_exactly_what_a_fresh_one_draws() -> None:
    busy = progress()
    quiet = build_progress(
        recent_answers=[AnswerFact(NOW - timedelta(days=40), True)],
        total_answers=1,
        total_correct=1,
        memories={},
        decks=[DeckItems("Other deck", ("x",)), DeckItems("Third", ("y",))],
        zone=UTC,
        now=NOW + timedelta(days=45),  # other months, other dates on every axis
    )
    charts._progress_figures.clear()
    fresh = charts.progress_png(quiet)
    charts.progress_png(busy)  # the cached figure now holds busy's bars, labels and ticks
    assert charts.progress_png(quiet) == fresh
    charts._progress_figures.clear()
    assert charts.progress_png(busy) == charts.progress_png(busy)


def test_drawing_only_what_changes_gives_the_same_picture_as_a_full_draw() -> None:
    report = progress(AWKWARD)
    charts._progress_figures.clear()
    blitted = charts.progress_png(report)
    figure = charts._progress_figures.get("en")
    assert figure is not None
    for artist in figure.changing:
        artist.set_animated(False)
    try:
        assert charts._png(figure.figure) == blitted
    finally:
        charts._progress_figures.clear()


def test_the_pictures_speak_the_learners_language() -> None:
    """Titles, axis labels, weekdays and months come from the catalogue (each language
    has its own cached figure); Cyrillic is drawn without missing-glyph warnings."""
    report = progress()
    english = charts.progress_png(report)
    with i18n.language("ru"):
        russian = charts.progress_png(report)
        group_russian = charts.group_png(group(3), "Класс")
    assert russian.startswith(PNG_SIGNATURE) and russian != english
    assert group_russian != charts.group_png(group(3), "Класс")
    assert charts.progress_png(report) == english  # the English figure is untouched
    assert set(charts._progress_figures) >= {"en", "ru"}
    with i18n.language("ru"):
        assert charts._day_month_year(NOW.date()) == "2 дек 2026"
    with i18n.language("es"):
        assert charts._day_month_year(NOW.date()) == "2 dic 2026"
    assert charts._day_month_year(NOW.date()) == "2 Dec 2026"


def test_drawable_replaces_glyphs_the_font_lacks_and_cuts_long_text() -> None:
    assert charts._drawable("Ship it 🚀", 40) == "Ship it ?"
    assert charts._drawable("a\nb   c", 40) == "a b c"
    cut = charts._drawable("x" * 100, 10)
    assert len(cut) == 10 and cut.endswith("…")


def test_group_picture_shows_at_most_ten_questions() -> None:
    _, three = png_dimensions(charts.group_png(group(3), "Class"))
    _, ten = png_dimensions(charts.group_png(group(10), "Class"))
    _, thirty = png_dimensions(charts.group_png(group(30), "Class"))
    assert three < ten == thirty


def test_starting_the_bot_does_not_import_matplotlib_and_drawing_skips_pyplot() -> None:
    script = (
        "import sys, bot.app, bot.render.charts\n"
        "print('matplotlib' in sys.modules)\n"
        "from tests.test_charts import progress\n"
        "bot.render.charts.progress_png(progress())\n"
        "print('matplotlib' in sys.modules, 'matplotlib.pyplot' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == ["False", "True", "False"]

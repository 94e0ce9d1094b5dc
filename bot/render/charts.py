"""The /stats and /groupstats pictures: plain data in, PNG bytes out.

Pure presentation, like bot/render/ for texts: no SQL, no Telegram. Runs in a worker thread
(`asyncio.to_thread`) with its own `Figure` and Agg canvas, never pyplot's global state; the
/stats figure is kept between pictures and used by one thread at a time. matplotlib is
imported on first use, not when the bot starts: the import takes about a second and most
processes never draw.

Colours are Okabe–Ito and viridis, both readable with every common colour-vision deficiency;
every value a colour carries is also written as a number or on an axis.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Sequence
from datetime import date, timedelta
from functools import cache
from typing import TYPE_CHECKING, Any, Protocol, cast

from bot import i18n
from bot.domain.group_report import GroupReport, QuestionLine
from bot.domain.progress import (
    FORECAST_DAYS,
    HEATMAP_WEEKS,
    MASTERY_STABILITY_DAYS,
    ProgressReport,
)
from bot.i18n import N_, _, ngettext

if TYPE_CHECKING:
    from matplotlib.artist import Artist
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

# Okabe–Ito
BLUE = "#0072B2"
ORANGE = "#E69F00"
GREEN = "#009E73"
VERMILLION = "#D55E00"
GREY = "#E6E6E6"
INK = "#222222"
MUTED = "#666666"

# 1080 px wide: Telegram shows photos up to 1280 px, and a phone screen is narrower still,
# so text is sized for the phone (14 pt here reads as about 10 pt on a 390 pt wide screen).
WIDTH_INCHES = 7.2
DPI = 150
FONT_SIZE = 14
TITLE_SIZE = 16
# Answers per day that start each heatmap shade (0 has its own grey).
HEAT_BINS = (1, 5, 10, 20, 40)
GROUP_QUESTIONS = 10
LABEL_CHARS = 30  # per line; question labels take two lines
# Names from the catalogue, not strftime: the C locale the bot runs in speaks English only.
_WEEKDAYS = (N_("Mon"), N_("Tue"), N_("Wed"), N_("Thu"), N_("Fri"), N_("Sat"), N_("Sun"))
_MONTHS = (
    N_("Jan"),
    N_("Feb"),
    N_("Mar"),
    N_("Apr"),
    N_("May"),
    N_("Jun"),
    N_("Jul"),
    N_("Aug"),
    N_("Sep"),
    N_("Oct"),
    N_("Nov"),
    N_("Dec"),
)


def progress_png(report: ProgressReport) -> bytes:
    """The learner's progress picture: heatmap, weekly accuracy, forecast, mastery per deck.

    In the language in force (`bot.i18n`; `asyncio.to_thread` carries it into the thread).
    """
    language = i18n.current_language()
    with _drawing:
        figure = _progress_figures.get(language)
        if figure is None or figure.decks != len(report.mastery):
            figure = _progress_figures[language] = _ProgressFigure(len(report.mastery))
        return figure.render(report)


class _ProgressFigure:
    """The /stats figure, built once per language and redrawn for each learner.

    Building a figure's axes, ticks and artists costs about a third of a picture; from one
    learner to the next only data, labels and limits change, so those are updated in place
    (as matplotlib's own animations do). Every deck has its row, so the layout depends on
    the number of decks alone. Each panel is its own small class: built once on its axes
    (what never changes), then `show` puts one learner's figures into the artists listed in
    `changing`.
    """

    def __init__(self, decks: int) -> None:
        self.decks = decks
        self.figure = figure = _figure(height=_progress_height(decks))
        heat, accuracy, forecast, mastery = _progress_layout(figure, decks)
        self.title = figure.suptitle("", y=0.985, fontsize=TITLE_SIZE + 2, weight="bold")
        self.panels: tuple[_Panel, ...] = (
            _Heatmap(heat),
            _WeeklyAccuracy(accuracy),
            _Forecast(forecast),
            _Mastery(mastery, decks),
        )
        # Titles, legend, fixed axes and spines do not change between learners: they are drawn
        # once into a saved background, and each picture draws only what does change over it
        # (blitting, as in matplotlib's animations), in z-order. The baselines of the bar
        # charts are redrawn too, so bars sit under them as in a full draw.
        changing = [self.title, *(artist for panel in self.panels for artist in panel.changing)]
        self.changing = sorted(changing, key=lambda artist: artist.get_zorder())
        for artist in self.changing:
            artist.set_animated(True)
        # FigureCanvasAgg; matplotlib's backend_agg carries no type hints.
        self.canvas: Any = cast(Any, figure.canvas)
        self.canvas.draw()
        self.background = self.canvas.copy_from_bbox(figure.bbox)

    def render(self, report: ProgressReport) -> bytes:
        self.title.set_text(_("Your progress · {date}").format(date=_day_month_year(report.today)))
        for panel in self.panels:
            panel.show(report)
        self.canvas.restore_region(self.background)
        for artist in self.changing:
            self.figure.draw_artist(artist)
        return _encode(self.canvas)


def _progress_layout(figure: Figure, decks: int) -> tuple[Axes, Axes, Axes, Axes]:
    """The /stats figure's four panels, top to bottom; the mastery panel grows with the decks."""
    heat, accuracy, forecast, mastery = figure.subplots(
        4, 1, gridspec_kw={"height_ratios": [1.35, 1, 1, 0.3 * max(decks, 1)]}
    )
    figure.subplots_adjust(left=0.12, right=0.96, top=0.925, bottom=0.035, hspace=0.7)
    return heat, accuracy, forecast, mastery


class _Panel(Protocol):
    changing: list[Artist]

    def show(self, report: ProgressReport) -> None: ...


class _Heatmap:
    """Answers per day over the last HEATMAP_WEEKS weeks, a week per column, Monday on top."""

    def __init__(self, axes: Axes) -> None:
        import numpy as np
        from matplotlib import colormaps
        from matplotlib.colors import BoundaryNorm, ListedColormap

        self.axes = axes
        shades = [GREY, *colormaps["viridis_r"](np.linspace(0.08, 0.92, len(HEAT_BINS)))]
        palette = ListedColormap(shades).with_extremes(bad="white")
        self.mesh = axes.pcolormesh(
            np.ma.masked_array(np.zeros((7, HEATMAP_WEEKS)), mask=True),
            cmap=palette,
            norm=BoundaryNorm([0, *HEAT_BINS, 10**9], palette.N),
            edgecolors="white",
            linewidth=2,
        )
        axes.set_ylim(7, 0)
        # Only labelled ticks: every tick is several artists, and drawing time grows with them.
        axes.set_yticks([row + 0.5 for row in range(0, 7, 2)], [_(day) for day in _WEEKDAYS[::2]])
        axes.tick_params(length=0, labelsize=FONT_SIZE - 2)
        axes.set_title(
            ngettext(
                "Answers per day · last {weeks} week",
                "Answers per day · last {weeks} weeks",
                HEATMAP_WEEKS,
            ).format(weeks=HEATMAP_WEEKS),
            loc="left",
            fontsize=TITLE_SIZE,
        )
        for side in axes.spines.values():
            side.set_visible(False)
        _heat_legend(axes, shades)
        self.changing: list[Artist] = [self.mesh, axes.xaxis]

    def show(self, report: ProgressReport) -> None:
        import numpy as np

        counts = np.array(report.daily_answers, dtype=float).reshape(HEATMAP_WEEKS, 7).T
        day_index = np.arange(HEATMAP_WEEKS * 7).reshape(HEATMAP_WEEKS, 7).T
        later = day_index > (report.today - report.heatmap_start).days
        self.mesh.set_array(np.ma.masked_array(counts, mask=later))
        month_starts: dict[tuple[int, int], float] = {}
        for week in range(HEATMAP_WEEKS):
            start = report.heatmap_start + timedelta(weeks=week)
            month_starts.setdefault((start.year, start.month), week + 0.5)
        self.axes.set_xticks(
            list(month_starts.values()), [_month(month) for _, month in month_starts]
        )


def _heat_legend(axes: Axes, shades: list[Any]) -> None:
    """The heatmap's shades and the answer counts each stands for, in a row under it."""
    from matplotlib.patches import Patch

    labels = ["0"] + [
        f"{low}+" if index == len(HEAT_BINS) - 1 else f"{low}–{HEAT_BINS[index + 1] - 1}"
        for index, low in enumerate(HEAT_BINS)
    ]
    axes.legend(
        handles=[
            Patch(color=shade, label=label) for shade, label in zip(shades, labels, strict=True)
        ],
        ncols=len(labels),
        loc="upper right",
        bbox_to_anchor=(1.0, -0.12),
        frameon=False,
        fontsize=FONT_SIZE - 4,
        handlelength=1.0,
        columnspacing=0.9,
        handletextpad=0.4,
    )


class _WeeklyAccuracy:
    """Share of right quiz answers per week, a bar per week with its percentage on top."""

    def __init__(self, axes: Axes) -> None:
        self.axes = axes
        weeks = range(HEATMAP_WEEKS)
        self.bars = axes.bar(weeks, [0.0] * HEATMAP_WEEKS, color=BLUE, width=0.7)
        self.labels = [
            axes.text(week, 0, "", ha="center", fontsize=FONT_SIZE - 4) for week in weeks
        ]
        axes.set_ylim(0, 112)
        axes.set_yticks([0, 50, 100], ["0%", "50%", "100%"])
        axes.set_xlim(-0.6, HEATMAP_WEEKS - 0.4)
        axes.set_title(
            _("Quiz accuracy per week (weeks from Monday)"), loc="left", fontsize=TITLE_SIZE
        )
        _tidy(axes)
        self.changing: list[Artist] = [
            *self.bars,
            *self.labels,
            axes.xaxis,
            axes.spines["bottom"],
        ]

    def show(self, report: ProgressReport) -> None:
        for bar, label, week in zip(self.bars, self.labels, report.weeks, strict=True):
            share = 100 * (week.accuracy or 0.0)
            bar.set_height(share)
            label.set_text("" if week.accuracy is None else f"{share:.0f}")
            label.set_y(share + 3)
        labelled = range(0, len(report.weeks), 3)
        self.axes.set_xticks(
            list(labelled),
            [
                f"{report.weeks[week].start.day}\n{_month(report.weeks[week].start.month)}"
                for week in labelled
            ],
            fontsize=FONT_SIZE - 3,
        )


class _Forecast:
    """Reviews falling due on each of the next FORECAST_DAYS days."""

    def __init__(self, axes: Axes) -> None:
        from matplotlib.ticker import MaxNLocator

        self.axes = axes
        days = range(FORECAST_DAYS)
        self.bars = axes.bar(days, [0] * FORECAST_DAYS, color=ORANGE, width=0.7)
        self.labels = [axes.text(day, 0, "", ha="center", fontsize=FONT_SIZE - 4) for day in days]
        axes.set_xlim(-0.6, FORECAST_DAYS - 0.4)
        axes.yaxis.set_major_locator(MaxNLocator(nbins=4, integer=True))
        axes.set_title(
            ngettext(
                "Reviews due · next {days} day", "Reviews due · next {days} days", FORECAST_DAYS
            ).format(days=FORECAST_DAYS),
            loc="left",
            fontsize=TITLE_SIZE,
        )
        _tidy(axes)
        self.changing: list[Artist] = [
            *self.bars,
            *self.labels,
            axes.xaxis,
            axes.yaxis,
            axes.spines["bottom"],
        ]

    def show(self, report: ProgressReport) -> None:
        top = max(report.forecast) if any(report.forecast) else 1
        for bar, label, count in zip(self.bars, self.labels, report.forecast, strict=True):
            bar.set_height(count)
            label.set_text(str(count) if count else "")
            label.set_y(count + top * 0.04)
        self.axes.set_ylim(0, top * 1.25)
        labelled = range(0, FORECAST_DAYS, 2)
        dates = [report.today + timedelta(days=day) for day in labelled]
        labels = [
            _("next\nrevision"),
            *(f"{_(_WEEKDAYS[moment.weekday()])}\n{moment.day}" for moment in dates[1:]),
        ]
        self.axes.set_xticks(list(labelled), labels, fontsize=FONT_SIZE - 3)


class _Mastery:
    """Per deck, the share of items remembered for MASTERY_STABILITY_DAYS days or more."""

    def __init__(self, axes: Axes, decks: int) -> None:
        rows = range(decks)
        axes.barh(rows, [100] * decks, color=GREY, height=0.45)
        self.bars = axes.barh(rows, [0] * decks, color=GREEN, height=0.45)
        # Deck titles are content: never mathtext, whatever `$` they hold.
        self.titles = [
            axes.text(0, row - 0.3, "", va="bottom", fontsize=FONT_SIZE - 1, parse_math=False)
            for row in rows
        ]
        self.counts = [
            axes.text(
                100, row - 0.3, "", ha="right", va="bottom", fontsize=FONT_SIZE - 2, color=MUTED
            )
            for row in rows
        ]
        axes.set_ylim(decks - 0.6, -0.9)
        axes.set_yticks([])
        axes.set_xlim(0, 100)
        axes.set_xticks([0, 50, 100], ["0%", "50%", "100%"])
        axes.set_title(
            _("Mastered per deck (memory lasts ≥ {days} days)").format(
                days=f"{MASTERY_STABILITY_DAYS:.0f}"
            ),
            loc="left",
            fontsize=TITLE_SIZE,
        )
        _tidy(axes)
        axes.spines["left"].set_visible(False)
        self.changing: list[Artist] = [*self.bars, *self.titles, *self.counts]

    def show(self, report: ProgressReport) -> None:
        for bar, title, count, deck in zip(
            self.bars, self.titles, self.counts, report.mastery, strict=True
        ):
            bar.set_width(100 * deck.share)
            title.set_text(_drawable(deck.title, 48))
            count.set_text(
                ngettext(
                    "{mastered}/{total} item · {share}%",
                    "{mastered}/{total} items · {share}%",
                    deck.total,
                ).format(mastered=deck.mastered, total=deck.total, share=f"{100 * deck.share:.0f}")
            )


_progress_figures: dict[str, _ProgressFigure] = {}
# One picture at a time: the figure is shared, and drawing holds the GIL for most of its
# time anyway, so parallel threads would not finish sooner.
_drawing = threading.Lock()


def group_png(report: GroupReport, title: str) -> bytes:
    """Per-question accuracy of a group's challenges, hardest first."""
    lines = report.questions[:GROUP_QUESTIONS]
    height = 2.3 + 0.8 * len(lines)
    figure = _figure(height=height)
    axes = figure.subplots()
    figure.subplots_adjust(left=0.47, right=0.83, top=1 - 1.25 / height, bottom=0.85 / height)
    heading = _group_heading(len(lines), len(report.questions))
    figure.suptitle(
        f"{heading}\n{_drawable(title, 40)}" if title else heading,
        y=1 - 0.2 / height,
        fontsize=TITLE_SIZE + 1,
        weight="bold",
        parse_math=False,
    )
    _draw_question_accuracy(axes, lines, report.members)
    return _png(figure)


def _group_heading(shown: int, total: int) -> str:
    if shown < total:
        return _("Hardest questions ({shown} of {total})").format(shown=shown, total=total)
    return _("Hardest questions")


def _draw_question_accuracy(axes: Axes, lines: Sequence[QuestionLine], members: int) -> None:
    """A bar per question: the share of right answers, and how many members answered."""
    rows = range(len(lines))
    shares = [100 * line.accuracy for line in lines]
    axes.barh(rows, [100] * len(lines), color=GREY, height=0.6)
    axes.barh(rows, shares, color=[_accuracy_colour(share) for share in shares], height=0.6)
    axes.set_yticks(list(rows), [_wrapped(line.question) for line in lines], parse_math=False)
    axes.set_ylim(len(lines) - 0.5, -0.5)
    axes.set_xlim(0, 100)
    axes.set_xticks([0, 50, 100], ["0%", "50%", "100%"])
    axes.set_xlabel(
        _("right answers · members who answered, of {members}").format(members=members),
        fontsize=FONT_SIZE - 3,
    )
    for row, line, share in zip(rows, lines, shares, strict=True):
        axes.text(
            103,
            row,
            _("{share}%\n{answered} of {members}").format(
                share=f"{share:.0f}", answered=line.members, members=members
            ),
            va="center",
            fontsize=FONT_SIZE - 2,
            color=INK,
            clip_on=False,
        )
    _tidy(axes)
    axes.tick_params(axis="y", labelsize=FONT_SIZE - 3, length=0)


def blank_png(decks: int = 3) -> bytes:
    """A fresh figure of the /stats picture's size with four empty axes: the benchmark's
    baseline, the least any new figure of this size costs."""
    figure = _figure(height=_progress_height(decks))
    figure.subplots(4, 1)
    return _png(figure)


def _month(month: int) -> str:
    return _(_MONTHS[month - 1])


def _day_month_year(day: date) -> str:
    return _("{day} {month} {year}").format(day=day.day, month=_month(day.month), year=day.year)


def _progress_height(decks: int) -> float:
    return 9.6 + 0.55 * decks


def _accuracy_colour(share: float) -> str:
    if share < 50:
        return VERMILLION
    if share < 80:
        return ORANGE
    return GREEN


def _tidy(axes: Axes) -> None:
    axes.spines["top"].set_visible(False)
    axes.spines["right"].set_visible(False)
    axes.tick_params(labelsize=FONT_SIZE - 2)


def _figure(height: float) -> Figure:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(WIDTH_INCHES, height), dpi=DPI, facecolor="white")
    FigureCanvasAgg(figure)
    return figure


# zlib level 1: on the /stats picture 8 % larger than the default level 6, a third faster.
_PNG_OPTIONS = {"compress_level": 1}


def _png(figure: Figure) -> bytes:
    """Draw the whole figure and encode it."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, facecolor="white", pil_kwargs=_PNG_OPTIONS)
    return buffer.getvalue()


def _encode(canvas: Any) -> bytes:
    """Encode what is on the canvas now, without drawing it again."""
    from matplotlib.image import imsave

    buffer = io.BytesIO()
    imsave(buffer, canvas.buffer_rgba(), format="png", dpi=DPI, pil_kwargs=dict(_PNG_OPTIONS))
    return buffer.getvalue()


@cache
def _glyphs() -> frozenset[int]:
    from matplotlib import font_manager

    font = font_manager.get_font(font_manager.findfont(font_manager.FontProperties()))
    return frozenset(font.get_charmap())


def _wrapped(text: str) -> str:
    """A question label in at most two lines of LABEL_CHARS."""
    import textwrap

    lines = textwrap.wrap(_drawable(text, 4 * LABEL_CHARS), LABEL_CHARS)
    if len(lines) > 2:
        lines = [lines[0], _drawable(" ".join(lines[1:]), LABEL_CHARS)]
    return "\n".join(lines)


def _drawable(text: str, limit: int) -> str:
    """`text` on one line, cut to `limit` characters, glyphs the font lacks replaced.

    Group titles and deck text may hold emoji or scripts the bundled font cannot draw
    (matplotlib would warn and draw boxes).
    """
    glyphs = _glyphs()
    clean = "".join(char if ord(char) in glyphs else "?" for char in " ".join(text.split()))
    if len(clean) > limit:
        clean = clean[: limit - 1].rstrip() + "…"
    return clean

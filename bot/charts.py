"""The /stats and /groupstats pictures: plain data in, PNG bytes out.

Pure presentation, like render.py for texts: no SQL, no Telegram. Runs in a worker thread
(`asyncio.to_thread`), so it builds its own `Figure` and Agg canvas and never touches pyplot's
global state. matplotlib is imported on first use, not when the bot starts: the import costs
more than a second and most processes never draw.

Colours are Okabe–Ito and cividis, both readable with every common colour-vision deficiency;
every value a colour carries is also written as a number or on an axis.
"""

from __future__ import annotations

import io
from datetime import timedelta
from functools import cache
from typing import TYPE_CHECKING

from bot.domain.group_report import GroupReport
from bot.domain.progress import FORECAST_DAYS, HEATMAP_WEEKS, ProgressReport

if TYPE_CHECKING:
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
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def progress_png(report: ProgressReport) -> bytes:
    """The learner's progress picture: heatmap, weekly accuracy, forecast, mastery per deck."""
    figure = _figure(height=9.6 + 0.55 * len(report.mastery))
    heat, accuracy, forecast, mastery = figure.subplots(
        4, 1, gridspec_kw={"height_ratios": [1.35, 1, 1, 0.3 * len(report.mastery)]}
    )
    figure.subplots_adjust(left=0.12, right=0.96, top=0.925, bottom=0.035, hspace=0.7)
    figure.suptitle(
        f"Your progress · {report.today.day} {report.today:%b %Y}",
        y=0.985,
        fontsize=TITLE_SIZE + 2,
        weight="bold",
    )
    _heatmap(heat, report)
    _weekly_accuracy(accuracy, report)
    _forecast(forecast, report)
    _mastery(mastery, report)
    return _png(figure)


def group_png(report: GroupReport, title: str) -> bytes:
    """Per-question accuracy of a group's challenges, hardest first."""
    lines = report.questions[:GROUP_QUESTIONS]
    height = 2.3 + 0.8 * len(lines)
    figure = _figure(height=height)
    axes = figure.subplots()
    figure.subplots_adjust(left=0.47, right=0.83, top=1 - 1.25 / height, bottom=0.85 / height)
    shown = (
        f" ({len(lines)} of {len(report.questions)})" if len(lines) < len(report.questions) else ""
    )
    figure.suptitle(
        f"Hardest questions{shown}\n{_drawable(title, 40)}",
        y=1 - 0.2 / height,
        fontsize=TITLE_SIZE + 1,
        weight="bold",
    )
    rows = range(len(lines))
    shares = [100 * line.accuracy for line in lines]
    axes.barh(rows, [100] * len(lines), color=GREY, height=0.6)
    axes.barh(rows, shares, color=[_accuracy_colour(share) for share in shares], height=0.6)
    axes.set_yticks(list(rows), [_wrapped(line.question) for line in lines])
    axes.set_ylim(len(lines) - 0.5, -0.5)
    axes.set_xlim(0, 100)
    axes.set_xticks([0, 50, 100], ["0%", "50%", "100%"])
    axes.set_xlabel(
        f"right answers · members who answered, of {report.members}", fontsize=FONT_SIZE - 3
    )
    for row, line, share in zip(rows, lines, shares, strict=True):
        axes.text(
            103,
            row,
            f"{share:.0f}%\n{line.members} of {report.members}",
            va="center",
            fontsize=FONT_SIZE - 2,
            color=INK,
            clip_on=False,
        )
    _tidy(axes)
    axes.tick_params(axis="y", labelsize=FONT_SIZE - 3, length=0)
    return _png(figure)


def blank_png() -> bytes:
    """A figure of the same size with nothing on it: the benchmark's baseline."""
    figure = _figure(height=10.8)
    figure.subplots(4, 1)
    return _png(figure)


def _heatmap(axes: Axes, report: ProgressReport) -> None:
    import numpy as np
    from matplotlib import colormaps
    from matplotlib.colors import BoundaryNorm, ListedColormap
    from matplotlib.patches import Patch

    counts = np.array(report.daily_answers, dtype=float).reshape(HEATMAP_WEEKS, 7).T
    days_shown = (report.today - report.heatmap_start).days + 1
    day_index = np.arange(HEATMAP_WEEKS * 7).reshape(HEATMAP_WEEKS, 7).T
    later = day_index >= days_shown
    shades = [GREY, *colormaps["viridis_r"](np.linspace(0.08, 0.92, len(HEAT_BINS)))]
    palette = ListedColormap(shades).with_extremes(bad="white")
    norm = BoundaryNorm([0, *HEAT_BINS, 10**9], palette.N)
    axes.pcolormesh(
        np.ma.masked_array(counts, mask=later),
        cmap=palette,
        norm=norm,
        edgecolors="white",
        linewidth=2,
    )
    axes.set_ylim(7, 0)
    # Only labelled ticks: every tick is several artists, and drawing time grows with them.
    axes.set_yticks([row + 0.5 for row in range(0, 7, 2)], list(_WEEKDAYS[::2]))
    month_starts: dict[str, float] = {}
    for week in range(HEATMAP_WEEKS):
        start = report.heatmap_start + timedelta(weeks=week)
        month_starts.setdefault(f"{start:%b %Y}", week + 0.5)
    axes.set_xticks(list(month_starts.values()), [name[:3] for name in month_starts])
    axes.tick_params(length=0, labelsize=FONT_SIZE - 2)
    axes.set_title(f"Answers per day · last {HEATMAP_WEEKS} weeks", loc="left", fontsize=TITLE_SIZE)
    for side in axes.spines.values():
        side.set_visible(False)
    bounds = [0, *HEAT_BINS]
    labels = ["0"] + [
        f"{low}+" if index == len(HEAT_BINS) - 1 else f"{low}–{HEAT_BINS[index + 1] - 1}"
        for index, low in enumerate(HEAT_BINS)
    ]
    axes.legend(
        handles=[
            Patch(color=shade, label=label) for shade, label in zip(shades, labels, strict=True)
        ],
        ncols=len(bounds),
        loc="upper right",
        bbox_to_anchor=(1.0, -0.12),
        frameon=False,
        fontsize=FONT_SIZE - 4,
        handlelength=1.0,
        columnspacing=0.9,
        handletextpad=0.4,
    )


def _weekly_accuracy(axes: Axes, report: ProgressReport) -> None:
    weeks = range(len(report.weeks))
    shares = [100 * (week.accuracy or 0.0) for week in report.weeks]
    axes.bar(weeks, shares, color=BLUE, width=0.7)
    for week, line in zip(weeks, report.weeks, strict=True):
        if line.accuracy is not None:
            axes.text(
                week, shares[week] + 3, f"{shares[week]:.0f}", ha="center", fontsize=FONT_SIZE - 4
            )
    axes.set_ylim(0, 112)
    axes.set_yticks([0, 50, 100], ["0%", "50%", "100%"])
    labelled = range(0, len(report.weeks), 3)
    axes.set_xticks(
        list(labelled),
        [f"{report.weeks[index].start.day}\n{report.weeks[index].start:%b}" for index in labelled],
        fontsize=FONT_SIZE - 3,
    )
    axes.set_xlim(-0.6, len(report.weeks) - 0.4)
    axes.set_title("Accuracy per week (weeks from Monday)", loc="left", fontsize=TITLE_SIZE)
    _tidy(axes)


def _forecast(axes: Axes, report: ProgressReport) -> None:
    from matplotlib.ticker import MaxNLocator

    days = range(FORECAST_DAYS)
    axes.bar(days, report.forecast, color=ORANGE, width=0.7)
    top = max(report.forecast) if any(report.forecast) else 1
    for day, count in zip(days, report.forecast, strict=True):
        if count:
            axes.text(day, count + top * 0.04, str(count), ha="center", fontsize=FONT_SIZE - 4)
    axes.set_ylim(0, top * 1.25)
    labelled = range(0, FORECAST_DAYS, 2)
    dates = [report.today + timedelta(days=day) for day in labelled]
    labels = ["today", *(f"{moment:%a}\n{moment.day}" for moment in dates[1:])]
    axes.set_xticks(list(labelled), labels, fontsize=FONT_SIZE - 3)
    axes.set_xlim(-0.6, FORECAST_DAYS - 0.4)
    axes.yaxis.set_major_locator(MaxNLocator(nbins=4, integer=True))
    axes.set_title(f"Reviews due · next {FORECAST_DAYS} days", loc="left", fontsize=TITLE_SIZE)
    _tidy(axes)


def _mastery(axes: Axes, report: ProgressReport) -> None:
    rows = range(len(report.mastery))
    axes.barh(rows, [100] * len(report.mastery), color=GREY, height=0.45)
    axes.barh(rows, [100 * deck.share for deck in report.mastery], color=GREEN, height=0.45)
    for row, deck in zip(rows, report.mastery, strict=True):
        axes.text(0, row - 0.3, _drawable(deck.title, 48), va="bottom", fontsize=FONT_SIZE - 1)
        axes.text(
            100,
            row - 0.3,
            f"{deck.mastered}/{deck.total} items · {100 * deck.share:.0f}%",
            ha="right",
            va="bottom",
            fontsize=FONT_SIZE - 2,
            color=MUTED,
        )
    axes.set_ylim(len(report.mastery) - 0.6, -0.9)
    axes.set_yticks([])
    axes.set_xlim(0, 100)
    axes.set_xticks([0, 50, 100], ["0%", "50%", "100%"])
    axes.set_title("Mastered per deck (recall now ≥ 90%)", loc="left", fontsize=TITLE_SIZE)
    _tidy(axes)
    axes.spines["left"].set_visible(False)


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


def _png(figure: Figure) -> bytes:
    from matplotlib.text import Text

    # Deck and question text is literal: a pair of `$` must not turn into mathtext.
    for text in figure.findobj(Text):
        text.set_parse_math(False)
    buffer = io.BytesIO()
    # Fast zlib: charts are flat colour, so level 1 is nearly as small and several times faster.
    figure.savefig(
        buffer, format="png", dpi=DPI, facecolor="white", pil_kwargs={"compress_level": 1}
    )
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

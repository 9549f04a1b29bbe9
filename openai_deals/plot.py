"""The deals timeline as a chart, to be read at a glance.

Time runs across. Each partnership gets the rows it needs, and only those: amounts on a
logarithmic axis labelled in dollars, then a row of its own for the deals that are not an
amount (a licence, a launch, a hire), each label in full, stacked when they would overlap.
Filled marks are facts, hollow ones reported (« aurait »); a line is a period.

Needs matplotlib (``pip install matplotlib``); importing this module without it raises
ImportError, which the CLI turns into an install hint.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only: no display, no GUI toolkit

import matplotlib.pyplot as plt
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

from openai_deals import messages as m
from openai_deals.retrieval.model import Deal, DealTerm, Partnership

# The file formats drawn, by file extension (matplotlib's names); JPEG needs Pillow.
FORMATS = {".png": "png", ".jpg": "jpeg", ".jpeg": "jpeg", ".svg": "svg", ".pdf": "pdf"}

DPI = 100
WIDTH_INCHES = 13.0
LEFT_INCHES = 2.1  # the partnerships' names
RIGHT_INCHES = 0.3
TOP_INCHES = 0.9  # title and legend
BOTTOM_INCHES = 0.5  # the years
# An amounts row grows with its marks, from room for one label to room for several.
AMOUNT_ROW_INCHES = (1.1, 0.3, 2.2)  # base, per mark, most
EVENT_LEVEL_INCHES = 0.32  # one line of labels in an events row
EVENT_PAD_INCHES = 0.25
GAP_INCHES = 0.12
FONT_SIZE = 8
# Width of one character of a FONT_SIZE label, in inches (DejaVu Sans averages ~0.55 em).
CHAR_INCHES = FONT_SIZE * 0.55 / 72
LABEL_OFFSET_INCHES = 0.08
FACT_COLOUR, REPORTED_COLOUR = "tab:blue", "tab:blue"
EVENT_COLOUR = "tab:orange"


class UnknownFormat(ValueError):
    """The file's extension names no format this chart is drawn in."""

    def __init__(self, suffix: str) -> None:
        super().__init__(suffix)
        self.suffix = suffix


def chart_format(path: Path) -> str:
    """matplotlib's name for the format ``path``'s extension names.

    Raises:
        UnknownFormat: any other extension (none included).
    """
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise UnknownFormat(suffix)
    return FORMATS[suffix]


def _year(iso: str) -> float:
    """An ISO date as a year with its fraction: "2019-07" → 2019.54, "2019" → 2019.5."""
    year = int(iso[:4])
    return year + ((int(iso[5:7]) - 0.5) / 12 if len(iso) >= 7 else 0.5)


def _money_term(deal: Deal) -> DealTerm | None:
    return next((t for t in deal.terms if t.amount and t.amount.is_money and t.amount.value), None)


@dataclass(frozen=True)
class _Mark:
    deal: Deal
    x: float
    end: float | None  # a period's last year
    label: str
    amount: float | None = None
    level: int = 0  # events: the line of labels it sits on


@dataclass(frozen=True)
class _Lane:
    name: str
    amounts: tuple[_Mark, ...]
    events: tuple[_Mark, ...]
    levels: int  # lines of labels in the events row


def _marks(deal: Deal) -> _Mark:
    term = _money_term(deal)
    x = _year(deal.date.start)
    end = _year(deal.date.end) if deal.date.end else None
    if term is not None and term.amount is not None:
        return _Mark(deal, x, end, m.deal_term(term), float(term.amount.value))
    return _Mark(deal, x, end, m.deal_summary(deal))


def _label_years(label: str, years_per_inch: float) -> float:
    return (len(label) * CHAR_INCHES + LABEL_OFFSET_INCHES * 3) * years_per_inch


def _stack(events: list[_Mark], years_per_inch: float) -> tuple[tuple[_Mark, ...], int]:
    """Each event on the lowest line where its label does not run into the one before."""
    ends: list[float] = []  # per line: where its last label ends, in years
    placed = []
    for mark in sorted(events, key=lambda e: e.x):
        level = next((n for n, end in enumerate(ends) if end < mark.x), len(ends))
        right = mark.x + _label_years(mark.label, years_per_inch)
        if level == len(ends):
            ends.append(right)
        else:
            ends[level] = right
        placed.append(_Mark(mark.deal, mark.x, mark.end, mark.label, None, level))
    return tuple(placed), max(1, len(ends))


def _span(partnerships: Sequence[Partnership]) -> tuple[float, float]:
    """The years shown: from the year before the first deal to past the last label."""
    marks = [_marks(d) for p in partnerships for d in p.deals]
    if not marks:
        return 2019.0, 2026.0
    start = float(int(min(mk.x for mk in marks)))
    last = max(max(mk.x, mk.end or mk.x) for mk in marks)
    end = float(int(last) + 1)
    # Labels run right of their mark: widen the span until the longest one fits.
    plot_inches = WIDTH_INCHES - LEFT_INCHES - RIGHT_INCHES
    for _ in range(5):
        per_inch = (end - start) / plot_inches
        reach = max(mk.x + _label_years(mk.label, per_inch) for mk in marks)
        if reach <= end:
            break
        end = float(int(reach) + 1)
    return start, end


def _lanes(partnerships: Sequence[Partnership]) -> tuple[list[_Lane], tuple[float, float]]:
    span = _span(partnerships)
    per_inch = (span[1] - span[0]) / (WIDTH_INCHES - LEFT_INCHES - RIGHT_INCHES)
    lanes = []
    for p in partnerships:
        marks = [_marks(d) for d in p.deals]
        amounts = tuple(mk for mk in marks if mk.amount is not None)
        events, levels = _stack([mk for mk in marks if mk.amount is None], per_inch)
        lanes.append(_Lane(m.partnership_label(p.parties), amounts, events, levels))
    return lanes, span


def _rows(lanes: list[_Lane]) -> list[tuple[_Lane, str, float]]:
    """(lane, "amounts" or "events", height in inches) for every row drawn, top to bottom."""
    rows = []
    for lane in lanes:
        if lane.amounts:
            base, per_mark, most = AMOUNT_ROW_INCHES
            rows.append((lane, "amounts", min(most, base + per_mark * len(lane.amounts))))
        if lane.events:
            rows.append((lane, "events", EVENT_PAD_INCHES + EVENT_LEVEL_INCHES * lane.levels))
    return rows


def figure_pixels(partnerships: Sequence[Partnership]) -> tuple[int, int]:
    """The chart's width and height in pixels: each partnership's rows, sized to what they
    hold, plus the title, the legend and the years."""
    rows = _rows(_lanes(partnerships)[0])
    height = TOP_INCHES + BOTTOM_INCHES + sum(h for _, _, h in rows) + GAP_INCHES * len(rows)
    return round(WIDTH_INCHES * DPI), round(max(height, 2.5) * DPI)


def _dollars(value: float, _position: object = None) -> str:
    return m.dollars_fr(value)


def plot_timeline(partnerships: Sequence[Partnership], path: Path) -> None:
    """Draw the timeline to ``path`` in the format its extension names (see ``FORMATS``).

    Raises:
        UnknownFormat: an extension not in ``FORMATS``.
        OSError: ``path`` cannot be written.
    """
    file_format = chart_format(path)
    lanes, span = _lanes(partnerships)
    rows = _rows(lanes)
    width, height = figure_pixels(partnerships)
    fig = plt.figure(figsize=(width / DPI, height / DPI), dpi=DPI)
    plot_height = height / DPI - TOP_INCHES - BOTTOM_INCHES
    if rows:
        grid = fig.add_gridspec(
            len(rows),
            1,
            height_ratios=[h for _, _, h in rows],
            hspace=GAP_INCHES * len(rows) / max(plot_height, 0.1),
            left=LEFT_INCHES / (width / DPI),
            right=1 - RIGHT_INCHES / (width / DPI),
            top=1 - TOP_INCHES / (height / DPI),
            bottom=BOTTOM_INCHES / (height / DPI),
        )
    amounts = [mk.amount for lane in lanes for mk in lane.amounts if mk.amount]
    low, high = min(amounts, default=1e8) / 3, max(amounts, default=1e10) * 3
    first = None
    previous_lane = None
    for number, (lane, kind, _) in enumerate(rows):
        ax = fig.add_subplot(grid[number, 0], sharex=first)
        first = first or ax
        ax.set_xlim(*span)
        ax.grid(True, axis="x", alpha=0.3)
        name = lane.name if lane is not previous_lane else ""
        previous_lane = lane
        row_name = m.PLOT_ROW_AMOUNTS if kind == "amounts" else m.PLOT_ROW_EVENTS
        label = f"{name}\n{row_name}" if name else row_name
        ax.set_ylabel(label, rotation=0, ha="right", va="center", fontsize=9)
        if kind == "amounts":
            _draw_amounts(ax, lane, low, high)
        else:
            _draw_events(ax, lane)
        if number < len(rows) - 1:
            ax.tick_params(axis="x", labelbottom=False)
    if first is not None:
        first.xaxis.set_major_locator(matplotlib.ticker.MultipleLocator(1))
        first.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{int(x)}"))
    fig.suptitle(m.PLOT_CHART_TITLE, fontsize=11, x=0.02, ha="left", y=1 - 0.15 / (height / DPI))
    fig.legend(
        handles=_legend(),
        loc="upper right",
        ncol=4,
        fontsize=FONT_SIZE,
        frameon=False,
        bbox_to_anchor=(1 - RIGHT_INCHES / (width / DPI), 1 - 0.4 / (height / DPI)),
    )
    fig.savefig(path, format=file_format, dpi=DPI)  # no bbox_inches="tight": the size stays known
    plt.close(fig)


def _draw_amounts(ax, lane: _Lane, low: float, high: float) -> None:  # type: ignore[no-untyped-def]
    ax.set_yscale("log")
    ax.set_ylim(low, high)
    ax.yaxis.set_major_locator(LogLocator(base=10))
    ax.yaxis.set_major_formatter(FuncFormatter(_dollars))
    ax.yaxis.set_minor_formatter(NullFormatter())
    ax.tick_params(axis="y", labelsize=FONT_SIZE)
    ax.grid(True, axis="y", which="major", alpha=0.3)
    ax.yaxis.set_label_position("left")
    ax.text(
        1.0, 1.0, m.PLOT_AXIS_AMOUNT, transform=ax.transAxes, ha="right", va="bottom",
        fontsize=FONT_SIZE - 1, color="dimgray",
    )  # fmt: skip
    for mark in lane.amounts:
        if mark.end is not None:
            ax.plot([mark.x, mark.end], [mark.amount] * 2, color=FACT_COLOUR, alpha=0.4, lw=3)
        face = "white" if mark.deal.reported else FACT_COLOUR
        ax.scatter(
            [mark.x], [mark.amount], s=55, marker="o", facecolors=face,
            edgecolors=FACT_COLOUR, zorder=3,
        )  # fmt: skip
        ax.annotate(
            mark.label, (mark.x, mark.amount), xytext=(6, 3), textcoords="offset points",
            fontsize=FONT_SIZE, va="bottom",
        )  # fmt: skip


def _draw_events(ax, lane: _Lane) -> None:  # type: ignore[no-untyped-def]
    ax.set_ylim(-0.6, lane.levels - 0.4)
    ax.invert_yaxis()  # the first line of labels on top
    ax.set_yticks([])
    for mark in lane.events:
        y = mark.level
        if mark.end is not None:
            ax.plot([mark.x, mark.end], [y, y], color=EVENT_COLOUR, alpha=0.4, lw=3)
        face = "white" if mark.deal.reported else EVENT_COLOUR
        ax.scatter(
            [mark.x], [y], s=50, marker="D", facecolors=face, edgecolors=EVENT_COLOUR, zorder=3
        )
        ax.annotate(
            mark.label, (mark.x, y), xytext=(7, 0), textcoords="offset points",
            fontsize=FONT_SIZE, va="center",
        )  # fmt: skip


def _legend() -> list:
    line = plt.Line2D
    return [
        line([], [], marker="o", ls="", color=FACT_COLOUR, label=m.PLOT_LEGEND_FACT),
        line([], [], marker="o", ls="", mfc="white", color=REPORTED_COLOUR,
             label=m.PLOT_LEGEND_REPORTED),
        line([], [], marker="D", ls="", color=EVENT_COLOUR, label=m.PLOT_LEGEND_EVENT),
        line([], [], ls="-", lw=3, alpha=0.4, color="gray", label=m.PLOT_LEGEND_PERIOD),
    ]  # fmt: skip

"""The deals timeline as a chart: one lane per partnership, money on a log scale.

Needs matplotlib (``pip install 'openai-deals[plot]'``); importing this module without it
raises ImportError, which the CLI turns into an install hint.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only: no display, no GUI toolkit

import matplotlib.pyplot as plt

from openai_deals import messages as m
from openai_deals.retrieval.model import Deal, DealTerm, Partnership

DPI = 100
WIDTH_INCHES = 11.0
LANE_INCHES = 1.8
MARGIN_INCHES = 1.4  # title, axis labels, legend
LABEL_CHARS = 38


def figure_pixels(lanes: int) -> tuple[int, int]:
    """The PNG's width and height in pixels for ``lanes`` partnerships."""
    height = MARGIN_INCHES + LANE_INCHES * max(1, lanes)
    return round(WIDTH_INCHES * DPI), round(height * DPI)


def _year(iso: str) -> float:
    """An ISO date as a year with its fraction: "2019-07" → 2019.54, "2019" → 2019.5."""
    year = int(iso[:4])
    return year + ((int(iso[5:7]) - 0.5) / 12 if len(iso) >= 7 else 0.5)


def _money_term(deal: Deal) -> DealTerm | None:
    return next((t for t in deal.terms if t.amount and t.amount.is_money), None)


def _money(deal: Deal) -> float | None:
    term = _money_term(deal)
    return term.amount.value if term and term.amount else None


def _label(deal: Deal) -> str:
    """The money term when there is one (it is what the mark's height shows)."""
    term = _money_term(deal)
    text = m.deal_term(term) if term else m.deal_summary(deal)
    return text if len(text) <= LABEL_CHARS else text[: LABEL_CHARS - 1] + "…"


def plot_timeline(partnerships: Sequence[Partnership], path: Path) -> None:
    """Draw one lane per partnership, time across, amounts (log scale) up; deals without
    an amount sit at the bottom of their lane. Filled marks are facts, hollow ones rumours.

    Raises:
        OSError: ``path`` cannot be written.
    """
    lanes = max(1, len(partnerships))
    width, height = figure_pixels(lanes)
    fig, axes = plt.subplots(
        lanes, 1, sharex=True, squeeze=False, figsize=(width / DPI, height / DPI), dpi=DPI
    )
    amounts = [a for p in partnerships for d in p.deals if (a := _money(d))]
    low = min(amounts, default=1e8) / 10
    high = max(amounts, default=1e10) * 10
    for ax, lane in zip(axes[:, 0], partnerships, strict=False):
        ax.set_yscale("log")
        ax.set_ylim(low, high)
        ax.set_ylabel(m.partnership_label(lane.parties), rotation=0, ha="right", va="center")
        ax.grid(True, which="major", axis="both", alpha=0.3)
        for n, deal in enumerate(lane.deals):
            value = _money(deal)
            x = _year(deal.date.start)
            y = value if value else low * 2
            if deal.date.end:  # a period: a bar from its start to its end
                ax.plot([x, _year(deal.date.end)], [y, y], color="tab:blue", alpha=0.5)
            face = "white" if deal.reported else "tab:blue"
            marker = "o" if value else "^"
            ax.scatter(
                [x], [y], s=60, marker=marker, facecolors=face, edgecolors="tab:blue", zorder=3
            )
            # Marks without an amount share the lane's floor: stagger their labels.
            rise = 4 if value else 4 + 11 * (n % 3)
            ax.annotate(
                _label(deal), (x, y), xytext=(6, rise), textcoords="offset points", fontsize=7
            )
    for ax in axes[len(partnerships) :, 0]:
        ax.set_axis_off()
    axes[-1, 0].set_xlabel("")
    years = [_year(d.date.end or d.date.start) for p in partnerships for d in p.deals]
    years += [_year(d.date.start) for p in partnerships for d in p.deals]
    if years:
        axes[0, 0].set_xlim(int(min(years)) - 0.5, int(max(years)) + 2)
    axes[0, 0].set_title(m.PLOT_TITLE, fontsize=10)
    handles = [
        plt.Line2D([], [], marker="o", ls="", color="tab:blue", label=m.PLOT_FACT),
        plt.Line2D([], [], marker="o", ls="", mfc="white", color="tab:blue", label=m.PLOT_REPORTED),
    ]
    fig.legend(handles=handles, loc="lower right", fontsize=8)
    fig.subplots_adjust(left=0.2, right=0.97)
    fig.savefig(path, format="png", dpi=DPI)  # no bbox_inches="tight": the size stays known
    plt.close(fig)

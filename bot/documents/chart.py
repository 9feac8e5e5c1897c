"""Chart images for the monthly summary (matplotlib, Agg). DejaVu Sans carries every Vietnamese
diacritic, so labels such as "Bồi thường, giải phóng mặt bằng" render intact."""

from __future__ import annotations

import io
from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")

from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

FONT = "DejaVu Sans"


def bar_chart_png(
    title: str,
    panels: Sequence[tuple[str, Sequence[tuple[str, float]]]],
    *,
    percent_panels: Sequence[int] = (),
) -> bytes:
    """Horizontal bar panels stacked vertically: (panel title, [(label, value), …]) each.
    Panels listed in ``percent_panels`` are drawn on a 0–100 scale."""
    heights = [max(1.6, 0.38 * max(1, len(values)) + 0.9) for _, values in panels]
    fig = Figure(figsize=(9, sum(heights) + 0.8), dpi=110)
    fig.suptitle(title, fontsize=14, fontweight="bold", fontfamily=FONT)
    grid = fig.add_gridspec(len(panels), 1, height_ratios=heights, hspace=0.55)
    for index, (panel_title, values) in enumerate(panels):
        ax = fig.add_subplot(grid[index])
        names = [name for name, _ in values] or ["—"]
        numbers = [value for _, value in values] or [0]
        bars = ax.barh(range(len(names)), numbers, color="#2f6fb0")
        ax.set_yticks(range(len(names)), names, fontfamily=FONT, fontsize=9)
        ax.invert_yaxis()
        ax.set_title(panel_title, fontfamily=FONT, fontsize=11, loc="left")
        percent = index in percent_panels
        top = 112 if percent else max([*numbers, 1]) * 1.15
        ax.set_xlim(0, top)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        for bar, value in zip(bars, numbers, strict=True):
            text = f"{value:.0f}%" if percent else f"{value:g}"
            ax.text(
                bar.get_width() + top * 0.01,
                bar.get_y() + bar.get_height() / 2,
                text,
                va="center",
                fontsize=9,
                fontfamily=FONT,
            )
        ax.spines[["top", "right"]].set_visible(False)
        for tick in ax.get_xticklabels():
            tick.set_fontfamily(FONT)
    fig.subplots_adjust(left=0.34, right=0.96, top=1 - 0.6 / (sum(heights) + 0.8), bottom=0.04)
    out = io.BytesIO()
    fig.savefig(out, format="png")
    return out.getvalue()

"""The chart of evidence per indicator as SVG shapes (the HTML document draws them inline).

The Word document's PNG of the same chart is drawn by matplotlib (``learning.charts``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

CURRENT_COLOUR = "#1d4f91"
PREVIOUS_COLOUR = "#767676"
INK = "#222222"
GRID = "#d9d9d9"


@dataclass(frozen=True)
class Box:
    """A filled rectangle (a bar or a legend key)."""

    x: float
    y: float
    width: float
    height: float
    colour: str


@dataclass(frozen=True)
class Text:
    """A label; ``anchor`` is start, middle or end, ``y`` is the baseline."""

    x: float
    y: float
    text: str
    anchor: str = "middle"


@dataclass
class ChartLayout:
    """Everything needed to draw the chart, in pixel coordinates."""

    width: int
    height: int
    boxes: list[Box] = field(default_factory=list)
    texts: list[Text] = field(default_factory=list)
    lines: list[tuple[float, float, float, float, str]] = field(default_factory=list)


def _nice_step(top: int) -> int:
    """A round step (1, 2, 5, 10, 20 …) giving at most five gridlines up to ``top``."""
    rough = max(top / 4, 1)
    power = 10 ** math.floor(math.log10(rough))
    for factor in (1, 2, 5, 10):
        if factor * power >= rough:
            return int(factor * power)
    return int(10 * power)


def layout(bars: Sequence, width: int = 720, height: int = 300) -> ChartLayout:
    """Lay out grouped bars: this period (dark) beside the previous one (grey) per indicator."""
    chart = ChartLayout(width, height)
    left, right, top, bottom = 44, 12, 36, 30
    plot_w, plot_h = width - left - right, height - top - bottom
    highest = max([b.current for b in bars] + [b.previous for b in bars] + [1])
    step = _nice_step(highest)
    ceiling = step * math.ceil(highest / step)
    base = top + plot_h
    for value in range(0, ceiling + 1, step):
        y = base - plot_h * value / ceiling
        chart.lines.append((left, y, width - right, y, GRID))
        chart.texts.append(Text(left - 6, y + 4, str(value), "end"))
    chart.lines.append((left, base, width - right, base, INK))
    group = plot_w / max(len(bars), 1)
    bar_w = min(28.0, group * 0.36)
    for i, bar in enumerate(bars):
        middle = left + group * (i + 0.5)
        for value, colour, x in (
            (bar.current, CURRENT_COLOUR, middle - bar_w - 1),
            (bar.previous, PREVIOUS_COLOUR, middle + 1),
        ):
            h = plot_h * value / ceiling
            chart.boxes.append(Box(round(x, 1), round(base - h, 1), bar_w, round(h, 1), colour))
            chart.texts.append(Text(round(x + bar_w / 2, 1), round(base - h - 4, 1), str(value)))
        chart.texts.append(Text(round(middle, 1), base + 18, bar.code))
    _legend(chart, left)
    return chart


def _legend(chart: ChartLayout, left: float) -> None:
    chart.boxes.append(Box(left, 8, 12, 12, CURRENT_COLOUR))
    chart.texts.append(Text(left + 18, 19, "This period", "start"))
    chart.boxes.append(Box(left + 150, 8, 12, 12, PREVIOUS_COLOUR))
    chart.texts.append(Text(left + 168, 19, "Previous period", "start"))

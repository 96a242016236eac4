"""The chart of evidence per indicator: one layout, drawn as SVG shapes or as a PNG image.

The PNG is drawn here with the standard library alone (zlib for the image data, a small
bitmap font for the labels), so the Word document needs no imaging package.
"""

from __future__ import annotations

import math
import struct
import zlib
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


# --- PNG -----------------------------------------------------------------------------------

_GLYPHS = {
    "0": ".###.#...##..###.#.###..##...#.###.",
    "1": "..#...##....#....#....#....#...###.",
    "2": ".###.#...#....#...#...#...#...#####",
    "3": "#####...#...#.....#.....##...#.###.",
    "4": "...#...##..#.#.#..#.#####...#....#.",
    "5": "######....####.....#....##...#.###.",
    "6": "..##..#...#....####.#...##...#.###.",
    "7": "#####....#...#...#...#....#....#...",
    "8": ".###.#...##...#.###.#...##...#.###.",
    "9": ".###.#...##...#.####....#...#..##..",
    ".": "..........................##...##..",
    "-": "...............#####...............",
    "S": ".#####....#.....###.....#....#####.",
    "O": ".###.#...##...##...##...##...#.###.",
    "T": "#####..#....#....#....#....#....#..",
    "H": "#...##...##...#######...##...##...#",
    "I": ".###...#....#....#....#....#...###.",
    "P": "####.#...##...#####.#....#....#....",
    "E": "######....#....####.#....#....#####",
    "R": "####.#...##...#####.#.#..#..#.#...#",
    "D": "###..#..#.#...##...##...##..#.###..",
    "V": "#...##...##...##...##...#.#.#...#..",
    "U": "#...##...##...##...##...##...#.###.",
}


def _rgb(colour: str) -> bytes:
    return bytes.fromhex(colour.lstrip("#"))


class _Canvas:
    """An RGB pixel buffer with rectangles and bitmap text."""

    def __init__(self, width: int, height: int) -> None:
        self.width, self.height = width, height
        self.pixels = bytearray(b"\xff" * (width * height * 3))

    def fill(self, x0: float, y0: float, x1: float, y1: float, colour: str) -> None:
        """Fill the rectangle from (x0, y0) up to, not including, (x1, y1)."""
        left, right = max(int(round(x0)), 0), min(int(round(x1)), self.width)
        top, bottom = max(int(round(y0)), 0), min(int(round(y1)), self.height)
        if right <= left:
            return
        run = _rgb(colour) * (right - left)
        for y in range(top, bottom):
            start = (y * self.width + left) * 3
            self.pixels[start : start + len(run)] = run

    def text(self, label: Text, scale: float, colour: str = INK) -> None:
        """Draw a label in the bitmap font (upper case), placed as the SVG would place it."""
        size = max(int(round(scale * 1.6)), 1)
        chars = label.text.upper()
        width = len(chars) * 6 * size
        x = label.x * scale - {"start": 0, "middle": width / 2, "end": width}[label.anchor]
        y = label.y * scale - 7 * size
        for ch in chars:
            glyph = _GLYPHS.get(ch, "").ljust(35, ".")
            for i, pixel in enumerate(glyph):
                if pixel == "#":
                    px, py = x + (i % 5) * size, y + (i // 5) * size
                    self.fill(px, py, px + size, py + size, colour)
            x += 6 * size

    def png(self) -> bytes:
        """The buffer encoded as a PNG file."""
        stride = self.width * 3
        rows = b"".join(
            b"\x00" + bytes(self.pixels[y * stride : (y + 1) * stride]) for y in range(self.height)
        )

        def chunk(kind: bytes, data: bytes) -> bytes:
            body = kind + data
            return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

        header = struct.pack(">IIBBBBB", self.width, self.height, 8, 2, 0, 0, 0)
        return (
            b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(rows, 9))
            + chunk(b"IEND", b"")
        )


def draw_png(bars: Sequence, scale: int = 2) -> bytes:
    """The chart as a PNG image, ``scale`` times the SVG's size for a sharp print."""
    chart = layout(bars)
    canvas = _Canvas(chart.width * scale, chart.height * scale)
    for x0, y0, x1, _y1, colour in chart.lines:
        canvas.fill(x0 * scale, y0 * scale, x1 * scale, y0 * scale + max(scale // 2, 1), colour)
    for box in chart.boxes:
        canvas.fill(
            box.x * scale,
            box.y * scale,
            (box.x + box.width) * scale,
            (box.y + box.height) * scale,
            box.colour,
        )
    for label in chart.texts:
        canvas.text(label, scale)
    return canvas.png()

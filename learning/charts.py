"""Charts of figures over time, drawn with matplotlib (Agg): SVG for pages, PNG for Word.

A chart is drawn once for its figures and kept in the data dir's ``cache/charts`` folder under
a hash of what it shows, so a page or a learning update asks for it again at no cost until a
figure changes (a learning update's charts: ``update_chart`` and ``evidence_bars_png``).
Withheld (suppressed) values are gaps in the line, never drawn. matplotlib's own cache lives
under the data dir too (``MPLCONFIGDIR``), so the service needs no home folder.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import math
import os
import tempfile
import textwrap
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from evidence.validate import FIRST_DAY, LAST_DAY

_lock = threading.Lock()  # pyplot's state is global; one chart is drawn at a time
COLOURS = ("#1d70b8", "#d4351c", "#00703c", "#4c2c92", "#f47738", "#5694ca", "#912b88",
           "#85994b", "#6f72af", "#b58840")  # fmt: skip

Series = dict[str, list[tuple[str, float | None]]]  # place -> [(period_to, value or None)]


def _pyplot(cache: Path | None):
    if cache is None:  # a learning update has no data dir to hand: a private temp folder
        cache = Path(tempfile.gettempdir()) / f"wm2u-matplotlib-{os.getuid()}"
    os.environ.setdefault("MPLCONFIGDIR", str(cache / "matplotlib"))
    (cache / "matplotlib").mkdir(parents=True, exist_ok=True, mode=0o700)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _charted(series: Series) -> Series:
    """The points dated within the door's years (evidence/validate.py): matplotlib places no
    date past 9999, and its margins around a figure of 9999-12-31 went there (a 500 for
    everyone, from a figure saved before the door refused it)."""
    kept = {
        p: [(d, v) for d, v in points if FIRST_DAY <= d <= LAST_DAY] for p, points in series.items()
    }
    return {place: points for place, points in kept.items() if points}


def chart(cache: Path, title: str, unit: str, series: Series, fmt: str = "svg") -> bytes:
    """The chart of ``series`` as SVG or PNG bytes (from the cache when already drawn)."""
    series = _charted(series)
    return _cached(cache, [title, unit, series, fmt], fmt,
                   lambda: _draw(cache, title, unit, series, fmt))  # fmt: skip


def update_chart(
    cache: Path | None,
    title: str,
    unit: str,
    series: Series,
    fmt: str = "png",
    places: Sequence[str] = (),
) -> bytes:
    """A learning update's small chart of one measure (half a page wide: two sit side by
    side), one line per place, as PNG for Word or SVG for HTML (from the cache when drawn).
    ``places`` gives each place its colour, the same in every chart of the update."""
    series = _charted(series)
    order = [*places, *sorted(set(series) - set(places))]
    return _cached(cache, ["update", title, unit, series, fmt, order], fmt,
                   lambda: _draw_small(cache, title, unit, series, fmt, order))  # fmt: skip


def figure(cache: Path | None, content: list, fmt: str, draw: Callable[[Any], bytes]) -> bytes:
    """A figure another module draws with ``draw(pyplot)``, one at a time (pyplot's state is
    global), kept in the data dir's chart cache under ``content``."""

    def drawn() -> bytes:
        with _lock:
            return draw(_pyplot(cache))

    return _cached(cache, content, fmt, drawn)


def _cached(cache: Path | None, content: list, fmt: str, draw: Callable[[], bytes]) -> bytes:
    """The bytes kept under a hash of ``content``, drawn (and kept) when not there yet; with
    no data dir's cache to hand, drawn and not kept (figures stay in the data dir)."""
    if cache is None:
        return draw()
    key = hashlib.sha256(json.dumps(content, sort_keys=True).encode("utf-8")).hexdigest()[:32]
    folder = cache / "charts"
    path = folder / f"{key}.{fmt}"
    if path.exists():
        return path.read_bytes()
    data = draw()
    folder.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(f".{os.getpid()}.part")
    partial.write_bytes(data)
    partial.replace(path)
    return data


def _draw(cache: Path, title: str, unit: str, series: Series, fmt: str) -> bytes:
    with _lock:
        plt = _pyplot(cache)
        plt.rcParams["svg.hashsalt"] = "wm2u"  # the same figures give the same bytes
        fig, ax = plt.subplots(figsize=(7.5, 3.6), dpi=110)
        try:
            for i, (place, points) in enumerate(sorted(series.items())):
                xs = [dt.date.fromisoformat(d) for d, _ in points]
                ys = [v for _, v in points]
                label = place if any(v is not None for v in ys) else f"{place} (not shown)"
                ys = [float("nan") if v is None else v for v in ys]
                ax.plot(xs, ys, marker="o", linewidth=2, markersize=4,
                        color=COLOURS[i % len(COLOURS)], label=label)  # fmt: skip
            ax.set_title(title, loc="left", fontsize=11)
            ax.set_ylabel({"gbp": "£", "percent": "%"}.get(unit, unit))
            ax.grid(axis="y", color="#dddddd")
            ax.spines[["top", "right"]].set_visible(False)
            ax.set_ylim(bottom=0)
            if len(series) > 1:
                ax.legend(fontsize=8, frameon=False, loc="center left", bbox_to_anchor=(1, 0.5))
            fig.autofmt_xdate()
            fig.tight_layout()
            out = io.BytesIO()
            fig.savefig(out, format=fmt, metadata={"Date": None} if fmt == "svg" else None)
            return out.getvalue()
        finally:
            plt.close(fig)


SMALL_SIZE = (3.0, 1.85)  # inches: as Word shows it, two side by side on an A4 page
SMALL_DPI = 200  # sharp when printed at that size


def _draw_small(
    cache: Path | None, title: str, unit: str, series: Series, fmt: str, order: list[str]
) -> bytes:
    """One measure over time in a chart of its own: the title wrapped above, a legend of the
    places under it, the figures' dates on the axis. A withheld value (None) is a gap."""
    with _lock:
        plt = _pyplot(cache)
        plt.rcParams["svg.hashsalt"] = "wm2u"
        fig, ax = plt.subplots(figsize=SMALL_SIZE, dpi=SMALL_DPI)
        try:
            days = set()
            for place in (p for p in order if p in series):
                points = series[place]
                xs = [dt.date.fromisoformat(d) for d, _ in points]
                days.update(xs)
                ys = [float("nan") if v is None else v for _, v in points]
                shown = any(v is not None for _, v in points)
                ax.plot(xs, ys, marker="o", linewidth=1.5, markersize=3,
                        color=COLOURS[order.index(place) % len(COLOURS)],
                        label=place if shown else f"{place} (not shown)")  # fmt: skip
            ax.set_title(textwrap.fill(title, 52), loc="left", fontsize=7.5, pad=14)
            _axes_small(plt, ax, unit, sorted(days))
            if series:
                ax.legend(fontsize=6.5, frameon=False, loc="lower left", ncol=min(len(series), 3),
                          bbox_to_anchor=(0, 1), borderaxespad=0.1, handlelength=1.5,
                          columnspacing=1.2)  # fmt: skip
            fig.tight_layout(pad=0.4)
            out = io.BytesIO()
            fig.savefig(out, format=fmt, metadata={"Date": None} if fmt == "svg" else None)
            return out.getvalue()
        finally:
            plt.close(fig)


def _axes_small(plt, ax, unit: str, days: list[dt.date]) -> None:
    """Ticks at each figure's date when there are few (a quarter's figure under its month),
    else matplotlib's own; the value axis from 0 in the measure's unit."""
    import matplotlib.dates as mdates

    if 0 < len(days) <= 7:
        ax.set_xticks(days)
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%b\n%Y"))
    else:
        locator = mdates.AutoDateLocator(maxticks=6)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    if len(days) == 1:  # one date: some room either side of its point
        ax.set_xlim(days[0] - dt.timedelta(days=45), days[0] + dt.timedelta(days=45))
    ax.tick_params(labelsize=6.5, length=2)
    prefix, suffix = {"gbp": ("£", ""), "percent": ("", "%")}.get(unit, ("", ""))
    ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{prefix}{v:,.0f}{suffix}"))
    locator = plt.MaxNLocator(nbins=4, integer=True)
    ax.yaxis.set_major_locator(locator)
    # From 0 to the first round value a little above the highest figure: the top line is
    # labelled and no point sits on the edge, half drawn.
    top = ax.dataLim.y1  # not finite when nothing is shown
    highest = top * 1.05 if math.isfinite(top) and top > 0 else 1.0
    ax.set_ylim(0, min(t for t in locator.tick_values(0, highest) if t >= highest))
    ax.grid(axis="y", color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)
    ax.spines[["top", "right"]].set_visible(False)


def alt_text(title: str, series: Series) -> str:
    """A text alternative: what the chart shows, place by place (withheld values said so)."""
    parts = []
    for place, points in sorted(series.items()):
        if not points:
            continue
        first, last = points[0], points[-1]
        shown = "withheld" if last[1] is None else f"{last[1]:,.0f}"
        parts.append(f"{place}: {shown} on {last[0]} ({len(points)} figures from {first[0]})")
    return f"{title}. " + ("; ".join(parts) if parts else "No figures yet.")


def evidence_bars_png(bars, current: str, previous: str, cache: Path | None = None) -> bytes:
    """A learning update's chart for Word: records per indicator, this period beside the
    previous one (PNG, drawn by matplotlib like every other chart; from the cache when the
    same counts were drawn before, so a Word file made again needs no matplotlib)."""
    content = ["evidence", [[b.code, b.current, b.previous] for b in bars], current, previous]
    return _cached(cache, content, "png", lambda: _draw_bars(cache, bars, current, previous))


def _draw_bars(cache: Path | None, bars, current: str, previous: str) -> bytes:
    with _lock:
        plt = _pyplot(cache)
        fig, ax = plt.subplots(figsize=(7.2, 3.0), dpi=150)
        try:
            codes = [b.code for b in bars]
            xs = range(len(codes))
            width = 0.4
            ax.bar([x - width / 2 for x in xs], [b.current for b in bars], width,
                   color=current, label="This period")  # fmt: skip
            ax.bar([x + width / 2 for x in xs], [b.previous for b in bars], width,
                   color=previous, label="Previous period")  # fmt: skip
            for x, b in zip(xs, bars, strict=True):
                label = dict(ha="center", va="bottom", fontsize=7, xytext=(0, 1))
                ax.annotate(f"{b.current:,}", (x - width / 2, b.current), **label,
                            textcoords="offset points")  # fmt: skip
            ax.set_xticks(list(xs), codes, fontsize=8)
            ax.set_ylabel("Records", fontsize=8)
            ax.tick_params(axis="y", labelsize=8)
            ax.grid(axis="y", color="#d9d9d9")
            ax.set_axisbelow(True)
            ax.spines[["top", "right"]].set_visible(False)
            ax.legend(fontsize=8, frameon=False, loc="upper right")
            fig.tight_layout()
            out = io.BytesIO()
            fig.savefig(out, format="png")
            return out.getvalue()
        finally:
            plt.close(fig)

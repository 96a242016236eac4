"""Charts of figures over time, drawn with matplotlib (Agg): SVG for pages, PNG for Word.

A chart is drawn once for its figures and kept in the data dir's ``cache/charts`` folder under
a hash of what it shows, so a page asks for it again at no cost until a figure changes.
Withheld (suppressed) values are gaps in the line, never drawn. matplotlib's own cache lives
under the data dir too (``MPLCONFIGDIR``), so the service needs no home folder.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import tempfile
import threading
from pathlib import Path

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


def chart(cache: Path, title: str, unit: str, series: Series, fmt: str = "svg") -> bytes:
    """The chart of ``series`` as SVG or PNG bytes (from the cache when already drawn)."""
    key = hashlib.sha256(
        json.dumps([title, unit, series, fmt], sort_keys=True).encode("utf-8")
    ).hexdigest()[:32]
    folder = cache / "charts"
    path = folder / f"{key}.{fmt}"
    if path.exists():
        return path.read_bytes()
    data = _draw(cache, title, unit, series, fmt)
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


def evidence_bars_png(bars, current: str, previous: str) -> bytes:
    """A learning update's chart for Word: records per indicator, this period beside the
    previous one (PNG, drawn by matplotlib like every other chart)."""
    with _lock:
        plt = _pyplot(None)
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

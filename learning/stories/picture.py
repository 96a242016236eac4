"""A period's stories read back as their families signified them: a triad picture and two
slider histograms (matplotlib, SVG), each with the counts as text for those who cannot see it."""

from __future__ import annotations

import base64
import io
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evidence.signification import SLIDERS, TRIAD_CORNERS
from learning import charts

SLIDER_POLES = {"slider1": ("a very small change", "a very big change"),
                "slider2": ("very worried", "very hopeful")}  # fmt: skip
BINS = 5  # 0–0.2, …, 0.8–1: the form's five choices fall one to a bin


@dataclass
class Reading:
    """How a period's stories were signified: triad points and slider counts."""

    stories: int = 0
    triad: list[list[float]] = field(default_factory=list)
    triad_not_sure: int = 0
    mostly: dict[str, int] = field(default_factory=dict)  # corner -> stories nearest it
    sliders: dict[str, list[int]] = field(default_factory=dict)  # name -> counts per bin
    sliders_not_sure: dict[str, int] = field(default_factory=dict)


def read(significations: list[dict[str, Any]]) -> Reading:
    """Count the significations (each as stored: triad shares or null, sliders or null)."""
    reading = Reading(stories=len(significations), mostly=dict.fromkeys(TRIAD_CORNERS, 0),
                      sliders={n: [0] * BINS for n in SLIDERS},
                      sliders_not_sure=dict.fromkeys(SLIDERS, 0))  # fmt: skip
    for sig in significations:
        triad = sig.get("triad")
        if triad:
            reading.triad.append(triad)
            reading.mostly[TRIAD_CORNERS[triad.index(max(triad))]] += 1
        else:
            reading.triad_not_sure += 1
        for name in SLIDERS:
            value = sig.get(name)
            if value is None:
                reading.sliders_not_sure[name] += 1
            else:
                reading.sliders[name][min(int(value * BINS), BINS - 1)] += 1
    return reading


def _corner_xy(shares: list[float]) -> tuple[float, float]:
    """A triad point in the triangle: effort at the bottom left, people at the top, service at
    the bottom right."""
    effort, people, service = shares
    return service + people / 2, people * math.sqrt(3) / 2


def svg(reading: Reading, cache: Path | None) -> str:
    """The triad and both sliders as one SVG picture, a ``data:`` URI for an ``<img>`` (kept
    in the data dir's chart cache); the page's tables say the same in words."""
    content = ["signification", reading.triad, reading.sliders, reading.sliders_not_sure]
    drawn = charts.figure(cache, content, "svg", lambda plt: _draw(plt, reading))
    return "data:image/svg+xml;base64," + base64.b64encode(drawn).decode("ascii")


def _draw(plt: Any, reading: Reading) -> bytes:
    plt.rcParams["svg.hashsalt"] = "wm2u"
    fig, (tri, *bars) = plt.subplots(1, 3, figsize=(10, 3.4), dpi=100)
    try:
        height = math.sqrt(3) / 2
        tri.plot([0, 1, 0.5, 0], [0, 0, height, 0], color="#505a5f")
        points = [_corner_xy(t) for t in reading.triad]
        if points:
            tri.scatter(*zip(*points, strict=True), s=28, alpha=0.6, color=charts.COLOURS[0])
        for (x, y), name in zip(((0, -0.08), (0.5, height + 0.04), (1, -0.08)),
                                TRIAD_CORNERS, strict=True):  # fmt: skip
            tri.text(x, y, name, ha="center", fontsize=9)
        tri.set_title("What made the difference?", loc="left", fontsize=10)
        tri.set_axis_off()
        tri.set_aspect("equal")
        for ax, name in zip(bars, SLIDERS, strict=True):
            low, high = SLIDER_POLES[name]
            ax.bar(range(BINS), reading.sliders[name], color=charts.COLOURS[2])
            ax.set_xticks([0, BINS - 1], [low, high], fontsize=8)
            ax.set_title(f"{low} → {high}", loc="left", fontsize=10)
            ax.spines[["top", "right"]].set_visible(False)
        fig.tight_layout()
        out = io.BytesIO()
        fig.savefig(out, format="svg", metadata={"Date": None})
        return out.getvalue()
    finally:
        plt.close(fig)

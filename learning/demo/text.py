"""The demo's words, read once from ``text.yaml``: names, places and sentence templates.

Lists come back as tuples (nested ones too) and mappings keep the file's order, so every bank
is exactly the sequence the generator draws from by position.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

PATH = Path(__file__).with_name("text.yaml")


@dataclass(frozen=True)
class Topic:
    """Something families talk about, with the sentences that tell it."""

    tag: str
    titles: tuple[str, ...]
    problems: tuple[str, ...]
    family_quotes: tuple[str, ...]
    practitioner_quotes: tuple[str, ...]
    themes: tuple[str, ...]
    actions: tuple[str, ...]
    changes: tuple[str, ...]


@dataclass(frozen=True)
class Change:
    """A test of change: what is tried, where the idea came from, what was learned by status."""

    short: str
    change: str
    origin: str
    topic: str
    learning: dict[str, str]
    codes: tuple[str, ...] = ()
    data: bool = False


@dataclass(frozen=True)
class Project:
    """Something a Make it Happen Fund bid asks for, and the range (£) it asks."""

    name: str
    description: str
    topic: str
    low: int
    high: int


def _frozen(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_frozen(v) for v in value)
    if isinstance(value, dict):
        return {k: _frozen(v) for k, v in value.items()}
    return value


def load(path: Path = PATH) -> dict[str, Any]:
    """The text banks in ``path``, lists as tuples."""
    with path.open(encoding="utf-8") as f:
        return _frozen(yaml.safe_load(f))


_BANK = load()

# --- names, places and everyday words ---------------------------------------------------------
WOMEN: tuple[str, ...] = _BANK["women"]
MEN: tuple[str, ...] = _BANK["men"]
CHILDREN: tuple[str, ...] = _BANK["children"]
SURNAMES: tuple[str, ...] = _BANK["surnames"]
PSEUDONYMS: tuple[str, ...] = _BANK["pseudonyms"]
ROLES: tuple[str, ...] = _BANK["roles"]
SERVICES: tuple[str, ...] = _BANK["services"]
# Locality -> (neighbourhoods, venues).
PLACES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    name: (place["neighbourhoods"], place["venues"]) for name, place in _BANK["places"].items()
}
WEEKDAYS: tuple[str, ...] = _BANK["weekdays"]
NUMBER_WORDS: tuple[str, ...] = _BANK["number_words"]

# --- family stories ---------------------------------------------------------------------------
TOPICS: dict[str, Topic] = {tag: Topic(tag, **topic) for tag, topic in _BANK["topics"].items()}
LISTENED: tuple[str, ...] = _BANK["listened"]
PRACTICE_CHANGE: tuple[str, ...] = _BANK["practice_change"]
PANEL: tuple[str, ...] = _BANK["panel"]
PEER: tuple[str, ...] = _BANK["peer"]
INTROS: tuple[str, ...] = _BANK["intros"]
ANON_INTROS: tuple[str, ...] = _BANK["anon_intros"]
REASONS: tuple[str, ...] = _BANK["reasons"]
MOVED: tuple[str, ...] = _BANK["moved"]
NEXT_STEPS: tuple[str, ...] = _BANK["next_steps"]
WHAT_HELPED: tuple[str, ...] = _BANK["what_helped"]
# Indicator code -> (sentence, initials of the record types it suits; "" suits all).
INDICATOR_LINES: dict[str, tuple[tuple[str, str], ...]] = {
    code: tuple((line["text"], line["types"]) for line in lines)
    for code, lines in _BANK["indicator_lines"].items()
}

# --- café conversations -----------------------------------------------------------------------
CAFE_SETTINGS: tuple[str, ...] = _BANK["cafe_settings"]
CAFE_BUSY: tuple[str, ...] = _BANK["cafe_busy"]
CAFE_QUIET: tuple[str, ...] = _BANK["cafe_quiet"]
CAFE_OPENERS: tuple[str, ...] = _BANK["cafe_openers"]
CAFE_REFLECTIONS: tuple[str, ...] = _BANK["cafe_reflections"]
CAFE_FOLLOW_UPS: tuple[str, ...] = _BANK["cafe_follow_ups"]
WEATHER: tuple[str, ...] = _BANK["weather"]
WEATHER_NOUN: tuple[str, ...] = _BANK["weather_noun"]
TIMES: tuple[str, ...] = _BANK["times"]

# --- VBLE -------------------------------------------------------------------------------------
VBLE_INTROS: tuple[str, ...] = _BANK["vble_intros"]
VBLE_MIDDLES: tuple[str, ...] = _BANK["vble_middles"]
VBLE_COMMITMENTS: tuple[str, ...] = _BANK["vble_commitments"]
VBLE_SINCE: tuple[str, ...] = _BANK["vble_since"]
VBLE_TRYING: tuple[str, ...] = _BANK["vble_trying"]
VBLE_REFLECTIONS: tuple[str, ...] = _BANK["vble_reflections"]
VBLE_LOW: tuple[str, ...] = _BANK["vble_low"]
VBLE_FAMILY_QUOTES: tuple[str, ...] = _BANK["vble_family_quotes"]
VBLE_PRACT_QUOTES: tuple[str, ...] = _BANK["vble_pract_quotes"]

# --- events -----------------------------------------------------------------------------------
EVENT_THEMES: dict[str, tuple[str, ...]] = _BANK["event_themes"]
EVENT_TITLES: dict[str, tuple[str, ...]] = _BANK["event_titles"]
# (word in the theme, tag), in the file's order.
EVENT_TAGS: tuple[tuple[str, str], ...] = tuple(_BANK["event_tags"].items())
CITIES: tuple[str, ...] = _BANK["cities"]
NATIONAL_GUESTS: tuple[str, ...] = _BANK["national_guests"]
EVENT_INTROS: dict[str, tuple[str, ...]] = _BANK["event_intros"]
EVENT_MIDDLES: tuple[str, ...] = _BANK["event_middles"]
EVENT_TAKEAWAYS: tuple[str, ...] = _BANK["event_takeaways"]
EVENT_FEEDBACK: tuple[str, ...] = _BANK["event_feedback"]
EVENT_CRITIQUE: tuple[str, ...] = _BANK["event_critique"]
EVENT_QUOTES_FAMILY: tuple[str, ...] = _BANK["event_quotes_family"]
EVENT_QUOTES_PRACT: tuple[str, ...] = _BANK["event_quotes_pract"]

# --- tests of change --------------------------------------------------------------------------
CHANGES: tuple[Change, ...] = tuple(Change(**change) for change in _BANK["changes"])
TOC_TITLES: tuple[str, ...] = _BANK["toc_titles"]
STATUS_LABELS: dict[str, str] = _BANK["status_labels"]
TOC_STATUS_LINES: dict[str, tuple[str, ...]] = _BANK["toc_status_lines"]
TOC_PEOPLE: tuple[str, ...] = _BANK["toc_people"]
TOC_TRACKING: tuple[str, ...] = _BANK["toc_tracking"]

# --- Make it Happen Fund ----------------------------------------------------------------------
PROJECTS: tuple[Project, ...] = tuple(Project(**project) for project in _BANK["projects"])
FUND_TITLES: tuple[str, ...] = _BANK["fund_titles"]
FUND_APPLICANTS: tuple[str, ...] = _BANK["fund_applicants"]
FUND_APPLICANTS_BY_TOPIC: dict[str, tuple[str, ...]] = _BANK["fund_applicants_by_topic"]
FUND_NEED: tuple[str, ...] = _BANK["fund_need"]
FUND_DISCUSSIONS: tuple[str, ...] = _BANK["fund_discussions"]
FUND_CONDITIONS: tuple[str, ...] = _BANK["fund_conditions"]
FUND_PANEL_QUOTES: tuple[str, ...] = _BANK["fund_panel_quotes"]
FUND_APPLICANT_QUOTES: tuple[str, ...] = _BANK["fund_applicant_quotes"]

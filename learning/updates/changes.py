"""The "Most significant change" section of a learning update: per round closed in the
period, each domain's chosen story as the audience may see it, the panel and its reasons.

Gathered beforehand (``learning.msc.update``) through the rounds' one reading path; here only
what the renderers show, shortened so that the update keeps to its few pages.
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_ROUNDS = 4  # a year of three levels' rounds: the newest four, the rest named on /msc
MAX_QUOTE = 240  # a sentence or two of the story, as the featured stories quote it
MAX_REASONS = 360  # the panel's reasons: their first few sentences


@dataclass(frozen=True)
class ChosenStory:
    """A domain's chosen story, as the update's audience may see it."""

    domain: str
    record_id: str
    title: str
    quote: str
    reasons: str
    votes: int | None = None
    date: str = ""  # the story's, its type and locality: for the annex of records cited
    type: str = "family_story"
    locality: str = ""
    people: tuple[str, ...] = ()  # as stored: the key messages may not name them outside


@dataclass(frozen=True)
class ChangeRound:
    """A closed round of the period: its panel (roles outside the team) and its choices."""

    round_id: str
    title: str
    level: str
    period: str
    closed_on: str
    panel: str
    choices: tuple[ChosenStory, ...]


def votes_words(votes: int | None) -> str:
    """ " (3 votes)" or nothing."""
    if votes is None:
        return ""
    return f" ({votes} vote{'' if votes == 1 else 's'})"

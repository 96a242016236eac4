"""Most Significant Change rounds (issue #25): panels choose the stories that matter most,
say why, and the choice goes up a level and back to the story.

``rounds`` runs a round (create, change, close), ``choices`` records the panel's choices,
``reading`` shows a round and a story's feedback as the reader may see them, ``pack`` makes
the panel pack. The store is ``evidence.msc``.
"""

from __future__ import annotations

from evidence.msc import RoundClosed

from . import choices, pack, reading, rounds
from .reading import chosen_for

__all__ = ["RoundClosed", "choices", "chosen_for", "pack", "reading", "rounds"]

"""The demo's families' stories: an invitation in Lochee and a dozen stories sent through its
form (``learning.stories.telling.send``, the same door as a family's phone): most accepted by an
editor, a few waiting in the queue, one withdrawn by its family through its receipt."""

from __future__ import annotations

from typing import TYPE_CHECKING

from learning.stories import invitations, telling

if TYPE_CHECKING:
    from learning.services import Evidence

PROMPT = "What has changed for your family since you came to the café?"
# (title, story, what changed, consent, names to keep out, triad, slider1, slider2)
STORIES = [
    ("Someone listened", "Nobody told me what to do. They asked what mattered to us and then "
     "they listened. Kayleigh from the café came with me to the school.", "I feel listened to.",
     "anonymised", "Kayleigh", "0.2,0.6,0.2", "0.75", "0.75"),
    ("Warm this winter", "The money advice meant we could put the heating on. The boys did "
     "their homework in the warm.", "The house is warm.", "public", "", "0.1,0.2,0.7", "1", "0.75"),
    ("Back at college", "I started the cooking course in March. My mum minds the baby on "
     "Tuesdays.", "I have something for me.", "anonymised", "", "0.6,0.3,0.1", "0.75", "1"),
    ("Breakfast together", "We go to the breakfast club on Fridays now. Leo eats with the "
     "other children and talks more.", "Mornings are calmer.", "public", "Leo",
     "0.3,0.4,0.3", "0.5", "0.75"),
    ("The letter from housing", "Sam from the project read the letter with me and phoned the "
     "council. The repairs are done.", "The damp is gone.", "anonymised", "Sam",
     "0.1,0.3,0.6", "0.75", "0.5"),
    ("Making friends", "I did not know anyone in Lochee. Now I have three friends from the "
     "group and we walk the kids to school.", "I am not on my own.", "public", "",
     "0.3,0.6,0.1", "0.75", "1"),
    ("A plan for the summer", "We planned the summer trips together. The families chose "
     "where to go.", "The kids had a summer.", "public", "", "0.4,0.4,0.2", "0.5", "0.75"),
    ("Getting help early", "The health visitor told me about the group before things got "
     "bad. I wish I had known sooner.", "", "internal", "", "not-sure", "not-sure", "0.5"),
    ("Our own words", "At the event we told the council what matters to us. They wrote it "
     "down and came back in June.", "We were heard.", "anonymised", "", "0.5,0.3,0.2",
     "0.75", "0.75"),
    ("Dad came too", "My partner came to the dads' night. He talks to the nursery now.",
     "We share it more.", "anonymised", "", "0.4,0.5,0.1", "0.5", "0.75"),
    ("Less worried", "I still worry about money but I know where to go now.", "",
     "public", "", "0.2,0.3,0.5", "0.25", "0.5"),
    ("Not sure yet", "It is early days. The group is nice but it is hard to get there with "
     "the bus.", "", "anonymised", "", "not-sure", "0.25", "not-sure"),
]  # fmt: skip
ACCEPTED = 7  # the first seven are accepted; the last is withdrawn; the rest wait
FIELDS = ("title", "body", "what_changed", "consent", "people", "triad", "slider1", "slider2")


def load(ev: Evidence) -> tuple[int, int]:
    """Add the invitation and its stories; return (stories sent, accepted)."""
    asked = invitations.InviteRequest(PROMPT, "Dundee", "Lochee", ["SO1.1"], uses=len(STORIES))
    token = (invitations.invite(ev, asked, "demo").link or "").rsplit("/", 1)[1]
    accepted = 0
    for n, story in enumerate(STORIES):
        form = dict(zip(FIELDS, story, strict=True))
        sent = telling.send(ev, token, telling.StoryRequest(**form))
        if sent is None:  # only a robot's send keeps nothing; the demo's are people's
            continue
        if n < ACCEPTED:
            record = ev.get(sent.record.id)
            ev.update(record.id, {**record.to_dict(), "status": "accepted"}, "editor")
            accepted += 1
        elif n == len(STORIES) - 1:
            telling.withdraw(ev, sent.receipt.rsplit("/", 1)[1])
    return len(STORIES), accepted

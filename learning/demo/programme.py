"""Writing the programme's own records: events, tests of change, fund decisions, and a plain
field note for a record type the demo knows nothing about."""

from __future__ import annotations

import random
import re

from .phrases import _bullets, _indicator_line, _join, _one, _pick, _quotes, _topics, _words
from .plan import Skeleton, _weighted
from .text import (
    CAFE_OPENERS,
    CHANGES,
    CITIES,
    EVENT_CRITIQUE,
    EVENT_FEEDBACK,
    EVENT_INTROS,
    EVENT_MIDDLES,
    EVENT_QUOTES_FAMILY,
    EVENT_QUOTES_PRACT,
    EVENT_TAGS,
    EVENT_TAKEAWAYS,
    EVENT_THEMES,
    EVENT_TITLES,
    FUND_APPLICANT_QUOTES,
    FUND_APPLICANTS,
    FUND_APPLICANTS_BY_TOPIC,
    FUND_CONDITIONS,
    FUND_DISCUSSIONS,
    FUND_NEED,
    FUND_PANEL_QUOTES,
    FUND_TITLES,
    LISTENED,
    NATIONAL_GUESTS,
    PROJECTS,
    STATUS_LABELS,
    TOC_PEOPLE,
    TOC_STATUS_LINES,
    TOC_TITLES,
    TOC_TRACKING,
    TOPICS,
)
from .writer import _cap, _Writer

# How often a test of change is at each status, and a fund bid gets each outcome.
STATUS_WEIGHTS = (("idea", 14), ("testing", 40), ("embedded", 30), ("stopped", 16))
FUND_OUTCOMES = (
    ("funded in full", 55),
    ("funded in part", 25),
    ("funded with conditions", 14),
    ("not funded this round", 6),
)


def _event(sk: Skeleton, w: _Writer, rng: random.Random):
    scope = sk.scope or "local"
    theme = w.fill(rng.choice(EVENT_THEMES[scope]))
    participants = {
        "local": rng.randint(14, 70),
        "thematic": rng.randint(18, 90),
        "national": rng.randint(40, 190),
    }[scope]
    rating = round(min(5.0, max(1.0, rng.gauss(4.2, 0.45))), 1)
    guests = rng.sample(NATIONAL_GUESTS, 2)
    w.values.update(
        theme=theme,
        participants_w=str(participants) if participants > 20 else _words(participants),
        city=rng.choice(CITIES),
        guest=guests[0],
        guest2=guests[1],
        rating=str(rating),
    )
    paragraphs = [
        _one(rng, w, EVENT_INTROS[scope]),
        _join(*_pick(rng, w, EVENT_MIDDLES, rng.choice((1, 2, 2))), _indicator_line(sk, w, rng)),
    ]
    takeaways = [w.fill(t) for t in rng.sample(EVENT_TAKEAWAYS, rng.choice((3, 4)))]
    if rng.random() < 0.7:
        paragraphs.append(
            _bullets(
                rng.choice(("What people took away", "Key messages", "What we heard")), takeaways
            )
        )
    feedback = _one(rng, w, EVENT_FEEDBACK)
    paragraphs.append(_join(feedback, _one(rng, w, EVENT_CRITIQUE) if rng.random() < 0.6 else ""))
    quotes = _quotes(
        rng,
        w,
        EVENT_QUOTES_FAMILY,
        EVENT_QUOTES_PRACT,
        rng.choice((0, 1, 1)),
        rng.choice((1, 1, 2)),
    )
    title_options = EVENT_TITLES[scope]
    fields = {"scope": scope, "participants": participants, "rating": rating}
    tags = [tag for word, tag in EVENT_TAGS if word in theme.lower()] or [
        rng.choice(("family support", "money", "school", "housing", "mental health"))
    ]
    return title_options, paragraphs, quotes, tags, fields


def _test_of_change(sk: Skeleton, w: _Writer, rng: random.Random):
    change = sk.change or rng.choice(CHANGES)
    status = _weighted(rng, list(STATUS_WEIGHTS))
    short = w.fill(change.short)
    w.values.update(short=short, short_cap=_cap(short), status_label=STATUS_LABELS[status])
    change_text = w.fill(change.change)
    learning = w.fill(change.learning[status])
    topic = TOPICS.get(change.topic)
    voice = ""
    if topic is not None:
        voice = _one(rng, w, topic.problems) if rng.random() < 0.5 else ""
    who = _one(rng, w, TOC_PEOPLE) if rng.random() < 0.45 else ""
    origin = w.fill(change.origin)
    from_families = re.search(r"\b(parents?|famil|mum|young people)", origin, re.IGNORECASE)
    paragraphs = [
        _join("The idea came from families.", origin, voice, who)
        if from_families and rng.random() < 0.5
        else _join(origin, voice, who),
        _join("What we're trying:", change_text[0].lower() + change_text[1:])
        if rng.random() < 0.5
        else change_text,
        _join(
            _one(rng, w, TOC_STATUS_LINES[status]),
            learning,
            _indicator_line(sk, w, rng) if status in ("testing", "embedded") else "",
        ),
    ]
    if rng.random() < 0.5:
        tracking = rng.sample(TOC_TRACKING, rng.choice((2, 3)))
        paragraphs.append(_bullets("What we're keeping an eye on", tracking))
    quotes = []
    if topic is not None:
        quotes = _quotes(
            rng,
            w,
            topic.family_quotes,
            topic.practitioner_quotes,
            rng.choice((0, 1, 1)),
            rng.choice((0, 1, 1)),
        )
    fields = {"status": status, "change": change_text, "learning": learning}
    tags = [change.topic]
    if change.data:
        tags.append("data")
    return TOC_TITLES, paragraphs, quotes, tags, fields


def _fund(sk: Skeleton, w: _Writer, rng: random.Random):
    project = rng.choice(PROJECTS)
    outcome = _weighted(rng, list(FUND_OUTCOMES))
    asked = int(round(rng.randint(project.low, project.high), -1 if project.high < 1000 else -2))
    amount = {
        "funded in full": asked,
        "funded with conditions": asked,
        "funded in part": int(round(asked * rng.choice((0.5, 0.6, 0.75)), -1)),
        "not funded this round": 0,
    }[outcome]
    families = rng.randint(3, 8)
    if rng.random() < 0.09:
        practitioners = families + rng.randint(1, 3)
    else:
        practitioners = rng.randint(2, families)
    round_no = rng.randint(1, 4)
    panel = rng.choice(
        (
            f"{sk.locality or sk.authority} MIHF panel",
            f"{sk.locality or sk.authority} Make it Happen Fund panel, round {round_no}",
            f"{sk.locality or sk.authority} MIHF decision-making panel",
        )
    )
    w.values.update(
        project=project.name,
        project_cap=_cap(project.name),
        panel=panel,
        outcome_short=outcome.split(" this")[0],
    )
    extra = FUND_APPLICANTS_BY_TOPIC.get(project.topic, ())
    applicant = _one(rng, w, extra if extra and rng.random() < 0.6 else FUND_APPLICANTS + extra)
    money = f"£{asked:,}"
    paragraphs = [
        f"{_cap(applicant)} asked the panel for {money} for {project.description}.",
        _join(
            *(
                _pick(rng, w, FUND_NEED) + _pick(rng, w, TOPICS[project.topic].problems)
                if rng.random() < 0.4
                else ()
            ),
            *_pick(rng, w, FUND_DISCUSSIONS, rng.choice((1, 2))),
        ),
    ]
    if outcome == "funded in part":
        decision = (
            f"Decision: funded in part, £{amount:,} of the {money} asked for; the "
            "panel suggested the rest could come from the community centre's own budget."
        )
    elif outcome == "not funded this round":
        decision = (
            "Decision: not funded this round. The panel asked the group to come back "
            "with a clearer plan for who will run it, and offered help to write it."
        )
    else:
        decision = f"Decision: {outcome}, £{amount:,}."
    balance = (
        f"The panel was {_words(families)} parents and {_words(practitioners)} practitioners."
        if families >= practitioners
        else f"The panel was {_words(families)} parents and {_words(practitioners)} practitioners, "
        "short of the 50:50 we aim for: two parents dropped out on the day because of "
        "childcare."
    )
    paragraphs.append(_join(decision, balance, _indicator_line(sk, w, rng)))
    if outcome == "funded with conditions" or rng.random() < 0.3:
        conditions = rng.sample(FUND_CONDITIONS, rng.choice((2, 3)))
        paragraphs.append(_bullets("Conditions and next steps", conditions))
    quotes = _quotes(rng, w, FUND_PANEL_QUOTES, FUND_APPLICANT_QUOTES, 1, rng.choice((0, 1)))
    fields = {
        "panel": panel,
        "amount_gbp": amount,
        "families_on_panel": families,
        "practitioners_on_panel": practitioners,
    }
    return FUND_TITLES, paragraphs, quotes, [project.topic], fields


def _generic(sk: Skeleton, w: _Writer, rng: random.Random):
    """A type the framework adds that the demo knows nothing about: a plain field note."""
    topic = _topics(rng, 1)[0]
    paragraphs = [
        _join(
            _cap(_one(rng, w, CAFE_OPENERS[:1]).replace("{theme0}", topic.themes[0])),
            *_pick(rng, w, topic.problems, 2),
        ),
        _join(*_pick(rng, w, LISTENED, 1), _indicator_line(sk, w, rng)),
    ]
    quotes = _pick(rng, w, topic.family_quotes, 1)
    titles = tuple(f"{{locality}}: {t}" for t in topic.titles)
    return titles, paragraphs, quotes, [topic.tag], {}

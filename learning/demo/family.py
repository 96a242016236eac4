"""Writing the families' own records: family stories, café conversations, VBLE evaluations."""

from __future__ import annotations

import random

from learning.updates.wording import MONTHS

from .phrases import (
    _bullets,
    _indicator_line,
    _join,
    _one,
    _pick,
    _quotes,
    _related,
    _topics,
    _words,
)
from .plan import Skeleton
from .text import (
    ANON_INTROS,
    CAFE_BUSY,
    CAFE_FOLLOW_UPS,
    CAFE_OPENERS,
    CAFE_QUIET,
    CAFE_REFLECTIONS,
    CAFE_SETTINGS,
    INTROS,
    LISTENED,
    NEXT_STEPS,
    PANEL,
    PEER,
    PRACTICE_CHANGE,
    PSEUDONYMS,
    TIMES,
    VBLE_COMMITMENTS,
    VBLE_FAMILY_QUOTES,
    VBLE_INTROS,
    VBLE_LOW,
    VBLE_MIDDLES,
    VBLE_PRACT_QUOTES,
    VBLE_REFLECTIONS,
    VBLE_SINCE,
    VBLE_TRYING,
    WEATHER,
    WEATHER_NOUN,
    WHAT_HELPED,
)
from .writer import _cap, _Writer


def _family_story(sk: Skeleton, w: _Writer, rng: random.Random):
    topics = _topics(rng, rng.choice((1, 2, 2)))
    main = topics[0]
    paragraphs = [_one(rng, w, INTROS if w.names else ANON_INTROS)]
    # What changed is chosen first, so the trouble told beforehand is the one it answers.
    changed = _one(rng, w, main.changes)
    problems = _related(rng, changed, main.problems)
    problem = _pick(rng, w, problems[:1]) or _pick(rng, w, problems)
    if rng.random() < 0.5:
        problem += [p for p in _pick(rng, w, problems[1:], 1) if p not in problem]
    if len(topics) > 1:
        problem += _pick(rng, w, topics[1].problems, 1)
    paragraphs.append(_join(*problem))
    turn = _pick(rng, w, LISTENED, 1) + _pick(rng, w, PRACTICE_CHANGE, rng.choice((0, 1, 1)))
    if rng.random() < 0.45:
        turn += _pick(rng, w, PANEL + PEER, 1)
    paragraphs.append(_join(*turn))
    if rng.random() < 0.35:
        helped = [w.fill(h) for h in rng.sample(WHAT_HELPED, rng.choice((3, 3, 4)))]
        paragraphs.append(
            _bullets(
                rng.choice(
                    ("What helped", "What made the difference", "What the family said helped")
                ),
                helped,
            )
        )
    if rng.random() < 0.3:
        changed_text = f"**What changed:** {changed}"
    else:
        changed_text = changed
    closing = _join(
        changed_text,
        _indicator_line(sk, w, rng),
        _one(rng, w, NEXT_STEPS) if rng.random() < 0.6 else "",
    )
    paragraphs.append(closing)
    quotes = _quotes(
        rng,
        w,
        main.family_quotes + (topics[-1].family_quotes if len(topics) > 1 else ()),
        main.practitioner_quotes,
        rng.choice((1, 2, 2, 3)),
        1 if rng.random() < 0.25 else 0,
    )
    if quotes and rng.random() < 0.3:
        lead = f"As {w.slot('first')} put it" if w.names else "In the family's words"
        paragraphs.insert(2, f"{lead}:\n\n> {quotes[0]}")
    pseudonym = f"the {rng.choice(PSEUDONYMS)} family"
    topic_title = _related(rng, " ".join([*problem, changed]), main.titles)[0]
    title_options = tuple(
        t.replace("{topic}", topic_title)
        for t in (
            "{first}'s story: {topic}",
            "{family_cap}: {topic}",
            "{place}: {topic}",
            "{first} on {topic}",
            "A family in {place}: {topic}",
            "{locality} family story: {topic}",
        )
    )
    title_options = tuple(
        t.replace("{family_cap}", _cap(pseudonym))
        for t in title_options
        if w.names or "{first}" not in t
    )
    fields = {"family": pseudonym, "what_changed": changed}
    tags = [t.tag for t in topics]
    return title_options, paragraphs, quotes, tags, fields


def _cafe(sk: Skeleton, w: _Writer, rng: random.Random):
    topics = _topics(rng, rng.choice((2, 2, 3, 3, 4)))
    families = rng.choice((3, 4, 5, 6, 6, 7, 8, 9, 10, 11, 12, 14, 16, 18))
    practitioners = rng.choice((1, 2, 2, 3, 3, 4, 5, 6))
    themes = [rng.choice(t.themes) for t in topics]
    w.values.update(
        families_w=_words(families),
        practitioners_n=f"{_words(practitioners)} practitioner{'s' if practitioners > 1 else ''}",
        weather=rng.choice(WEATHER),
        weather_noun=rng.choice(WEATHER_NOUN),
        time=rng.choice(TIMES),
        theme0=themes[0],
        theme1=themes[1] if len(themes) > 1 else themes[0],
    )
    settings = (
        CAFE_SETTINGS
        + (CAFE_BUSY if families >= 10 else ())
        + (CAFE_QUIET if families <= 5 else ())
    )
    setting = _one(rng, w, settings)
    opener = _cap(_one(rng, w, CAFE_OPENERS))
    said = []
    for topic in topics[: rng.choice((1, 2, 3))]:
        w.new_speaker()
        said += _pick(rng, w, topic.problems, 1)
    paragraphs = [setting, _join(opener, *said)]
    paragraphs.append(
        _join(*_pick(rng, w, CAFE_REFLECTIONS, rng.choice((1, 2))), _indicator_line(sk, w, rng))
    )
    actions = []
    for topic in topics:
        actions += _pick(rng, w, topic.actions, 1)
    actions = actions[: rng.choice((2, 3, 4))]
    if rng.random() < 0.75:
        paragraphs.append(_bullets("Actions agreed", actions))
    else:
        paragraphs.append(
            "Actions agreed: " + "; ".join(a[0].lower() + a[1:] for a in actions) + "."
        )
    if rng.random() < 0.6:
        paragraphs.append(_one(rng, w, CAFE_FOLLOW_UPS))
    fam_quotes = tuple(q for t in topics for q in t.family_quotes)
    pract_quotes = tuple(q for t in topics for q in t.practitioner_quotes)
    quotes = _quotes(
        rng, w, fam_quotes, pract_quotes, rng.choice((1, 2, 2, 3)), rng.choice((0, 1, 1))
    )
    title_options = (
        f"{{locality}} café: {themes[0]} and {themes[-1]}"
        if len(themes) > 1
        else f"{{locality}} café: {themes[0]}",
        f"Café conversation at {{venue}}: {rng.choice(topics[0].titles)}",
        f"{{day}} café in {{place}}: {rng.choice(topics[0].titles)}",
        f"{{place}} café: {themes[0]}, {themes[1 % len(themes)]} and what families want done",
        f"Café at {{venue}}: {rng.choice(topics[-1].titles)}",
    )
    fields = {
        "venue": w.venue,
        "families": families,
        "practitioners": practitioners,
        "themes": themes,
        "actions": actions,
    }
    return title_options, paragraphs, quotes, [t.tag for t in topics], fields


def _vble(sk: Skeleton, w: _Writer, rng: random.Random):
    fam = rng.randint(4, 10)
    prac = rng.randint(3, 8)
    participants = fam + prac
    before = round(rng.uniform(1.8, 3.2), 1)
    roll = rng.random()
    if roll < 0.07:
        after = round(min(5.0, max(1.0, before + rng.uniform(-0.3, 0.2))), 1)
    else:
        after = round(min(5.0, before + rng.uniform(0.5, 1.7)), 1)
    season = (
        "winter",
        "spring",
        "spring",
        "spring",
        "summer",
        "summer",
        "summer",
        "summer",
        "autumn",
        "autumn",
        "autumn",
        "winter",
    )[sk.date.month - 1]
    cohort = rng.choice(
        (
            f"{sk.locality or sk.authority} cohort {rng.randint(1, 4)}",
            f"{sk.locality or sk.authority} families and practitioners, {season} {sk.date.year}",
            f"{sk.authority} mixed cohort, {MONTHS[sk.date.month - 1]} {sk.date.year}",
        )
    )
    w.values.update(
        fam_w=_words(fam),
        prac_w=_words(prac),
        participants_w=_words(participants),
        days=rng.choice(("two", "three", "three", "four")),
        before=f"{before}",
        after=f"{after}",
    )
    paragraphs = [_one(rng, w, VBLE_INTROS), _join(*_pick(rng, w, VBLE_MIDDLES, 2))]
    numbers = _one(rng, w, VBLE_REFLECTIONS)
    if after - before < 0.3:
        numbers = _join(numbers, _one(rng, w, VBLE_LOW))
    else:
        numbers = _join(numbers, _indicator_line(sk, w, rng))
    paragraphs.append(numbers)
    commitments = [w.fill(c) for c in rng.sample(VBLE_COMMITMENTS, rng.choice((3, 4, 5)))]
    paragraphs.append(
        _bullets(
            rng.choice(("What people said they would do next", "Commitments from the group")),
            commitments,
        )
    )
    if w.names and rng.random() < 0.6:
        since = rng.choice(VBLE_SINCE)
        trying = rng.choice(VBLE_TRYING)
        paragraphs.append(
            _join(
                w.fill(f"{{name}}, one of the parents, has since {since}."),
                w.fill(f"{{pract}}, {{a_prole}} in the group, is trying out {trying}."),
            )
        )
    quotes = _quotes(
        rng, w, VBLE_FAMILY_QUOTES, VBLE_PRACT_QUOTES, rng.choice((1, 2)), rng.choice((1, 1, 2))
    )
    title_options = (
        f"VBLE evaluation: {cohort}",
        "VBLE in {locality}: confidence, values and what happens next",
        f"Values-Based Leadership Experience, {cohort}",
        "{locality} VBLE: parents and practitioners in the same room",
        f"Columba 1400 VBLE with {_words(fam)} parents and {_words(prac)} practitioners in "
        "{locality}",
    )
    fields = {
        "cohort": cohort,
        "participants": participants,
        "confidence_before": before,
        "confidence_after": after,
    }
    tags = ["leadership"] + [t.tag for t in _topics(rng, 1)]
    return title_options, paragraphs, quotes, tags, fields

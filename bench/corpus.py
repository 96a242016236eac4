"""A deterministic synthetic corpus shaped like the programme's evidence.

Mean ~400 words a record, Zipf-distributed vocabulary (real English and programme words
plus invented rare words), stop words in the flow of sentences, localities across 32
authorities (including "The Ferry" and "North East"), indicators SO1.1-SO4.3, every
record type, a consent spread, and a few ``people`` names in anonymised records.
"""

from __future__ import annotations

import itertools
import random
from datetime import date, timedelta

from evidence.model import Record

PROGRAMME = """family families parent parents child children young people voice listened
listen heard worker workers practitioner practitioners café cafe conversation conversations
community council housing school schools transport benefits holiday club summer wellbeing
health mental support supported trust confidence change changed learning test tests fund
panel decision decisions event events evaluation cohort participants rating local national
thematic story stories quote neighbourhood poverty food bank uniform swap shop activity
activities outcome outcomes indicator indicators matters matter team partners partnership
volunteer volunteers youth group meeting meetings session sessions feedback action actions
plan planning money income debt advice kitchen garden playground library centre hall
""".split()
ENGLISH = """time year day week month way thing man woman life world hand part place case
point government company number problem fact eye home water room mother father area money
night question word business side kind head house service friend power hour game line end
member law car city name president team minute idea kid body information back face others
level office door health person art war history party result morning reason research girl
guy moment air teacher force education foot boy age policy process music market sense
nation plan college interest death experience effect use class control care field
development role effort rate heart drug show leader light voice wife police mind price
report decision son view relationship town road arm difference value building action model
season society tax director position player record paper space ground form event official
matter center couple site project activity star table need court oil situation cost
industry figure street image phone data picture practice piece land product doctor wall
patient worker news test movie north love support technology step baby computer type
attention film tree source organization hair window evidence population site training
walked talked said asked felt made went took came saw knew gave found thought told became
left put meant kept let began seemed helped showed heard played ran moved lived believed
brought happened wrote provided sat stood lost paid met included continued set learned
changed led understood watched followed stopped created spoke read allowed added spent grew
opened offered remembered loved considered appeared bought waited served died sent expected
built stayed fell cut reached killed remained suggested raised passed sold required
good new first last long great little own other old right big high different small large
next early young important few public bad same able late hard major better economic strong
possible whole free military true federal international full special easy clear recent
certain personal open red difficult available likely short single medical current wrong
private past foreign fine common poor natural significant similar hot dead central happy
serious ready simple left physical general environmental financial blue democratic dark
various entire close legal religious cold final main green nice huge popular traditional
""".split()
STOP = """the of and to a in that it was for on with as at by from this be have not are
we they you he she but or an his her their our its had were been has will would could
""".split()
AUTHORITIES = [
    "Dundee",
    "Angus",
    "Fife",
    "Perth",
    "Glasgow",
    "Edinburgh",
    "Aberdeen",
    "Highland",
    "Moray",
    "Stirling",
    "Falkirk",
    "Clackmannanshire",
    "Inverclyde",
    "Renfrewshire",
    "East Renfrewshire",
    "West Lothian",
    "Midlothian",
    "East Lothian",
    "Borders",
    "Dumfries",
    "South Ayrshire",
    "North Ayrshire",
    "East Ayrshire",
    "South Lanarkshire",
    "North Lanarkshire",
    "Argyll",
    "West Dunbartonshire",
    "East Dunbartonshire",
    "Orkney",
    "Shetland",
    "Western Isles",
    "Aberdeenshire",
]
DUNDEE = [
    "Lochee",
    "The Ferry",
    "North East",
    "Coldside",
    "Maryfield",
    "Strathmartine",
    "West End",
    "East End",
]
TYPES = [
    "family_story",
    "cafe_conversation",
    "vble_evaluation",
    "event",
    "test_of_change",
    "fund_decision",
    "learning_update",
]
TYPE_WEIGHTS = [30, 20, 10, 15, 10, 10, 5]
INDICATORS = [f"SO{o}.{n}" for o in range(1, 5) for n in range(1, 4)]
NAMES = [
    "Sarah",
    "Tom McKay",
    "Aisha",
    "Callum",
    "Morag Reid",
    "Jamie",
    "Priya",
    "Euan",
    "Fiona Grant",
    "Kyle",
    "Leah",
    "Ross Brown",
    "Zainab",
    "Iain",
    "Chloe",
    "Stuart",
]
TAGS = [
    "housing",
    "school",
    "transport",
    "food",
    "money",
    "health",
    "youth",
    "play",
    "digital",
    "employment",
    "childcare",
    "disability",
]

_SYLLABLES = [
    "ka",
    "lo",
    "mi",
    "ren",
    "sta",
    "vor",
    "pel",
    "dun",
    "bri",
    "ach",
    "tor",
    "wen",
    "gle",
    "mar",
    "sho",
    "fin",
    "quel",
    "dra",
    "zo",
    "ny",
]


def vocabulary(size: int = 20000) -> tuple[list[str], list[float]]:
    """Words with cumulative Zipf weights: programme and common words first, rare ones last."""
    words = list(dict.fromkeys(PROGRAMME[:60] + ENGLISH + PROGRAMME[60:]))
    for combo in itertools.product(_SYLLABLES, repeat=3):
        if len(words) >= size:
            break
        words.append("".join(combo))
    cumulative, total = [], 0.0
    for rank in range(len(words)):
        total += 1.0 / (rank + 8) ** 1.05
        cumulative.append(total)
    return words, cumulative


def localities() -> list[tuple[str, str]]:
    """(authority, locality) pairs: Dundee's real ones, five invented ones elsewhere."""
    found = [("Dundee", name) for name in DUNDEE]
    for authority in AUTHORITIES[1:]:
        found.extend(
            (authority, f"{authority} {part}")
            for part in ("North", "South", "East", "West", "Central")
        )
    return found


def _sentence(rng: random.Random, words, cum) -> str:
    n = rng.randint(8, 20)
    content = rng.choices(words, cum_weights=cum, k=n)
    out = []
    for word in content:
        if rng.random() < 0.45:
            out.append(rng.choice(STOP))
        out.append(word)
    out[0] = out[0].capitalize()
    return " ".join(out) + "."


def records(n: int, seed: int = 2024):
    """Yield ``n`` records, the same ones for the same seed."""
    rng = random.Random(seed)
    words, cum = vocabulary()
    places = localities()
    start = date(2020, 1, 1)
    for i in range(n):
        kind = rng.choices(TYPES, weights=TYPE_WEIGHTS)[0]
        consent = rng.choices(["internal", "anonymised", "public"], weights=[15, 60, 25])[0]
        authority, locality = rng.choice(places) if rng.random() > 0.3 else rng.choice(places[:8])
        people = rng.sample(NAMES, rng.randint(1, 3)) if consent == "anonymised" else []
        sentences = []
        length = 0
        target = int(rng.gauss(230, 70))  # content words; ~400 words with stop words
        while length < max(40, target):
            sentence = _sentence(rng, words, cum)
            if people and rng.random() < 0.08:
                sentence = f"{rng.choice(people)} said: {sentence}"
            sentences.append(sentence)
            length += sentence.count(" ") * 0.65
        body = " ".join(sentences)
        quotes = [_sentence(rng, words, cum)] if rng.random() < 0.5 else []
        fields = {"what_changed": _sentence(rng, words, cum)} if kind == "family_story" else {}
        yield Record(
            id=f"B{i:07d}",
            type=kind,
            title=" ".join(rng.choices(words, cum_weights=cum, k=rng.randint(3, 7))).capitalize(),
            date=(start + timedelta(days=rng.randrange(6 * 365))).isoformat(),
            consent=consent,
            indicators=sorted(rng.sample(INDICATORS, rng.randint(1, 3))),
            authority=authority,
            locality=locality,
            author="GL",
            tags=rng.sample(TAGS, rng.randint(0, 2)),
            people=people,
            quotes=quotes,
            body=body,
            fields=fields,
            revision=1,
        )

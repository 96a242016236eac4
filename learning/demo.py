"""A demo data set: several hundred records that read like the programme's own field notes.

``generate(framework)`` returns record dicts in the API's input shape. Everything is drawn
from one ``random.Random(seed)``, so the same arguments always give byte-identical output,
ids included (ULID-like: the first 10 characters encode the record's date at noon UTC).

Every record type the team logs (not ``learning_update``: the product writes those), every
locality of every authority, every indicator and every consent level appears; codes, places
and field specs are read from the framework handed in, never assumed.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from dataclasses import dataclass, field
from typing import Any

from learning.updates.wording import MONTHS

DEMO_USERS: list[tuple[str, str, str]] = [
    ("admin", "admin", "admin-demo-2024"),
    ("editor", "editor", "editor-demo-2024"),
    ("viewer", "viewer", "viewer-demo-2024"),
]

CONSENT_WEIGHTS = (("internal", 30), ("anonymised", 50), ("public", 20))
DEFAULT_STAFF = ("FB", "GL", "SD", "JB", "KJ", "LP", "JK", "CS", "JC")
# Who leads the work in each authority (plan owner text: "FB (EA) GL (DDE) SD (CLS)").
AUTHORITY_LEADS = {"Dundee": "GL", "Clackmannanshire": "SD", "East Ayrshire": "FB"}
# Dundee is the larger partnership (8 LCPP areas, a panel in each).
AUTHORITY_WEIGHTS = {"Dundee": 1.5}
SKIPPED_TYPES = ("learning_update",)
TYPE_WEIGHTS = {
    "family_story": 22,
    "cafe_conversation": 24,
    "vble_evaluation": 9,
    "event": 12,
    "test_of_change": 16,
    "fund_decision": 17,
}
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

# --- which codes suit which record type ------------------------------------------------------
# Weights by code for the shipped plans, plus words in an activity's own text, so a plan with
# other codes (or other meanings for a code) still gets plausible links.
ACTIVITY_PROFILE: dict[str, dict[str, float]] = {
    "family_story": {"SO1-A": 6, "SO3-A": 4, "SO2-B": 1.5, "SO1-B": 1, "SO2-C": 1},
    "cafe_conversation": {"SO1-A": 5, "SO2-A": 5, "SO3-A": 3, "SO2-B": 1.5},
    "vble_evaluation": {"SO2-A": 12, "SO1-C": 2, "SO1-A": 2},
    "event": {"SO4-B": 6, "SO1-C": 5, "SO4-A": 3, "SO4-C": 3, "SO2-D": 4},
    "test_of_change": {"SO2-B": 6, "SO3-A": 4, "SO3-B": 4, "SO3-C": 3, "SO1-B": 2, "SO2-E": 3},
    "fund_decision": {"SO2-C": 12, "SO1-B": 3, "SO1-A": 1},
}
ACTIVITY_WORDS: dict[str, tuple[str, ...]] = {
    "family_story": ("lead change", "voice", "solutions"),
    "cafe_conversation": ("café", "cafe", "tailored support", "engagement"),
    "vble_evaluation": ("vble", "coaching", "values-based"),
    "event": ("influencing", "events", "briefings", "national decision", "learning framework"),
    "test_of_change": ("tests of change", "system dynamic", "learning by doing", "data skills"),
    "fund_decision": ("make it happen", "decision making structures"),
}
INDICATOR_PROFILE: dict[str, dict[str, float]] = {
    "family_story": {"SO1.1": 8, "SO1.2": 2, "SO3.1": 2, "SO2.1": 2, "SO4.1": 1, "SO1.3": 1},
    "cafe_conversation": {"SO2.1": 5, "SO1.1": 4, "SO1.3": 3, "SO3.1": 1.5, "SO2.2": 1},
    "vble_evaluation": {"SO2.1": 12, "SO1.1": 3, "SO1.3": 2, "SO2.2": 2},
    "event": {"SO1.2": 4, "SO1.3": 4, "SO4.1": 4, "SO4.2": 3, "SO2.2": 1},
    "test_of_change": {"SO2.2": 4, "SO3.1": 4, "SO3.2": 3, "SO2.1": 3, "SO1.1": 1, "SO4.1": 1},
    "fund_decision": {"SO1.1": 6, "SO1.2": 6, "SO2.2": 3, "SO3.1": 1},
}
# The indicator a type nearly always speaks to (interface: VBLE → SO2.1; MIHF → SO1.1/SO1.2).
SIGNATURE_INDICATORS = {
    "vble_evaluation": (("SO2.1",), 1.0),
    "fund_decision": (("SO1.1", "SO1.2"), 1.0),
    "family_story": (("SO1.1",), 0.7),
}

# --- names ----------------------------------------------------------------------------------
# No name is also an everyday word: redaction replaces every part of a name wherever it stands.
WOMEN = (
    "Sarah",
    "Aisha",
    "Kirsty",
    "Nicola",
    "Gemma",
    "Leanne",
    "Shona",
    "Megan",
    "Claire",
    "Lisa",
    "Donna",
    "Stacey",
    "Hayley",
    "Fiona",
    "Morag",
    "Eilidh",
    "Zara",
    "Priya",
    "Agnieszka",
    "Oksana",
    "Fatima",
    "Amina",
    "Chloe",
    "Rachel",
    "Lauren",
    "Kayleigh",
    "Danielle",
    "Natalie",
    "Jolene",
    "Ashleigh",
    "Roisin",
    "Kelly",
    "Marie",
    "Tracy",
    "Nadia",
    "Samira",
    "Ewa",
    "Carly",
    "Toni",
    "Lynsey",
)
MEN = (
    "Tom",
    "Craig",
    "Steven",
    "Gary",
    "Jamie",
    "Darren",
    "Callum",
    "Scott",
    "Liam",
    "Kyle",
    "Euan",
    "Paul",
    "Imran",
    "Tomasz",
    "Dawid",
    "Ahmed",
    "Ryan",
    "Barry",
    "Stuart",
    "Connor",
    "Sean",
    "Kieran",
    "Marek",
    "Yusuf",
    "Gordon",
)
CHILDREN = (
    "Jack",
    "Ellie",
    "Lewis",
    "Ruby",
    "Noah",
    "Isla",
    "Harris",
    "Freya",
    "Logan",
    "Ava",
    "Mia",
    "Finlay",
    "Sophie",
    "Archie",
    "Rory",
    "Millie",
    "Orla",
    "Kai",
    "Maya",
    "Ayaan",
    "Zofia",
    "Lucas",
    "Evie",
    "Brodie",
    "Aria",
    "Caleb",
    "Poppy",
    "Riley",
    "Hamza",
    "Leon",
)
SURNAMES = (
    "McKay",
    "Campbell",
    "Stewart",
    "Anderson",
    "Reid",
    "Murray",
    "Paterson",
    "Fraser",
    "Kerr",
    "Ferguson",
    "Rahman",
    "Kowalski",
    "Nowak",
    "Mitchell",
    "Henderson",
    "Ritchie",
    "Lindsay",
    "Crichton",
    "Gallacher",
    "Doherty",
    "Khan",
    "Malik",
    "Thomson",
    "Sinclair",
    "Cairns",
    "Lamont",
    "Petrie",
    "Soutar",
    "McLaren",
    "Donaldson",
    "Hutchison",
    "Kinnear",
    "Shevchenko",
    "Quinn",
    "McGovern",
    "Duffy",
    "Mackie",
    "Rattray",
)
# Family pseudonyms are already pseudonyms: kept apart from the surnames people carry.
PSEUDONYMS = (
    "Robertson",
    "Grant",
    "Wallace",
    "Bruce",
    "Morrison",
    "Buchanan",
    "Drummond",
    "Ogilvie",
    "Munro",
    "Sutherland",
    "Leslie",
    "Fleming",
    "Balfour",
    "Gilmour",
    "Tennant",
    "Abernethy",
    "Crawford",
    "Lennox",
    "Rennie",
    "Hamilton",
    "Guthrie",
    "Lyall",
    "Strachan",
    "Baird",
    "Ramsay",
    "Haig",
    "Wishart",
    "Carnegie",
    "Kidd",
)

ROLES = (
    "health visitor",
    "family support worker",
    "housing officer",
    "pupil support teacher",
    "depute head",
    "social worker",
    "community learning worker",
    "welfare rights adviser",
    "school nurse",
    "nursery manager",
    "youth worker",
    "librarian",
    "headteacher",
    "CAMHS practitioner",
    "early years practitioner",
    "community police officer",
)
SERVICES = (
    "the housing office",
    "social work",
    "the health visiting team",
    "CAMHS",
    "the school",
    "the welfare rights team",
    "Citizens Advice",
    "the GP practice",
    "the nursery",
    "Community Learning and Development",
    "the Children and Families Service",
)

# Neighbourhoods and venues for the places the shipped plans name; anything else falls back
# to venues built from the locality's own name.
PLACES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "Coldside": (
        ("the Hilltown", "Coldside", "Fairmuir", "Clepington"),
        ("Coldside Library", "the community flat on the Hilltown", "the Fairmuir church hall"),
    ),
    "Lochee": (
        ("Lochee", "Charleston", "Beechwood", "Menzieshill"),
        ("the café at the Hub", "Lochee Library", "Charleston Community Centre"),
    ),
    "Strathmartine": (
        ("Ardler", "Kirkton", "St Mary's", "Downfield"),
        ("Kirkton Community Centre", "the Ardler community room", "St Mary's church hall"),
    ),
    "Maryfield": (
        ("Stobswell", "Maryfield", "Clepington Road"),
        ("Arthurstone Library", "the Stobswell family room", "the pavilion at Baxter Park"),
    ),
    "North East": (
        ("Whitfield", "Fintry", "Mill o' Mains", "Ballumbie"),
        ("Whitfield Life Centre", "Fintry Community Centre", "the Crescent in Whitfield"),
    ),
    "East End": (
        ("Douglas", "Mid Craigie", "Linlathen", "Craigiebank"),
        ("Douglas Community Centre", "the Mid Craigie family room", "Douglas Library"),
    ),
    "West End": (
        ("the West End", "Blackness", "Logie", "Perth Road"),
        ("Blackness Library", "a church hall on Perth Road", "the West End community room"),
    ),
    "The Ferry": (
        ("Broughty Ferry", "Barnhill", "Balgillo", "West Ferry"),
        ("Broughty Ferry Library", "Barnhill community hall", "the Ferry family centre"),
    ),
    "Alloa": (
        ("Alloa", "the Bowmar", "Hawkhill", "Alloa South"),
        ("the Speirs Centre", "Bowmar Centre", "Alloa Town Hall", "Alloa Library"),
    ),
    "Alva": (("Alva",), ("Alva Community Centre", "the Cochrane Hall", "Alva Library")),
    "Clackmannan": (
        ("Clackmannan",),
        ("Clackmannan Town Hall", "the Clackmannan community room"),
    ),
    "Dollar": (("Dollar",), ("Dollar Civic Centre", "Dollar Library")),
    "Menstrie": (("Menstrie",), ("the Dumyat Centre", "the Menstrie parish hall")),
    "Sauchie": (
        ("Sauchie", "Fishcross"),
        ("Sauchie Community Centre", "Sauchie Library", "the Fishcross village hall"),
    ),
    "Tillicoultry": (
        ("Tillicoultry", "Devonside"),
        ("Tillicoultry Community Centre", "Tillicoultry Library"),
    ),
    "Tullibody": (("Tullibody", "Cambus"), ("Tullibody Civic Centre", "Tullibody Library")),
    "Barony": (("Cumnock", "Auchinleck"), ("the Barony Campus", "Cumnock Town Hall")),
    "Grange": (("Kilmarnock", "Onthank", "Shortlees"), ("the Grange Campus", "Onthank hall")),
}

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
NUMBER_WORDS = (
    "no",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
    "twenty",
)


# --- what families talk about ----------------------------------------------------------------
@dataclass(frozen=True)
class Topic:
    tag: str
    titles: tuple[str, ...]
    problems: tuple[str, ...]
    family_quotes: tuple[str, ...]
    practitioner_quotes: tuple[str, ...]
    themes: tuple[str, ...]
    actions: tuple[str, ...]
    changes: tuple[str, ...]


TOPICS: dict[str, Topic] = {
    "housing": Topic(
        "housing",
        (
            "damp, mould and a repairs queue that never moved",
            "five of them in a two-bedroom flat",
            "temporary accommodation and the school run",
            "getting the boiler fixed before winter",
            "a housing transfer that finally happened",
            "rent arrears letters nobody explained",
        ),
        (
            "{name} had reported damp in the back bedroom {times} times; the mould kept coming "
            "back and {child} was coughing every night.",
            "The family had been in temporary accommodation for {months} months, two buses away "
            "from {child}'s school.",
            "Five of them were sharing a two-bedroom flat, and {first} was sleeping on the settee "
            "so the kids could have the beds.",
            "Every letter from the housing office seemed to say something different, and nobody "
            "could tell {first} where {she} was on the list.",
            "The boiler had been broken since {month_prev}, so the kettle was doing the job of "
            "the hot water tank.",
            "Rent arrears had built up after a change to Universal Credit, and the letters had "
            "started to feel like threats.",
            "Trouble in the close had made the stair feel unsafe, and {first} had stopped letting "
            "the kids play out the back.",
            "For {first}, moving would have meant leaving the one support {she} had: {her} mum "
            "lived three streets away.",
            "The repairs line kept closing the job as 'no access' on days {first} had waited in "
            "all morning.",
        ),
        (
            "I've phoned that many times they know my voice, but nothing happens.",
            "You can't dry washing in a flat where the walls are wet.",
            "I didn't want a new house, I wanted somebody to fix the one I had.",
            "When you're in temporary you never unpack. The kids feel it.",
            "Nobody told me I could ask for the housing officer to come out to me.",
            "Once somebody actually came and saw the mould it was sorted in a fortnight.",
            "My wee one's asthma is better since we moved. That's the difference.",
        ),
        (
            "We were closing repair jobs without anyone ever setting foot in the flat.",
            "I used to send the standard letter. Now I phone first and ask what would help.",
            "Coming to the café means I hear about the damp before it's a crisis.",
        ),
        ("damp and repairs", "temporary accommodation", "overcrowding", "rent arrears letters"),
        (
            "Housing officer to come to the next café in {place}",
            "Ask the repairs team for one named contact for families at the café",
            "Rewrite the arrears letter with parents before it goes out again",
            "Count how long families in {locality} wait for a repair",
        ),
        (
            "The damp was treated within three weeks once the housing officer visited.",
            "The family moved to a three-bedroom house nearer the school.",
            "{first} now has one named contact in housing instead of a call centre.",
            "The arrears are on a payment plan the family can actually manage.",
        ),
    ),
    "money": Topic(
        "money",
        (
            "the cost of living and the end of the month",
            "electricity meters, credit and cold houses",
            "a Universal Credit sanction nobody could explain",
            "school uniform, trips and the hidden costs of school",
            "debt letters and the fear of opening the post",
        ),
        (
            "By the third week of the month the electric meter was on emergency credit, and "
            "{first} was choosing between heating and the messages.",
            "A sanction on {first}'s Universal Credit left the family with nothing for {weeks} "
            "weeks, and nobody could say why it had been applied.",
            "{first} hadn't opened the post in months; the pile of brown envelopes sat behind the "
            "bread bin.",
            "The school trip letter asked for £{trip}, and {child} said {she_child} didn't want to "
            "go rather than ask.",
            "{first} was working two part-time jobs and still falling short every month.",
            "The Scottish Child Payment had never been claimed because {first} thought working "
            "parents couldn't get it.",
            "A catalogue debt had grown to more than the original loan, and the calls came every "
            "day.",
            "Winter meant putting the kids to bed in their jackets to save the gas.",
        ),
        (
            "You just get on with it, but some weeks it's beans or the meter.",
            "I was too embarrassed to say we were struggling. I thought they'd look at the kids "
            "differently.",
            "Nobody ever told me about the Child Payment. Two years we could have had it.",
            "Opening the post with someone beside me made it something I could face.",
            "It's not that we don't budget. There's just not enough to budget.",
            "The welfare rights woman sat with me for an hour and didn't rush me once.",
        ),
        (
            "Half the families I see are entitled to more than they get. We just never ask.",
            "Money worries sit under nearly every conversation we have, even when it starts "
            "somewhere else.",
        ),
        ("cost of living", "benefit sanctions", "energy costs", "debt"),
        (
            "Welfare rights adviser to do a drop-in at the café once a month",
            "Share a plain list of the payments families in {authority} can claim",
            "Ask the school about a quiet way to pay for trips in instalments",
            "Follow up with the energy advice service about meters on emergency credit",
        ),
        (
            "The family's income went up by about £{gain} a month once the benefit check was done.",
            "The debt is on a plan, and the calls have stopped.",
            "{first} claimed the Scottish Child Payment for the first time.",
            "The school now lets parents pay for trips bit by bit without asking.",
        ),
    ),
    "school": Topic(
        "school",
        (
            "the school run and the breakfast club gap",
            "attendance letters and a boy who wouldn't get out of the car",
            "part-time timetables and a mum who couldn't work",
            "being heard at the school gate",
            "the move up to high school",
            "support for learning and a long wait for a plan",
        ),
        (
            "{child} had been on a part-time timetable since {month_prev}, which meant {first} "
            "couldn't take the shifts {she} had been offered.",
            "The breakfast club at {school} filled up in the first week, so {first} was dropping "
            "{child} at the gate at quarter to nine and running for the bus.",
            "Attendance letters kept coming home, but nobody had asked why {child} was so "
            "anxious on Monday mornings.",
            "Meetings at the school felt like everyone else already knew what was going to be "
            "decided.",
            "The move up to high school frightened {child}; the visits had been in a week "
            "{she_child} was off ill.",
            "{first} felt the school only phoned when something had gone wrong.",
            "{child} was waiting on a coordinated support plan, and every term it was 'next term'.",
            "Homework had become a nightly fight, and {first} had stopped asking about it.",
        ),
        (
            "I just wanted the school to ask me what mornings are like in our house.",
            "The first time the head sat down with me instead of behind the desk, I nearly cried.",
            "He's not bad, he's frightened. There's a difference.",
            "Breakfast club is the only reason I can keep my job.",
            "They kept saying he was fine in class. He wasn't fine when he got home.",
            "Now the teacher texts me when something good happens too.",
        ),
        (
            "We'd been treating attendance as a parenting problem. Half the time it's a money "
            "problem or an anxiety problem.",
            "I stopped starting meetings with the data and started with 'how are things at home?'",
            "Parents tell us more in the playground than they ever do in a review meeting.",
        ),
        ("school attendance", "breakfast club places", "the move to high school", "homework"),
        (
            "Ask {school} whether breakfast club can open at eight for working parents",
            "Parents to help plan the next transition visit to the high school",
            "Pupil support teacher to join the café on the last Friday of the month",
            "Try a 'good news' phone call home before any attendance letter",
        ),
        (
            "{child} is back in school full-time and {first} has started working again.",
            "The breakfast club now opens at eight and has twelve more places.",
            "The school phones with good news now, not just problems.",
            "{child} had an extra transition visit and started high school with a buddy.",
        ),
    ),
    "childcare": Topic(
        "childcare",
        (
            "nursery hours that don't fit shift work",
            "holiday childcare and a summer of juggling",
            "the after-school gap",
            "no family nearby to help",
        ),
        (
            "The funded nursery hours ended at three, and {first}'s shift at the care home "
            "didn't finish till half four.",
            "There was no after-school club in {place}, so {first} had cut {her} hours to sixteen.",
            "With no family nearby, a hospital appointment meant taking all three kids along.",
            "Summer holidays were six weeks of juggling; {first} used up all {her} leave by the "
            "middle of July.",
            "The childminder {first} trusted retired, and the waiting list for another was "
            "{months} months.",
            "{first} had been offered a college place but couldn't find childcare for {child}.",
        ),
        (
            "Every job I look at, I'm working out the childcare before the wages.",
            "If I'm late for pick-up once more they'll take the place off us.",
            "I'd love to go back to college. It's just who has the kids?",
            "The holiday club gave me my summer back, honestly.",
            "My mum was my childcare. Since she passed it's just me.",
        ),
        (
            "The nursery timetable was built around the nursery, not around the families.",
            "We assumed families didn't want extra hours. Nobody had asked when they needed them.",
        ),
        ("childcare hours", "after-school care", "holiday cover", "working parents"),
        (
            "Nursery manager to look at a later finish for two days a week",
            "Map holiday clubs in {locality} and share the list before Easter",
            "Ask the college about crèche places for parents on courses",
        ),
        (
            "The nursery now stays open till half five two days a week.",
            "{first} started {her} college course with a crèche place for {child}.",
            "A holiday club ran in {place} for the first time this summer.",
        ),
    ),
    "mental health": Topic(
        "mental health",
        (
            "the CAMHS waiting list and what happens in the meantime",
            "postnatal depression and the health visitor who noticed",
            "anxiety, isolation and getting out of the house",
            "a dad's mental health and asking for help",
            "low mood, long winters and a walking group",
        ),
        (
            "{child} had been on the CAMHS waiting list for {months} months, and {first} didn't "
            "know what to do in the meantime.",
            "After the baby came, {first} stopped going out; some days getting dressed felt like "
            "too much.",
            "{first} had been anxious for years but never said it out loud in case it went on a "
            "file somewhere.",
            "The GP had offered tablets, but what {first} wanted was someone to talk to.",
            "Since the separation {first} had been struggling to sleep and snapping at the kids.",
            "{child}'s panic attacks at school had started after a grandparent died, and no one "
            "had connected the two.",
        ),
        (
            "You're told to wait, but nobody tells you what to do while you're waiting.",
            "I thought if I said I wasn't coping they'd take the kids.",
            "The walking group got me out the door. That was the hardest bit.",
            "F|Being in a room with other mums who felt the same made me feel less mad.",
            "M|Men don't talk about this stuff. I'm trying to.",
            "She didn't fix it, she just listened, and that was enough that day.",
        ),
        (
            "Waiting lists are where families fall through. We need something for the in-between.",
            "I've learned to ask 'how are you?' and wait for the real answer.",
        ),
        ("waiting lists", "parents' mental health", "anxiety in children", "isolation"),
        (
            "Ask the school nurse about a drop-in for families on the CAMHS list",
            "Start a walking group from the café on Tuesday mornings",
            "Share the list of local peer support groups in plain language",
        ),
        (
            "{first} started going to the walking group and says {her} mood is better.",
            "A school nurse drop-in now supports families while they wait for CAMHS.",
            "{first} asked the GP for counselling and has had four sessions.",
        ),
    ),
    "food": Topic(
        "food",
        (
            "holiday hunger and the community pantry",
            "cooking on a budget at the café",
            "free school meals and the gap in the holidays",
            "the pantry that feels like a shop",
        ),
        (
            "In the school holidays the family lost the free lunches, and the food bill went up by "
            "a third.",
            "{first} was skipping meals so the kids could eat properly.",
            "The food bank helped, but the voucher system made {first} feel like a charity case.",
            "The nearest big supermarket was two buses away, so the corner shop prices did the "
            "damage.",
            "{first} wanted to cook from scratch but didn't have a working oven.",
        ),
        (
            "The pantry feels like a shop. Nobody's looking at you.",
            "In the holidays I'm feeding them three times a day instead of once. It adds up.",
            "The slow cooker from the café has changed our teas.",
            "I'd rather pay a wee bit and choose than be handed a bag.",
            "Cooking together at the café is the only time my boy eats vegetables.",
        ),
        (
            "Food is the way in. Families come for lunch and stay for the conversation.",
            "Once we stopped asking for referrals, twice as many families used the pantry.",
        ),
        ("holiday hunger", "community pantry", "cooking on a budget", "free school meals"),
        (
            "Ask the pantry to open on a Saturday during the holidays",
            "Run a six-week cooking on a budget course with slow cookers to take home",
            "Find out why families in {place} aren't using the school holiday meal scheme",
        ),
        (
            "The family uses the pantry weekly and says the shopping bill has dropped.",
            "A holiday lunch club ran every weekday in {place}.",
            "{first} now helps run the cooking sessions at the café.",
        ),
    ),
    "transport": Topic(
        "transport",
        (
            "two buses to Ninewells with three kids",
            "the last bus and the rural school run",
            "bus fares and missed appointments",
            "getting to appointments without a car",
        ),
        (
            "Getting to a hospital appointment meant two buses and most of a day, so {first} had "
            "missed three.",
            "The last bus back to {place} left at quarter past six, which ruled out most evening "
            "groups.",
            "Missed appointments had been logged as 'did not attend', and a letter came warning "
            "the family could be discharged.",
            "{first} walked {child} forty minutes to nursery in all weathers because the fare was "
            "too much.",
            "The clinic moved to the other side of town and nobody asked how families would get "
            "there.",
        ),
        (
            "They write 'did not attend'. They never write 'couldn't get there'.",
            "If you miss the bus that's your whole day gone.",
            "The bus pass for the kids has been a godsend.",
            "I'd go to more things if I could get there and back before tea.",
        ),
        (
            "We changed 'did not attend' to 'was not brought' and started asking why.",
            "Half our missed appointments were about buses, not about families not caring.",
        ),
        ("transport", "missed appointments", "bus fares"),
        (
            "Ask the clinic to offer appointments after ten for families coming by bus",
            "Check that every family under 22 in the group has their free bus pass",
            "Raise the last-bus problem with {forum}",
        ),
        (
            "The clinic now offers late-morning slots for families travelling by bus.",
            "All the kids in the family have their free bus passes.",
            "The health visitor now does some reviews at the café instead of the clinic.",
        ),
    ),
    "play": Topic(
        "play",
        (
            "a play park nobody could use",
            "somewhere for the kids to play safely",
            "Saturday mornings with nothing to do",
            "a family fun day that families planned",
        ),
        (
            "The play park in {place} had been taped off for most of a year after the swings "
            "were broken.",
            "There was nowhere safe for the kids to play within walking distance.",
            "{first} said weekends were the hardest: no money for trips and nothing on locally.",
            "The community centre was locked at weekends, the one time families were free.",
        ),
        (
            "The kids just want somewhere to run about that's not the street.",
            "The fun day was the first time I'd seen the neighbours all together.",
            "It's a small thing, the park, but it's the whole summer for the weans.",
            "Saturday football has given him pals outside school.",
        ),
        (
            "Play came up at every single café. It's not a small thing to families.",
            "When families planned the fun day, three times as many came.",
        ),
        ("somewhere to play", "weekends", "the play park"),
        (
            "Report the play park to the council's parks team with photos from parents",
            "Ask about opening the community centre on Saturday mornings",
            "Families to plan a summer fun day and bid to the Make it Happen Fund",
        ),
        (
            "The play park reopened with new swings after parents raised it with {forum}.",
            "The community centre opens on Saturday mornings now.",
            "The family fun day in {place} drew more than two hundred people.",
        ),
    ),
    "youth": Topic(
        "youth",
        (
            "teenagers with nowhere to go",
            "young people who felt labelled",
            "a youth drop-in young people designed",
            "the S3 boys and the community centre",
        ),
        (
            "{child}, who is fourteen, had been lifted by the police twice for hanging about the "
            "shops with pals.",
            "The youth club had closed, and the young people said the only place left was the "
            "bus shelter.",
            "Young people felt they got the blame for everything that went wrong in {place}.",
            "{child} had stopped going to school and was up all night gaming.",
        ),
        (
            "Everybody thinks we're up to something. We're just standing there.",
            "Give us somewhere warm and we'll stop sitting in the bus shelter.",
            "The youth worker's the only adult who doesn't lecture me.",
            "I never thought anybody would ask what I'd spend the money on.",
        ),
        (
            "When young people designed the drop-in, they policed it better than we ever did.",
            "I stopped calling them 'the problem group' in my notes. It changed how I saw them.",
        ),
        ("nothing for young people", "feeling labelled", "the youth drop-in"),
        (
            "Youth worker to run a Friday night drop-in for S2 to S4",
            "Young people to sit on the next Make it Happen Fund panel",
            "Invite the community police officer to the café to meet parents and teenagers",
        ),
        (
            "A Friday night drop-in now runs in {place}, planned by young people.",
            "{child} is going to the youth group and back at school most days.",
            "Two young people sat on the MIHF panel for the first time.",
        ),
    ),
    "health": Topic(
        "health",
        (
            "the wait for an autism assessment",
            "an ADHD referral and two years of waiting",
            "a GP appointment at eight o'clock on the phone",
            "a health visitor who changed how she worked",
        ),
        (
            "{child} had been waiting for an autism assessment for over two years, and the school "
            "couldn't put support in without it.",
            "Getting a GP appointment meant phoning at eight and hoping; by ten past they were "
            "gone.",
            "{first} had three different professionals asking the same questions and none of them "
            "talking to each other.",
            "The ADHD referral had been knocked back twice because the forms weren't filled in "
            "the right way.",
            "{child}'s eczema was so bad {she_child} wasn't sleeping, and the dermatology wait "
            "was {months} months.",
        ),
        (
            "I've told my story that many times I could do it in my sleep.",
            "You shouldn't need a diagnosis to get help. He needs the help now.",
            "She came to the house, sat on my settee and asked what we needed. That never happens.",
            "I'm not a professional, but I know my son.",
        ),
        (
            "We don't need a diagnosis to change how a classroom works for a child.",
            "I started doing visits at the café and families stopped cancelling.",
        ),
        ("waiting for assessments", "GP access", "telling your story again and again"),
        (
            "Agree a 'tell it once' family summary that families hold themselves",
            "School to put support in place for {child} without waiting for the diagnosis",
            "Ask the health centre about booking slots set aside for café families",
        ),
        (
            "The school put support in place without waiting for the diagnosis.",
            "The family keeps one summary of their story and shares it as they choose.",
            "{child} was seen by the paediatrician after the health visitor chased the referral.",
        ),
    ),
    "work": Topic(
        "work",
        (
            "zero-hours contracts and unpredictable weeks",
            "back to work after ten years at home",
            "a dad who wanted to get back into work",
        ),
        (
            "{first}'s hours at the warehouse changed week to week, which made childcare and "
            "benefits impossible to plan.",
            "After ten years at home with the kids, {first} didn't know where to start looking "
            "for work.",
            "Every job {first} was offered would have left the family worse off once the "
            "childcare was paid.",
            "{first} had a trade but no tickets, and the course cost more than a month's rent.",
        ),
        (
            "I want to work. I just want it to pay more than it costs.",
            "The CV class was fine but what I needed was someone to believe I could do it.",
            "I got the job. First one in eleven years.",
        ),
        (
            "We'd been sending parents to employability courses without sorting the childcare "
            "first.",
        ),
        ("getting back to work", "insecure hours"),
        (
            "Link {first} with the employability keyworker who comes to the café",
            "Ask the Fund panel about paying for training tickets",
        ),
        (
            "{first} started a part-time job with hours that fit the school day.",
            "{first} passed {her} CSCS card and is working on a site in {authority}.",
        ),
    ),
    "isolation": Topic(
        "isolation",
        (
            "new to the area and knowing nobody",
            "a single dad and the mums' group",
            "a new family in {place} finding their feet",
            "English classes, friendships and the school gate",
        ),
        (
            "{first} had moved to {place} after leaving a violent relationship and knew nobody.",
            "The family arrived from Ukraine in {month_prev}, and {first} hadn't spoken to another "
            "adult outside appointments in weeks.",
            "M|Being the only dad at the toddler group made {first} feel like {she} was intruding.",
            "{first} didn't have enough English to fill in the school forms and didn't like to "
            "ask.",
            "Since the move, the only conversations {first} had were with the kids and the telly.",
        ),
        (
            "I came for the soup and I stayed for the people.",
            "At first I sat near the door so I could leave. Now I make the tea.",
            "In my country we have family all around. Here I had nobody.",
            "It's good to sit with people who don't need anything from you.",
        ),
        ("The café is often the first place a new family in {place} says more than two words.",),
        ("loneliness", "new families", "peer support"),
        (
            "Pair new families with a parent who has been coming to the café a while",
            "Ask the library about a conversation café for families learning English",
            "Start a dads' breakfast on Saturday mornings",
        ),
        (
            "{first} now comes to the café every week and helps new families settle in.",
            "A dads' breakfast started in {place}, with {first} running it.",
            "{first} has joined the English conversation group at the library.",
        ),
    ),
    "family support": Topic(
        "family support",
        (
            "feeling judged by services",
            "a family who didn't want social work at the door",
            "asking for help early without it becoming a case",
            "from 'another referral' to one person who stayed",
        ),
        (
            "{first} said every professional who came to the door made {her_o} feel {she} was "
            "being assessed.",
            "The family had been passed between {times} services in a year and told their story "
            "to each one.",
            "{first} had asked for help once before and ended up in a child protection meeting; "
            "{she} wasn't going to ask again.",
            "The letters from services were written in a language {first} didn't recognise as "
            "English.",
            "Every time things went well, the support stopped; every time it went badly, it "
            "came back twice as heavy.",
        ),
        (
            "F|I'm not a case. I'm a mum having a hard year.",
            "We were listened to for the first time, and nobody was writing anything down.",
            "I thought asking for help meant admitting I'd failed.",
            "She asked what mattered to me. Nobody had ever asked me that.",
            "If someone had helped when I first asked, we'd never have got to that meeting.",
        ),
        (
            "I came in with my assessment form and left it in the bag. That was the start.",
            "We were holding families at arm's length to stay safe. It wasn't safe for them.",
            "Early help only works if families don't feel watched when they ask for it.",
        ),
        ("feeling judged", "asking for help early", "too many professionals"),
        (
            "One named worker for the family instead of three",
            "Rewrite the first letter families get, with parents from the café",
            "Try a conversation at the café before any formal referral",
        ),
        (
            "The family has one worker they trust, and the case was closed to social work.",
            "{first} says {she} can ask for help now without fearing it'll be held against "
            "{her_o}.",
            "The first letter to families has been rewritten with parents.",
        ),
    ),
}

TOPIC_WEIGHTS = {
    "housing": 10,
    "money": 12,
    "school": 12,
    "childcare": 7,
    "mental health": 10,
    "food": 7,
    "transport": 5,
    "play": 5,
    "youth": 5,
    "health": 7,
    "work": 4,
    "isolation": 6,
    "family support": 10,
}

# --- the turn in a story ---------------------------------------------------------------------
LISTENED = (
    "At the café, {pract}, {a_prole}, asked {first} what mattered most, and then actually waited "
    "for the answer.",
    "What changed first wasn't a service but a conversation: for once nobody came with a form.",
    "{first} talked for nearly an hour that first morning; the practitioners mostly listened.",
    "It took three visits before {first} said what was really going on, and nobody pushed.",
    "{pract}, the {prole}, started meeting {first} at {venue} instead of at the office, over a "
    "cup of tea.",
    "The conversation started with the kids and only got round to the problem at the end, which "
    "is how {first} wanted it.",
    "Nobody tried to fix everything at once; {pract_mid} asked what would make the next week "
    "easier and started there.",
    "{first} said it was the first time in years someone had asked about {her_o} and not just "
    "the kids.",
    "At {venue} there were no forms, no clipboards and no rush, and {first} kept coming back.",
    "{Pract} listened for most of an hour and wrote nothing down until {first} asked "
    "{pract_they_o} to.",
)
PRACTICE_CHANGE = (
    "{Pract} said afterwards that it changed how the team writes its first letter to families.",
    "The {prole} team now starts reviews by asking families what has gone well since the last one.",
    "{Pract} stopped bringing the assessment paperwork to first visits, and says families talk "
    "more because of it.",
    "Instead of another referral, {pract_mid} picked up the phone to the right person while "
    "{first} was still in the room.",
    "{Pract} took what {first} said to the team meeting, and the service changed its "
    "appointment times as a result.",
    "The practitioners agreed to try one small change each and report back at the next café.",
    "{Pract} has started asking every family the same first question: what matters to you "
    "right now?",
    "Since then {pract_mid} has moved some visits to the café, where families say they feel "
    "less watched.",
    "{Pract} said it was uncomfortable to admit the service had made things harder, but it "
    "changed how {pract_they} writes referrals.",
)
PANEL = (
    "{first} has since joined the Make it Happen Fund panel for {locality}.",
    "In {next_month} {first} sat on the MIHF panel for the first time and questioned a bid from "
    "the council.",
    "{first} now goes to meetings of {forum} and has spoken twice about what families in {place} "
    "need.",
    "{first} helped plan the next café and chaired part of it.",
    "{first} took part in the VBLE with Columba 1400 and said it was the first time {she} felt "
    "{her} opinion counted in a room full of professionals.",
    "{first} is now one of the parents who welcome new families at the café.",
    "{first} went with {pract_mid} to talk to senior managers about what had happened, and "
    "they listened.",
)
PEER = (
    "Two other parents from the café started meeting {first} on the school run.",
    "A mum who had been through the same thing last year offered to go with {first} to the "
    "next meeting.",
    "The group set up a WhatsApp chat so nobody has to wait till Tuesday to ask something.",
    "{first} now passes on what {she} learned to other families at the café.",
    "Another mum from the café now walks to the school with {first} most mornings.",
    "{first} has become the person other parents phone when a letter arrives they don't "
    "understand.",
)
INTROS = (
    "{name} lives in {place} with {kids}. {She} first came along to {venue} {reason}.",
    "We met {name} at {venue} in {month}; {she} had come along {reason}.",
    "{name} is a {parent} of {kidcount} from {place}. {She} has been coming to the café at "
    "{venue} since {month_prev}.",
    "{name} and {her} {kidcount_short} moved to {place} {moved}.",
    "This story was gathered over three conversations with {name}: two at {venue} and one on "
    "the phone.",
    "{name} has lived in {place} all {her} life and is bringing up {kids} a few streets from where "
    "{she} went to school.",
)
ANON_INTROS = (
    "This family lives in {place} and first came to {venue} after the nursery mentioned it at "
    "pick-up.",
    "The family in this story asked not to be named; they live in {place} and come to the café "
    "at {venue}.",
    "A parent from {place} told us this story over several visits to {venue}.",
    "This is a {parent}'s account, shared at {venue} in {month} and checked with {her_o} "
    "before it was written up.",
)
REASONS = (
    "because a friend said there was soup and nobody would ask questions",
    "after the nursery mentioned it at pick-up",
    "to get out of the house on a bad day",
    "because {her} health visitor thought {she} might like it",
    "to ask about the Make it Happen Fund",
    "to complain, if we're honest, and stayed for the chat",
    "after seeing a poster in the library",
    "because the school suggested it",
)
MOVED = (
    "two years ago",
    "last spring",
    "after the family's flat in town was sold",
    "in the summer",
    "just before Christmas",
)
NEXT_STEPS = (
    "We'll check in with {first} again in {next_month}.",
    "{first} has agreed to share this story at the next learning event.",
    "Next step: {first} wants to talk to the headteacher with {pract_mid} there too.",
    "{first} would like other families to know the café is there and that it's not social work.",
    "{Pract} will follow up on the referral and report back at the next café.",
    "This is one to bring to the Oversight Board as an example of early help that worked.",
    "{first} is keen for the family's experience to shape the new housing letter.",
    "We agreed with {first} to look back on this together in six months.",
    "The family are happy for this to be shared with the Oversight Board, with names changed.",
)
WHAT_HELPED = (
    "somebody who phoned back when they said they would",
    "meeting at the café instead of the office",
    "one person to tell the story to, not five",
    "being asked what mattered, not what was wrong",
    "practical help first: the meter topped up, the form filled in",
    "other parents who had been through the same thing",
    "time: nobody rushed the conversation",
    "a practitioner willing to bend the usual way of doing things",
    "the school phoning with good news",
    "being trusted to know {her} own children",
)

# --- sentences that speak to an indicator (shipped codes; others get none) ---------------------
# Each line with the record types it suits (initials: Family story, Café, Vble, Event, Test of
# change, Make it happen fund); "" suits all.
INDICATOR_LINES: dict[str, tuple[tuple[str, str], ...]] = {
    "SO1.1": (
        ("It was the family's idea, and they led it from the start.", "FT"),
        ("Parents decided what to raise and who would say it.", "CE"),
        ("The families chose the priority; the practitioners helped them get it done.", "CTV"),
        ("Parents on the panel led the questioning, not the officers.", "M"),
        ("The bid was written by families, in their own words.", "M"),
        ("{first} says {she} feels like {she} has a say now, not just a file.", "F"),
        ("The group set its own agenda this time; the WM2U team just booked the room.", "CE"),
        ("Parents said what they wanted done, and the actions are theirs to follow up.", "C"),
    ),
    "SO1.2": (
        ("The panel's decisions went up on the noticeboard at the community centre.", "M"),
        ("The local paper ran a short piece on what families had made happen.", "MFE"),
        ("The minutes of {forum} now record what families brought to the table.", "CTM"),
        ("Families' photos and stories from the year were on the wall for everyone to see.", "E"),
        ("{first} was thanked by name at {forum} for what {she} had started.", "F"),
    ),
    "SO1.3": (
        ("Families and practitioners went through what had and hadn't worked, together.", "CTE"),
        ("The group agreed to meet again in six weeks to look at what has changed.", "CV"),
        (
            "The learning wall at the café now has a column for 'what we tried that didn't work'.",
            "CT",
        ),
        ("Panel members looked back at last round's projects before deciding this one.", "M"),
        ("Parents and councillors stayed on afterwards to plan the next session together.", "E"),
        ("{first} and {pfirst} now meet every few weeks to look at what's working.", "F"),
        ("Families and practitioners agreed what they would each try before meeting again.", "CE"),
    ),
    "SO2.1": (
        (
            "Several practitioners said they would change how they start conversations with "
            "families.",
            "CEV",
        ),
        (
            "A practitioner said it was the first time a parent had told them what the service "
            "looked like from the other side.",
            "CVF",
        ),
        (
            "Staff said they felt more confident asking families what matters and acting on it.",
            "VET",
        ),
        (
            "The practitioners on the panel said they learned more about the area from the parents "
            "than from any report.",
            "M",
        ),
        ("{pfirst} said it changed how {pract_they} thinks about first visits.", "F"),
        (
            "One practitioner said she now asks families what matters before she looks at "
            "the file.",
            "CVE",
        ),
        ("Practitioners spoke about using what they heard in their own teams.", "CEV"),
        ("A health visitor said the café had changed what she listens for on home visits.", "C"),
    ),
    "SO2.2": (
        ("The service has changed its written guidance to match.", "T"),
        ("Two more teams have asked to join the café conversations.", "CE"),
        ("It is now in the locality's improvement plan, not just something one team does.", "T"),
        (
            "Another panel in {authority} now runs on the same footing, "
            "with a parent in the chair.",
            "M",
        ),
        ("Practitioners from three more services asked to join the next VBLE.", "VE"),
        ("A second school cluster asked to adopt the approach.", "TE"),
        ("The change is now in the team's induction for new staff.", "T"),
    ),
    "SO3.1": (
        (
            "The service manager agreed to move some of the budget from crisis visits to earlier "
            "help.",
            "TCF",
        ),
        ("Senior leaders agreed to keep it going past the pilot.", "T"),
        ("The council has said it will match the fund if the project works.", "M"),
        ("A service manager in the room committed staff time to earlier help.", "EV"),
    ),
    "SO3.2": (
        (
            "The data project is tracking whether fewer families in the area reach formal "
            "measures.",
            "TFC",
        ),
        (
            "We have started counting early-help conversations alongside referrals, to see the "
            "shift.",
            "TC",
        ),
        ("The numbers are going into the System Dynamic Model for the next Oversight Board.", "TE"),
        (
            "The panel asked for the area's data profile to be shared with families "
            "before the next round.",
            "M",
        ),
    ),
    "SO4.1": (
        (
            "Families' words are being used in the redesign of the local family support service.",
            "FCTE",
        ),
        ("The children's services plan now quotes what parents told us at the café.", "CE"),
        ("Parents are on the working group redesigning the front door to family support.", "TVF"),
        ("Projects like this are being written into the locality's children's services plan.", "M"),
    ),
    "SO4.2": (
        (
            "The story was shared with Scottish Government officials working on whole family "
            "wellbeing.",
            "F",
        ),
        ("National partners asked for a short briefing on how families shaped the change.", "TEM"),
        ("It has been offered as a case study for national practice guidance.", "TFE"),
        ("Officials at the event asked parents to help review national guidance.", "E"),
    ),
}
TYPE_INITIAL = {
    "family_story": "F",
    "cafe_conversation": "C",
    "vble_evaluation": "V",
    "event": "E",
    "test_of_change": "T",
    "fund_decision": "M",
}

# --- café conversations ----------------------------------------------------------------------
CAFE_SETTINGS = (
    "{families_w} families came to the café at {venue} on a {weather} {day} {time}, with "
    "{practitioners_n} from {service} and the WM2U team.",
    "The {day} café at {venue} had {families_w} families in, some of them new, and "
    "{practitioners_n} including {pract}, {a_prole}.",
    "{families_w} parents and carers came, with {practitioners_n}; the crèche at {venue} meant "
    "people could actually talk.",
    "{venue} on a {weather} {day}: {families_w} families, {practitioners_n}, a big pot of soup "
    "and the crèche full.",
)
CAFE_BUSY = (
    "A busy one: {families_w} families and {practitioners_n} around three tables at {venue}, "
    "and a few kids under them.",
)
CAFE_QUIET = (
    "Quieter than usual because of the {weather_noun}: {families_w} families and "
    "{practitioners_n} at {venue}.",
)
CAFE_OPENERS = (
    "Conversation started with {theme0} and kept coming back to it.",
    "The big theme this week was {theme0}, though {theme1} came up more than once.",
    "Families mostly wanted to talk about {theme0} and {theme1}.",
    "{theme0} took up most of the morning.",
    "Nobody had planned to talk about {theme0}, but once one parent mentioned it everyone had "
    "a story.",
    "Most of the morning went on {theme0}, with {theme1} not far behind.",
    "Everyone had something to say about {theme0}.",
    "It was meant to be a catch-up, but {theme0} took over.",
    "Parents brought up {theme0} before the tea was even poured.",
)
CAFE_REFLECTIONS = (
    "What struck the team was how often families said they had asked for help early and been "
    "told to wait until things got worse.",
    "Practitioners said afterwards they had heard things they would never hear in a review "
    "meeting.",
    "There was real frustration in the room, but also a lot of ideas.",
    "Parents were clear that they didn't want another leaflet; they wanted someone to come back "
    "with an answer.",
    "The practitioners stayed on after the café to talk about what they could change themselves.",
    "A few families who had been quiet at previous cafés spoke up this time.",
    "It felt more like a conversation between equals than the first cafés did.",
    "Two of the dads did most of the talking this time, which hasn't happened before.",
    "The practitioners were quieter than usual, and the conversation was better for it.",
    "Several parents said it was the first time they had said any of this out loud.",
    "People kept coming back to how much time they spend chasing services rather than "
    "getting help from them.",
    "One of the newer practitioners said she had not realised how far families travel for "
    "appointments.",
    "It got heated at one point, but people stayed, and that matters.",
    "There was a lot of laughter too; it is not all hard stories.",
    "A grandmother who has been coming since the start said things feel different now: "
    "people expect to be listened to.",
    "The tea went cold twice, which is usually a good sign.",
    "Families were sharper than we were about what would actually work.",
)
CAFE_FOLLOW_UPS = (
    "We'll report back on each action at the next café.",
    "{Pract} is taking the points about {theme0} to {forum}.",
    "Actions go on the learning wall so families can see what happened to them.",
    "Next café is in three weeks; the families asked for an evening one for working parents.",
    "We'll chase each action and put the answers on the café noticeboard.",
    "The WM2U team will check in with the families who raised {theme0} before the next café.",
    "Two parents offered to help run the next one.",
)
WEATHER = ("wet", "freezing", "bright", "windy", "dreich", "grey", "sunny", "cold")
WEATHER_NOUN = ("rain", "snow", "school holidays", "bus strike", "football", "storm warning")
TIMES = ("morning", "morning", "afternoon", "after the school drop-off", "teatime")

# --- VBLE ------------------------------------------------------------------------------------
VBLE_INTROS = (
    "The VBLE, run by Columba 1400, brought together {fam_w} parents and {prac_w} practitioners "
    "from {place} for {days} days, with preparation sessions beforehand and a follow-up day "
    "planned for {next_month}.",
    "This cohort mixed {fam_w} parents and carers with {prac_w} practitioners from education, "
    "health visiting, housing and the third sector. Columba 1400 facilitated, with WM2U doing "
    "the preparation and follow-up.",
    "{participants_w} people started the Values-Based Leadership Experience in {month}: {fam_w} "
    "from families in {locality} and {prac_w} who work alongside them.",
    "Columba 1400 ran the VBLE over {days} days at {venue}, for {fam_w} parents and {prac_w} "
    "practitioners.",
)
VBLE_MIDDLES = (
    "The values work (awareness, focus, creativity, integrity, perseverance and wisdom) gave "
    "people a shared language; by the second day parents and practitioners were using it about "
    "each other.",
    "The turning point came when a parent described the school meeting that had gone wrong for "
    "her, and the depute head in the group recognised it as one of his own.",
    "People arrived wary: the parents expecting to be judged, the practitioners expecting to be "
    "blamed. Neither happened.",
    "Practitioners said the hardest part was not leading; several had never been in a room "
    "where they weren't in charge.",
    "The group spent a long time on listening: what it feels like to be heard, and what it "
    "costs when you're not.",
    "Two of the parents had been nervous about coming at all; by the end they were helping plan "
    "the follow-up.",
    "The residential was the first time away from the kids in years for some of the parents, "
    "and the team put a lot into making that possible.",
    "By the last day, the practitioners were asking the parents for advice, not the other way "
    "round.",
    "A housing officer in the group said the values session changed how she sees rent arrears "
    "visits.",
)
VBLE_COMMITMENTS = (
    "start the next parents' evening with a question, not a report",
    "run a café conversation in {place} with families choosing the topic",
    "bring a parent to the next team meeting to talk about what helps",
    "stop using jargon in letters home",
    "apply to the Make it Happen Fund with other parents from the group",
    "ask families what matters before the assessment, not after",
    "meet as a group once a month to keep each other going",
    "set up a peer support group for parents of children waiting for assessment",
    "put a parent on the interview panel for the next family support post",
)
VBLE_SINCE = (
    "joined the MIHF panel",
    "started going to meetings of {forum}",
    "helped run a café",
    "spoken at a learning event",
    "applied to the Make it Happen Fund with two other parents",
)
VBLE_TRYING = (
    "café-style reviews",
    "a question-first approach at meetings",
    "home visits without the paperwork",
    "asking families to set the agenda",
)
VBLE_REFLECTIONS = (
    "Average confidence in identifying and leading change went from {before} to {after} (out of "
    "5) across the {participants_w} participants.",
    "On the confidence scale, the group averaged {before} before and {after} after (1 to 5).",
    "Participants rated their confidence in leading change at {before} out of 5 beforehand and "
    "{after} at the end.",
)
VBLE_LOW = (
    "The scores barely moved for this group, and the feedback tells us why: the preparation was "
    "rushed and two practitioners were pulled out for cover on the second day.",
    "Confidence didn't rise this time. The group said they needed more time together before the "
    "residential, and we will build that in.",
)
VBLE_FAMILY_QUOTES = (
    "I walked in thinking they were the experts. I walked out knowing I'm the expert on my own "
    "family.",
    "I've never said my opinion out loud in front of a teacher before.",
    "It's the first time I've been in a room with professionals and felt equal.",
    "I came for my kids. I stayed for me.",
    "I didn't know I had it in me to stand up and speak like that.",
    "It's given me the confidence to go to the school and say what I think.",
)
VBLE_PRACT_QUOTES = (
    "I've been doing this job twenty years and I learned more in three days than on any course.",
    "I realised how often I talk at parents instead of with them.",
    "It was uncomfortable, and it was meant to be.",
    "I'm going to change how I run my reviews, starting on Monday.",
    "I'd never thought about what it feels like to be on the other side of the desk.",
)

# --- events ----------------------------------------------------------------------------------
EVENT_THEMES = {
    "local": (
        "what families in {locality} have made happen this year",
        "the café conversations so far",
        "the Make it Happen Fund: one year on",
        "early help and what families asked for",
        "a family fun day with a learning wall",
    ),
    "thematic": (
        "data and the shift to prevention",
        "voice-led practice in schools",
        "housing and families",
        "waiting lists and the in-between",
        "money worries and early help",
        "young people's voice",
    ),
    "national": (
        "voice-led change and whole family wellbeing",
        "keeping The Promise locally",
        "what families teach us about prevention",
        "scaling voice-led change across Scotland",
        "families' voice in national policy",
    ),
}
EVENT_TITLES = {
    "local": (
        "{locality} learning session: {theme}",
        "{place} learning event: {theme}",
        "Learning event at {venue}: {theme}",
        "{place} families share the year",
    ),
    "thematic": (
        "Thematic session: {theme}",
        "{authority} thematic learning event on {theme}",
        "Practitioners' session: {theme}",
    ),
    "national": (
        "National learning event, {city}: {theme}",
        "National briefing in {city}: {theme}",
        "WM2U at a national event in {city}: {theme}",
    ),
}
EVENT_TAGS = (
    ("data", "data"),
    ("prevention", "data"),
    ("school", "school"),
    ("housing", "housing"),
    ("waiting", "health"),
    ("money", "money"),
    ("young", "youth"),
    ("fund", "money"),
    ("fun day", "play"),
    ("early help", "family support"),
    ("wellbeing", "family support"),
    ("promise", "family support"),
    ("café", "family support"),
    ("policy", "family support"),
    ("scaling", "family support"),
    ("made happen", "family support"),
)
CITIES = ("Edinburgh", "Glasgow", "Stirling", "Perth", "Dundee")
NATIONAL_GUESTS = (
    "Scottish Government officials",
    "COSLA",
    "The Promise Scotland",
    "Children in Scotland",
    "the Improvement Service",
    "colleagues from other local authorities",
    "CELCIS",
)
EVENT_INTROS = {
    "local": (
        "{participants_w} people came to {venue}: families, members of {forum}, councillors and "
        "practitioners from {service}.",
        "A local learning session for {locality}, with {participants_w} people in the room and "
        "parents from the café leading two of the three sessions.",
        "We held this one at {venue} so families could bring the kids; {participants_w} came.",
    ),
    "thematic": (
        "A thematic session on {theme} for {participants_w} practitioners, managers and parents "
        "from across {authority}.",
        "{participants_w} people joined the thematic session on {theme}, about a third of them "
        "parents.",
    ),
    "national": (
        "WM2U shared learning from {authority} with {participants_w} people at a national event in "
        "{city}, including {guest} and {guest2}.",
        "A national event in {city} with {participants_w} participants; parents from {locality} "
        "presented alongside {guest}.",
    ),
}
EVENT_MIDDLES = (
    "{first} told the room what it had been like to wait {months} months for help, and what "
    "changed when someone listened.",
    "Parents presented their own Make it Happen Fund projects, with photos and the receipts.",
    "The data project showed early figures from the System Dynamic Model on where families first "
    "ask for help.",
    "A panel of two parents and a service manager took questions for most of an hour.",
    "Practitioners talked honestly about what had got in the way: workloads, rules, and their "
    "own habits.",
    "The learning wall from the cafés was brought along and people added to it through the day.",
    "{name}, a parent from {place}, spoke about joining the MIHF panel and what it was like to "
    "make decisions about money for the first time.",
    "Young people ran a stall on what they'd change about the area, and councillors queued to "
    "talk to them.",
    "{Pract} described changing {pract_pos} own practice after listening to families at the "
    "café, and what it had cost and saved.",
    "The afternoon was given over to small groups, each with a parent and a senior manager "
    "at the table.",
)
EVENT_TAKEAWAYS = (
    "ask families first, then plan",
    "give families the budget, not the consultation",
    "waiting lists need an in-between offer",
    "letters to families should be tested with families",
    "small changes by front-line staff add up",
    "the data has to include what families say, not just what services count",
    "leaders need to make it safe for staff to try things",
    "families' time is worth paying for",
)
EVENT_FEEDBACK = (
    "Feedback forms rated the event {rating} out of 5 on average.",
    "Participants gave it an average of {rating} out of 5.",
    "Average rating from the feedback cards: {rating}/5.",
)
EVENT_CRITIQUE = (
    "Some said there was too much talking from the front.",
    "A few practitioners wanted more time on what to do next.",
    "Parents asked for the next one to be in the evening.",
    "The room was too small and the hearing loop didn't work, which we'll fix.",
    "People wanted more from senior leaders about what they will change.",
)
EVENT_QUOTES_FAMILY = (
    "Standing up in front of all those people, I was shaking, but they listened.",
    "It felt like for once our story was the important bit.",
    "I never thought somebody from the Government would want to hear from me.",
    "We brought the photos from the fun day and people couldn't believe families did it all.",
)
EVENT_QUOTES_PRACT = (
    "I'm taking the 'ask first' idea straight back to my team.",
    "Hearing it from the parents themselves made it impossible to ignore.",
    "This is the most useful thing I've been to this year.",
    "We talk about prevention all the time. This is what it actually looks like.",
)


# --- tests of change -------------------------------------------------------------------------
@dataclass(frozen=True)
class Change:
    short: str
    change: str
    origin: str
    topic: str
    learning: dict[str, str]
    codes: tuple[str, ...] = ()
    data: bool = False


CHANGES = (
    Change(
        "breakfast club opening at eight",
        "Open the breakfast club at {school} at eight instead of half past, for working parents.",
        "Parents at the café said the half-past start made it impossible to get to work on time.",
        "school",
        {
            "idea": "The school is open to it but needs a second member of staff before eight.",
            "testing": "Numbers went from 14 to 26 in three weeks; two parents have taken on "
            "extra shifts.",
            "embedded": "It's now the school's normal opening time and is in next year's budget.",
            "stopped": "Staffing couldn't be found for the early slot; parents are looking at "
            "a rota of volunteers instead.",
        },
        ("SO2-B", "SO3-A", "SO3.1"),
    ),
    Change(
        "a 'good news' phone call before any attendance letter",
        "Pupil support staff phone home with something positive before any attendance letter "
        "goes out.",
        "A parent said she only ever heard from the school when something was wrong.",
        "school",
        {
            "idea": "Staff are worried about the time it will take; we're working out a simple "
            "rota.",
            "testing": "Forty calls so far; parents say they pick up the phone to the school now.",
            "embedded": "It's written into the attendance procedure across the cluster.",
            "stopped": "It was dropped during the staffing shortage in the spring, and parents "
            "noticed.",
        },
        ("SO2-B", "SO2.2", "SO2.1"),
    ),
    Change(
        "the housing officer at the café",
        "A housing officer comes to the café once a month instead of families phoning the "
        "repairs line.",
        "Housing came up at every café in the first term.",
        "housing",
        {
            "idea": "The housing manager has agreed in principle; the first date is being set.",
            "testing": "Eleven repairs raised in person in two months, nine of them completed.",
            "embedded": "Now part of the housing team's locality plan in three areas.",
            "stopped": "The officer moved post and the slot wasn't filled; families want it back.",
        },
        ("SO3-A", "SO3.1", "SO2.1"),
    ),
    Change(
        "clinic appointments after ten",
        "The clinic offers appointments after ten for families travelling by bus.",
        "'Did not attend' letters were going to families who couldn't get there for nine.",
        "transport",
        {
            "idea": "The clinic lead wants to see the missed-appointment figures first.",
            "testing": "Missed appointments for café families are down from one in four to one "
            "in ten.",
            "embedded": "The later slots are now kept for families who ask for them.",
            "stopped": "The clinic lost a session and the late slots went with it.",
        },
        ("SO3-B", "SO3.1", "SO2.2"),
    ),
    Change(
        "a family-written first letter",
        "Rewrite the first letter families get from the family support service, with parents.",
        "Parents said the old letter read like a summons.",
        "family support",
        {
            "idea": "Four parents have volunteered to work on it with the team.",
            "testing": "The new letter is going out in {locality}; fewer families are declining "
            "the first visit.",
            "embedded": "The new letter is now the standard one across {authority}.",
            "stopped": "It stalled in the approval process; we're asking senior leaders to "
            "unblock it.",
        },
        ("SO1-B", "SO2.2", "SO4.1"),
    ),
    Change(
        "one named worker, not three",
        "Families with more than two services involved get one named worker who coordinates the "
        "rest.",
        "Families told us they repeated their story to every new professional.",
        "family support",
        {
            "idea": "Managers from three services have agreed to try it with five families.",
            "testing": "Five families so far; all say they know who to phone.",
            "embedded": "Agreed by the Oversight Board as the way of working in the locality.",
            "stopped": "Stopped after two months: the services couldn't agree who would hold "
            "the role.",
        },
        ("SO3-B", "SO3.1", "SO2.2"),
    ),
    Change(
        "a conversation before a referral",
        "Practitioners offer a conversation at the café before making any formal referral.",
        "Parents said a referral felt like being reported.",
        "family support",
        {
            "idea": "Practitioners want clarity on where this sits with their duty to refer.",
            "testing": "Twelve conversations so far; three became referrals, nine didn't need to.",
            "embedded": "Written into the locality's early help guidance.",
            "stopped": "Paused while the guidance is checked; practitioners were unsure of the "
            "line.",
        },
        ("SO3-A", "SO3.1", "SO3.2"),
    ),
    Change(
        "a welfare rights drop-in at the café",
        "A welfare rights adviser at the café once a month, no appointment needed.",
        "Money worries came up at almost every café conversation.",
        "money",
        {
            "idea": "The welfare rights team can offer one session a month from spring.",
            "testing": "Nineteen families seen; about £{gain} a month in extra income between "
            "them.",
            "embedded": "Now a regular monthly session funded by the council.",
            "stopped": "Not enough families came in the summer months; it will restart in the "
            "autumn.",
        },
        ("SO3-A", "SO3.1", "SO1.1"),
    ),
    Change(
        "holiday lunches without a referral",
        "Holiday lunch club open to any family, no referral or voucher.",
        "Families said the voucher made them feel like a charity case.",
        "food",
        {
            "idea": "The community centre can host; we need cooks.",
            "testing": "Average of 34 children a day, twice the number under the voucher system.",
            "embedded": "It runs every school holiday now, with parents helping to cook.",
            "stopped": "The kitchen failed its inspection; it moves to the school next holiday.",
        },
        ("SO2-B", "SO1.1", "SO3.1"),
    ),
    Change(
        "an LCPP data pack families can read",
        "A short data pack for the {locality} LCPP, written so families on the partnership can "
        "use it.",
        "Parents on the LCPP said the data reports were impossible to follow.",
        "data",
        {
            "idea": "The Senior Officer (Information) is drafting a first version with two "
            "parents.",
            "testing": "Used at two LCPP meetings; parents asked the first questions both times.",
            "embedded": "The format is being used by every LCPP in {authority}.",
            "stopped": "Too much work to keep up by hand; waiting for the data project's "
            "automated version.",
        },
        ("SO3-C", "SO3.2", "SO1-B"),
        True,
    ),
    Change(
        "testing the System Dynamic Model with front-line staff",
        "A workshop with front-line staff and parents to test the assumptions in the System "
        "Dynamic Model.",
        "Staff said the model felt like something done to them rather than with them.",
        "data",
        {
            "idea": "Planned for {next_month} with the data project team.",
            "testing": "Two workshops so far; families corrected the model's guess about when "
            "they first ask for help.",
            "embedded": "Workshops are now part of every update of the model.",
            "stopped": "Postponed while the model is rebuilt with new data.",
        },
        ("SO3-C", "SO3.2", "SO3-B"),
        True,
    ),
    Change(
        "counting early-help conversations",
        "Record early-help conversations at the café alongside formal referrals, to see the "
        "shift to prevention.",
        "The data only counted families once they were in a formal process.",
        "data",
        {
            "idea": "Agreeing with the data project what to count without adding paperwork.",
            "testing": "Three months of counts; early-help conversations now outnumber referrals.",
            "embedded": "The count is in the quarterly report to the Oversight Board.",
            "stopped": "Stopped: practitioners felt it had become a form to fill in.",
        },
        ("SO3-C", "SO3.2", "SO2.2"),
        True,
    ),
    Change(
        "a later nursery finish two days a week",
        "The nursery stays open till half five on two days, for parents on late shifts.",
        "Parents at the café said three o'clock finishes ruled out most jobs.",
        "childcare",
        {
            "idea": "The nursery manager is checking staffing and asking parents which days.",
            "testing": "Eight families using it; three parents have taken on more hours.",
            "embedded": "The later finish is in the nursery's funded model from August.",
            "stopped": "Too few families used it on the days chosen; parents want other days.",
        },
        ("SO2-B", "SO3.1", "SO1.1"),
    ),
    Change(
        "a Friday drop-in designed by young people",
        "A Friday evening drop-in for S2 to S4, planned and partly run by young people.",
        "Young people said the bus shelter was the only place left.",
        "youth",
        {
            "idea": "Six young people are planning it with the youth worker.",
            "testing": "Around 25 young people each week; calls to the police about the shops "
            "are down.",
            "embedded": "Funded for two more years, with young people on the steering group.",
            "stopped": "The hall became unavailable; the young people are looking for another.",
        },
        ("SO3-A", "SO1.1", "SO4.1"),
    ),
    Change(
        "a walking group for parents",
        "A Tuesday walking group from the café for parents struggling with low mood.",
        "Parents on waiting lists said they needed something to do in the meantime.",
        "mental health",
        {
            "idea": "A parent has offered to lead it if a practitioner comes the first few times.",
            "testing": "Eight to twelve parents each week; the GP practice has started "
            "suggesting it.",
            "embedded": "Parent-led, every week, and now in the GP practice's list of groups.",
            "stopped": "Stopped over the winter; it will restart with the lighter nights.",
        },
        ("SO2-B", "SO1.1", "SO2.1"),
    ),
    Change(
        "health visitor reviews at the café",
        "Health visitors hold some child development reviews at the café instead of the clinic.",
        "Families said the clinic felt clinical, and it was two buses away.",
        "health",
        {
            "idea": "The team lead is keen; rooms and records need sorting first.",
            "testing": "All but one of the reviews booked at the café have happened.",
            "embedded": "Now offered in three community venues across {authority}.",
            "stopped": "Record-keeping rules meant it couldn't continue in this venue.",
        },
        ("SO3-B", "SO2.1", "SO2.2"),
    ),
    Change(
        "a parent on the interview panel",
        "A parent sits on the interview panel for family support posts.",
        "Families said they should have a say in who works with them.",
        "family support",
        {
            "idea": "HR have agreed; the parents want some training first.",
            "testing": "Two parents have sat on three panels; candidates said it was the best "
            "question they were asked.",
            "embedded": "Now standard for every family support post in {authority}.",
            "stopped": "HR rules on confidentiality stopped it for now; we are asking again.",
        },
        ("SO1-B", "SO1.1", "SO4.1"),
    ),
    Change(
        "plain-English school letters",
        "Parents check school letters for jargon before they go home.",
        "Parents at the café couldn't tell which letters mattered.",
        "school",
        {
            "idea": "The headteacher has agreed to try it with the next newsletter.",
            "testing": "Six letters rewritten; the reply slips came back twice as fast.",
            "embedded": "A parent group now reads every letter before it goes out.",
            "stopped": "Timescales were too tight for parents to check letters in time.",
        },
        ("SO2-B", "SO1.1", "SO2.1"),
    ),
    Change(
        "flexible appointment times in social work",
        "Social work offers family meetings after school hours and at the café.",
        "Parents said meetings during work hours risked their jobs.",
        "family support",
        {
            "idea": "The team manager wants to try it with one team first.",
            "testing": "Attendance at meetings is up, and two parents kept jobs they'd have lost.",
            "embedded": "Part of the service's new practice framework.",
            "stopped": "Out-of-hours cover made it impossible to staff for now.",
        },
        ("SO3-B", "SO2.2", "SO3.1"),
    ),
    Change(
        "a uniform swap at the school gate",
        "A uniform swap rail at the school gate, run by parents, no questions asked.",
        "Uniform costs came up at three cafés in a row.",
        "money",
        {
            "idea": "The school has found a space; parents are collecting donations.",
            "testing": "Over 200 items taken in the first month.",
            "embedded": "Running at four schools now, all parent-led.",
            "stopped": "The rail was moved inside and families stopped using it.",
        },
        ("SO3-A", "SO1.1", "SO1.2"),
    ),
)
STATUS_WEIGHTS = (("idea", 14), ("testing", 40), ("embedded", 30), ("stopped", 16))
TOC_TITLES = (
    "Test of change: {short}",
    "{locality}: {short}",
    "Testing {short} in {place}",
    "{short_cap} ({status_label})",
    "What we learned from {short}",
)
STATUS_LABELS = {
    "idea": "an idea",
    "testing": "testing",
    "embedded": "embedded",
    "stopped": "stopped",
}
TOC_STATUS_LINES = {
    "idea": (
        "This is still an idea: we're talking it through with families and the service before "
        "anything changes.",
        "Nothing has been tried yet; the first step is agreeing who would do what.",
    ),
    "testing": (
        "We've been testing this since {month_prev}, with a check-in every fortnight.",
        "It's a small test: one team, a few weeks, and families telling us what they notice.",
    ),
    "embedded": (
        "Started as a small test in {month_prev} and is now simply how things are done.",
        "This began with one practitioner trying something different and is now routine.",
    ),
    "stopped": (
        "We stopped this test in {month}. Recording why matters as much as recording what worked.",
        "This one didn't last, and the reasons are worth writing down.",
    ),
}
TOC_PEOPLE = (
    "It was {name}, a parent at the café in {place}, who first suggested it.",
    "{Pract} offered to be the first to try it.",
    "{name} and two other parents agreed to tell us honestly how it was going.",
    "{name}, who has been coming to the café since it started, put the idea on the learning wall.",
)
TOC_TRACKING = (
    "how many families use it",
    "what families say about it at the café",
    "whether practitioners keep doing it when nobody is watching",
    "time spent by staff, before and after",
    "missed appointments",
    "referrals compared with early-help conversations",
    "what it costs, and what it saves",
)


# --- Make it Happen Fund -----------------------------------------------------------------------
@dataclass(frozen=True)
class Project:
    name: str
    description: str
    topic: str
    low: int
    high: int


PROJECTS = (
    Project(
        "Saturday football",
        "Saturday morning football for P4 to P7 at the school pitches, "
        "with kit for any child who needs it",
        "play",
        800,
        2500,
    ),
    Project(
        "a kinship carers' group",
        "a monthly group for grandparents and kinship carers, with transport and a crèche",
        "family support",
        600,
        1800,
    ),
    Project(
        "a dads' breakfast",
        "a Saturday breakfast for dads and their kids at the community centre",
        "isolation",
        300,
        1200,
    ),
    Project(
        "the community pantry",
        "stock and a chest freezer for the community pantry",
        "food",
        900,
        3000,
    ),
    Project(
        "bus passes for hospital trips",
        "a fund for bus and taxi fares so families can get to hospital appointments",
        "transport",
        400,
        1500,
    ),
    Project(
        "a summer trip programme",
        "four summer day trips for families who can't afford them, planned by parents",
        "play",
        1500,
        4500,
    ),
    Project(
        "a sensory room",
        "kit for a sensory corner at the family centre for children waiting for assessment",
        "health",
        700,
        2500,
    ),
    Project(
        "cooking on a budget",
        "a six-week cooking course with a slow cooker for every family to take home",
        "food",
        600,
        1600,
    ),
    Project(
        "a baby bank", "a baby bank for prams, cots and clothes, run by parents", "money", 500, 2000
    ),
    Project(
        "a homework club",
        "a homework club after school with snacks and a volunteer tutor",
        "school",
        500,
        1800,
    ),
    Project(
        "a youth drop-in",
        "a Friday night youth drop-in designed by young people",
        "youth",
        1200,
        4000,
    ),
    Project("a warm space", "a warm space with soup on winter afternoons", "money", 400, 1400),
    Project(
        "a family gardening plot",
        "raised beds and tools for a family growing plot behind the community centre",
        "play",
        500,
        2200,
    ),
    Project(
        "a peer support group for anxious parents",
        "a peer support group for parents "
        "with anxiety, with a trained facilitator for the first term",
        "mental health",
        800,
        2400,
    ),
    Project(
        "a uniform bank",
        "a school uniform bank run by parents at two primaries",
        "money",
        300,
        1200,
    ),
    Project(
        "driving lessons for a parent",
        "driving lessons so a parent in a village with no evening bus can take a job",
        "work",
        600,
        1500,
    ),
    Project(
        "a conversation café for new families",
        "a weekly café where families new to Scotland can practise English",
        "isolation",
        500,
        1600,
    ),
    Project(
        "a family fun day",
        "a family fun day with stalls from local services, planned by families",
        "play",
        700,
        2500,
    ),
    Project(
        "a mums' walking group",
        "a walking group with a buggy-friendly route and a coffee stop",
        "mental health",
        150,
        600,
    ),
    Project(
        "bikes for the school run",
        "bikes, helmets and locks so children can cycle to school",
        "transport",
        1000,
        3500,
    ),
    Project(
        "play park repairs",
        "a contribution to fixing the play park, with parents choosing the equipment",
        "play",
        2000,
        5000,
    ),
    Project(
        "training tickets for parents",
        "paying for CSCS and food hygiene tickets for parents looking for work",
        "work",
        400,
        1800,
    ),
)
FUND_TITLES = (
    "MIHF panel, {locality}: {project}",
    "{locality} Make it Happen Fund decision: {project}",
    "{panel}: {project} {outcome_short}",
    "Make it Happen Fund: {project} in {place}",
    "{project_cap} for {place}: panel decision",
)
FUND_APPLICANTS = (
    "A group of parents from {place}",
    "{name} and two other parents from the café",
    "{name}, a parent from {place},",
    "Grandparents who meet at {venue}",
    "{name}, with families from the {day} café,",
    "Parents who met on the VBLE in {locality}",
)
# Who else applies for what kind of project.
FUND_APPLICANTS_BY_TOPIC = {
    "youth": (
        "Young people from the {place} youth group, with their youth worker,",
        "{name}, who is sixteen and goes to the youth group,",
    ),
    "school": ("The parent council at {school}",),
    "play": ("The parent council at {school}", "Parents who run the {place} fun day committee"),
    "isolation": ("{name}, a dad from {place},", "Two mums who met at the café"),
}
FUND_NEED = (
    "Applicants told the panel why it mattered.",
    "The bid came with a story behind it.",
    "The panel heard what it's like now, without it.",
)
FUND_DISCUSSIONS = (
    "The panel asked who would keep it going after the money ran out, and the answer was "
    "convincing: the parents already had a rota.",
    "There was a long discussion about whether the fund should pay for something the council "
    "ought to provide. The families on the panel felt strongly that waiting wasn't an option.",
    "Panel members wanted to know how families who don't come to the café would hear about it.",
    "A practitioner on the panel raised a safeguarding question, and a parent answered it "
    "better than any of us could have.",
    "The families on the panel pushed for more of the money to go on the kids themselves and "
    "less on equipment.",
    "Questions were mostly practical: where, when, and who holds the keys.",
    "{name}, a parent on the panel, asked how the group would make sure nobody was left out, "
    "and the answer changed the bid.",
    "{name} chaired the panel for the first time and kept the officers to time.",
    "{Pract} on the panel wondered whether the school could help; {name}, one of the parents, "
    "pointed out the school had said no twice already.",
    "One parent on the panel said it was exactly what she'd needed five years ago.",
    "The panel liked that the group had already raised some money themselves with a bake sale.",
    "Parents on the panel knew the venue well and suggested a better night for it.",
    "The panel took longer over this bid than any other, mostly about whether it would reach "
    "the families who need it most.",
    "A practitioner admitted they would have said no a year ago, and had changed their mind "
    "listening to the parents.",
    "There was no debate: the panel had heard about this need at three cafés already.",
)
FUND_OUTCOMES = (
    ("funded in full", 55),
    ("funded in part", 25),
    ("funded with conditions", 14),
    ("not funded this round", 6),
)
FUND_CONDITIONS = (
    "a report back to the panel in six months, in whatever form suits the group",
    "photos and a short story for the learning wall",
    "a named contact for families who want to join",
    "receipts kept for everything over £50",
    "the group to invite the panel to the first session",
    "costs for the second year to be looked at with the community centre",
)
FUND_PANEL_QUOTES = (
    "I've never been asked to decide on money before. It makes you think about what really "
    "matters.",
    "We know what works round here because we live here.",
    "It's not about the money, it's about being trusted with it.",
    "I liked that the professionals had to make their case to us for a change.",
    "Some of the bids were for things the council should be doing. We said so.",
    "When it's your own street, you think harder about every pound.",
    "I said my piece and nobody talked over me. That's new.",
    "We turned one down. That was hard, but it was the right call.",
)
FUND_APPLICANT_QUOTES = (
    "We've been talking about this for two years. Now it's actually happening.",
    "I was nervous presenting but they asked good questions.",
    "The kids don't care where the money came from. They care that it's here.",
    "We'll show them what we can do with it.",
)


# --- the engine ------------------------------------------------------------------------------
@dataclass
class Person:
    first: str
    last: str = ""
    gender: str = "f"
    role: str = ""

    @property
    def full(self) -> str:
        return f"{self.first} {self.last}".strip()


@dataclass
class Skeleton:
    """Everything about a record that is decided before its words are written."""

    type: str
    date: dt.date
    authority: str
    locality: str
    consent: str
    activities: list[str] = field(default_factory=list)
    indicators: list[str] = field(default_factory=list)
    scope: str = ""
    change: Change | None = None


class _Writer:
    """Fills ``{slot}`` templates for one record, remembering every person it names.

    In a record that names nobody, people are described instead ("one mum", "her son", "the
    health visitor"); only ``{name}``, which stands for a whole name, cannot be described and
    makes a template unusable there.
    """

    SLOT = re.compile(r"\{(\w+)\}")
    # Slots whose value stays the same all through one record.
    STEADY = (
        "place",
        "venue",
        "locality",
        "authority",
        "school",
        "forum",
        "day",
        "month",
        "month_prev",
        "next_month",
    )

    def __init__(self, rng: random.Random, sk: Skeleton, framework: Any, names: bool) -> None:
        self.rng = rng
        self.sk = sk
        self.framework = framework
        self.names = names
        self.people: list[str] = []
        self.described: list[int] = []
        self.values: dict[str, str] = {}
        self.used_first: list[str] = []
        neighbourhoods, venues = _places(sk.locality, sk.authority)
        self.place = rng.choice(neighbourhoods)
        self.venue = rng.choice(venues)
        self.main = self._new_person(adult=True)
        self.pract = self._new_person(adult=True, practitioner=True)
        self.child = self._new_person(adult=False)

    # people
    def _new_person(self, adult: bool, practitioner: bool = False) -> Person:
        rng = self.rng
        for _ in range(50):
            if adult:
                gender = "m" if rng.random() < (0.45 if practitioner else 0.28) else "f"
                first = rng.choice(MEN if gender == "m" else WOMEN)
            else:
                gender = rng.choice("fm")
                first = rng.choice(CHILDREN)
            if first not in self.used_first:
                break
        self.used_first.append(first)
        last = ""
        if adult and rng.random() < (0.7 if practitioner else 0.45):
            last = rng.choice(SURNAMES)
        role = rng.choice(ROLES) if practitioner else ""
        return Person(first, last, gender, role)

    def new_speaker(self) -> None:
        """Someone else's turn: a new parent (and child) for the sentences that follow."""
        self.main = self._new_person(adult=True)
        self.child = self._new_person(adult=False)

    def mention(self, person: Person, full: bool = False) -> str:
        """A person's name; the first mention in a record is always the whole name."""
        if not self.names:
            if full:
                raise _NoNames
            return self._describe(person)
        if person.full not in self.people:
            self.people.append(person.full)
            return person.full
        return person.full if full else person.first

    def _describe(self, person: Person) -> str:
        """A person in a record that names nobody."""
        before = id(person) in self.described
        if not before:
            self.described.append(id(person))
        if person.role:
            return f"the {person.role}" if before else _a(person.role)
        if person is self.child:
            word = "daughter" if person.gender == "f" else "son"
            return f"{'her' if self.main.gender == 'f' else 'his'} {word}"
        noun = "mum" if person.gender == "f" else "dad"
        if before or self.sk.type == "family_story":
            return f"the {noun}"
        return f"another {noun}" if len(self.described) > 2 else f"one {noun}"

    def checkpoint(self) -> tuple[int, int, dict[str, str]]:
        return len(self.people), len(self.described), dict(self.values)

    def restore(self, point: tuple[int, int, dict[str, str]]) -> None:
        """Forget names and values a discarded piece of text brought in."""
        del self.people[point[0] :]
        del self.described[point[1] :]
        self.values = dict(point[2])

    # slots
    def fill(self, template: str) -> str:
        if not self.names:
            template = (
                template.replace("{pract}, {a_prole},", "{pract}")
                .replace("{pract}, the {prole},", "{pract}")
                .replace("{pract}, {a_prole}", "{pract}")
                .replace("{pract}, the {prole}", "{pract}")
            )
        return self.SLOT.sub(lambda m: self.slot(m.group(1)), template)

    def slot(self, name: str) -> str:
        sk, rng = self.sk, self.rng
        main = self.main
        fem = main.gender == "f"
        if name in self.values:
            return self.values[name]
        simple = {
            "name": lambda: self.mention(main, full=True),
            "first": lambda: self.mention(main),
            "child": lambda: self.mention(self.child),
            "pract": lambda: self.mention(self.pract, full=self.names),
            "Pract": lambda: self._pract_intro(start=True),
            "pract_mid": lambda: self._pract_intro(start=False),
            "pract_they": lambda: "she" if self.pract.gender == "f" else "he",
            "pract_they_o": lambda: "her" if self.pract.gender == "f" else "him",
            "pract_pos": lambda: "her" if self.pract.gender == "f" else "his",
            "pfirst": lambda: self.mention(self.pract),
            "prole": lambda: self.pract.role,
            "a_prole": lambda: _a(self.pract.role),
            "she": lambda: "she" if fem else "he",
            "She": lambda: "She" if fem else "He",
            "her": lambda: "her" if fem else "his",
            "Her": lambda: "Her" if fem else "His",
            "her_o": lambda: "her" if fem else "him",
            "she_child": lambda: "she" if self.child.gender == "f" else "he",
            "parent": lambda: rng.choice(("mum", "single mum", "mum") if fem else ("dad", "dad")),
            "place": lambda: self.place,
            "venue": lambda: self.venue,
            "locality": lambda: sk.locality or sk.authority or "the area",
            "authority": lambda: sk.authority or "the local authority",
            "school": lambda: self._school(),
            "service": lambda: rng.choice(SERVICES),
            "day": lambda: WEEKDAYS[sk.date.weekday()],
            "forum": lambda: self._forum(),
            "month": lambda: MONTHS[sk.date.month - 1],
            "month_prev": lambda: MONTHS[(sk.date.month - 1 - rng.randint(2, 8)) % 12],
            "next_month": lambda: MONTHS[(sk.date.month - 1 + rng.randint(1, 2)) % 12],
        }
        if name in simple:
            value = simple[name]()
            if name in self.STEADY:
                self.values[name] = value
            return value
        if name == "times":
            return rng.choice(NUMBER_WORDS[4:13])
        if name == "months":
            return str(rng.choice((4, 5, 6, 7, 8, 9, 11, 14, 18)))
        if name == "weeks":
            return rng.choice(NUMBER_WORDS[3:9])
        if name == "trip":
            return str(rng.choice((12, 15, 18, 25, 30, 45)))
        if name == "gain":
            return str(rng.choice((60, 85, 110, 140, 210, 260, 320)))
        if name in ("kids", "kidcount", "kidcount_short"):
            return self._kids(name)
        if name == "reason":
            return self.fill(rng.choice(REASONS))
        if name == "moved":
            return rng.choice(MOVED)
        return "{" + name + "}"

    def _pract_intro(self, start: bool) -> str:
        """The practitioner with their role the first time ("Health visitor Lynne Soutar")."""
        if not self.names or self.pract.full in self.people:
            return self.mention(self.pract)
        name = self.mention(self.pract)
        role = self.pract.role
        return f"{_cap(role)} {name}" if start else f"the {role}, {name},"

    def _forum(self) -> str:
        """Where local decisions are made: Dundee's LCPPs, elsewhere the community council."""
        where = self.sk.locality or self.sk.authority or "local"
        if self.sk.authority == "Dundee":
            return f"the {where} LCPP"
        return f"the {where} community council"

    def _school(self) -> str:
        place = self.place.removeprefix("the ")
        if place in ("West End", "Perth Road", "Clepington Road", "Hilltown"):
            return "the primary school"
        return self.rng.choice((f"{place} Primary", "the primary school", f"{place} Primary"))

    def _kids(self, which: str) -> str:
        n = self.values.setdefault("_nkids", str(self.rng.choice((1, 2, 2, 2, 3, 3, 4))))
        count = int(n)
        if which == "kidcount_short":
            return (
                "son"
                if count == 1 and self.child.gender == "m"
                else ("daughter" if count == 1 else ("kids" if count > 1 else "child"))
            )
        if which == "kidcount":
            return {1: "one", 2: "two", 3: "three", 4: "four"}[count]
        if count == 1:
            word = "son" if self.child.gender == "m" else "daughter"
            if not self.names:
                return f"{self.slot('her')} {word}"
            return f"{self.mention(self.child)}, {self.slot('her')} {word}"
        if count == 2:
            if not self.names:
                return f"{self.slot('her')} two children"
            return f"{self.slot('her')} two children, {self.mention(self.child)} and a baby"
        return f"{NUMBER_WORDS[count]} kids under twelve"


class _NoNames(Exception):
    """A template that needs a name, in a record that names nobody."""


def _places(locality: str, authority: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    if locality in PLACES:
        return PLACES[locality]
    where = locality or authority or "the area"
    return (
        (where,),
        (
            f"{where} community centre",
            f"{where} library",
            "the café at the Hub",
            f"the family centre in {where}",
        ),
    )


def _pick(rng: random.Random, writer: _Writer, options: tuple[str, ...], k: int = 1) -> list[str]:
    """Up to ``k`` distinct filled templates; ones needing a name are skipped if none may be."""
    pool = list(options)
    rng.shuffle(pool)
    out: list[str] = []
    for template in pool:
        if len(out) >= k:
            break
        if template[1:2] == "|":
            if template[0].lower() != writer.main.gender:
                continue
            template = template[2:]
        point = writer.checkpoint()
        try:
            text = writer.fill(template)
        except _NoNames:
            writer.restore(point)
            continue
        if text in out:
            writer.restore(point)
            continue
        out.append(_cap(text))
    return out


def _one(rng: random.Random, writer: _Writer, options: tuple[str, ...]) -> str:
    got = _pick(rng, writer, options)
    return got[0] if got else ""


def _weighted(rng: random.Random, pairs: list[tuple[Any, float]]) -> Any:
    items = [p for p in pairs if p[1] > 0]
    if not items:
        items = [(p[0], 1) for p in pairs]
    return rng.choices([p[0] for p in items], weights=[p[1] for p in items])[0]


def _a(noun: str) -> str:
    """The noun with its indefinite article."""
    return f"an {noun}" if noun[:1].lower() in "aeiou" else f"a {noun}"


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


def _words(n: int) -> str:
    return NUMBER_WORDS[n] if 0 <= n < len(NUMBER_WORDS) else str(n)


# --- the public entry point ------------------------------------------------------------------
def generate(
    framework: Any,
    count: int = 600,
    seed: int = 2024,
    start: str = "2024-09-01",
    end: str = "2026-06-30",
) -> list[dict]:
    """``count`` demo records for ``framework``, the same every time for the same arguments."""
    if count < 0:
        raise ValueError("count must be 0 or more")
    first_day, last_day = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
    if last_day < first_day:
        raise ValueError(f"end {end} is before start {start}")
    rng = random.Random(seed)
    planner = _Planner(framework, rng, first_day, last_day)
    skeletons = planner.skeletons(count)
    records: list[dict] = []
    titles: set[str] = set()
    ids: set[str] = set()
    for sk in skeletons:
        record = _compose(sk, framework, rng, titles, planner)
        record_id = _ulid(sk.date, rng)
        while record_id in ids:
            record_id = _ulid(sk.date, rng)
        ids.add(record_id)
        records.append({"id": record_id, **record})
    records.sort(key=lambda r: r["id"])
    return records


def _ulid(day: dt.date, rng: random.Random) -> str:
    noon = dt.datetime(day.year, day.month, day.day, 12, tzinfo=dt.UTC)
    value = (int(noon.timestamp() * 1000) << 80) | rng.getrandbits(80)
    chars = []
    for _ in range(26):
        chars.append(_CROCKFORD[value & 31])
        value >>= 5
    return "".join(reversed(chars))


# --- planning: types, places, dates, consent and codes ----------------------------------------
class _Planner:
    def __init__(self, framework: Any, rng: random.Random, start: dt.date, end: dt.date) -> None:
        self.fw = framework
        self.rng = rng
        self.start, self.end = start, end
        self.types = [t for t in framework.record_types if t not in SKIPPED_TYPES]
        self.localities = [(a, loc) for a, locs in framework.authorities.items() for loc in locs]
        self.authorities = list(framework.authorities)
        self.indicators = list(framework.indicators.values())
        self.activities = list(framework.activities.values())
        self.activity_map = framework.activities
        self.staff = _staff(framework)
        busy = ("Lochee", "Strathmartine", "Coldside", "Alloa", "Barony", "Grange")
        self.locality_weights = [
            round(
                rng.uniform(0.6, 1.4)
                * (1.6 if loc in busy else 1.0)
                * AUTHORITY_WEIGHTS.get(authority, 1.0),
                3,
            )
            for authority, loc in self.localities
        ]
        self.days, self.day_weights = _calendar(start, end, rng)
        self.rounds = {
            "fund_decision": self._rounds(max(3, len(self.days) // 110)),
            "vble_evaluation": self._rounds(max(3, len(self.days) // 75)),
        }

    def _rounds(self, n: int) -> list[int]:
        """Start days (indexes) of the weeks a kind of work clusters in: panels, cohorts."""
        if not self.days:
            return []
        return sorted(self.rng.choices(range(len(self.days)), weights=self.day_weights, k=n))

    def skeletons(self, count: int) -> list[Skeleton]:
        rng = self.rng
        forced_types = self.types[:]
        rng.shuffle(forced_types)
        forced_places = self.localities[:]
        rng.shuffle(forced_places)
        forced_consent = [c for c, _ in CONSENT_WEIGHTS]
        rng.shuffle(forced_consent)
        type_weights = [(t, TYPE_WEIGHTS.get(t, 6)) for t in self.types]
        out = []
        for i in range(count):
            rtype = forced_types[i] if i < len(forced_types) else _weighted(rng, type_weights)
            if i < len(forced_places):
                authority, locality = forced_places[i]
            elif self.localities:
                authority, locality = rng.choices(self.localities, self.locality_weights)[0]
            else:
                authority, locality = (
                    (rng.choice(self.authorities), "") if self.authorities else ("", "")
                )
            consent = forced_consent[i] if i < 3 else _weighted(rng, list(CONSENT_WEIGHTS))
            sk = Skeleton(rtype, self._date(rtype), authority, locality, consent)
            if rtype == "event":
                sk.scope = _weighted(rng, [("local", 55), ("thematic", 25), ("national", 20)])
                if sk.scope == "national" and i >= len(forced_places) and rng.random() < 0.5:
                    sk.locality = ""
            if rtype == "test_of_change":
                sk.change = rng.choice(CHANGES)
            self._codes(sk)
            out.append(sk)
        self._cover(out)
        return out

    def _date(self, rtype: str) -> dt.date:
        rng = self.rng
        rounds = self.rounds.get(rtype)
        if rounds and rng.random() < 0.7:
            begin = rng.choice(rounds)
            window = range(begin, min(begin + 12, len(self.days)))
            weights = [self.day_weights[j] for j in window]
            if sum(weights) > 0:
                return self.days[rng.choices(list(window), weights=weights)[0]]
        if sum(self.day_weights) <= 0:
            return self.days[rng.randrange(len(self.days))]
        return rng.choices(self.days, weights=self.day_weights)[0]

    # codes
    def _activity_weight(self, rtype: str, activity: Any, sk: Skeleton) -> float:
        weight = ACTIVITY_PROFILE.get(rtype, {}).get(activity.code, 0.0)
        text = activity.text.lower()
        weight += sum(2.0 for w in ACTIVITY_WORDS.get(rtype, ()) if w in text)
        if sk.change is not None:
            if activity.code in sk.change.codes:
                weight += 8
            if sk.change.data and ("data" in text or "system dynamic" in text):
                weight += 8
        if rtype == "event" and sk.scope == "national" and "national" in text:
            weight += 4
        return weight

    def _indicator_weight(self, rtype: str, indicator: Any, sk: Skeleton) -> float:
        weight = INDICATOR_PROFILE.get(rtype, {}).get(indicator.code, 0.0)
        if sk.change is not None and indicator.code in sk.change.codes:
            weight += 8
        if sk.change is not None and sk.change.data and "data" in indicator.text.lower():
            weight += 8
        if rtype == "event" and sk.scope == "national" and "national" in indicator.text.lower():
            weight += 5
        return weight

    def _codes(self, sk: Skeleton) -> None:
        rng = self.rng
        acts = [(a, self._activity_weight(sk.type, a, sk)) for a in self.activities]
        chosen: list[Any] = []
        if acts:
            chosen.append(_weighted(rng, acts))
            if rng.random() < 0.3:
                rest = [(a, w) for a, w in acts if a is not chosen[0] and w > 0]
                if rest:
                    chosen.append(_weighted(rng, rest))
        indicators: list[str] = []
        for activity in chosen:
            objective = self.fw.objective(activity.objective)
            pool = list(objective.indicators) if objective else []
            if pool:
                weights = [(i, self._indicator_weight(sk.type, i, sk) + 0.3) for i in pool]
                indicators.append(_weighted(rng, weights).code)
        signature = SIGNATURE_INDICATORS.get(sk.type)
        if signature and rng.random() < signature[1]:
            options = [c for c in signature[0] if c in self.fw.indicators]
            if options and not any(c in indicators for c in options):
                indicators.append(rng.choice(options))
        if not indicators or rng.random() < 0.25:
            weights = [(i, self._indicator_weight(sk.type, i, sk)) for i in self.indicators]
            if weights:
                indicators.append(_weighted(rng, weights).code)
        order = list(self.fw.indicators)
        sk.indicators = sorted(dict.fromkeys(indicators), key=order.index)[:4]
        # An indicator whose objective has no chosen activity gets one, half the time.
        have = {a.objective for a in chosen}
        for code in sk.indicators:
            objective = self.fw.indicators[code].objective
            if objective not in have and rng.random() < 0.5:
                pool = [(a, w) for a, w in acts if a.objective == objective and w > 0]
                if pool:
                    chosen.append(_weighted(rng, pool))
                    have.add(objective)
        act_order = list(self.fw.activities)
        sk.activities = sorted(dict.fromkeys(a.code for a in chosen), key=act_order.index)

    def _cover(self, skeletons: list[Skeleton]) -> None:
        """Make sure every indicator and activity has evidence, on a record of a fitting type."""
        rng = self.rng
        if not skeletons:
            return
        for indicator in self.indicators:
            if any(indicator.code in sk.indicators for sk in skeletons):
                continue
            fits = [
                (j, self._indicator_weight(sk.type, indicator, sk) + 0.1)
                for j, sk in enumerate(skeletons)
                if len(sk.indicators) < 4
            ] or [(j, 1.0) for j in range(len(skeletons))]
            sk = skeletons[_weighted(rng, fits)]
            sk.indicators = sorted(
                dict.fromkeys([*sk.indicators, indicator.code]), key=list(self.fw.indicators).index
            )
        for activity in self.activities:
            if any(activity.code in sk.activities for sk in skeletons):
                continue
            fits = [
                (j, self._activity_weight(sk.type, activity, sk) + 0.1)
                for j, sk in enumerate(skeletons)
                if any(self.fw.indicators[c].objective == activity.objective for c in sk.indicators)
            ] or [
                (j, self._activity_weight(sk.type, activity, sk) + 0.1)
                for j, sk in enumerate(skeletons)
            ]
            sk = skeletons[_weighted(rng, fits)]
            sk.activities = sorted(
                dict.fromkeys([*sk.activities, activity.code]), key=list(self.fw.activities).index
            )

    def author(self, sk: Skeleton) -> str:
        weights = []
        owners = [o for code in sk.activities for o in _initials(self.activity_map[code])]
        lead = AUTHORITY_LEADS.get(sk.authority)
        for person in self.staff:
            w = 1.0
            if person in owners:
                w += 4
            if person == lead:
                w += 5
            weights.append((person, w))
        return _weighted(self.rng, weights)


def _initials(activity: Any) -> list[str]:
    found: list[str] = []
    for text in [*activity.owners, activity.owner_text]:
        for token in re.findall(r"(?<![\w])[A-Z]{2}(?![\w])", str(text)):
            if token not in ("EA", "OB") and token not in found:
                found.append(token)
    return found


def _staff(framework: Any) -> list[str]:
    found: list[str] = []
    for activity in framework.activities.values():
        for person in _initials(activity):
            if person not in found:
                found.append(person)
    return found if len(found) >= 3 else list(DEFAULT_STAFF)


def _calendar(
    start: dt.date, end: dt.date, rng: random.Random
) -> tuple[list[dt.date], list[float]]:
    """Every day of the window with a weight: school terms, holidays, weekends, a slow start,
    a few busy weeks and a few weeks when nothing was logged at all."""
    n = (end - start).days + 1
    days = [start + dt.timedelta(days=i) for i in range(n)]
    weeks = max(1, n // 7)
    quiet = set(rng.sample(range(weeks), k=min(weeks, max(0, round(weeks * 0.07)))))
    busy = set(rng.sample(range(weeks), k=min(weeks, max(0, round(weeks * 0.1)))))
    weights = []
    for i, day in enumerate(days):
        w = (1.0, 1.05, 1.1, 1.0, 0.75, 0.15, 0.04)[day.weekday()]
        w *= _season(day)
        w *= 0.55 + 0.65 * (i / max(1, n - 1))
        week = i // 7
        if week in busy:
            w *= 2.0
        if week in quiet:
            w = 0.0
        weights.append(round(w, 4))
    if n and not any(weights):
        weights = [1.0] * n
    return days, weights


def _season(day: dt.date) -> float:
    """Scottish school year: quiet summers, Christmas, the October week, February and Easter."""
    m, d = day.month, day.day
    if (m == 12 and d >= 21) or (m == 1 and d <= 6):
        return 0.06
    if m == 7 or (m == 6 and d >= 28) or (m == 8 and d <= 14):
        return 0.25
    if m == 10 and 11 <= d <= 20:
        return 0.35
    if m == 2 and 10 <= d <= 14:
        return 0.5
    if m == 4 and 1 <= d <= 14:
        return 0.35
    return {
        1: 0.8,
        2: 1.1,
        3: 1.2,
        4: 0.9,
        5: 1.15,
        6: 1.1,
        8: 0.8,
        9: 0.9,
        10: 1.0,
        11: 1.3,
        12: 0.8,
    }.get(m, 1.0)


# --- writing a record ------------------------------------------------------------------------
def _topics(rng: random.Random, k: int, first: str | None = None) -> list[Topic]:
    names = [first] if first in TOPICS else []
    pool = [(t, w) for t, w in TOPIC_WEIGHTS.items()]
    while len(names) < k:
        name = _weighted(rng, [(t, w) for t, w in pool if t not in names])
        names.append(name)
    return [TOPICS[n] for n in names]


def _names_allowed(rng: random.Random, consent: str) -> bool:
    return rng.random() < {"internal": 0.85, "anonymised": 0.8, "public": 0.45}[consent]


def _compose(
    sk: Skeleton, framework: Any, rng: random.Random, titles: set[str], planner: _Planner
) -> dict:
    writer = _Writer(rng, sk, framework, _names_allowed(rng, sk.consent))
    build = {
        "family_story": _family_story,
        "cafe_conversation": _cafe,
        "vble_evaluation": _vble,
        "event": _event,
        "test_of_change": _test_of_change,
        "fund_decision": _fund,
    }.get(sk.type, _generic)
    title_options, paragraphs, quotes, tags, fields = build(sk, writer, rng)
    title = ""
    for _ in range(12):
        point = writer.checkpoint()
        title = _cap(_one(rng, writer, title_options))
        if title and title not in titles:
            break
        writer.restore(point)
    if title in titles:
        title = f"{title} ({MONTHS[sk.date.month - 1]} {sk.date.year})"
    titles.add(title)
    body = "\n\n".join(p for p in paragraphs if p)
    people = _named(writer.people, title, body, quotes)
    rtype = framework.record_types.get(sk.type)
    return {
        "type": sk.type,
        "title": title,
        "date": sk.date.isoformat(),
        "authority": sk.authority,
        "locality": sk.locality,
        "author": planner.author(sk),
        "consent": sk.consent,
        "indicators": list(sk.indicators),
        "activities": list(sk.activities),
        "tags": sorted(dict.fromkeys(t for t in tags if t))[:5],
        "people": people,
        "quotes": quotes,
        "body": body,
        "fields": _fit_fields(fields, rtype, sk, rng) if rtype is not None else {},
    }


def _named(people: list[str], title: str, body: str, quotes: list[str]) -> list[str]:
    """The people a record really names, each as it appears in the title, body or quotes:
    the whole name, or the first name alone when only that made it into the text."""
    text = "\n".join([title, body, *quotes])
    out = []
    for person in people:
        for form in (person, person.split()[0]):
            if re.search(rf"(?<!\w){re.escape(form)}(?!\w)", text):
                out.append(form)
                break
    return list(dict.fromkeys(out))


def _indicator_line(sk: Skeleton, writer: _Writer, rng: random.Random) -> str:
    """A sentence showing what the record says about one of its indicators, if one fits."""
    initial = TYPE_INITIAL.get(sk.type, "")
    options = tuple(
        text
        for code in sk.indicators
        for text, types in INDICATOR_LINES.get(code, ())
        if not types or initial in types
    )
    if not options or rng.random() >= 0.75:
        return ""
    return _one(rng, writer, options)


_STOP = frozenset(
    "that with from have they were once their been this since into what when then than only "
    "first family families now there which about after every".split()
)


def _keywords(text: str) -> set[str]:
    return {w[:6] for w in re.findall(r"[a-z]{4,}", text.lower()) if w not in _STOP}


def _related(rng: random.Random, anchor: str, options: tuple[str, ...]) -> tuple[str, ...]:
    """``options`` with those sharing most words with ``anchor`` first (ties in random order)."""
    words = _keywords(anchor)
    keyed = [(-len(words & _keywords(o)), rng.random(), o) for o in options]
    return tuple(o for _, _, o in sorted(keyed))


def _join(*sentences: str) -> str:
    return " ".join(s for s in sentences if s)


def _bullets(heading: str, items: list[str]) -> str:
    lines = [f"**{heading}**", ""] if heading else []
    return "\n".join([*lines, *(f"- {_cap(i)}" for i in items)])


def _quotes(
    rng: random.Random,
    writer: _Writer,
    family: tuple[str, ...],
    practitioner: tuple[str, ...],
    n_family: int,
    n_pract: int,
) -> list[str]:
    quotes = _pick(rng, writer, family, n_family) + _pick(rng, writer, practitioner, n_pract)
    return quotes


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


def _default_number(spec: Any, rng: random.Random) -> int:
    low = int(spec.min) if spec.min is not None else 1
    high = int(spec.max) if spec.max is not None else max(low, 5) + 5
    return rng.randint(low, max(low, high))


def _fit_fields(values: dict, rtype: Any, sk: Skeleton, rng: random.Random) -> dict:
    """The type's fields as its specs allow: unknown ones dropped, numbers within bounds,
    required ones the demo does not know given a plausible value."""
    out: dict[str, Any] = {}
    for spec in rtype.fields:
        value = values.get(spec.name)
        if spec.type in ("integer", "number"):
            if not isinstance(value, (int, float)) or isinstance(value, bool):
                value = _default_number(spec, rng) if spec.required else None
            if value is not None:
                if spec.min is not None:
                    value = max(value, spec.min)
                if spec.max is not None:
                    value = min(value, spec.max)
                if spec.type == "integer":
                    value = int(value)
        elif spec.type in ("list", "ids"):
            value = list(value) if isinstance(value, list) else ([] if spec.type == "ids" else None)
        elif spec.type == "date":
            value = (
                value
                if isinstance(value, str)
                else (sk.date.isoformat() if spec.required else None)
            )
        else:
            if spec.choices and value not in spec.choices:
                value = rng.choice(spec.choices) if (spec.required or value is not None) else None
            if value is None and spec.required:
                value = spec.label or spec.name
            if isinstance(value, str):
                value = value[:5000] if spec.type == "text" else value[:200]
        if value not in (None, "", []):
            out[spec.name] = value
    return out

"""The shipped plans load as transcribed, and a malformed framework is refused at its line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from learning import framework
from learning.framework import FrameworkError

CURRENT = "wm2u-2024-2026"
EARLIER = "wm2u-2023-2024"
SHIPPED = [CURRENT, EARLIER]
INDICATOR_CODES = ["SO1.1", "SO1.2", "SO1.3", "SO2.1", "SO2.2", "SO3.1", "SO3.2", "SO4.1", "SO4.2"]
DUNDEE_LCPP_AREAS = [
    "Coldside",
    "Lochee",
    "Strathmartine",
    "Maryfield",
    "North East",
    "East End",
    "West End",
    "The Ferry",
]
# The documents the plans are transcribed from, in ../shared/seeds beside the project's folder.
SEEDS = Path(__file__).resolve().parents[1].parent / "shared" / "seeds"
SEED_OF = {CURRENT: "000_5818ce04e8a5157c.txt", EARLIER: "001_53cd5a1c94ffd08c.txt"}


@pytest.fixture(scope="module", params=SHIPPED)
def plan(request) -> framework.Framework:
    return framework.load(request.param)


@pytest.fixture(scope="module")
def current() -> framework.Framework:
    return framework.load(CURRENT)


@pytest.fixture(scope="module")
def earlier() -> framework.Framework:
    return framework.load(EARLIER)


# --- the shipped plans -----------------------------------------------------------------------


def test_both_plans_are_shipped():
    assert set(SHIPPED) <= set(framework.available_frameworks())


def test_plan_name_is_its_file_stem(plan):
    assert framework.resolve(plan.name).stem == plan.name


def test_default_is_the_2024_2026_plan():
    plan = framework.load()
    assert plan.name == CURRENT
    assert (plan.period_from, plan.period_to) == ("2024-09-01", "2026-06-30")
    assert list(plan.authorities) == ["Dundee", "Clackmannanshire"]


def test_earlier_plan_period_and_authorities(earlier):
    assert (earlier.period_from, earlier.period_to) == ("2023-06-01", "2024-03-31")
    assert list(earlier.authorities) == ["East Ayrshire", "Dundee"]
    assert {"Barony", "Grange"} <= set(earlier.authorities["East Ayrshire"])


def test_indicator_codes_are_exact(plan):
    assert list(plan.indicators) == INDICATOR_CODES
    assert [o.code for o in plan.objectives] == ["SO1", "SO2", "SO3", "SO4"]
    assert [o.code for o in plan.outcomes] == ["1", "2", "3"]


def test_activity_codes(current, earlier):
    assert list(current.activities) == [
        f"{o}-{x}" for o in ("SO1", "SO2", "SO3", "SO4") for x in "ABC"
    ]
    assert list(earlier.activities) == [
        *("SO1-A", "SO1-B", "SO1-C"),
        *("SO2-A", "SO2-B", "SO2-C", "SO2-D", "SO2-E"),
        *("SO3-A", "SO3-B"),
        *("SO4-A", "SO4-B", "SO4-C"),
    ]


@pytest.mark.parametrize("area", DUNDEE_LCPP_AREAS)
def test_each_dundee_lcpp_area_is_a_locality(plan, area):
    assert area in plan.authorities["Dundee"]
    assert plan.authority_of(area) == "Dundee"


def test_localities_are_unique(plan):
    assert len(plan.localities()) == len(set(plan.localities()))


@pytest.mark.parametrize("name", SHIPPED)
def test_verbatim_indicator_texts(name):
    plan = framework.load(name)
    assert plan.indicators["SO1.1"].text == (
        "Families have voice and agency and are at the heart of change for themselves and others."
    )
    assert plan.indicators["SO4.2"].text == (
        "Learning is influencing how the voice of families is being mobilised to influence the "
        "design and implementation of national policies."
    )
    assert plan.indicators["SO2.2"].text.startswith(
        "The degree of scaling is seen through a combination of changes in the embedded cultural "
        "values and beliefs experienced within the system; "
    )


def test_verbatim_current_plan(current):
    assert current.objective("SO2").text == (
        "Scale the WM2U approach deeply across Dundee and Clackmannanshire Local Authority areas."
    )
    so1a = current.activities["SO1-A"]
    assert so1a.owners == ("FB", "GL", "SD")
    assert so1a.owner_text == "FB (EA) GL (DDE) SD (CLS)"
    assert so1a.timescale == "August 2024 – June 2026"
    assert len(so1a.success_criteria) == 9
    assert so1a.success_criteria[-1] == (
        "Events, incl nationally and thematic record how learning has enabled a scale of change "
        "and impact."
    )
    # The criteria cell spans SO1-A…SO1-C: it belongs to the first of them.
    assert current.activities["SO1-B"].success_criteria == ()
    assert current.activities["SO1-C"].owners == ("WM2U team",)


def test_verbatim_earlier_plan(earlier):
    assert earlier.objective("SO4").text == (
        "Our influencing strategy achieves a redesign of children's services within East "
        "Ayrshire and Dundee and contributes to how national policy is implemented and practice "
        "is shaped nationally."
    )
    so2d = earlier.activities["SO2-D"]
    assert so2d.text == (
        "The learning framework is used to track change in the Plan’s strategic indicators to "
        "establish and embed learning."
    )
    assert so2d.success_criteria == (
        "3 Learning Updates",
        "4 learning events – 2 EA and 2 DDE",
        "2 National",
    )
    assert earlier.activities["SO2-C"].timescale == "Aug 2023 – Dec 2023 Jan 2024 – ongoing"


def test_earlier_plan_so2d_targets(earlier):
    targets = [
        (t.label, t.value, t.record_type, t.where, t.authority)
        for t in earlier.activities["SO2-D"].targets
    ]
    assert targets == [
        ("Learning updates", 3, "learning_update", {}, None),
        ("Local learning events in East Ayrshire", 2, "event", {"scope": "local"}, "East Ayrshire"),
        ("Local learning events in Dundee", 2, "event", {"scope": "local"}, "Dundee"),
        ("National learning events", 2, "event", {"scope": "national"}, None),
    ]


def test_targets_name_known_record_types_and_authorities(plan):
    for activity in plan.activities.values():
        for target in activity.targets:
            assert target.record_type in plan.record_types
            assert target.authority is None or target.authority in plan.authorities


def test_default_record_types_are_merged(plan):
    assert {"family_story", "event", "learning_update"} <= set(plan.record_types)
    assert plan.record_types["event"].field("scope").choices == ("local", "national", "thematic")


def test_to_dict_round_trips_the_codes(plan):
    data = plan.to_dict()
    codes = [i["code"] for o in data["objectives"] for i in o["indicators"]]
    assert codes == INDICATOR_CODES


def _seed_text(name: str) -> str:
    text = (SEEDS / SEED_OF[name]).read_text(encoding="utf-8")
    text = re.sub(r"<[^>]+>", " ", text).replace("•", " ")
    text = text.replace("decision- making", "decision-making")
    return _squash(text)


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@pytest.mark.skipif(not SEEDS.is_dir(), reason=f"no seed documents in {SEEDS}")
@pytest.mark.parametrize("name", SHIPPED)
def test_every_text_is_in_the_seed_document(name):
    plan = framework.load(name)
    seed = _seed_text(name)
    texts = [o.text for o in plan.outcomes]
    for objective in plan.objectives:
        texts += [objective.text, *(i.text for i in objective.indicators)]
        for activity in objective.activities:
            texts += [activity.text, activity.owner_text, *activity.success_criteria]
    missing = [t for t in texts if _squash(t) not in seed]
    assert missing == []


# --- malformed files -------------------------------------------------------------------------
# Each case marks the line the error must name with "# <-".

VALID = """\
name: tiny
title: A tiny plan
objectives:
  - code: SO1
    text: One objective.
    indicators:
      - code: SO1.1
        text: One indicator.
    activities:
      - code: SO1-A
        text: One activity.
        targets:
          - label: Events
            value: 2
            record_type: event
            where:
              scope: local
            authority: Dundee
authorities:
  - name: Dundee
    localities: [Lochee, Coldside]
"""

MALFORMED = {
    "bad YAML syntax": (
        "not valid YAML",
        """\
name: tiny
title: A tiny: plan  # <-
objectives: []
""",
    ),
    "duplicate key": (
        "duplicate key 'title'",
        """\
name: tiny
title: A tiny plan
title: Another  # <-
""",
    ),
    "duplicate indicator code": (
        "indicator code SO1.1 is used twice",
        """\
name: tiny
title: A tiny plan
objectives:
  - code: SO1
    text: One objective.
    indicators:
      - code: SO1.1
        text: One indicator.
      - code: SO1.1  # <-
        text: The same code again.
authorities:
  - name: Dundee
    localities: [Lochee]
""",
    ),
    "indicator code not matching its objective": (
        "indicator code 'SO2.1' must be SO1.N",
        """\
name: tiny
title: A tiny plan
objectives:
  - code: SO1
    text: One objective.
    indicators:
      - text: An indicator of another objective.
        code: SO2.1  # <-
authorities:
  - name: Dundee
    localities: [Lochee]
""",
    ),
    "activity code wrong": (
        "activity code 'SO1-1' must be SO1-X",
        """\
name: tiny
title: A tiny plan
objectives:
  - code: SO1
    text: One objective.
    indicators:
      - code: SO1.1
        text: One indicator.
    activities:
      - code: SO1-1  # <-
        text: A number instead of a letter.
authorities:
  - name: Dundee
    localities: [Lochee]
""",
    ),
    "activity of another objective": (
        "activity code 'SO2-A' must be SO1-X",
        """\
name: tiny
title: A tiny plan
objectives:
  - code: SO1
    text: One objective.
    indicators:
      - code: SO1.1
        text: One indicator.
    activities:
      - code: SO2-A  # <-
        text: Filed under the wrong objective.
authorities:
  - name: Dundee
    localities: [Lochee]
""",
    ),
    "unknown field type": (
        "field 'mood' has unknown type 'colour'",
        VALID
        + """\
record_types:
  family_story:
    fields:
      mood:
        label: Mood
        type: colour  # <-
""",
    ),
    "unknown field type, shorthand": (
        "field 'venue_size' has unknown type 'huge'",
        VALID
        + """\
record_types:
  room_booking:
    fields:
      venue_size: huge  # <-
""",
    ),
    "target with unknown record type": (
        "unknown record type 'meeting' in a target",
        """\
name: tiny
title: A tiny plan
objectives:
  - code: SO1
    text: One objective.
    indicators:
      - code: SO1.1
        text: One indicator.
    activities:
      - code: SO1-A
        text: One activity.
        targets:
          - label: Meetings
            value: 4
            record_type: meeting  # <-
authorities:
  - name: Dundee
    localities: [Lochee]
""",
    ),
    "target with unknown authority": (
        "unknown authority 'Fife' in a target",
        VALID.replace("authority: Dundee", "authority: Fife  # <-"),
    ),
    "target counting by a choice the field lacks": (
        "'regional' is not a choice of field 'scope'",
        VALID.replace("scope: local", "scope: regional  # <-"),
    ),
    "duplicate locality": (
        "the locality Lochee is listed twice",
        VALID
        + """\
  - name: Angus
    localities:
      - Arbroath
      - Lochee  # <-
""",
    ),
    "missing objectives": (
        "'objectives' is required",
        """\
name: tiny  # <-
title: A tiny plan
authorities:
  - name: Dundee
    localities: [Lochee]
""",
    ),
    "objective that is not a mapping": (
        "each objective must be a mapping",
        """\
name: tiny
title: A tiny plan
objectives:
  - SO1  # <-
authorities:
  - name: Dundee
    localities: [Lochee]
""",
    ),
}


def _marked_line(text: str) -> int:
    lines = [n for n, line in enumerate(text.splitlines(), 1) if "# <-" in line]
    assert len(lines) == 1, "each case marks exactly one line"
    return lines[0]


def test_the_valid_base_loads():
    plan = framework.parse(VALID, source="tiny.yaml")
    assert plan.activities["SO1-A"].targets[0].where == {"scope": "local"}


@pytest.mark.parametrize(("problem", "text"), MALFORMED.values(), ids=list(MALFORMED))
def test_malformed_file_is_refused_at_its_line(problem, text):
    with pytest.raises(FrameworkError) as caught:
        framework.parse(text, source="tiny.yaml")
    error = caught.value
    assert problem in error.message
    assert error.line == _marked_line(text)
    assert str(error).startswith(f"tiny.yaml, line {error.line}: ")


def test_malformed_file_on_disk_names_the_file(tmp_path):
    path = tmp_path / "broken.yaml"
    text = MALFORMED["duplicate locality"][1]
    path.write_text(text, encoding="utf-8")
    with pytest.raises(FrameworkError) as caught:
        framework.load(str(path))
    assert caught.value.source == str(path)
    assert caught.value.line == _marked_line(text)


def test_unknown_framework_name_lists_the_shipped_ones():
    with pytest.raises(FrameworkError, match=CURRENT):
        framework.load("no-such-plan")


def test_a_target_can_count_distinct_localities():
    fw = framework.load("wm2u-2023-2024")
    (target,) = fw.activities["SO2-A"].targets
    assert (target.count, target.value, target.record_type) == ("localities", 5, "vble_evaluation")

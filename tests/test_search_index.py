"""Searching a small hand-made corpus with known answers."""

import re

import pytest

from evidence.model import Record
from search_index import Hit, Results, SearchIndex


def make(id, **kw):
    base = dict(
        type="family_story",
        title="A note",
        date="2024-01-01",
        consent="public",
        indicators=["SO1.1"],
        authority="Dundee",
        locality="Lochee",
        body="",
    )
    base.update(kw)
    return Record(id=id, **base)


CORPUS = [
    make(
        "R1",
        title="Families find their voice",
        date="2024-01-15",
        indicators=["SO1.1", "SO2.1"],
        tags=["housing"],
        body="The worker came to our house and we talked about the families in the street.",
    ),
    make(
        "R2",
        type="cafe_conversation",
        title="Conversation at the café",
        date="2024-03-10",
        locality="The Ferry",
        indicators=["SO1.2"],
        consent="internal",
        body="The worker of the came later. Quokka sightings were discussed.",
        fields={"venue": "Community hall", "themes": ["transport", "benefits"]},
    ),
    make(
        "R3",
        title="Holiday club story",
        date="2024-06-30",
        locality="North East",
        indicators=["SO2.2"],
        consent="anonymised",
        people=["Sarah McKay"],
        body="Sarah McKay told us the holiday club changed the summer for her children.",
        quotes=["We felt listened to for the first time."],
    ),
    make(
        "R4",
        type="event",
        title="Housing event",
        date="2023-12-01",
        indicators=["SO3.1"],
        body="A day of stalls and talks <script>alert(1)</script>.",
    ),
    make(
        "R5",
        type="test_of_change",
        title="Swap shop",
        date="2024-07-01",
        locality="Coldside",
        indicators=["SO4.1"],
        tags=["school"],
        body="Families brought clothes.",
        fields={"status": "testing", "change": "Uniform exchange", "learning": "Word spread"},
    ),
    make(
        "R6",
        type="event",
        title="Transport to school",
        date="2024-05-05",
        locality="The Ferry",
        indicators=["SO1.2", "SO4.1"],
        body="Bus passes and housing.",
    ),
]


@pytest.fixture(scope="module", params=["saved", "rebuilt", "mixed"])
def index(tmp_path_factory, request):
    """The corpus saved (small segments read through Whoosh), rebuilt (segments with side
    files), or both (a rebuilt segment plus saved ones, one record replaced)."""
    idx = SearchIndex(tmp_path_factory.mktemp("search") / "index")
    if request.param == "saved":
        assert idx.apply(CORPUS, [])
    elif request.param == "rebuilt":
        assert idx.rebuild(iter(CORPUS)) == len(CORPUS)
    else:
        assert idx.rebuild(iter(CORPUS[:4])) == 4
        assert idx.apply(CORPUS[4:], [])
        assert idx.apply([CORPUS[0]], [])
    yield idx
    idx.close()


def ids(results):
    return sorted(h.id for h in results.hits)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("family", ["R1", "R5"]),  # stemming: families
        ("families", ["R1", "R5"]),
        ('"worker came"', ["R1"]),  # not "worker of the came"
        ('"worker of the came"', ["R2"]),
        ('"came worker"', []),
        ("worker AND house", ["R1"]),
        ("quokka OR uniform", ["R2", "R5"]),
        ("worker NOT quokka", ["R1"]),
        ("worker -quokka", ["R1"]),
        ("-housing", ["R2", "R3", "R5"]),
        ("(quokka OR holiday) children", ["R3"]),
        ("cafe", ["R2"]),  # accent folding at index time
        ("CAFÉ", ["R2"]),
        ("transport", ["R2", "R6"]),  # type-specific fields
        ("listened", ["R3"]),  # quotes
        ("uniform exchange", ["R5"]),
        ("indicator:SO1.2", ["R2", "R6"]),
        ("indicator:so1.2", ["R2", "R6"]),
        ("type:event", ["R4", "R6"]),
        ("locality:Lochee", ["R1", "R4"]),
        ('locality:"The Ferry"', ["R2", "R6"]),
        ('locality:"north east" holiday', ["R3"]),
        ("tag:housing", ["R1"]),
        ("objective:SO4", ["R5", "R6"]),
        ("consent:internal", ["R2"]),
        ("date:2024-01-01..2024-06-30", ["R1", "R2", "R3", "R6"]),
        ("date:2024-06-30..", ["R3", "R5"]),
        ("date:..2023-12-31", ["R4"]),
        ("date:2024-03", ["R2"]),
        ("housing type:event", ["R4", "R6"]),
        ("type:event OR tag:school", ["R4", "R5", "R6"]),
        ("nothingmatchesthis", []),
        ("the", []),
    ],
)
def test_query_forms(index, query, expected):
    assert ids(index.search(query, per_page=50)) == expected


def test_filters_argument(index):
    assert ids(index.search("", {"locality": ["Lochee", "Coldside"]})) == ["R1", "R4", "R5"]
    assert ids(index.search("", {"indicator": "SO4.1", "type": "event"})) == ["R6"]
    assert ids(index.search("", {"from": "2024-05-01", "to": "2024-06-30"})) == ["R3", "R6"]
    assert ids(index.search("housing", {"objective": "SO3"})) == ["R4"]
    assert ids(index.search("type:event", {"locality": "The Ferry"})) == ["R6"]


def test_empty_query_lists_by_date(index):
    results = index.search("")
    assert results.total == 6
    assert [h.id for h in results.hits] == ["R5", "R3", "R6", "R2", "R1", "R4"]
    assert [h.id for h in index.search("", {"type": "event"}).hits] == ["R6", "R4"]


def test_title_ranks_above_body(index):
    hits = index.search("housing").hits
    assert hits[0].id == "R4"
    assert {h.id for h in hits[1:]} == {"R1", "R6"}


def test_sort_by_date(index):
    assert [h.id for h in index.search("housing", sort="date").hits] == ["R6", "R1", "R4"]


def test_facets_are_exact_and_page_independent(index):
    first = index.search("", per_page=2, page=1)
    second = index.search("", per_page=2, page=2)
    assert first.facets == second.facets
    assert first.total == second.total == 6
    assert len(first.hits) == len(second.hits) == 2
    assert not {h.id for h in first.hits} & {h.id for h in second.hits}
    assert first.facets["type"] == {
        "event": 2,
        "family_story": 2,
        "cafe_conversation": 1,
        "test_of_change": 1,
    }
    assert first.facets["indicator"]["SO1.2"] == 2
    assert first.facets["objective"] == {"SO1": 3, "SO2": 2, "SO4": 2, "SO3": 1}
    assert first.facets["locality"]["The Ferry"] == 2
    families = index.search("families")
    assert families.facets["locality"] == {"Coldside": 1, "Lochee": 1}


def test_pages_beyond_the_end(index):
    results = index.search("", per_page=4, page=3)
    assert results.hits == [] and results.total == 6 and results.page == 3


def test_highlight_marks_and_escapes(index):
    hit = index.search("talks").hits[0]
    assert hit.id == "R4"
    assert "<mark>talks</mark>" in hit.highlight
    assert "&lt;script&gt;" in hit.highlight and "<script>" not in hit.highlight
    assert re.sub(r"</?mark>", "", hit.highlight).count("<") == 0
    phrase = index.search('"worker came"').hits[0]
    assert "<mark>worker</mark> <mark>came</mark>" in phrase.highlight


def test_hit_shape(index):
    results = index.search("holiday")
    assert isinstance(results, Results) and isinstance(results.hits[0], Hit)
    data = results.to_dict()
    assert set(data) >= {"total", "hits", "facets", "suggestion"}
    assert set(data["hits"][0]) == {"id", "title", "type", "date", "locality", "score", "highlight",
                                  "attachment"}  # fmt: skip
    assert data["hits"][0]["date"] == "2024-06-30"


def test_suggestion(index):
    assert index.search("housng").suggestion == "housing"
    assert index.suggest("famlies voice") == "families voice"
    assert index.search("housing families").suggestion is None
    assert index.suggest("xqzvkw") is None


# Audience rules


def test_internal_record_invisible_externally(index):
    results = index.search("quokka", audience="external")
    assert results.total == 0 and results.hits == []
    everything = index.search("", audience="external")
    assert "R2" not in {h.id for h in everything.hits}
    assert everything.total == 5
    assert "cafe_conversation" not in everything.facets["type"]
    assert everything.facets["locality"].get("The Ferry") == 1
    assert index.search("", {"consent": "internal"}, audience="external").total == 0
    assert index.search("consent:internal", audience="external").total == 0


def test_internal_words_not_suggested_externally(index):
    assert index.suggest("quokkas", audience="internal") is None  # stems to a known word
    assert index.search("quoka", audience="internal").suggestion == "quokka"
    assert index.search("quoka", audience="external").suggestion is None


def test_anonymised_names_not_findable_externally(index):
    assert ids(index.search("Sarah", audience="internal")) == ["R3"]
    assert ids(index.search("mckay", audience="internal")) == ["R3"]
    assert index.search("Sarah", audience="external").total == 0
    assert index.search('"Sarah McKay"', audience="external").total == 0
    assert index.search("sara", audience="external").suggestion is None
    hit = index.search("holiday", audience="external").hits[0]
    assert "Person A" in hit.highlight and "Sarah" not in hit.highlight
    assert "McKay" not in hit.highlight
    assert index.search("holiday", audience="internal").hits[0].highlight.count("Sarah") == 1
    assert ids(index.search("holiday children", audience="external")) == ["R3"]


def test_anonymised_title_redacted_externally(tmp_path):
    idx = SearchIndex(tmp_path / "ix")
    idx.apply(
        [
            make(
                "X1",
                title="Tom's story",
                consent="anonymised",
                people=["Tom"],
                body="Tom went to the club.",
            )
        ],
        [],
    )
    assert idx.search("club", audience="external").hits[0].title == "Person A's story"
    assert idx.search("club", audience="internal").hits[0].title == "Tom's story"
    idx.close()


@pytest.mark.parametrize(
    "query",
    [
        "NOT OR x",
        "(date:[2020 TO",
        '"unterminated',
        "(" * 1000,
        "x" * 20000,
        "a\x00\x07b",
        "indicator:",
        "date:notadate",
        "((a OR b) AND",
        ")))",
        "-",
        "OR",
        "*",
        "type:nosuchtype",
    ],
)
@pytest.mark.parametrize("audience", ["internal", "external"])
def test_malformed_queries_answer(index, query, audience):
    results = index.search(query, audience=audience)
    assert isinstance(results, Results)


def test_a_remembered_correction_follows_the_records(tmp_path):
    """A searcher remembers its corrections; a save or a deletion gives a new searcher, so a
    word that went is no longer offered, and one that came is."""
    with SearchIndex(tmp_path / "index") as idx:
        assert idx.rebuild(iter(CORPUS)) == len(CORPUS)
        for _ in range(2):  # the second answer is the remembered one
            assert idx.search("quoka", audience="internal").suggestion == "quokka"
            assert idx.search("quoka", audience="external").suggestion is None
        assert idx.apply([make("R9", body="The quokka came back to the club.")], [])
        assert idx.search("quoka", audience="external").suggestion == "quokka"
        assert idx.apply([], ["R2", "R9"])
        assert idx.search("quoka", audience="internal").suggestion is None

"""The query language: parsing, and malformed input read as plain words."""

import pytest

from search_index import text
from search_index.query import (
    MAX_LENGTH,
    And,
    Filter,
    Not,
    Or,
    Phrase,
    Word,
    clean,
    parse,
    split_filters,
)


def test_words_are_anded():
    assert parse("family housing") == And((Word("family"), Word("housing")))


def test_operators_and_precedence():
    assert parse("a OR b c") == Or((Word("a"), And((Word("b"), Word("c")))))
    assert parse("a AND NOT b") == And((Word("a"), Not(Word("b"))))
    assert parse("-b a") == And((Not(Word("b")), Word("a")))
    assert parse('(a OR b) -"c d"') == And((Or((Word("a"), Word("b"))), Not(Phrase("c d"))))


def test_field_filters():
    tree = parse('indicator:SO1.2 type:family_story locality:"The Ferry" tag:housing x')
    rest, filters = split_filters(tree)
    assert rest == Word("x")
    assert filters == [
        Filter("indicator", "SO1.2"),
        Filter("type", "family_story"),
        Filter("locality", "The Ferry"),
        Filter("tag", "housing"),
    ]


@pytest.mark.parametrize(
    ("value", "span"),
    [
        ("2024-01-01..2024-06-30", ("2024-01-01", "2024-06-30")),
        ("2024-01-01..", ("2024-01-01", None)),
        ("..2024-06-30", (None, "2024-06-30")),
        ("2024-02", ("2024-02-01", "2024-02-29")),
        ("2023", ("2023-01-01", "2023-12-31")),
        ("2024-03-05", ("2024-03-05", "2024-03-05")),
    ],
)
def test_dates(value, span):
    assert parse(f"date:{value}") == Filter("date", span)


def test_unknown_field_is_words():
    assert parse("http://example.org") == And((Word("http"), Word("//example.org")))


MALFORMED = [
    "NOT OR x",
    "(date:[2020 TO",
    '"unterminated quote',
    "(" * 1000,
    ")" * 1000 + "x",
    "(" * 1000 + "x" + ")" * 1000,
    "x" * 20000,
    "a\x00b\x07c\x1bd",
    "indicator:",
    "date:notadate",
    "date:2024-13-45..2024-99",
    "AND",
    "OR OR OR",
    "NOT",
    "-",
    '""',
    "type:",
    "a AND (b OR",
    "\ufeff\u200b",
    "*?~^:{}[]",
]


def _leaves(node):
    if isinstance(node, And | Or):
        for item in node.items:
            yield from _leaves(item)
    elif isinstance(node, Not):
        yield from _leaves(node.item)
    elif node is not None:
        yield node


@pytest.fixture(scope="module")
def one_record_index(tmp_path_factory):
    from evidence.validate import validate
    from learning import framework
    from search_index import SearchIndex
    from tests.builders import record_data

    record = validate(record_data(id="only", title="x AND OR NOT date quote"), framework.load())
    with SearchIndex(tmp_path_factory.mktemp("malformed") / "index") as index:
        assert index.apply([record], [])
        yield index


@pytest.mark.parametrize("query", MALFORMED)
def test_malformed_queries_parse(query, one_record_index):
    tree = parse(query)  # never raises
    cleaned = clean(query)
    if tree is None:  # nothing to search for only when the query holds no word at all
        assert not text.WORD.findall(cleaned), cleaned[:80]
    for leaf in _leaves(tree):  # plain words of the query: nothing made up, nothing dropped
        assert isinstance(leaf, Word | Phrase | Filter), leaf
        if isinstance(leaf, Word | Phrase):
            assert leaf.text in cleaned, (leaf, cleaned[:80])
    results = one_record_index.search(query)  # answered, never an error
    assert results.total in (0, 1) and len(results.hits) == results.total


def test_malformed_becomes_plain_words():
    assert parse("NOT OR x") == And((Word("NOT"), Word("OR"), Word("x")))
    assert parse("date:notadate") == And((Word("date"), Word("notadate")))
    assert parse("(" * 1000) is None


def test_length_is_capped():
    assert len(clean("word " * 10000)) <= MAX_LENGTH


def test_phrase_offsets_keep_stop_word_gaps():
    assert text.query_terms("voice of the family") == [("voic", 0), ("famili", 3)]
    assert text.positions("worker of the came") == {"worker": [0], "came": [3]}


def test_accents_fold_and_stems_match():
    assert text.positions("Café families") == text.positions("cafe family")


def test_highlight_finds_the_words_spans_finds():
    from search_index import highlight

    body = (
        "Families met the family worker... SO1.2 and so1.2; relational abilities, e.g. "
        "end.family _family x_family Élève élèves CAFÉ’s naïve café ﬁsh İstanbul"
    )
    for words in (
        ["family"],
        ["relational", "ability"],
        ["SO1.2"],
        ["élève", "cafe"],
        ["naive", "fish"],
        ["istanbul"],
        ["x_family"],
    ):
        terms = frozenset(text.stem(text.normalise(w)) for w in words)
        expected = [(s, e, t) for t, s, e in text.spans(body) if t in terms]
        assert highlight._matches(body, terms) == expected, words

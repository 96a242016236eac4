"""The sentences every format shares, so Markdown, HTML and Word say the same thing.

None of these sentences carries text a person typed: only numbers, dates and fixed words.
"""

from __future__ import annotations

from .headline import Headline
from .sections import FEATURED_RULE, ActivitySummary, IndicatorSummary, TargetProgress
from .summary import Summary
from .wording import average, change_words, gap_sentence, long_date, money, number, plural

PROGRAMME = "What Matters to You (WM2U)"
NOT_RATED = "not yet rated"
NO_FIGURES = "no figures yet"
ANNEX_LEFT_OUT = (
    "The full lists (every fund decision by panel, every record cited) are left out of this "
    "update; the team holds them."
)


def annex_apart(summary: Summary) -> str:
    """Where the full lists are when a saved record keeps its update without them."""
    decisions = len(summary.headline.fund_by_panel)
    lists = f"{plural(len(summary.cited), 'record', 'records')} cited"
    if decisions:
        lists = f"{plural(decisions, 'fund decision', 'fund decisions')} by panel, {lists}"
    return (
        f"The full lists ({lists}) are too long to keep in this saved record. They are in "
        "the update's documents (Word, HTML or Markdown), made from the records it cites."
    )


INTERNAL_NOTE = "For the WM2U team only (internal). It draws on every record, whatever its consent."
EXTERNAL_NOTE = (
    "For sharing outside the team (external). It draws only on records whose consent allows "
    "sharing; the names of people in anonymised records are replaced by neutral labels."
)


def audience_note(summary: Summary) -> str:
    """Who the update is for, and what that means for its evidence."""
    return INTERNAL_NOTE if summary.audience == "internal" else EXTERNAL_NOTE


def intro(summary: Summary) -> str:
    """The opening sentence of the summary."""
    h = summary.headline
    logged = plural(h.total, "record", zero="no")
    text = (
        f"Between {summary.period.between} the team logged {logged} of evidence, "
        f"compared with {number(h.previous_total)} in the previous "
        f"{summary.period.days} days ({summary.previous.label})."
    )
    if not summary.all_objectives:
        text += f" This update covers {', '.join(summary.objective_codes)} only."
    return text


def reach(h: Headline) -> str:
    """Families and practitioners reached through café conversations."""
    if not h.cafe_conversations:
        return "No café conversations were logged in this period."
    return (
        f"{plural(h.cafe_conversations, 'café conversation')} brought together "
        f"{plural(h.families, 'family', 'families')} and {plural(h.practitioners, 'practitioner')}."
    )


def vble(h: Headline) -> str:
    """VBLE participants and the change in their confidence."""
    if not h.vble_evaluations:
        return "No VBLE evaluations were logged in this period."
    text = (
        f"{plural(h.vble_evaluations, 'VBLE evaluation')} covered "
        f"{plural(h.vble_participants, 'participant')}."
    )
    if h.confidence_before is not None and h.confidence_after is not None:
        text += (
            f" Average confidence went from {average(h.confidence_before)} before to "
            f"{average(h.confidence_after)} after (out of 5)."
        )
    return text


def types_sentence(h: Headline) -> str:
    """The period's records by type, in one line: ``Family story 38; Café conversation 47.``"""
    return "; ".join(f"{t.label} {number(t.count)}" for t in h.by_type) + "."


def events(h: Headline) -> str:
    """The learning events in one sentence (the table gives the detail)."""
    if not h.events:
        return "No learning events were logged in this period."
    parts = [f"{number(e.events)} {e.scope}" for e in h.events]
    return f"{plural(sum(e.events for e in h.events), 'learning event')}: {', '.join(parts)}."


def fund(h: Headline) -> str:
    """Make it Happen Fund panels, decisions and amounts, and the 50:50 balance."""
    if not h.fund_panels:
        return "No Make it Happen Fund decisions were logged in this period."
    text = (
        f"{plural(len(h.panel_names), 'panel')} made {plural(len(h.fund_panels), 'decision')}, "
        f"awarding {money(h.fund_total)} in total."
    )
    short = len(h.panels_below_minimum)
    if short:
        return text + (
            f" {plural(short, 'decision was', 'decisions were')} made by a panel with fewer "
            "families than practitioners, short of the plan's minimum of 50:50."
        )
    return text + (
        " Every panel had at least as many families as practitioners, meeting the plan's "
        "minimum of 50:50."
    )


def balance_status(below_minimum: bool) -> str:
    """A panel's standing against the 50:50 minimum."""
    return "Not met: fewer families than practitioners" if below_minimum else "Met"


def gaps(summary: Summary) -> str:
    """How many indicators have no evidence this period."""
    if not summary.gaps:
        return "Every indicator in scope has evidence for this period."
    return (
        f"No evidence was logged between {summary.period.between} for "
        f"{plural(len(summary.gaps), 'indicator')}:"
    )


def indicator_evidence(summary: Summary, i: IndicatorSummary) -> str:
    """An indicator's evidence this period and the change, or its gap named plainly."""
    if not i.count:
        return (
            f"{gap_sentence(summary.period.start, summary.period.end)} "
            f"(The previous period had {plural(i.previous_count, 'record', zero='no')}.)"
        )
    return (
        f"{plural(i.count, 'record')} this period; {number(i.previous_count)} in the previous "
        f"period ({change_words(i.count, i.previous_count)})."
    )


def more(total: int, shown: int, singular: str, many: str, annex: bool = True) -> str:
    """A note of what was left out for length, or nothing."""
    if total <= shown:
        return ""
    where = "listed in the annex of records cited" if annex else "held by the team"
    return f"{plural(total - shown, singular, many)} {where}."


def audience_label(summary: Summary) -> str:
    """The audience as the title page names it."""
    if summary.audience == "internal":
        return "The WM2U team (internal)"
    return "Boards, councils and partners (external)"


def prepared(summary: Summary) -> str:
    """Who made the document, for the title page."""
    who = "The WM2U programme team"
    if summary.prepared_by:
        who += f" ({summary.prepared_by})"
    return who


def title_lines(summary: Summary) -> list[tuple[str, str]]:
    """The title page's facts, label and value."""
    return [
        ("Programme", PROGRAMME),
        ("Plan", summary.framework_title),
        ("Period", summary.period.label),
        ("Audience", audience_label(summary)),
        ("Date", _when(summary)),
        ("Prepared by", prepared(summary)),
    ]


def _when(summary: Summary) -> str:
    try:
        return long_date(summary.prepared_on) if summary.prepared_on else "Not dated"
    except ValueError:
        return "Not dated"


def key_numbers(summary: Summary) -> list[str]:
    """The period in a few sentences of numbers, under the key messages."""
    h = summary.headline
    return [intro(summary), reach(h), vble(h), events(h), fund(h)]


def rating_cell(i: IndicatorSummary) -> str:
    """Progress and confidence in one cell of the at-a-glance table."""
    if not i.rating:
        return NOT_RATED
    return f"{i.rating.progress.capitalize()} ({i.rating.confidence})"


def shortened(text: str, limit: int = 110) -> str:
    """A long text cut at a word near ``limit`` characters, marked with an ellipsis."""
    text = " ".join(str(text).split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0].rstrip(",;:.")
    return cut + "…"


def figures_cell(i: IndicatorSummary) -> str:
    """The trend of an indicator's figures, or that there are none yet."""
    return i.figures_trend or NO_FIGURES


def figures_caption(i: IndicatorSummary) -> str:
    """What an indicator's charts of figures show, and what they leave out."""
    first = min(c.first for c in i.charts)
    last = max(c.last for c in i.charts)
    text = (
        f"Each authority's figures from {long_date(first)} to {long_date(last)}, over the "
        "plan so far."
    )
    if any(c.withheld for c in i.charts):
        text += (
            " A gap is a figure not shown outside the team: a small count, or one that would "
            "give a small count away."
        )
    if any(c.comparator_left_out for c in i.charts):
        text += " Scotland's figures, on another scale, are in the words above, not drawn."
    return text


def featured_rule(summary: Summary) -> str:
    """How the featured stories were chosen."""
    if summary.featured:
        return (
            "The editor chose the stories featured where an indicator shows them; elsewhere: "
            + FEATURED_RULE[len("Unless the editor chose them, ") :]
        )
    return FEATURED_RULE


def activity_status(a: ActivitySummary) -> str:
    """A key activity against its targets: met, not yet, or no target set."""
    if a.status == "no target":
        return "No numeric target in the plan"
    if a.status == "met":
        return "Met: every target reached this period"
    short = sum(1 for t in a.targets if not t.met)
    return f"Not yet: {plural(short, 'target')} of {number(len(a.targets))} still to reach"


def fund_locality_meeting(row) -> str:
    """Of a locality's decisions, how many were made by a panel meeting 50:50."""
    return f"{number(row.meeting_minimum)} of {number(row.decisions)}"


def target_status(t: TargetProgress) -> str:
    """Met, or how far to go."""
    return "Met" if t.met else f"{number(t.value - t.achieved)} to go"


BALANCE_NOTE = (
    "Balance: families to practitioners on the panel. The plan's minimum is 50:50: at least "
    "as many families as practitioners."
)


def activity_count(a: ActivitySummary) -> str:
    """A key activity's records this period, in a few words (Word's narrow column)."""
    return (
        plural(a.evidence_count, "record", zero="No")
        + " this period"
        + ("; the latest:" if a.recent else ".")
    )


def activity_records(a: ActivitySummary) -> str:
    """How many records speak to a key activity this period."""
    count = plural(a.evidence_count, "record was", "records were", zero="No")
    return f"{count} tagged with this activity this period."

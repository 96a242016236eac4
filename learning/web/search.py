"""The search page: words, filters, facets, highlights, a suggestion, two sort orders."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from learning.http.access import audience
from learning.http.state import evidence

from .common import Pagination, chosen_filters, page_number, per_page
from .markup import plain_snippet

bp = Blueprint("search", __name__)
SORTS = ("relevance", "date")
MAX_QUERY = 500


@bp.route("/search")
def search():
    query = request.args.get("q", "")[:MAX_QUERY]
    sort = request.args.get("sort", "relevance")
    sort = sort if sort in SORTS else "relevance"
    chosen = chosen_filters()
    chosen.pop("consent", None)  # search applies consent itself; it is not a search filter
    page, size = page_number(), per_page()
    results = None
    if query.strip() or chosen:
        results = evidence().search(
            query, chosen, page=page, per_page=size, audience=audience(), sort=sort
        )
    args = {k: v for k, v in request.args.to_dict(flat=False).items() if k != "page"}
    return render_template(
        "search.html",
        query=query,
        sort=sort,
        chosen=chosen,
        results=results,
        # The index escapes every snippet and adds only <mark>: it is HTML, not typed text.
        highlight=lambda hit: plain_snippet(hit.highlight),
        framework=evidence().reading_framework,
        args=args,
        pagination=Pagination(page, size, results.total if results else 0, "search.search", args),
    )

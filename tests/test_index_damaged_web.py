"""A damaged search index is a cache gone: search says so (503), browsing still works."""

from __future__ import annotations

import pytest

from learning.http import state
from tests.web_helpers import make_app, session_login

pytest_plugins = ["tests.web_fixtures"]


# Whoosh leaves open the file it failed to read (a ResourceWarning when it is collected).
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_search_on_a_damaged_index_says_how_to_mend_it(data_copy) -> None:
    for path in (data_copy / "index").rglob("*.toc"):  # every table of contents cut short
        path.write_bytes(path.read_bytes()[:10])
    app = make_app(data_copy)
    try:
        viewer = app.test_client()
        session_login(viewer, "viewer")
        page = viewer.get("/search?q=breakfast")
        assert page.status_code == 503
        assert "wm2u check --repair" in page.text
        answer = viewer.get("/api/search?q=breakfast")
        assert answer.status_code == 503
        assert answer.json["error"]["code"] == "index_unavailable"
        assert viewer.get("/records").status_code == 200
    finally:
        state.shutdown(app)

"""People's rights (#26) on the admin pages, through the served app with a browser's session:
the people page, the preview and download of a subject access, erasure of a person after a
confirmation showing the dry run, and the retention review (and the dashboard's count)."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
import requests

from evidence import accounts, msc
from learning.msc import rounds
from learning.services import Evidence, initialise
from tests.builders import record_data
from tests.test_attachments_web import _browser, _token
from tests.test_hardening_erasure import leftovers
from tests.test_people_rights import FORMS, SUBJECT, WRITTEN
from tests.web_helpers import PASSWORD, make_app, served


@pytest.fixture
def site(tmp_path):
    data_dir = tmp_path / "instance"
    initialise(data_dir)
    with Evidence(data_dir) as ev:
        ids = [
            ev.create(record_data(
                people=[spelt, "Tom McKay"], quotes=[], date=date,
                body=f"{spelt} and Tom McKay came. " + " ".join(WRITTEN),
            ), "t").id
            for spelt, date in ((SUBJECT, "2012-01-05"), ("AILSA  PENNYCOOK", "2025-01-05"))
        ]  # fmt: skip
        for role in ("admin", "editor"):
            accounts.add_user(ev.store, role, role, PASSWORD)
    with served(make_app(data_dir)) as base:
        yield base, data_dir, ids, _browser(base, "admin")


def _post(browser, base, path, form, **kwargs) -> requests.Response:
    token = _token(browser, f"{base}/admin/people")
    return browser.post(f"{base}{path}", data={**form, "csrf_token": token}, timeout=60,
                        **kwargs)  # fmt: skip


def test_an_admin_previews_and_downloads_what_is_held_about_a_person(site) -> None:
    base, _data_dir, ids, admin = site
    page = admin.get(f"{base}/admin/people", timeout=30).text
    assert SUBJECT in page and "AILSA  PENNYCOOK" in page and "Tom McKay" in page
    preview = _post(admin, base, "/admin/people/preview", {"name": SUBJECT})
    assert preview.status_code == 200
    assert ids[0] in preview.text and ids[1] in preview.text
    assert "McKay" not in preview.text.split("<main", 1)[-1] and "Person A" in preview.text
    download = _post(admin, base, "/admin/people/export", {"name": SUBJECT})
    assert download.headers["Content-Type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(download.content)) as archive:
        items = json.loads(archive.read("subject-access.json"))["items"]
    assert {i["record_id"] for i in items} == set(ids)
    refused = _post(admin, base, "/admin/people/preview", {"name": "  "})
    assert refused.status_code == 422 and "Name: is required" in refused.text


def test_an_admin_erases_a_person_after_seeing_the_dry_run(site) -> None:
    base, data_dir, ids, admin = site
    dry = _post(admin, base, "/admin/people/erase", {"name": SUBJECT})
    assert dry.status_code == 200 and ids[0] in dry.text and 'name="confirm"' in dry.text
    assert leftovers(data_dir, FORMS)  # the dry run changed nothing
    done = _post(admin, base, "/admin/people/erase", {"name": SUBJECT, "confirm": "erase"})
    assert done.status_code == 200 and "Erased:" in done.text
    assert leftovers(data_dir, FORMS) == {}
    editor = _browser(base, "editor")
    assert editor.get(f"{base}/admin/people", timeout=30).status_code == 403
    with Evidence(data_dir) as ev:
        assert ev.store.get(ids[0]).people == ["Tom McKay"]


def test_the_retention_review_lists_old_records_and_keeps_one_with_a_reason(site) -> None:
    base, _data_dir, ids, admin = site
    dashboard = admin.get(f"{base}/", timeout=30).text
    assert "1 record older than the retention period waits for review" in dashboard
    page = admin.get(f"{base}/admin/retention", timeout=30).text
    assert ids[0] in page and ids[1] not in page
    bad = _post(admin, base, f"/admin/retention/{ids[0]}/keep", {"until": "", "reason": "x"})
    assert bad.status_code == 422 and "Until:" in bad.text
    kept = _post(admin, base, f"/admin/retention/{ids[0]}/keep",
                 {"until": "2099-01-01", "reason": "A court case"})  # fmt: skip
    assert kept.status_code == 200 and ids[0] not in kept.text.split("<table", 1)[-1]
    assert "waits for review" not in admin.get(f"{base}/", timeout=30).text
    assert "retention" not in _browser(base, "editor").get(f"{base}/", timeout=30).text.lower()


def test_the_preview_and_the_dry_run_show_a_round_naming_the_person(site) -> None:
    base, data_dir, _ids, admin = site
    with Evidence(data_dir) as ev:
        round_id = rounds.create(ev, {
            "title": "Lochee stories", "period_from": "2025-01-01", "period_to": "2025-12-31",
            "question": "Which change mattered most?", "level": "locality",
            "panel": [{"name": SUBJECT, "role": "family"},
                      {"name": "Morag Lindsay", "role": "practitioner"}],
        }, "t").id  # fmt: skip
    where = f"Most Significant Change round {round_id}, panel member 1"
    preview = _post(admin, base, "/admin/people/preview", {"name": SUBJECT})
    assert preview.status_code == 200 and where in preview.text
    assert "Lindsay" not in preview.text.split("<main", 1)[-1]  # another panel member
    dry = _post(admin, base, "/admin/people/erase", {"name": SUBJECT})
    assert dry.status_code == 200 and where in dry.text
    _post(admin, base, "/admin/people/erase", {"name": SUBJECT, "confirm": "erase"})
    with Evidence(data_dir) as ev:
        panel = msc.get_round(ev.store, round_id).panel
    assert panel == [{"name": "[name erased]", "role": "family"},
                     {"name": "Morag Lindsay", "role": "practitioner"}]  # fmt: skip

"""The web UI: one blueprint per area, and the pieces every page shares.

The request layer (data dir, logins, headers, errors) is ``learning.http``'s, set up first.
"""

from __future__ import annotations

from flask import Flask

from . import (
    admin,
    attachments,
    auth,
    codes,
    common,
    coverage,
    learning_updates,
    markup,
    measures,
    msc,
    msc_pack,
    people,
    plans,
    ratings,
    records,
    search,
    tell,
)

BLUEPRINTS = (
    coverage.bp,
    ratings.bp,
    records.bp,
    search.bp,
    learning_updates.bp,
    measures.bp,
    codes.bp,
    msc.bp,
    msc_pack.bp,
    admin.bp,
    people.bp,
    plans.bp,
)


# Their routes join the records blueprint.
_ROUTES_ON_RECORDS = (attachments,)


def init_app(app: Flask) -> None:
    """Set up the login page, filters and every page blueprint."""
    auth.init_app(app)
    markup.init_app(app)
    common.init_app(app)
    tell.init_app(app)
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)

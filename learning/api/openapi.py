"""The OpenAPI 3 description of the JSON API (``/api/openapi.json``), made from the routes.

Each view declares what it takes and answers with ``@described``; apispec (with its Flask
plugin, which reads each view's rule) assembles the document from those declarations and the
components in ``schemas``. Paths, methods and path parameters come from the rules themselves;
the usual errors follow from what a route takes (below), so they cannot be forgotten.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from apispec import APISpec
from apispec_webframeworks.flask import FlaskPlugin
from flask import Flask
from werkzeug.routing import Rule

from learning import DEFAULTS
from learning.http.access import role_required

from .schemas import ERRORS, SCHEMAS

WRITES = {"POST", "PUT", "PATCH", "DELETE"}
CONVERTER_TYPES = {"int": "integer", "float": "number"}
VARIABLE = re.compile(r"<(?:([^:<>()]+)(?:\([^<>]*\))?:)?([^<>:]+)>")  # <converter(args):name>
DESCRIPTION = (
    "Records of what the WM2U programme learns, with consent applied to every answer. Log in "
    "with the web session (writes then need the X-CSRFToken header) or send Authorization: "
    "Bearer TOKEN (`wm2u token create NAME`)."
)

# An answer: (schema, description). The schema is a component's name, a JSON Schema, None
# (no body) or a tuple of media types (a document of one of those types).
Answer = tuple[str | dict[str, Any] | tuple[str, ...] | None, str]


def described(
    summary: str,
    answers: dict[int, Answer],
    *,
    query: Sequence[dict[str, Any]] = (),
    body: str | dict[str, Any] | None = None,
    role: str | None = None,
    errors: Iterable[int] = (),
    operation_id: str | None = None,
) -> Callable:
    """Declare what a view takes and answers; ``role`` is also enforced (a 403 otherwise)."""

    def decorate(view: Callable) -> Callable:
        if role is not None:
            view = role_required(role)(view)
        view.described = {
            "summary": summary,
            "answers": answers,
            "query": list(query),
            "body": body,
            "role": role,
            "errors": set(errors),
            "operation_id": operation_id or _camel(view.__name__),
        }
        return view

    return decorate


def _camel(name: str) -> str:
    first, *rest = name.split("_")
    return first + "".join(word.capitalize() for word in rest)


def _path_parameters(rule: Rule) -> list[dict[str, Any]]:
    """The rule's variables in the order they appear, typed by their converters."""
    return [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": {"type": CONVERTER_TYPES.get(converter, "string")},
        }
        for converter, name in VARIABLE.findall(rule.rule)
    ]


def _errors(declared: dict[str, Any], method: str, path_parameters: list) -> list[int]:
    """The errors a route can answer with, from what it takes and who may call it."""
    found = {401} | declared["errors"]  # every API route needs a login or a token
    if declared["query"] or method in WRITES:
        found.add(400)  # a bad parameter; a session write without its CSRF header
    if path_parameters:
        found.add(404)
    if declared["body"] is not None:
        found |= {413, 422}
    if declared["role"]:
        found.add(403)
    return sorted(found)


def _answer(status: int, answer: Answer) -> dict[str, Any]:
    schema, description = answer
    response: dict[str, Any] = {"description": description}
    if isinstance(schema, tuple):
        response["content"] = {media_type: {} for media_type in schema}
    elif schema is not None:
        response["content"] = {"application/json": {"schema": schema}}
    if status == 201:
        response["headers"] = {"Location": {"schema": {"type": "string"}}}
    return response


def _operation(declared: dict[str, Any], method: str, rule: Rule) -> dict[str, Any]:
    path_parameters = _path_parameters(rule)
    operation: dict[str, Any] = {
        "summary": declared["summary"],
        "operationId": declared["operation_id"],
        "responses": {
            **{str(s): _answer(s, a) for s, a in declared["answers"].items()},
            **{str(code): f"E{code}" for code in _errors(declared, method, path_parameters)},
        },
    }
    if path_parameters or declared["query"]:
        operation["parameters"] = [*path_parameters, *declared["query"]]
    if declared["body"] is not None:
        body = declared["body"]
        # A body given by media type (a file upload) is declared as it is; others are JSON.
        uploads = isinstance(body, dict) and "multipart/form-data" in body
        content = body if uploads else {"application/json": {"schema": body}}
        operation["requestBody"] = {"required": True, "content": content}
    return operation


def _spec() -> APISpec:
    spec = APISpec(
        title="WM2U Evidence API",
        version="1",
        openapi_version="3.0.3",
        plugins=[FlaskPlugin()],
        info={"description": DESCRIPTION},
        servers=[{"url": "/"}],
        security=[{"bearer": []}, {"session": []}],
    )
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    spec.components.security_scheme(
        "session", {"type": "apiKey", "in": "cookie", "name": DEFAULTS["SESSION_COOKIE_NAME"]}
    )
    for name, schema in SCHEMAS.items():
        spec.components.schema(name, schema)
    for code, text in ERRORS.items():
        spec.components.response(f"E{code}", _answer(code, ("Error", text)))
    return spec


def openapi_document() -> dict[str, Any]:
    """The whole OpenAPI 3.0 document, from every described route of the API blueprint."""
    from . import attachments, codes, figures, routes  # noqa: F401 - here, since routes serves this document

    app = Flask(__name__)  # the blueprint alone: its rules as the app serves them
    app.register_blueprint(routes.bp)
    spec = _spec()
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        declared = getattr(view, "described", None)
        if declared is None:
            continue  # tests/test_docs.py names a route that is not described
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            operation = _operation(declared, method, rule)
            spec.path(view=view, app=app, operations={method.lower(): operation})
    return spec.to_dict()

"""The OpenAPI 3 description of the JSON API (served at ``/api/openapi.json``)."""

from __future__ import annotations

from typing import Any

from evidence.validate import FIRST_DAY, LAST_DAY, MAX_NUMBER


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*codes: int) -> dict[str, Any]:
    return {str(c): {"$ref": f"#/components/responses/E{c}"} for c in codes}


def _query(name: str, description: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema or {"type": "string"},
    }


# The door's rules (evidence/validate.py), as a client reads them.
DAY = {"type": "string", "format": "date",
       "description": f"YYYY-MM-DD, from {FIRST_DAY} to {LAST_DAY}"}  # fmt: skip
ID = {"name": "record_id", "in": "path", "required": True, "schema": {"type": "string"}}
FILTERS = [
    _query("type", "Record type (repeatable)"),
    _query("indicator", "Indicator code such as SO1.2 (repeatable)"),
    _query("locality", "Locality (repeatable)"),
    _query("from", "Earliest date, YYYY-MM-DD", {"type": "string", "format": "date"}),
    _query("to", "Latest date, YYYY-MM-DD", {"type": "string", "format": "date"}),
    _query("page", "Page number from 1", {"type": "integer", "minimum": 1}),
    _query("per_page", "Items per page (1–100)", {"type": "integer", "minimum": 1, "maximum": 100}),
]
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
LIST = {"type": "array", "items": {"type": "string"}}
RECORD = {
    "type": "object",
    "required": ["type", "title", "date", "consent", "indicators"],
    "properties": {
        "id": {"type": "string", "readOnly": True},
        "type": {"type": "string"},
        "title": {"type": "string", "maxLength": 300},
        "date": DAY,
        "authority": {"type": "string"},
        "locality": {"type": "string"},
        "author": {"type": "string"},
        "consent": {"type": "string", "enum": ["internal", "anonymised", "public"]},
        "indicators": LIST,
        "activities": LIST,
        "tags": LIST,
        "people": LIST,
        "quotes": LIST,
        "body": {"type": "string", "description": "Markdown"},
        "fields": {"type": "object", "description": "Type-specific fields (see the framework)"},
        "revision": {"type": "integer", "description": "Required on PUT: the revision you read"},
        "created_at": {"type": "string", "readOnly": True},
        "updated_at": {"type": "string", "readOnly": True},
    },
}
HIT = {
    "type": "object",
    "properties": {
        "id": {"type": "string"},
        "title": {"type": "string"},
        "type": {"type": "string"},
        "date": {"type": "string"},
        "locality": {"type": "string"},
        "score": {"type": "number"},
        "highlight": {"type": "string", "description": "HTML: escaped text, matches in <mark>"},
    },
}
CODE = {"name": "code", "in": "path", "required": True, "schema": {"type": "string"}}
RATING_INPUT = {
    "type": "object",
    "required": ["period_from", "period_to", "progress", "confidence", "rationale"],
    "properties": {
        "period_from": {"type": "string", "format": "date"},
        "period_to": {"type": "string", "format": "date"},
        "progress": {"type": "string", "enum": ["emerging", "developing", "established"]},
        "confidence": {"type": "string", "enum": ["low", "medium", "high"]},
        "rationale": {"type": "string"},
        "records": {**LIST, "description": "Ids of the records behind the rating"},
        "consent": {
            "type": "string",
            "enum": ["internal", "anonymised", "public"],
            "default": "anonymised",
            "description": "Who may read the rating: internal ones stay in the team",
        },
        "people": {**LIST, "description": "People the rationale names (replaced outside the team)"},
    },
}
RATING = {
    "type": "object",
    "properties": {
        **RATING_INPUT["properties"],
        "id": {"type": "integer"},
        "indicator": {"type": "string"},
        "records": {**LIST, "description": "Ids of the records behind it that you may see"},
        "rationale": {"type": "string", "description": "Names redacted for outside readers"},
        "rated_by": {"type": "string"},
        "rated_at": {"type": "string"},
        "change": {"type": "string", "description": "The change since the previous rating"},
    },
}
COUNTS = {"type": "object", "additionalProperties": {"type": "integer"}}
ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "fields"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "fields": {"type": "object", "additionalProperties": {"type": "string"}},
            },
        }
    },
}


FIGURE = {
    "type": "object",
    "required": ["measure", "authority", "period_from", "period_to", "value", "source"],
    "properties": {
        "measure": {"type": "string"},
        "authority": {"type": "string", "description": "An authority of the plan, or Scotland"},
        "locality": {"type": "string", "nullable": True},
        "period_from": DAY,
        "period_to": DAY,
        "value": {
            "type": "number",
            "nullable": True,
            "description": "null when suppressed",
            "minimum": -MAX_NUMBER,
            "maximum": MAX_NUMBER,
        },
        "source": {"type": "string"},
        "note": {"type": "string"},
        "revision": {"type": "integer"},
        "suppressed": {"type": "boolean"},
        "derived": {"type": "boolean"},
    },
}
MEASURE = {
    "type": "object",
    "properties": {
        "code": {"type": "string"},
        "name": {"type": "string"},
        "unit": {"type": "string", "enum": ["count", "percent", "gbp", "rate"]},
        "better": {"type": "string", "enum": ["lower", "higher"]},
        "indicators": LIST,
        "disclosure_threshold": {
            "type": "integer",
            "description": "outside the team a count below it is withheld, with any figure that "
            "would give it away; 0: shown as they are (the counts made from the records)",
        },
        "derived": {"type": "boolean"},
        "latest": {"type": "array", "items": {"$ref": "#/components/schemas/Figure"}},
    },
}


def _figure_paths() -> dict[str, Any]:
    figures = {
        "type": "object",
        "properties": {"figures": {"type": "array", "items": _ref("Figure")}},
    }
    page = {
        "type": "object",
        "properties": {
            "total": {"type": "integer"},
            "page": {"type": "integer"},
            "per_page": {"type": "integer"},
            "figures": {"type": "array", "items": _ref("Figure")},
        },
    }
    return {
        "/api/measures": {
            "get": {
                "summary": "Every measure of the plan with its latest figure per place",
                "operationId": "listMeasures",
                "responses": {
                    "200": _json(
                        {
                            "type": "object",
                            "properties": {"measures": {"type": "array", "items": _ref("Measure")}},
                        },
                        "The measures",
                    ),  # fmt: skip
                    **_errors(401),
                },
            }
        },
        "/api/figures": {
            "get": {
                "summary": "Figures whose period overlaps from..to (small counts suppressed "
                "outside the team)",
                "operationId": "listFigures",
                "parameters": [
                    _query("measure", "Measure code"),
                    _query("authority", "Authority, or Scotland"),
                    _query("locality", "Locality"),
                    *FILTERS[-4:],
                ],
                "responses": {"200": _json(page, "One page of figures"), **_errors(400, 401)},
            },
            "post": {
                "summary": "Add or correct figures (editor): one figure or a list, all or none",
                "operationId": "addFigures",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "oneOf": [
                                    _ref("Figure"),
                                    {"type": "array", "items": _ref("Figure")},
                                ]
                            }
                        }
                    },
                },  # fmt: skip
                "responses": {
                    "201": _json(figures, "The figures as saved"),
                    **_errors(400, 401, 403, 413, 422),
                },
            },
        },
    }


# --- Passages and the codebook (#21) ---------------------------------------------------------
# One block for the codes' and excerpts' routes and schemas (learning/api/codes.py).

CODE = {
    "type": "object",
    "required": ["id", "name"],
    "properties": {
        "id": {"type": "string", "pattern": "^[0-9A-Za-z_-]{1,64}$",
               "description": "Not agreement, export or import; the plan's codes are its own"},
        "guid": {"type": "string", "format": "uuid", "readOnly": True,
                 "description": "Kept for ever; the plan's codes' guids are the same everywhere"},
        "name": {"type": "string", "maxLength": 200},
        "description": {"type": "string", "maxLength": 5000},
        "colour": {"type": "string", "nullable": True, "pattern": "^#[0-9A-Fa-f]{6}$"},
        "parent": {"type": "string", "nullable": True},
        "codable": {"type": "boolean"},
        "excerpts": {"type": "integer", "readOnly": True,
                     "description": "How many excerpts the reader may see"},
    },
}  # fmt: skip
EXCERPT = {
    "type": "object",
    "properties": {
        "id": {"type": "string"},
        "record": {"description": "The record's id (in /api/excerpts: id, title, type, date, "
                   "locality)"},
        "source": {"type": "string", "enum": ["body"]},
        "start": {"type": "integer", "nullable": True, "minimum": 0,
                  "description": "Code points from 0 of the text the reader sees"},
        "end": {"type": "integer", "nullable": True, "minimum": 0},
        "text": {"type": "string"},
        "codes": {"type": "array", "items": {"type": "string"}},
        "memo": {"type": "string", "nullable": True, "description": "The team's only"},
        "author": {"type": "string"},
        "status": {"type": "string", "enum": ["exact", "moved", "changed", "detached"]},
        "created_at": {"type": "string"},
        "updated_at": {"type": "string"},
    },
}  # fmt: skip
CODE_ID = {"name": "code_id", "in": "path", "required": True, "schema": {"type": "string"}}
EXCERPT_ID = {"name": "excerpt_id", "in": "path", "required": True, "schema": {"type": "string"}}


def _coding_paths() -> dict[str, Any]:
    code, excerpt = _json(_ref("Code"), "The code"), _json(_ref("Excerpt"), "The excerpt")
    codes = {"type": "object", "properties": {"codes": {"type": "array", "items": _ref("Code")}}}
    listed = {
        "type": "object",
        "properties": {"excerpts": {"type": "array", "items": _ref("Excerpt")}},
    }
    page = {
        "type": "object",
        "properties": {
            "total": {"type": "integer"},
            "page": {"type": "integer"},
            "per_page": {"type": "integer"},
            "excerpts": {"type": "array", "items": _ref("Excerpt")},
        },
    }
    body = {"required": True, "content": {"application/json": {"schema": _ref("Code")}}}
    passage = {"required": True, "content": {"application/json": {"schema": _ref("Excerpt")}}}
    merge = {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["into"],
                    "properties": {"into": {"type": "string"}},
                }
            }
        },
    }
    writes = _errors(400, 401, 403, 404, 413, 422)
    return {
        "/api/codes": {
            "get": {"summary": "The codebook: the plan's codes and the team's, with counts",
                    "operationId": "listCodes", "responses": {"200": _json(codes, "The codes"),
                                                              **_errors(401)}},
            "post": {"summary": "Add a code (editor)", "operationId": "addCode",
                     "requestBody": body, "responses": {"201": code, **writes}},
        },
        "/api/codes/{code_id}": {
            "parameters": [CODE_ID],
            "get": {"summary": "One code", "operationId": "getCode",
                    "responses": {"200": code, **_errors(401, 404)}},
            "put": {"summary": "Rename, describe, recolour or move a team code (editor)",
                    "operationId": "changeCode", "requestBody": body,
                    "responses": {"200": code, **writes}},
            "delete": {"summary": "Delete a team code no excerpt uses (editor; 409 with the "
                       "count while used)", "operationId": "deleteCode",
                       "responses": {"204": {"description": "Deleted"},
                                     **_errors(401, 403, 404, 409, 422)}},
        },
        "/api/codes/{code_id}/merge": {
            "parameters": [CODE_ID],
            "post": {"summary": "Merge a team code into another (its excerpts move; audited)",
                     "operationId": "mergeCode", "requestBody": merge,
                     "responses": {"200": code, **writes}},
        },
        "/api/records/{record_id}/excerpts": {
            "parameters": [ID],
            "get": {"summary": "A record's excerpts as the reader may see them",
                    "operationId": "recordExcerpts",
                    "responses": {"200": _json(listed, "The excerpts"), **_errors(401, 404)}},
            "post": {"summary": "Code a passage of the record's body (editor)",
                     "operationId": "codePassage", "requestBody": passage,
                     "responses": {"201": excerpt, **writes}},
        },
        "/api/excerpts": {
            "get": {"summary": "Excerpts the reader may see (code= includes its children)",
                    "operationId": "listExcerpts",
                    "parameters": [
                        _query("code", "A code (and the codes under it)"),
                        _query("indicator", "The record's indicator (repeatable)"),
                        _query("record", "A record's id"),
                        _query("locality", "Locality (repeatable)"),
                        _query("from", "Earliest record date", {"type": "string",
                                                                 "format": "date"}),
                        _query("to", "Latest record date", {"type": "string", "format": "date"}),
                        _query("q", "Words within the excerpt's text"),
                        _query("coder", "The coder's user name"),
                        _query("status", "exact, moved, changed or detached"),
                        _query("page", "Page number", {"type": "integer", "minimum": 1}),
                        _query("per_page", "Excerpts per page (at most 100)",
                               {"type": "integer", "minimum": 1, "maximum": 100}),
                    ],
                    "responses": {"200": _json(page, "One page of excerpts"),
                                  **_errors(400, 401)}},
        },
        "/api/excerpts/{excerpt_id}": {
            "parameters": [EXCERPT_ID],
            "get": {"summary": "One excerpt", "operationId": "getExcerpt",
                    "responses": {"200": excerpt, **_errors(401, 404)}},
            "put": {"summary": "Change an excerpt's codes, memo or passage (editor)",
                    "operationId": "changeExcerpt", "requestBody": passage,
                    "responses": {"200": excerpt, **writes}},
            "delete": {"summary": "Delete an excerpt and its memo (editor)",
                       "operationId": "deleteExcerpt",
                       "responses": {"204": {"description": "Deleted"},
                                     **_errors(401, 403, 404)}},
        },
    }  # fmt: skip


# --- end of passages and the codebook --------------------------------------------------------


def _paths() -> dict[str, Any]:
    record = _json(_ref("Record"), "The record")
    return {
        **_figure_paths(),
        **_coding_paths(),
        "/api/framework": {
            "get": {
                "summary": "The plan in force today, or on the day given",
                "operationId": "getFramework",
                "parameters": [
                    _query(
                        "date",
                        "The plan in force on this day, YYYY-MM-DD (default: today)",
                        {"type": "string", "format": "date"},
                    )
                ],
                "responses": {
                    "200": _json(
                        {"type": "object"},
                        "The plan (framework), with `in_force`: {from, to} (from null for "
                        "the first plan, to null for the plan in force)",
                    ),
                    **_errors(400, 401),
                },
            }
        },
        "/api/frameworks": {
            "get": {
                "summary": "Every plan this data dir has held, with the dates each was in force",
                "operationId": "listFrameworks",
                "responses": {
                    "200": _json(
                        {
                            "type": "object",
                            "properties": {
                                "plans": {
                                    "type": "array",
                                    "items": {
                                        "type": "object",
                                        "properties": {
                                            "name": {"type": "string"},
                                            "title": {"type": "string"},
                                            "from": {
                                                "type": "string",
                                                "nullable": True,
                                                "format": "date",
                                                "description": "null for the first plan: in "
                                                "force for every date before the next one's",
                                            },
                                            "to": {
                                                "type": "string",
                                                "nullable": True,
                                                "format": "date",
                                                "description": "its last day in force; null "
                                                "for the plan in force",
                                            },
                                        },
                                    },
                                }
                            },
                        },
                        "The plans, oldest first",
                    ),
                    **_errors(401),
                },
            }
        },
        "/api/records": {
            "get": {
                "summary": "Records you may see, newest first",
                "operationId": "listRecords",
                "parameters": FILTERS,
                "responses": {
                    "200": _json(_ref("RecordList"), "One page of records"),
                    **_errors(400, 401),
                },
            },
            "post": {
                "summary": "Log a new record (editor)",
                "operationId": "createRecord",
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": _ref("Record")}},
                },
                "responses": {
                    "201": {**record, "headers": {"Location": {"schema": {"type": "string"}}}},
                    **_errors(400, 401, 403, 413, 422),
                },
            },
        },
        "/api/records/{record_id}": {
            "parameters": [ID],
            "get": {
                "summary": "One record",
                "operationId": "getRecord",
                "responses": {"200": record, **_errors(401, 404)},
            },
            "put": {
                "summary": "Replace a record, sending the revision you read (editor)",
                "operationId": "replaceRecord",
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": _ref("Record")}},
                },
                "responses": {"200": record, **_errors(400, 401, 403, 404, 409, 413, 422)},
            },
            "delete": {
                "summary": "Delete (restorable), or erase with purge=1 (admin)",
                "operationId": "deleteRecord",
                "parameters": [_query("purge", "1 to erase for good (admins only)")],
                "responses": {"204": {"description": "Deleted"}, **_errors(401, 403, 404)},
            },
        },
        "/api/records/{record_id}/revisions": {
            "get": {
                "summary": "Earlier versions of a record, newest first (editor)",
                "operationId": "listRevisions",
                "parameters": [ID],
                "responses": {
                    "200": _json({"type": "object"}, "Revisions"),
                    **_errors(401, 403, 404),
                },
            }
        },
        "/api/search": {
            "get": {
                "summary": "Full-text search over the records you may see",
                "operationId": "search",
                "parameters": [
                    _query("q", 'Words, "phrases", AND/OR/NOT, field:value'),
                    *FILTERS,
                    _query(
                        "sort",
                        "relevance or date",
                        {"type": "string", "enum": ["relevance", "date"]},
                    ),
                ],
                "responses": {
                    "200": _json(_ref("SearchResults"), "One page of hits"),
                    **_errors(400, 401),
                },
            }
        },
        "/api/indicators/{code}/ratings": {
            "parameters": [CODE],
            "get": {
                "summary": "An indicator's progress ratings, newest first",
                "operationId": "listRatings",
                "responses": {
                    "200": _json(_ref("RatingList"), "The ratings"),
                    **_errors(401, 404),
                },
            },
            "post": {
                "summary": "Rate an indicator's progress for a period (editor)",
                "operationId": "createRating",
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": _ref("RatingInput")}},
                },
                "responses": {
                    "201": _json(_ref("Rating"), "The rating as saved"),
                    **_errors(400, 401, 403, 404, 413, 422),
                },
            },
        },
        "/api/learning-updates": {
            "get": {
                "summary": "Saved learning updates you may read",
                "operationId": "listLearningUpdates",
                "parameters": FILTERS[-2:],
                "responses": {
                    "200": _json(_ref("RecordList"), "One page of learning updates"),
                    **_errors(400, 401),
                },
            },
            "post": {
                "summary": "Generate a learning update, and save it if asked (editor)",
                "operationId": "createLearningUpdate",
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": _ref("LearningUpdateRequest")}},
                },
                "responses": {
                    "201": _json(
                        {
                            "type": "object",
                            "properties": {
                                "id": {"type": "string"},
                                "markdown": {"type": "string"},
                            },
                        },
                        "The document",
                    ),
                    **_errors(400, 401, 403, 413, 422),
                },
            },
        },
        "/api/learning-updates/{record_id}": {
            "get": {
                "summary": "A saved learning update as a document",
                "operationId": "getLearningUpdate",
                "parameters": [
                    ID,
                    _query(
                        "format",
                        "md, html or docx",
                        {"type": "string", "enum": ["md", "html", "docx"]},
                    ),
                ],
                "responses": {
                    "200": {
                        "description": "The document",
                        "content": {
                            "text/markdown": {},
                            "text/html": {},
                            DOCX: {},
                        },
                    },
                    **_errors(400, 401, 404),
                },
            }
        },
        "/api/openapi.json": {
            "get": {
                "summary": "This description",
                "operationId": "openapi",
                "responses": {"200": _json({"type": "object"}, "OpenAPI 3 document")},
            }
        },
    }


def openapi_document() -> dict[str, Any]:
    """The whole OpenAPI 3.0 document."""
    messages = {
        400: "Malformed JSON or a bad query parameter",
        401: "Not logged in and no valid bearer token",
        403: "Your role may not do this",
        404: "No such record or indicator (or not one you may see)",
        409: "Someone saved the record since the revision you sent",
        413: "The body is larger than the limit (2 MB)",
        422: "Not valid; `fields` names each problem",
    }
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "WM2U Evidence API",
            "version": "1",
            "description": "Records of what the WM2U programme learns, with consent applied "
            "to every answer. Log in with the web session (writes then need the X-CSRFToken "
            "header) or send Authorization: Bearer TOKEN (`wm2u token create NAME`).",
        },
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}, {"session": []}],
        "paths": _paths(),
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "session": {"type": "apiKey", "in": "cookie", "name": "wm2u_session"},
            },
            "schemas": {
                "Record": RECORD,
                "RecordList": {
                    "type": "object",
                    "properties": {
                        "total": {"type": "integer"},
                        "page": {"type": "integer"},
                        "per_page": {"type": "integer"},
                        "records": {"type": "array", "items": _ref("Record")},
                    },
                },
                "SearchResults": {
                    "type": "object",
                    "properties": {
                        "total": {"type": "integer"},
                        "page": {"type": "integer"},
                        "per_page": {"type": "integer"},
                        "hits": {"type": "array", "items": HIT},
                        "facets": {
                            "type": "object",
                            "properties": {
                                k: COUNTS for k in ("type", "indicator", "locality", "objective")
                            },
                        },
                        "suggestion": {"type": "string", "nullable": True},
                    },
                },
                "Rating": RATING,
                "RatingInput": RATING_INPUT,
                "Figure": FIGURE,
                "Measure": MEASURE,
                "RatingList": {
                    "type": "object",
                    "properties": {
                        "indicator": {"type": "string"},
                        "ratings": {"type": "array", "items": _ref("Rating")},
                    },
                },
                "LearningUpdateRequest": {
                    "type": "object",
                    "required": ["from", "to"],
                    "properties": {
                        "from": {"type": "string", "format": "date"},
                        "to": {"type": "string", "format": "date"},
                        "audience": {"type": "string", "enum": ["internal", "external"]},
                        "objectives": LIST,
                        "save": {"type": "boolean"},
                        "intro": {
                            "type": "string",
                            "maxLength": 20000,
                            "description": "The editor's key messages (Markdown), shown first; "
                            "for an external audience the names listed in any record the "
                            "update cites are replaced.",
                        },
                        "featured": {
                            "type": "array",
                            "items": {"type": "string"},
                            "description": "Ids of records to feature as stories; else the "
                            "generator chooses. An unknown, deleted, out-of-period or (for an "
                            "external update) internal id is a 422 naming it.",
                        },
                        "annex": {
                            "type": "boolean",
                            "default": True,
                            "description": "Add the full lists: every fund decision by panel, "
                            "every record cited.",
                        },
                    },
                },
                "Code": CODE,  # passages and the codebook
                "Excerpt": EXCERPT,
                "Error": ERROR,
            },
            "responses": {
                f"E{code}": _json(_ref("Error"), text) for code, text in messages.items()
            },
        },
    }

"""What the API takes and answers, declared once as JSON Schema: the OpenAPI components, the
query parameters routes share, and the error answers.

A schema named by a string (``"Figure"``) is a reference to the component of that name.
"""

from __future__ import annotations

from typing import Any

from evidence.consent import AUDIENCES
from evidence.model import CONSENT_LEVELS
from evidence.ratings import CONFIDENCE_LEVELS, PROGRESS_LEVELS
from evidence.validate import FIRST_DAY, LAST_DAY, MAX_NUMBER, MAX_TITLE
from learning.http import documents
from learning.measures import BETTER, UNITS
from learning.updates.request import MAX_INTRO

LIST = {"type": "array", "items": {"type": "string"}}
DATE = {"type": "string", "format": "date"}
# The door's rules (evidence/validate.py), as a client reads them.
DAY = {**DATE, "description": f"YYYY-MM-DD, from {FIRST_DAY} to {LAST_DAY}"}
CONSENT = {"type": "string", "enum": list(CONSENT_LEVELS)}
# The documents a saved learning update is served as (media types without their charset).
DOCUMENT_TYPES = tuple(mimetype.split(";")[0] for mimetype, _ in documents.FORMATS.values())


def parameter(name: str, description: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    """An optional query parameter."""
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema or {"type": "string"},
    }


def page_of(items: str, schema: str | dict[str, Any]) -> dict[str, Any]:
    """One page of a list: ``{"total", "page", "per_page", items: [...]}``."""
    return {
        "type": "object",
        "properties": {
            "total": {"type": "integer"},
            "page": {"type": "integer"},
            "per_page": {"type": "integer"},
            items: {"type": "array", "items": schema},
        },
    }


PAGE = [
    parameter("page", "Page number from 1", {"type": "integer", "minimum": 1}),
    parameter(
        "per_page", "Items per page (1–100)", {"type": "integer", "minimum": 1, "maximum": 100}
    ),
]
DATES = [
    parameter("from", "Earliest date, YYYY-MM-DD", DATE),
    parameter("to", "Latest date, YYYY-MM-DD", DATE),
]
DOCUMENT_FORMAT = parameter(
    "format", "md, html or docx", {"type": "string", "enum": list(documents.FORMATS)}
)
FILTERS = [
    parameter("type", "Record type (repeatable)"),
    parameter("indicator", "Indicator code such as SO1.2 (repeatable)"),
    parameter("locality", "Locality (repeatable)"),
    *DATES,
    *PAGE,
]

RECORD = {
    "type": "object",
    "required": ["type", "title", "date", "consent", "indicators"],
    "properties": {
        "id": {"type": "string", "readOnly": True},
        "type": {"type": "string"},
        "title": {"type": "string", "maxLength": MAX_TITLE},
        "date": DAY,
        "authority": {"type": "string"},
        "locality": {"type": "string"},
        "author": {"type": "string"},
        "consent": CONSENT,
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
        "origin": {"type": "string", "enum": ["staff", "family"], "readOnly": True},
        "status": {"type": "string", "enum": ["submitted", "accepted"], "nullable": True,
                   "description": "A family's story: submitted, or accepted (send accepted "
                   "on PUT to accept it); null on staff records"},
    },
}  # fmt: skip
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
COUNTS = {"type": "object", "additionalProperties": {"type": "integer"}}
SEARCH_RESULTS = {
    "type": "object",
    "properties": {
        **page_of("hits", HIT)["properties"],
        "facets": {
            "type": "object",
            "properties": {k: COUNTS for k in ("type", "indicator", "locality", "objective")},
        },
        "suggestion": {"type": "string", "nullable": True},
    },
}
RATING_INPUT = {
    "type": "object",
    "required": ["period_from", "period_to", "progress", "confidence", "rationale"],
    "properties": {
        "period_from": DATE,
        "period_to": DATE,
        "progress": {"type": "string", "enum": list(PROGRESS_LEVELS)},
        "confidence": {"type": "string", "enum": list(CONFIDENCE_LEVELS)},
        "rationale": {"type": "string"},
        "records": {**LIST, "description": "Ids of the records behind the rating"},
        "consent": {
            **CONSENT,
            "default": "anonymised",
            "description": "Who may read the rating: internal ones stay in the team",
        },
        "people": {**LIST, "description": "People the rationale names (replaced outside the team)"},
        "excerpts": {
            **LIST,
            "description": "Ids of coded passages the rating cites (each of a record not "
            "deleted; its record joins records)",
        },
    },
}
RATING = {
    "type": "object",
    "properties": {
        **RATING_INPUT["properties"],
        "id": {"type": "integer"},
        "indicator": {"type": "string"},
        "records": {**LIST, "description": "Ids of the records behind it that you may see"},
        "excerpts": {**LIST, "description": "Ids of the passages it cites that you may see"},
        "rationale": {"type": "string", "description": "Names redacted for outside readers"},
        "rated_by": {"type": "string"},
        "rated_at": {"type": "string"},
        "change": {"type": "string", "description": "The change since the previous rating"},
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
        "unit": {"type": "string", "enum": list(UNITS)},
        "better": {"type": "string", "enum": list(BETTER)},
        "indicators": LIST,
        "disclosure_threshold": {
            "type": "integer",
            "description": "outside the team a count below it is withheld, with any figure that "
            "would give it away; 0: shown as they are (the counts made from the records)",
        },
        "derived": {"type": "boolean"},
        "latest": {"type": "array", "items": "Figure"},
    },
}
PLAN = {
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "title": {"type": "string"},
        "from": {
            **DATE,
            "nullable": True,
            "description": "null for the first plan: in force for every date before the next one's",
        },
        "to": {
            **DATE,
            "nullable": True,
            "description": "its last day in force; null for the plan in force",
        },
    },
}
LEARNING_UPDATE_REQUEST = {
    "type": "object",
    "required": ["from", "to"],
    "properties": {
        "from": DATE,
        "to": DATE,
        "audience": {"type": "string", "enum": list(AUDIENCES)},
        "objectives": LIST,
        "save": {"type": "boolean"},
        "intro": {
            "type": "string",
            "maxLength": MAX_INTRO,
            "description": "The editor's key messages (Markdown), shown first; for an external "
            "audience the names listed in any record the update cites are replaced.",
        },
        "featured": {
            **LIST,
            "description": "Ids of records to feature as stories; else the generator chooses. "
            "An unknown, deleted, out-of-period or (for an external update) internal id is a "
            "422 naming it.",
        },
        "annex": {
            "type": "boolean",
            "default": True,
            "description": "Add the full lists: every fund decision by panel, every record cited.",
        },
    },
}
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

# --- Passages and the codebook (#21): the codes' and excerpts' components -------------------
CODE = {
    "type": "object",
    "required": ["id", "name"],
    "properties": {
        "id": {"type": "string", "pattern": "^[0-9A-Za-z_-]{1,64}$",
               "description": "Not agreement, export or import, nor a code of a plan"},
        "guid": {"type": "string", "format": "uuid", "readOnly": True,
                 "description": "Kept for ever; a plan's code's guid is the same everywhere"},
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
        "id": {"type": "string", "readOnly": True},
        "record": {"description": "The record's id (in /api/excerpts: its id, title, type, "
                   "date and locality)", "readOnly": True},
        "source": {"type": "string", "pattern": "^(body|attachment:[A-Za-z0-9_-]+)$",
                   "description": "body, or attachment:ID (an attachment's kept text)"},
        "start": {"type": "integer", "nullable": True, "minimum": 0,
                  "description": "Code points from 0 of the text the reader sees"},
        "end": {"type": "integer", "nullable": True, "minimum": 0},
        "text": {"type": "string"},
        "codes": {"type": "array", "items": {"type": "string"}},
        "memo": {"type": "string", "nullable": True, "description": "The team's only"},
        "author": {"type": "string", "readOnly": True},
        "status": {"type": "string", "enum": ["exact", "moved", "changed", "detached"],
                   "readOnly": True},
        "created_at": {"type": "string", "readOnly": True},
        "updated_at": {"type": "string", "readOnly": True},
    },
}  # fmt: skip
# --- end of passages and the codebook --------------------------------------------------------

# --- families' stories (#24) ------------------------------------------------------------------
INVITATION_INPUT = {
    "type": "object",
    "required": ["prompt"],
    "properties": {
        "prompt": {"type": "string"},
        "authority": {"type": "string"},
        "locality": {"type": "string"},
        "indicators": LIST,
        "expires": {**DAY, "description": "The last day it takes stories (default: 90 days)"},
        "uses": {"type": "integer", "minimum": 1, "description": "Stories it takes (default 1)"},
    },
}
INVITATION = {
    "type": "object",
    "properties": {
        **INVITATION_INPUT["properties"],
        "id": {"type": "string", "readOnly": True},
        "used": {"type": "integer", "readOnly": True},
        "revoked": {"type": "boolean", "readOnly": True},
        "link": {"type": "string", "readOnly": True,
                 "description": "/tell/TOKEN: in the answer that makes it, never again"},
    },
}  # fmt: skip

# --- attachments (#23) -------------------------------------------------------------------------
ATTACHMENT = {
    "type": "object",
    "properties": {
        "id": {"type": "string"},
        "record": {"type": "string", "description": "The record's id"},
        "name": {"type": "string", "description": "The file's name (names redacted as the "
                 "record's for a reader outside the team)"},
        "type": {"type": "string", "description": "The MIME type of the bytes kept"},
        "kind": {"type": "string", "enum": ["pdf", "docx", "odt", "text", "markdown", "jpeg",
                                            "png", "mp3", "m4a", "wav"]},
        "size": {"type": "integer", "description": "Bytes kept"},
        "sha256": {"type": "string", "nullable": True,
                   "description": "Of the bytes kept; null where the reader may not have them"},
        "consent": {"type": "string", "enum": ["internal", "anonymised", "public"],
                    "description": "The narrower of the attachment's and its record's"},
        "text_chars": {"type": "integer", "description": "Code points of the text shown"},
        "note": {"type": "string", "nullable": True,
                 "description": "Why there is no text, where there is none"},
        "created_at": {"type": "string"},
    },
}  # fmt: skip
# --- end of attachments ------------------------------------------------------------------------

SCHEMAS: dict[str, dict[str, Any]] = {
    "Record": RECORD,
    "RecordList": page_of("records", "Record"),
    "SearchResults": SEARCH_RESULTS,
    "Rating": RATING,
    "RatingInput": RATING_INPUT,
    "RatingList": {
        "type": "object",
        "properties": {
            "indicator": {"type": "string"},
            "ratings": {"type": "array", "items": "Rating"},
        },
    },
    "Figure": FIGURE,
    "FigureList": page_of("figures", "Figure"),
    "Measure": MEASURE,
    "PlanList": {"type": "object", "properties": {"plans": {"type": "array", "items": PLAN}}},
    "LearningUpdateRequest": LEARNING_UPDATE_REQUEST,
    "Code": CODE,  # passages and the codebook
    "Excerpt": EXCERPT,
    "ExcerptPage": page_of("excerpts", "Excerpt"),
    "Attachment": ATTACHMENT,
    "Invitation": INVITATION,  # families' stories
    "InvitationInput": INVITATION_INPUT,
    "Error": ERROR,
}
# Every error answer has the ``Error`` shape; these say when each status is given.
ERRORS = {
    400: "Malformed JSON or a bad query parameter",
    401: "Not logged in and no valid bearer token",
    403: "Your role may not do this",
    404: "No such record or indicator (or not one you may see)",
    409: "Someone saved the record since the revision you sent",
    413: "The body is larger than the limit (2 MB; a file: WM2U_MAX_ATTACHMENT_MB, default 25)",
    422: "Not valid; `fields` names each problem",
}

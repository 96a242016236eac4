"""The guids a project is exchanged with: the same data exported twice has the same guids.

Never change ``NAMESPACE``: a re-import of an older export would duplicate everything.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from evidence import refi

if TYPE_CHECKING:
    from evidence.store import Store

NAMESPACE = uuid.UUID("0c9f3a5e-7d21-5b64-8e0a-4f1b2c3d9a77")


def _guid(kind: str, key: str) -> str:
    return str(uuid.uuid5(NAMESPACE, f"{kind}:{key}"))


def record_guid(record_id: str) -> str:
    """The TextSource guid of a record made here."""
    return _guid("record", record_id)


def excerpt_guid(excerpt_id: str) -> str:
    """The PlainTextSelection guid of an excerpt made here."""
    return _guid("excerpt", excerpt_id)


def memo_guid(excerpt_id: str) -> str:
    """The Note guid of an excerpt's memo."""
    return _guid("memo", excerpt_id)


def coding_guid(excerpt_id: str, code_id: str) -> str:
    """The Coding guid of one code on one excerpt."""
    return _guid("coding", f"{excerpt_id}:{code_id}")


def user_guid(name: str) -> str:
    """The User guid of an author or coder."""
    return _guid("user", name)


def attachment_guid(attachment_id: str) -> str:
    """The source guid of an attachment."""
    return _guid("attachment", attachment_id)


def representation_guid(attachment_id: str) -> str:
    """The guid of a PDF attachment's text representation."""
    return _guid("representation", attachment_id)


def variable_guid(name: str) -> str:
    """The Variable guid of one of our variables (type, date, …)."""
    return _guid("variable", name)


def source_guid(store: Store, record_id: str) -> str:
    """The TextSource guid of a record: the one it was imported with, else ``record_guid``
    (a project imported into an empty data dir exports back with its own guids)."""
    return refi.guid_of(store.conn, "source", record_id) or record_guid(record_id)


def selection_guid(store: Store, excerpt_id: str) -> str:
    """The PlainTextSelection guid of an excerpt: the one it was imported with, else
    ``excerpt_guid``."""
    return refi.guid_of(store.conn, "selection", excerpt_id) or excerpt_guid(excerpt_id)


def attachment_source_guid(store: Store, attachment_id: str) -> str:
    """The source guid of an attachment: the one it was imported with, else
    ``attachment_guid``."""
    return refi.guid_of(store.conn, "attachment", attachment_id) or attachment_guid(attachment_id)

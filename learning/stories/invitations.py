"""Invitations as editors make them (page, API, command line), and their printable flyer."""

from __future__ import annotations

import base64
import datetime as dt
import io
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from evidence import stories as store
from evidence.model import ValidationError
from evidence.stories import DEFAULT_DAYS, DEFAULT_USES, MAX_USES, Invitation
from evidence.validate import MAX_ITEM, clean_date, clean_list, clean_text, whole_number

if TYPE_CHECKING:
    from learning.services import Evidence

BASE_URL_SETTING = "WM2U_BASE_URL"


@dataclass
class InviteRequest:
    """An invitation as an editor asks for it: the prompt, the place, indicators, expiry, uses."""

    prompt: Any = ""
    authority: Any = ""
    locality: Any = ""
    indicators: Any = ()
    expires: Any = None
    uses: Any = None

    @classmethod
    def parse(cls, data: Any) -> InviteRequest:
        """From the API's JSON object (or a form's fields)."""
        if not isinstance(data, dict):
            raise ValidationError("invitation", "must be a JSON object")
        known = {"prompt", "authority", "locality", "indicators", "expires", "uses"}
        unknown = [str(k)[:60] for k in data if k not in known]
        if unknown:
            raise ValidationError(unknown[0], "is not an invitation key")
        return cls(**{k: data[k] for k in known if k in data})


def _checked(ev: Evidence, asked: InviteRequest, today: dt.date) -> Invitation:
    """The invitation to keep, every field checked against the plan in force today."""
    framework = ev.plan_on(today.isoformat()).framework
    try:
        prompt = clean_text(asked.prompt, MAX_ITEM, True)
    except Exception:
        raise ValidationError("prompt", "must be text") from None
    if not prompt:
        raise ValidationError("prompt", "is required: what families are asked to tell")
    authority, locality = str(asked.authority or ""), str(asked.locality or "")
    if locality and not authority:
        authority = framework.authority_of(locality) or ""
    if authority and authority not in framework.authorities:
        raise ValidationError("authority", f"unknown authority {authority!r}")
    if locality and locality not in framework.authorities.get(authority, ()):
        raise ValidationError("locality", f"unknown locality {locality!r} (in {authority or '?'})")
    try:
        codes = clean_list(list(asked.indicators or []) if not isinstance(asked.indicators, str)
                           else [asked.indicators])  # fmt: skip
    except Exception:
        raise ValidationError("indicators", "must be a list of indicator codes") from None
    unknown = [c for c in codes if c not in framework.indicators]
    if unknown:
        raise ValidationError("indicators", f"unknown indicator code {', '.join(unknown)}")
    return Invitation("", prompt, authority, locality, codes, _expires(asked.expires, today),
                      _uses(asked.uses), 0, False, "")  # fmt: skip


def _expires(value: Any, today: dt.date) -> str:
    if value in (None, ""):
        return (today + dt.timedelta(days=DEFAULT_DAYS)).isoformat()
    try:
        return clean_date(value)
    except Exception:
        raise ValidationError("expires", "must be a date written YYYY-MM-DD") from None


def _uses(value: Any) -> int:
    if value in (None, ""):
        return DEFAULT_USES
    uses = value if isinstance(value, int) and not isinstance(value, bool) else None
    if uses is None and isinstance(value, str):
        uses = whole_number(value.strip())
    if uses is None or not 1 <= uses <= MAX_USES:
        raise ValidationError("uses", f"must be a whole number from 1 to {MAX_USES:,}")
    return uses


def invite(ev: Evidence, asked: InviteRequest, actor: str = "") -> Invitation:
    """Make an invitation; the answer's ``link`` (``/tell/TOKEN``) is shown this once."""
    return store.create_invitation(ev.store, _checked(ev, asked, dt.date.today()), actor)


def listed(ev: Evidence) -> list[Invitation]:
    """Every invitation, newest first, without links."""
    return store.list_invitations(ev.store)


def revoke(ev: Evidence, invitation_id: str, actor: str = "") -> Invitation:
    """Close an invitation for good."""
    return store.revoke_invitation(ev.store, invitation_id, actor)


def read_back(ev: Evidence, date_from: Any, date_to: Any) -> tuple[str, str, Any, str]:
    """A period's stories as families signified them: (from, to, counts, SVG picture); the
    period defaults to the year to today."""
    from . import picture

    today = dt.date.today()
    try:
        start = clean_date(date_from) if date_from else (today - dt.timedelta(days=365)).isoformat()
        end = clean_date(date_to) if date_to else today.isoformat()
    except Exception:
        raise ValidationError("from", "the period's dates must be written YYYY-MM-DD") from None
    reading = picture.read(store.significations(ev.store, start, end))
    return start, end, reading, picture.svg(reading, ev.data_dir / "cache")


def full_link(link: str, host_url: str, base_url: str | None) -> str:
    """The link with its base: WM2U_BASE_URL if set, else the address the editor used."""
    return (base_url or host_url).rstrip("/") + link


def qr_png(text: str) -> bytes:
    """A QR code of ``text`` as a PNG, drawn by segno (error correction M, a quiet zone)."""
    import segno

    out = io.BytesIO()
    segno.make(text, error="m", micro=False).save(out, kind="png", scale=8, border=4)
    return out.getvalue()


def qr_data_uri(text: str) -> str:
    """The same QR code as a ``data:`` URI, for the flyer to show in an ``<img>`` (escaped by
    the template like any text: no markup of ours or of a client's is trusted as HTML)."""
    return "data:image/png;base64," + base64.b64encode(qr_png(text)).decode("ascii")

"""Signed, revocable per-commune survey links.

A token is ``<link id>.<signature>``: the id is 72 random bits naming a ``SurveyLink`` row
(which names the round and the unit), the signature an HMAC-SHA256 of the id truncated to 96
bits. The signature lets us reject forged tokens without touching the database; the row lets us
revoke and rotate a printed link. Tokens are short so the QR code stays easy to scan.
"""

from __future__ import annotations

import base64
import hmac
import re
import secrets
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from survey_app.rounds.models import SurveyLink, SurveyRound
from survey_app.security import derived_key
from survey_app.sql_types import utcnow
from survey_app.units.models import AdminUnit

# Used with fullmatch: "$" would accept a trailing newline ("/s/<token>%0A").
_TOKEN_RE = re.compile(r"([A-Za-z0-9_-]{12})\.([A-Za-z0-9_-]{16})")


def _signature(link_id: str) -> str:
    mac = hmac.new(derived_key("LINK_SECRET"), b"survey-link:v1:" + link_id.encode(), "sha256")
    return base64.urlsafe_b64encode(mac.digest()[:12]).decode()


def token_for(link: SurveyLink) -> str:
    return f"{link.id}.{_signature(link.id)}"


def public_url(link: SurveyLink) -> str:
    base = str(current_app.config["PUBLIC_BASE_URL"]).rstrip("/")
    return f"{base}/s/{token_for(link)}"


#: Hosts a citizen's phone can never reach: QR codes pointing there are useless on a poster.
_LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "0.0.0.0"}


def public_address_problem() -> str | None:
    """Why the configured PUBLIC_BASE_URL cannot go on posters, or None when it can.

    Outside debug mode, an unset address or a loopback one means every printed QR code opens
    nothing on a citizen's phone: pages and commands show this loudly instead of printing it.
    """
    if current_app.debug:
        return None
    base = str(current_app.config.get("PUBLIC_BASE_URL") or "").strip()
    host = (urlsplit(base).hostname or "").lower()
    if not base or not host:
        return (
            "Chưa đặt địa chỉ công khai của hệ thống (PUBLIC_BASE_URL): mã QR và áp phích "
            "sẽ không mở được trên điện thoại của người dân."
        )
    if host in _LOCAL_HOSTS or host.startswith("127."):
        return (
            f"Địa chỉ công khai của hệ thống là {base}, chỉ mở được trên chính máy chủ: mã QR "
            "và áp phích in ra sẽ không dùng được. Đặt FLASK_PUBLIC_BASE_URL thành địa chỉ "
            "người dân truy cập được (ví dụ https://khaosat.huongson.gov.vn) rồi khởi động lại."
        )
    return None


def kiosk_code(link: SurveyLink) -> str:
    """The signed flag that opens a link in kiosk mode (a shared tablet at the counter).

    Signed so that the flag printed for staff cannot be made up for another unit's link; it
    changes nothing stored, only what the receipt does next (collection/kiosk.py).
    """
    mac = hmac.new(derived_key("LINK_SECRET"), b"survey-kiosk:v1:" + link.id.encode(), "sha256")
    return base64.urlsafe_b64encode(mac.digest()[:9]).decode()


def kiosk_url(link: SurveyLink) -> str:
    """The address staff open once on a counter tablet: the unit's link with its kiosk flag."""
    return f"{public_url(link)}?kiosk={kiosk_code(link)}"


def resolve_token(
    session: Session, token: str, *, include_revoked: bool = False
) -> SurveyLink | None:
    """The live link a token names, or None for malformed, forged, unknown or revoked tokens.

    ``include_revoked``: a revoked link's token still resolves (receipts of responses sent
    before the link was rotated stay reachable; the form itself is gone)."""
    match = _TOKEN_RE.fullmatch(token)
    if match is None:
        return None
    link_id, signature = match.groups()
    if not hmac.compare_digest(signature, _signature(link_id)):
        return None
    # Every page needs the round (open period, questionnaire) and most the unit's name: one
    # query with joins instead of a lazy load for each.
    link = session.get(
        SurveyLink, link_id, options=(joinedload(SurveyLink.round), joinedload(SurveyLink.unit))
    )
    if link is None or (link.revoked_at is not None and not include_revoked):
        return None
    return link


def active_link(session: Session, survey_round: SurveyRound, unit: AdminUnit) -> SurveyLink | None:
    return session.scalars(
        select(SurveyLink).where(
            SurveyLink.round_id == survey_round.id,
            SurveyLink.unit_id == unit.id,
            SurveyLink.revoked_at.is_(None),
        )
    ).first()


def ensure_link(session: Session, survey_round: SurveyRound, unit: AdminUnit) -> SurveyLink:
    """The unit's live link for the round, created if it has none."""
    link = active_link(session, survey_round, unit)
    if link is None:
        link = SurveyLink(id=_new_link_id(), round=survey_round, unit=unit)
        session.add(link)
        session.flush()
    return link


def revoke_links(session: Session, survey_round: SurveyRound, unit: AdminUnit) -> int:
    """Revoke every live link of the unit in the round; returns how many were revoked."""
    links = session.scalars(
        select(SurveyLink).where(
            SurveyLink.round_id == survey_round.id,
            SurveyLink.unit_id == unit.id,
            SurveyLink.revoked_at.is_(None),
        )
    ).all()
    now = utcnow()
    for link in links:
        link.revoked_at = now
    session.flush()
    return len(links)


def rotate_link(session: Session, survey_round: SurveyRound, unit: AdminUnit) -> SurveyLink:
    """Revoke the unit's live links and issue a new one (e.g. after a poster was misused)."""
    revoke_links(session, survey_round, unit)
    return ensure_link(session, survey_round, unit)


def _new_link_id() -> str:
    return secrets.token_urlsafe(9)

"""Every commune's QR poster of a round on one printable page, for the district office."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, render_template, url_for

from survey_app.db import get_session
from survey_app.rounds.access import round_for_staff, round_units
from survey_app.rounds.links import (
    active_link,
    kiosk_url,
    public_address_problem,
    public_url,
    token_for,
)
from survey_app.rounds.services import round_questionnaire
from survey_app.staff import authz
from survey_app.units.models import AdminUnit

bp = Blueprint("posters", __name__, url_prefix="/staff/rounds/<round_code>/posters")


@dataclass(frozen=True)
class PosterItem:
    unit_name: str
    public_url: str
    # Opened once on the office's shared tablet: the form returns to a fresh questionnaire
    # after each receipt (collection/kiosk.py).
    kiosk_url: str
    poster_url: str
    qr_url: str
    png_url: str


@bp.get("/")
@authz.roles_required("admin", "district_officer", "commune_officer")
def print_all(round_code: str) -> str:
    """One A4 page per unit (a commune officer gets their own unit's only)."""
    session = get_session()
    survey_round = round_for_staff(round_code)
    scope = authz.unit_scope()
    posters: list[PosterItem] = []
    missing: list[str] = []
    for ref in round_units(session, survey_round):
        if scope is not None and ref.id != scope:
            continue
        unit = session.get(AdminUnit, ref.id)
        link = active_link(session, survey_round, unit) if unit is not None else None
        if link is None:
            # A revoked link is not silently re-issued by a page view: rotating is a decision.
            missing.append(ref.name)
            continue
        token = token_for(link)
        posters.append(
            PosterItem(
                unit_name=ref.name,
                public_url=public_url(link),
                kiosk_url=kiosk_url(link),
                poster_url=url_for("survey.poster", token=token),
                qr_url=url_for("survey.qr_image_svg", token=token),
                png_url=url_for("survey.qr_image_png", token=token),
            )
        )
    return render_template(
        "rounds/posters.html",
        survey_round=survey_round,
        survey_title=round_questionnaire(survey_round).title["vi"],
        posters=posters,
        missing=missing,
        address_problem=public_address_problem(),
    )

"""Creating a PAR Index round on the web (``flask create-par-round`` does the same).

District officers and administrators. The round gets a draft assessment per unit (the linked
survey round's units, else the communes valid for the year); its later steps (council,
calendar, appraisal, approval, publication) are on the PAR pages.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response as WerkzeugResponse
from wtforms.fields.choices import SelectChoice

from survey_app.admin.forms import ParRoundForm, local_moment
from survey_app.db import get_session
from survey_app.par.rounds import (
    BAND_PRESETS,
    ParRoundProblem,
    create_par_round,
    criteria_catalog,
    par_round_by_code,
)
from survey_app.rounds.models import SurveyRound
from survey_app.staff import authz

bp = Blueprint("par_round_admin", __name__, url_prefix="/staff/admin/par-rounds")

Page = str | tuple[str, int] | WerkzeugResponse


def _choices(form: ParRoundForm) -> None:
    catalog = criteria_catalog()
    form.criteria.choices = [
        SelectChoice(
            f"{set_id}@{version}", f"{catalog.get(set_id, version).title['vi']} ({version})"
        )
        for set_id in catalog.set_ids()
        for version in catalog.versions(set_id)
    ]
    rounds = get_session().scalars(
        select(SurveyRound)
        .where(SurveyRound.archived_at.is_(None))
        .order_by(SurveyRound.opens_at.desc())
    )
    form.survey_round.choices = [SelectChoice("", "— không có khảo sát —")] + [
        SelectChoice(r.code, f"{r.title} ({r.code})") for r in rounds
    ]


@bp.route("/new", methods=["GET", "POST"])
@authz.roles_required("admin", "district_officer")
def create() -> Page:
    form = ParRoundForm()
    _choices(form)
    if form.validate_on_submit():
        session = get_session()
        code = form.code.data.strip()
        set_id, _, version = str(form.criteria.data).partition("@")
        if par_round_by_code(session, code) is not None:
            form.code.errors.append("Đã có đợt Chỉ số CCHC với mã này.")
        else:
            try:
                par_round = create_par_round(
                    session,
                    criteria_catalog(),
                    code=code,
                    title=form.title.data.strip(),
                    year=int(form.year.data),
                    criteria_set_id=set_id,
                    criteria_version=version,
                    deadline=local_moment(form.deadline_on.data, form.deadline_time.data),
                    survey_round_code=form.survey_round.data or None,
                    no_survey_rule=form.no_survey_rule.data,
                    bands=BAND_PRESETS[form.bands.data],
                    actor=authz.user(),
                )
            except ParRoundProblem as problem:
                session.rollback()
                flash(f"Chưa tạo được đợt: {problem}", "error")
            else:
                session.commit()  # create_par_round audited it (actor given)
                flash(
                    f"Đã tạo đợt {par_round.code} với {len(par_round.assessments)} đơn vị.", "info"
                )
                return redirect(url_for("par.round_overview", round_code=par_round.code))
    status = 422 if form.is_submitted() else 200
    return render_template("admin/par_round_form.html", form=form), status

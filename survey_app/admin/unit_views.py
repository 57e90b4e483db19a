"""Administrative units and transaction counts on the web: the list with validity dates,
predecessors and successors, and uploads of CSV or Excel files, applied all-or-nothing.

District officers and administrators. The checks are those of ``units.importing`` (shared with
``flask import-units`` / ``import-counts``); a file with any problem changes nothing and every
problem is listed with its row number.
"""

from __future__ import annotations

import tempfile
from collections import defaultdict
from pathlib import Path

from flask import Blueprint, flash, redirect, render_template, url_for
from sqlalchemy import func, select
from werkzeug.wrappers import Response as WerkzeugResponse

from survey_app.admin.forms import UploadForm
from survey_app.db import get_session
from survey_app.staff import audit, authz
from survey_app.units.importing import ImportProblems, import_counts, import_units
from survey_app.units.models import AdminUnit, TransactionCount
from survey_app.units.naming import kind_label

bp = Blueprint("unit_admin", __name__, url_prefix="/staff/admin/units")

EDITORS = ("admin", "district_officer")
Page = str | tuple[str, int] | WerkzeugResponse


def _render(form: UploadForm, problems: list[str] | None = None, status: int = 200) -> Page:
    session = get_session()
    units = list(session.scalars(select(AdminUnit).order_by(AdminUnit.code)))
    successors: dict[int, list[AdminUnit]] = defaultdict(list)
    for unit in units:
        for predecessor in unit.predecessors:
            successors[predecessor.id].append(unit)
    periods = session.execute(
        select(
            TransactionCount.period_start,
            TransactionCount.period_end,
            TransactionCount.illustrative,
            func.count(func.distinct(TransactionCount.unit_id)),
            func.sum(TransactionCount.transactions).filter(TransactionCount.field == ""),
        )
        .group_by(
            TransactionCount.period_start,
            TransactionCount.period_end,
            TransactionCount.illustrative,
        )
        .order_by(TransactionCount.period_start.desc())
    ).all()
    html = render_template(
        "admin/units.html",
        form=form,
        problems=problems or [],
        units=units,
        successors=successors,
        periods=periods,
        kind_label=kind_label,
    )
    return html, status


@bp.get("/")
@authz.roles_required(*EDITORS)
def index() -> Page:
    return _render(UploadForm(formdata=None))


@bp.post("/")
@authz.roles_required(*EDITORS)
def upload() -> Page:
    form = UploadForm()
    if not form.validate():
        return _render(form, status=422)
    upload = form.file.data
    suffix = Path(upload.filename or "").suffix.lower()
    session = get_session()
    with tempfile.TemporaryDirectory() as folder:
        # Problems quote the file by name, as the officer saved it.
        path = Path(folder) / (Path(upload.filename or f"tep{suffix}").name or f"tep{suffix}")
        upload.save(path)
        try:
            if form.what.data == "units":
                summary = import_units(session, path)
            else:
                summary = import_counts(
                    session,
                    path,
                    illustrative=bool(form.illustrative.data),
                    source=(form.source.data or "").strip(),
                )
        except ImportProblems as problems:
            session.rollback()
            return _render(form, problems.problems, 422)
    audit.record(
        session,
        "units_imported" if form.what.data == "units" else "counts_imported",
        target=path.name[:200],
        detail={"created": summary.created, "updated": summary.updated},
    )
    session.commit()
    flash(
        f"Đã nhập {path.name}: {summary.created} dòng mới, {summary.updated} dòng cập nhật.", "info"
    )
    return redirect(url_for(".index"))

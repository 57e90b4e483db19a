"""The public page of a published PAR Index (no login): the ranking with each commune's
satisfaction component, its interval and n, the method in plain Vietnamese, the downloads,
and every earlier version marked as superseded.

Only published versions are ever shown, read from their frozen snapshots; a round under
correction keeps showing its last published version, and an unpublished round is a 404.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, render_template

from survey_app.db import get_session
from survey_app.par.publication_exports import iter_csv, notes, xlsx_bytes
from survey_app.par.publication_models import ParPublication
from survey_app.par.rounds import par_round_by_code
from survey_app.par.rules import show_moment

bp = Blueprint("par_public", __name__, url_prefix="/cong-khai", cli_group=None)


def _publications(round_code: str) -> list[ParPublication]:
    par_round = par_round_by_code(get_session(), round_code)
    if par_round is None or not par_round.publications:
        abort(404)
    return list(par_round.publications)


def _version(round_code: str, number: int | None) -> tuple[ParPublication, list[ParPublication]]:
    publications = _publications(round_code)
    if number is None:
        return publications[-1], publications
    found = next((p for p in publications if p.number == number), None)
    if found is None:
        abort(404)
    return found, publications


def _render(round_code: str, number: int | None) -> str:
    publication, publications = _version(round_code, number)
    return render_template(
        "par/public.html",
        publication=publication,
        publications=publications,
        snap=publication.snapshot,
        correcting=bool(publication.round.correction_reason),
    )


@bp.get("/<round_code>")
def ranking(round_code: str) -> str:
    return _render(round_code, None)


@bp.get("/<round_code>/phien-ban/<int:number>")
def version(round_code: str, number: int) -> str:
    return _render(round_code, number)


def _download(round_code: str, number: int, kind: str) -> Response:
    publication, _ = _version(round_code, number)
    lines = notes(
        publication.snapshot,
        publication.number,
        show_moment(publication.published_at),
        show_moment(publication.superseded_at) if publication.superseded_at else "",
    )
    name = f"chi-so-cchc-{round_code}-phien-ban-{number}.{kind}"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    if kind == "csv":
        return Response(iter_csv(publication.snapshot, lines), mimetype="text/csv", headers=headers)
    return Response(
        xlsx_bytes(publication.snapshot, lines),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers=headers,
    )


@bp.get("/<round_code>/phien-ban/<int:number>/chi-so-cchc.csv")
def download_csv(round_code: str, number: int) -> Response:
    return _download(round_code, number, "csv")


@bp.get("/<round_code>/phien-ban/<int:number>/chi-so-cchc.xlsx")
def download_xlsx(round_code: str, number: int) -> Response:
    return _download(round_code, number, "xlsx")

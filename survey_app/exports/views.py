"""Exports of a round: raw responses (CSV, XLSX, SPSS) and the weighted estimates (CSV, XLSX).

CSV comes as the ``vi`` flavour (Excel in Vietnamese) unless ``flavour=plain`` is asked for;
its method note is a download of its own (``…-method-note.csv``), an XLSX file carries it as a
sheet. Sheet names are Vietnamese.

Raw responses: administrators, district officers, analysts, and commune officers for their own
unit. Estimates: every staff role, scoped like the results pages. Filters are validated (400 +
audit); a unit outside the user's scope is refused (403 + audit); every export is audited with
who, round, filters, format and row count before the first byte is sent.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pandas as pd
from flask import Blueprint, current_app, render_template, request, stream_with_context
from flask import Response as HttpResponse
from sqlalchemy.orm import Session

from analysis import columns as col
from survey_app.db import get_session
from survey_app.exports.filters import (
    RESPONSE_FILTERS,
    WEIGHTING_PARAMETERS,
    read_filters,
)
from survey_app.exports.formats import (
    CSV_FLAVOURS,
    DEFAULT_FLAVOUR,
    FLAVOUR_PARAMETER,
    NOTE_HEADER,
    XLSX_MAX_ROWS,
    CsvFlavour,
    FlavourProblem,
    Sheet,
    codebook_rows,
    csv_chunks,
    csv_flavour,
    stream_file,
    temporary_path,
    write_xlsx,
)
from survey_app.exports.preparation import ResponseExport, describe, prepare_export
from survey_app.exports.rows import count_rows, numeric_code_positions
from survey_app.exports.sav import write_sav
from survey_app.formatting import integer
from survey_app.query import QueryProblem, single_values
from survey_app.questionnaires.loading import app_catalog
from survey_app.results.estimates import ESTIMATE_COLUMNS, ResultsProblem, compute_results
from survey_app.results.method_note import MethodNote
from survey_app.results.options import (
    ADJUSTMENT_LABELS,
    OPTION_PARAMETERS,
    OptionsProblem,
    results_options,
)
from survey_app.rounds.access import round_for_staff, units_of_round, visible_units
from survey_app.rounds.models import SurveyRound
from survey_app.rounds.services import round_questionnaire
from survey_app.sql_types import utcnow
from survey_app.staff import audit, authz
from survey_app.staff.refusals import refuse

bp = Blueprint("exports", __name__, url_prefix="/staff/rounds/<round_code>/exports")

RAW_ROLES = ("admin", "district_officer", "analyst", "commune_officer")
#: Sheet names as a Vietnamese office reads them (within Excel's 31 characters).
SHEET_RESPONSES = "Phiếu trả lời"
SHEET_CODEBOOK = "Bảng mã biến"
SHEET_ESTIMATES = "Ước lượng"
SHEET_NOTE = "Ghi chú phương pháp"
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "sav": "application/x-spss-sav",
}


def _download_name(*parts: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", "_".join(part for part in parts if part))


def _attachment(body: Iterator[bytes], fmt: str, name: str, size: int | None = None) -> Any:
    headers = {"Content-Disposition": f'attachment; filename="{name}.{fmt}"'}
    if size is not None:
        headers["Content-Length"] = str(size)
    return HttpResponse(stream_with_context(body), mimetype=MEDIA_TYPES[fmt], headers=headers)


def _closing(session: Session, chunks: Iterator[bytes]) -> Iterator[bytes]:
    """Close the session a stream reads from once it ends (or the client goes away).

    Flask tears the request down when the view returns, before the body is streamed; rows
    read after that reopen the session, which nothing else would close again (PostgreSQL
    would keep the connection idle in a transaction).
    """
    try:
        yield from chunks
    finally:
        session.close()


def _file_download(path: Path, fmt: str, name: str) -> Any:
    return _attachment(stream_file(path), fmt, name, path.stat().st_size)


def _record_export(
    session: Session, survey_round: SurveyRound, kind: str, fmt: str, rows: int, **detail: Any
) -> None:
    audit.record(
        session,
        "export",
        target=survey_round.code,
        detail={"kind": kind, "format": fmt, "rows": rows, **detail},
    )
    session.commit()


@bp.get("/")
@authz.roles_required(*authz.STAFF_ROLES)
def index(round_code: str) -> str:
    survey_round = round_for_staff(round_code)
    return render_template(
        "exports/index.html",
        survey_round=survey_round,
        units=visible_units(survey_round),
        district=authz.unit_scope() is None,
        raw_allowed=authz.user().role in RAW_ROLES,
        adjustments=ADJUSTMENT_LABELS,
        options=results_options(current_app.config, survey_round.code),
        flavours=CSV_FLAVOURS,
        default_flavour=DEFAULT_FLAVOUR,
    )


def _flavour(values: dict[str, str], fmt: str) -> CsvFlavour:
    """The CSV flavour asked for; ``flavour`` means nothing to XLSX or SPSS, so it is refused."""
    if fmt != "csv" and FLAVOUR_PARAMETER in values:
        raise FlavourProblem(f"'{FLAVOUR_PARAMETER}' chỉ dùng cho tệp CSV")
    return csv_flavour(values.get(FLAVOUR_PARAMETER))


@dataclass(frozen=True)
class _Responses:
    export: ResponseExport
    flavour: CsvFlavour


@dataclass(frozen=True)
class _Estimates:
    rows: list[list[Any]]
    note: MethodNote
    flavour: CsvFlavour
    unit_code: str


def _responses_export(round_code: str, fmt: str, *, note: bool) -> _Responses | tuple[str, int]:
    """Check the request, then prepare the export (or answer with the refusal page)."""
    survey_round = round_for_staff(round_code)
    try:
        values = single_values(
            request.args, (*RESPONSE_FILTERS, *WEIGHTING_PARAMETERS, FLAVOUR_PARAMETER)
        )
        flavour = _flavour(values, fmt)
        filters = read_filters(values, units_of_round(survey_round), authz.unit_scope())
        weighting = {key: values[key] for key in WEIGHTING_PARAMETERS if key in values}
        options = results_options(current_app.config, survey_round.code, weighting)
    except (QueryProblem, OptionsProblem, FlavourProblem) as problem:
        return refuse(f"Bộ lọc không hợp lệ: {problem}", round=round_code, format=fmt)
    if filters.unit is not None:
        authz.require_unit_access(filters.unit.id)
    filters = replace(filters, as_of=utcnow())
    options = replace(options, cutoff=filters.date_to)
    session = get_session()
    count, latest = count_rows(session, survey_round, filters)
    if fmt == "xlsx" and count >= XLSX_MAX_ROWS:
        return refuse(
            f"Tệp XLSX chứa tối đa {integer(XLSX_MAX_ROWS - 1)} dòng, bộ lọc này có "
            f"{integer(count)} phiếu: thu hẹp khoảng ngày hoặc đơn vị, hoặc tải CSV",
            round=round_code,
            format=fmt,
        )
    sav_limit = int(current_app.config["EXPORT_SAV_MAX_ROWS"])
    if fmt == "sav" and count > sav_limit:
        return refuse(
            f"Tệp SPSS được tạo trong bộ nhớ nên giới hạn {integer(sav_limit)} phiếu, bộ lọc "
            f"này có {integer(count)}: thu hẹp khoảng ngày hoặc đơn vị, hoặc tải CSV",
            round=round_code,
            format=fmt,
        )
    questionnaire = round_questionnaire(survey_round)
    export = prepare_export(
        session, survey_round, questionnaire, filters, options, rows=(count, latest), fmt=fmt
    )
    _record_export(
        session,
        survey_round,
        "responses_method_note" if note else "responses",
        fmt,
        count,
        filters=filters.describe(),
        weighting=options.query(),
        weights_error=export.weights_error,
        **({"flavour": flavour.name} if fmt == "csv" else {}),
    )
    return _Responses(export, flavour)


@bp.get("/responses.<any(csv, xlsx, sav):fmt>")
@authz.roles_required(*RAW_ROLES)
def responses(round_code: str, fmt: str) -> Any:
    prepared = _responses_export(round_code, fmt, note=False)
    if not isinstance(prepared, _Responses):
        return prepared
    export, flavour = prepared.export, prepared.flavour
    session = get_session()
    name = _download_name(round_code, "responses", *export.filters.describe().values())
    header = export.header
    timestamps = [header.index(col.SUBMITTED_AT)]
    if fmt == "csv":
        chunks = csv_chunks(
            header,
            export.rows(session),
            flavour=flavour,
            free_text=export.free_text,
            timestamps=timestamps,
        )
        return _attachment(_closing(session, chunks), fmt, name)
    path = temporary_path("." + fmt)
    try:
        if fmt == "xlsx":
            write_xlsx(
                path,
                [
                    Sheet(
                        SHEET_RESPONSES,
                        header,
                        export.rows(session),
                        codes=numeric_code_positions(export.questionnaire),
                        timestamps=timestamps,
                    ),
                    Sheet(
                        SHEET_CODEBOOK,
                        *_split(codebook_rows(export.questionnaire, header, local_times=True)),
                    ),
                    Sheet(SHEET_NOTE, NOTE_HEADER, export.note.items()),
                ],
            )
        else:
            write_sav(path, export.questionnaire, header, export.rows(session), export.note.lines())
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return _file_download(path, fmt, name)


@bp.get("/responses-method-note.csv")
@authz.roles_required(*RAW_ROLES)
def responses_note(round_code: str) -> Any:
    """The method note of a CSV export: same parameters, so it describes the same rows."""
    prepared = _responses_export(round_code, "csv", note=True)
    if not isinstance(prepared, _Responses):
        return prepared
    filters = prepared.export.filters.describe().values()
    name = _download_name(round_code, "responses", "method_note", *filters)
    return _note_download(prepared.export.note, prepared.flavour, name)


def _note_download(note: MethodNote, flavour: CsvFlavour, name: str) -> Any:
    return _attachment(csv_chunks(NOTE_HEADER, note.items(), flavour=flavour), "csv", name)


def _split(table: list[list[str]]) -> tuple[list[str], list[list[str]]]:
    return table[0], table[1:]


def _estimate_rows(estimates: pd.DataFrame) -> list[list[Any]]:
    """Rows for CSV/XLSX: NaN (no estimate, or suppressed) becomes an empty cell."""
    table = estimates[list(ESTIMATE_COLUMNS)].astype(object)
    return [
        [None if isinstance(v, float) and v != v else v for v in row]  # v != v: NaN
        for row in table.itertuples(index=False, name=None)
    ]


def _estimates_export(round_code: str, fmt: str, *, note: bool) -> _Estimates | tuple[str, int]:
    """Check the request and compute the estimates (or answer with the refusal page)."""
    survey_round = round_for_staff(round_code)
    try:
        values = single_values(request.args, ("unit", FLAVOUR_PARAMETER, *OPTION_PARAMETERS))
        flavour = _flavour(values, fmt)
        filters = read_filters(
            {"unit": values.get("unit", "")}, units_of_round(survey_round), authz.unit_scope()
        )
        options = results_options(
            current_app.config,
            survey_round.code,
            {key: values[key] for key in OPTION_PARAMETERS if key in values},
        )
    except (QueryProblem, OptionsProblem, FlavourProblem) as problem:
        return refuse(f"Bộ lọc không hợp lệ: {problem}", round=round_code, format=fmt)
    if filters.unit is not None:
        authz.require_unit_access(filters.unit.id)
    session = get_session()
    try:
        results = compute_results(session, survey_round, options, app_catalog())
    except ResultsProblem as problem:
        return refuse(f"Chưa tính được kết quả: {problem}", status=422, round=round_code)
    table = results.estimates
    if filters.unit is not None:
        table = table[table["unit_code"] == filters.unit.code]
    elif authz.unit_scope() is not None:
        # read_filters gives a commune officer their own unit; never fall through to all units.
        authz.deny("unit", round=round_code)
    rows = _estimate_rows(table)
    unit_code = filters.describe()["unit"]
    method = results.table.note.with_extra(
        [("Bộ lọc", describe({"unit": unit_code})), ("Định dạng tệp", fmt)]
    )
    _record_export(
        session,
        survey_round,
        "estimates_method_note" if note else "estimates",
        fmt,
        len(rows),
        filters={"unit": unit_code},
        options=options.query(),
        **({"flavour": flavour.name} if fmt == "csv" else {}),
    )
    return _Estimates(rows, method, flavour, unit_code)


@bp.get("/estimates.<any(csv, xlsx):fmt>")
@authz.roles_required(*authz.STAFF_ROLES)
def estimates(round_code: str, fmt: str) -> Any:
    prepared = _estimates_export(round_code, fmt, note=False)
    if not isinstance(prepared, _Estimates):
        return prepared
    rows, note, flavour, unit_code = (
        prepared.rows,
        prepared.note,
        prepared.flavour,
        prepared.unit_code,
    )
    name = _download_name(round_code, "estimates", unit_code)
    if fmt == "csv":
        return _attachment(csv_chunks(ESTIMATE_COLUMNS, rows, flavour=flavour), fmt, name)
    path = temporary_path(".xlsx")
    try:
        write_xlsx(
            path,
            [
                Sheet(SHEET_ESTIMATES, ESTIMATE_COLUMNS, rows),
                Sheet(SHEET_NOTE, NOTE_HEADER, note.items()),
            ],
        )
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return _file_download(path, fmt, name)


@bp.get("/estimates-method-note.csv")
@authz.roles_required(*authz.STAFF_ROLES)
def estimates_note(round_code: str) -> Any:
    """The method note of an estimates CSV, for the same parameters."""
    prepared = _estimates_export(round_code, "csv", note=True)
    if not isinstance(prepared, _Estimates):
        return prepared
    name = _download_name(round_code, "estimates", "method_note", prepared.unit_code)
    return _note_download(prepared.note, prepared.flavour, name)

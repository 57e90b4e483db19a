"""Publishing a PAR round as numbered versions, and correcting it afterwards.

`publish` freezes the round (`workflow.publish_round`) and stores the table exactly as the
chairman confirmed it: the confirmation page shows a fingerprint of the table, and a table
that changed since (a late approval, a return) is refused instead of published unseen.
`start_correction` reopens a published round with a reason; the next `publish` adds version
n + 1 carrying that reason and marks version n superseded, which stays readable as it was.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from survey_app.par import workflow as par_workflow
from survey_app.par.models import ParRound
from survey_app.par.publication_models import ParPublication
from survey_app.par.rules import (
    ParConflict,
    ParInvalid,
    record_status,
    require_role,
    round_target,
    touch,
)
from survey_app.par.satisfaction import thaw
from survey_app.par.scoring import InputRefused, clean_text, parse_document_date
from survey_app.par.table import RANKING_NOTE, ParTable, TableRow, build_table
from survey_app.staff import audit
from survey_app.staff.models import User
from survey_app.units.naming import full_name


def _row(row: TableRow, kinds: dict[str, str]) -> dict[str, Any]:
    figures = row.satisfaction
    return {
        "rank": row.rank,
        "rank_low": row.rank_low,
        "rank_high": row.rank_high,
        "unit_code": row.unit_code,
        "unit_name": row.unit_name,
        "unit_kind": kinds.get(row.unit_code, ""),
        "field_points": list(row.field_points),
        "appraised": row.appraised,
        "satisfaction": None
        if figures is None or figures.index is None
        else {
            "index": figures.index,
            "ci_low": figures.ci_low,
            "ci_high": figures.ci_high,
            "n": figures.n,
            "small_sample": figures.small_sample,
        },
        "satisfaction_points": row.satisfaction_points,
        "rule_applied": row.rule_applied,
        "total": row.total,
        "max_points": row.max_points,
        "index_pct": row.index_pct,
        "band": row.band,
        "previous_index": row.previous_index,
        "previous_rank": row.previous_rank,
        "change": row.change,
        "previous_note": row.previous_note,
    }


def snapshot(table: ParTable) -> dict[str, Any]:
    """Everything the public page, the decision and the downloads show, as plain JSON."""
    par_round, criteria = table.par_round, table.criteria
    kinds = {a.unit.code: a.unit.kind for a in par_round.assessments}
    districts = {a.unit.parent.name for a in par_round.assessments if a.unit.parent is not None}
    return {
        "round": {"code": par_round.code, "title": par_round.title, "year": par_round.year},
        "district": sorted(districts)[0] if len(districts) == 1 else "",
        "criteria": {
            "set_id": criteria.set_id,
            "version": criteria.version,
            "total_points": float(criteria.total_points),
            "appraised_max": float(criteria.appraised_max),
            "satisfaction_max": float(criteria.satisfaction.max_points),
            "fields": [
                {"code": f.code, "label": f.label.get("vi"), "max_points": float(f.max_points)}
                for f in criteria.fields
            ],
        },
        "rule_label": table.rule_label,
        "ranking_note": RANKING_NOTE,
        "bands": list(par_round.bands),
        "previous": None
        if table.previous_round is None
        else {"code": table.previous_round.code, "year": table.previous_round.year},
        "rows": [_row(row, kinds) for row in table.rows],
        "unit_names": {code: full_name(a.unit) for code, a in _units(par_round).items()},
        "method_notes": list(table.method_notes),
    }


def _units(par_round: ParRound) -> dict[str, Any]:
    return {a.unit.code: a for a in par_round.assessments}


def fingerprint(data: dict[str, Any]) -> str:
    """A short hash of a snapshot: equal exactly when every figure shown is equal."""
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def pending_snapshot(session: Session, par_round: ParRound) -> dict[str, Any]:
    """What publishing now would freeze (the frozen figures of the approved communes)."""
    return snapshot(build_table(session, par_round))


def latest(par_round: ParRound) -> ParPublication | None:
    return par_round.publications[-1] if par_round.publications else None


def _decision(number: str, date: str, today: dt.date) -> tuple[str, dt.date | None]:
    errors: dict[str, str] = {}
    clean, day = "", None
    try:
        clean = clean_text(number, 100)
    except InputRefused as refused:
        errors["decision_number"] = str(refused)
    if date.strip():
        try:
            day = parse_document_date(date, today)
        except InputRefused as refused:
            errors["decision_date"] = str(refused)
    if errors:
        raise ParInvalid(errors, "Số hoặc ngày quyết định không hợp lệ.")
    return clean, day


def publish(
    session: Session,
    par_round: ParRound,
    actor: User,
    now: dt.datetime,
    *,
    expected_fingerprint: str | None = None,
    decision_number: str = "",
    decision_date: str = "",
) -> ParPublication:
    """Publish the round as its next version (the chairman, every commune approved).

    ``expected_fingerprint`` is the one the confirmation page showed; None skips the check
    (command line and tests).
    """
    if par_round.published_at is not None:
        raise ParConflict("Đợt này đã được công bố.")
    require_role(actor, ("chairman",), "công bố kết quả")
    number, day = _decision(decision_number, decision_date, now.date())
    data = pending_snapshot(session, par_round)
    # Its own checks first (every commune approved), so a round that cannot be published says
    # why rather than that the table changed; a refusal below rolls the statuses back.
    par_workflow.publish_round(session, par_round, actor, now)
    if expected_fingerprint is not None and expected_fingerprint != fingerprint(data):
        raise ParConflict(
            "Số liệu đã thay đổi từ khi mở trang xác nhận: xem lại bảng rồi xác nhận lại."
        )
    previous = latest(par_round)
    if previous is not None:
        previous.superseded_at = now
    publication = ParPublication(
        number=(previous.number + 1) if previous else 1,
        published_at=now,
        published_by_id=actor.id,
        reason=par_round.correction_reason,
        decision_number=number,
        decision_date=day,
        snapshot=data,
    )
    par_round.publications.append(publication)
    par_round.correction_reason = ""
    audit.record(
        session,
        "par_publication",
        target=round_target(par_round),
        actor=actor,
        detail={
            "version": publication.number,
            "reason": publication.reason,
            "fingerprint": fingerprint(data),
            "decision_number": number,
            "supersedes": previous.number if previous else None,
        },
    )
    return publication


def start_correction(
    session: Session,
    par_round: ParRound,
    actor: User,
    reason: str,
    unit_codes: Sequence[str],
    now: dt.datetime,
) -> int:
    """Reopen a published round to correct it; returns how many communes go back to the
    council (``unit_codes``; the others stay approved with their frozen figures).

    The published version stays public and unchanged until the corrected one is published.
    """
    require_role(actor, ("chairman",), "đính chính kết quả")
    if par_round.published_at is None:
        raise ParConflict("Chỉ đính chính được một đợt đã công bố.")
    errors: dict[str, str] = {}
    clean = ""
    try:
        clean = clean_text(reason)
    except InputRefused as refused:
        errors["reason"] = str(refused)
    if not clean and "reason" not in errors:
        errors["reason"] = "Ghi rõ lý do đính chính (sẽ được công bố kèm phiên bản mới)."
    by_code = {a.unit.code: a for a in par_round.assessments}
    unknown = sorted(set(unit_codes) - set(by_code))
    if unknown:
        errors["units"] = f"Đơn vị không thuộc đợt: {', '.join(unknown)}."
    if errors:
        raise ParInvalid(errors, "Chưa mở được đính chính; xem thông báo bên cạnh từng ô.")
    par_round.published_at = None
    par_round.published_by_id = None
    par_round.correction_reason = clean
    for code, assessment in by_code.items():
        if code in unit_codes:
            thaw(assessment)
            assessment.appraised_at = None
            assessment.approved_at = None
            record_status(session, actor, assessment, "submitted", clean, correction=True)
        else:
            record_status(session, actor, assessment, "approved", clean, correction=True)
        touch(assessment, now)
    audit.record(
        session,
        "par_correction_started",
        target=round_target(par_round),
        actor=actor,
        detail={"reason": clean, "returned": sorted(unit_codes)},
    )
    return len(unit_codes)

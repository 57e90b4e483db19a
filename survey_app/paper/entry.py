"""Typing in a paper form: the printed choice numbers become answer codes, the phone form's
rules apply, each serial is entered once, and the response is stored exactly once with channel
"paper".

Exactly once: the response's submission id is derived from (round, serial), so a retried or
repeated entry meets the unique constraint and returns the first response instead of a second.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey_app.collection.recording import (
    DossierAlreadyUsed,
    QuotaClosed,
    SubmissionConflict,
    record_response,
)
from survey_app.local_time import format_local
from survey_app.paper.layout import choice_keys
from survey_app.paper.models import PaperEntry
from survey_app.paper.serials import batch_of, serial_text
from survey_app.questionnaires.answers import validate_answers
from survey_app.questionnaires.model import Question, Questionnaire
from survey_app.rounds.links import ensure_link
from survey_app.rounds.models import SurveyLink, SurveyRound
from survey_app.staff import audit
from survey_app.staff.models import User
from survey_app.units.models import AdminUnit

PAPER_CHANNEL = "paper"
#: Namespace of the submission ids of paper forms (uuid5 of "<round id>:<serial>").
PAPER_NAMESPACE = uuid.UUID("6f1c1a52-4b7e-5a3e-9a0e-3c6f3f5d2b10")


class EntryRefused(ValueError):
    """The form cannot be stored; ``errors`` maps field names to Vietnamese messages."""

    def __init__(self, message: str, errors: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.errors = dict(errors or {})


@dataclass(frozen=True)
class Entered:
    entry: PaperEntry
    serial: str


def typed_codes(question: Question, typed: str) -> list[str]:
    """The answer codes of what the operator typed: the number printed beside the choice
    (``layout.choice_keys``), several separated by spaces for multiple choice, else the text."""
    text = typed.strip()
    if not text:
        return []
    if not question.choices:
        return [text]
    keys = dict(zip(choice_keys(question.choices), question.choices, strict=True))
    typed_keys = text.replace(",", " ").split() if question.type == "select_multiple" else [text]
    unknown = [key for key in typed_keys if key not in keys]
    if unknown:
        raise EntryRefused(
            "Có ô nhập sai.",
            {question.name: f"Nhập số của lựa chọn: {', '.join(keys)}."},
        )
    return [keys[key].name for key in typed_keys]


def earlier_entry(session: Session, survey_round: SurveyRound, number: int) -> PaperEntry | None:
    return session.scalars(
        select(PaperEntry).where(
            PaperEntry.round_id == survey_round.id, PaperEntry.serial == number
        )
    ).first()


def enter_form(
    session: Session,
    survey_round: SurveyRound,
    questionnaire: Questionnaire,
    number: int,
    typed: Mapping[str, str],
    actor: User,
    now: dt.datetime,
) -> Entered:
    """Check and store the paper form with serial ``number``; commits. Raises EntryRefused."""
    batch = batch_of(session, survey_round, number)
    if batch is None:
        raise EntryRefused(
            f"Số sê-ri {serial_text(number)} chưa được cấp trong đợt này.",
            {"serial": "Kiểm tra lại số in trên phiếu."},
        )
    if actor.role == "commune_officer" and actor.unit_id != batch.unit_id:
        raise EntryRefused(
            f"Phiếu {serial_text(number)} được in cho {batch.unit.name}, không phải đơn vị "
            "của bạn.",
            {"serial": "Phiếu của đơn vị khác."},
        )
    _refuse_if_entered(session, survey_round, number)
    raw: dict[str, list[str]] = {}
    errors: dict[str, str] = {}
    for question in questionnaire.fields:
        try:
            raw[question.name] = typed_codes(question, typed.get(question.name, ""))
        except EntryRefused as refused:
            errors.update(refused.errors)
    checked = validate_answers(questionnaire, raw, "vi")
    errors.update({k: v for k, v in checked.errors.items() if k not in errors})
    if errors:
        raise EntryRefused("Phiếu chưa được lưu: sửa các ô được đánh dấu.", errors)
    submission = str(uuid.uuid5(PAPER_NAMESPACE, f"{survey_round.id}:{number}"))
    try:
        recorded = record_response(
            session,
            _link(session, survey_round, batch.unit),
            questionnaire,
            checked.values,
            submission_id=submission,
            language="vi",
            duration_seconds=None,
            channel=PAPER_CHANNEL,
            now=now,
        )
    except DossierAlreadyUsed:
        raise EntryRefused(
            "Mã hồ sơ này đã được đánh giá trong đợt.", {"dossier_code": "Mã hồ sơ đã dùng."}
        ) from None
    except QuotaClosed:
        raise EntryRefused(
            f"{batch.unit.name} đã đủ chỉ tiêu và đợt ngừng nhận phiếu khi đủ chỉ tiêu."
        ) from None
    except SubmissionConflict:
        raise EntryRefused("Số sê-ri này đã được dùng cho đơn vị khác.") from None
    # record_response committed the response; the entry follows. Should a crash fall between
    # the two, entering the serial again meets the same submission id and only adds the entry.
    _refuse_if_entered(session, survey_round, number)
    entry = PaperEntry(
        round_id=survey_round.id,
        serial=number,
        unit_id=batch.unit_id,
        response_id=recorded.response.id,
        entered_by_id=actor.id,
    )
    session.add(entry)
    audit.record(
        session,
        "paper_entered",
        target=f"round:{survey_round.code}:{serial_text(number)}",
        actor=actor,
    )
    session.commit()
    return Entered(entry, serial_text(number))


def _refuse_if_entered(session: Session, survey_round: SurveyRound, number: int) -> None:
    earlier = earlier_entry(session, survey_round, number)
    if earlier is not None:
        who = earlier.entered_by.full_name if earlier.entered_by else "không rõ"
        raise EntryRefused(
            f"Phiếu {serial_text(number)} đã được nhập lúc {format_local(earlier.entered_at)} "
            f"bởi {who}. Mỗi phiếu chỉ nhập một lần.",
            {"serial": "Phiếu đã được nhập."},
        )


def _link(session: Session, survey_round: SurveyRound, unit: AdminUnit) -> SurveyLink:
    """A link of the unit in the round (revoked ones too): paper forms need no live QR link."""
    found = session.scalars(
        select(SurveyLink)
        .where(SurveyLink.round_id == survey_round.id, SurveyLink.unit_id == unit.id)
        .order_by(SurveyLink.revoked_at.is_not(None), SurveyLink.created_at.desc())
    ).first()
    return found if found is not None else ensure_link(session, survey_round, unit)

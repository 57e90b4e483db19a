"""Serial numbers of paper questionnaires: six digits and a check digit, issued atomically.

The check digit is the Luhn (mod 10) digit of ISO/IEC 7812, which catches every single mistyped
digit and almost every swap of two neighbours, the common errors of data entry by hand.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from survey_app.paper.models import PaperBatch
from survey_app.rounds.models import SurveyRound
from survey_app.staff import audit
from survey_app.staff.models import User
from survey_app.units.models import AdminUnit

#: A batch is printed in one go: more than this is a typing mistake, not a print run.
MAX_BATCH = 500
#: Six digits: a district's round never needs a million paper forms.
MAX_SERIAL = 999_999


class SerialProblem(ValueError):
    """A batch that cannot be issued as asked; the message says why, in Vietnamese."""


def luhn_digit(number: int) -> int:
    """The check digit that makes ``number`` followed by it pass the Luhn test."""
    total = 0
    for position, char in enumerate(reversed(str(number))):
        digit = int(char)
        if position % 2 == 0:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return (10 - total % 10) % 10


def serial_text(number: int) -> str:
    """The printed serial: the number on six digits, then its check digit ("0000125")."""
    return f"{number:06d}{luhn_digit(number)}"


def parse_serial(text: str) -> int | None:
    """The number of a typed serial, or None when it is malformed or its check digit is wrong."""
    cleaned = "".join(text.split())
    if len(cleaned) != 7 or not (cleaned.isascii() and cleaned.isdigit()):
        return None
    number, check = int(cleaned[:6]), int(cleaned[6])
    return number if number > 0 and luhn_digit(number) == check else None


def issue_batch(
    session: Session, survey_round: SurveyRound, unit: AdminUnit, count: int, actor: User
) -> PaperBatch:
    """Reserve ``count`` new serial numbers of the round for ``unit``; audited.

    One UPDATE ... RETURNING moves the round's counter: concurrent requests each get their own
    range on SQLite and PostgreSQL alike, without reading the counter first.
    """
    if not 1 <= count <= MAX_BATCH:
        raise SerialProblem(f"Số phiếu mỗi lần in từ 1 đến {MAX_BATCH}.")
    if not any(ru.unit_id == unit.id for ru in survey_round.units):
        raise SerialProblem(f"{unit.name} không tham gia đợt khảo sát này.")
    last = session.execute(
        update(SurveyRound)
        .where(SurveyRound.id == survey_round.id)
        .values(paper_serials_issued=SurveyRound.paper_serials_issued + count)
        .returning(SurveyRound.paper_serials_issued)
    ).scalar_one()
    if last > MAX_SERIAL:
        raise SerialProblem("Đợt đã dùng hết số sê-ri của phiếu giấy.")
    batch = PaperBatch(
        round_id=survey_round.id,
        unit_id=unit.id,
        first_serial=last - count + 1,
        count=count,
        created_by_id=actor.id,
    )
    session.add(batch)
    session.flush()
    audit.record(
        session,
        "paper_batch_issued",
        target=f"round:{survey_round.code}:{unit.code}",
        actor=actor,
        detail={"first": serial_text(batch.first_serial), "count": count},
    )
    return batch


def batches(session: Session, survey_round: SurveyRound) -> list[PaperBatch]:
    return list(
        session.scalars(
            select(PaperBatch)
            .where(PaperBatch.round_id == survey_round.id)
            .order_by(PaperBatch.first_serial.desc())
        )
    )


def batch_of(session: Session, survey_round: SurveyRound, number: int) -> PaperBatch | None:
    """The batch a serial number was printed in (None: never issued in this round)."""
    return session.scalars(
        select(PaperBatch).where(
            PaperBatch.round_id == survey_round.id,
            PaperBatch.first_serial <= number,
            PaperBatch.first_serial + PaperBatch.count > number,
        )
    ).first()

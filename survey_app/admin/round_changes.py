"""Changing survey rounds from the web: settings, units, open now, close early, extend, archive.

Every change is checked here (so the CLI and the pages refuse the same things), written to the
audit log with the old and new values, and left for the caller to commit. What responses
already depend on is protected: once a round has responses its questionnaire version cannot
change and a unit that answered cannot leave it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from survey_app.local_time import format_local
from survey_app.questionnaires.model import Catalog
from survey_app.responses.models import Response
from survey_app.rounds.links import ensure_link, revoke_links, rotate_link
from survey_app.rounds.models import QUOTA_POLICIES, RoundUnit, SurveyLink, SurveyRound
from survey_app.rounds.services import RoundProblem
from survey_app.staff import audit
from survey_app.staff.models import User
from survey_app.units.models import AdminUnit


@dataclass(frozen=True)
class RoundSettings:
    """What staff set on a round's form (times are aware UTC)."""

    title: str
    form_id: str
    form_version: str
    opens_at: dt.datetime
    closes_at: dt.datetime
    period_start: dt.date
    period_end: dt.date
    quota_policy: str
    unit_ids: tuple[int, ...]


def response_counts(session: Session, survey_round: SurveyRound) -> dict[int, int]:
    """Stored responses per unit id of the round."""
    rows = session.execute(
        select(Response.unit_id, func.count())
        .where(Response.round_id == survey_round.id)
        .group_by(Response.unit_id)
    )
    return {int(unit_id): int(count) for unit_id, count in rows}


def check_settings(catalog: Catalog, settings: RoundSettings) -> None:
    if catalog.find(settings.form_id, settings.form_version) is None:
        raise RoundProblem(
            f"Không có bảng hỏi {settings.form_id} phiên bản {settings.form_version}."
        )
    if settings.closes_at <= settings.opens_at:
        raise RoundProblem("Thời điểm kết thúc phải sau thời điểm bắt đầu.")
    if settings.period_end < settings.period_start:
        raise RoundProblem("Kỳ số liệu giao dịch: ngày kết thúc phải sau ngày bắt đầu.")
    if settings.quota_policy not in QUOTA_POLICIES:
        raise RoundProblem("Cách xử lý khi đủ chỉ tiêu không hợp lệ.")
    if not settings.unit_ids:
        raise RoundProblem("Chọn ít nhất một đơn vị tham gia.")


def update_round(
    session: Session,
    catalog: Catalog,
    survey_round: SurveyRound,
    settings: RoundSettings,
    actor: User,
) -> list[str]:
    """Apply ``settings``; returns the names of what changed (audited as one entry)."""
    check_settings(catalog, settings)
    answered = response_counts(session, survey_round)
    changed: dict[str, list[str]] = {}
    version_now = (survey_round.form_id, survey_round.form_version)
    if (settings.form_id, settings.form_version) != version_now:
        if answered:
            raise RoundProblem(
                "Đợt đã có phiếu trả lời: không thể đổi bảng hỏi (mọi phiếu phải cùng một "
                "phiên bản). Hãy tạo đợt mới."
            )
        changed["form"] = ["@".join(version_now), f"{settings.form_id}@{settings.form_version}"]
        survey_round.form_id, survey_round.form_version = settings.form_id, settings.form_version
    for name in ("title", "opens_at", "closes_at", "period_start", "period_end", "quota_policy"):
        old, new = getattr(survey_round, name), getattr(settings, name)
        if old != new:
            changed[name] = [str(old), str(new)]
            setattr(survey_round, name, new)
    current = {ru.unit_id for ru in survey_round.units}
    wanted = set(settings.unit_ids)
    leaving = current - wanted
    blocked = [unit_id for unit_id in leaving if answered.get(unit_id)]
    if blocked:
        names = session.scalars(select(AdminUnit.name).where(AdminUnit.id.in_(blocked)))
        raise RoundProblem(
            "Không thể bỏ đơn vị đã có phiếu trả lời: " + ", ".join(sorted(names)) + "."
        )
    for round_unit in [ru for ru in survey_round.units if ru.unit_id in leaving]:
        revoke_links(session, survey_round, round_unit.unit)
        survey_round.units.remove(round_unit)
    for unit in session.scalars(select(AdminUnit).where(AdminUnit.id.in_(wanted - current))):
        survey_round.units.append(RoundUnit(unit=unit))
        session.flush()
        ensure_link(session, survey_round, unit)
    if leaving or wanted - current:
        changed["units"] = [str(len(current)), str(len(wanted))]
    if changed:
        audit.record(
            session,
            "round_updated",
            target=f"round:{survey_round.code}",
            actor=actor,
            detail=changed,
        )
    session.flush()
    return list(changed)


def open_now(session: Session, survey_round: SurveyRound, actor: User, now: dt.datetime) -> None:
    """Open a round that has not started yet, from this moment."""
    if survey_round.status_at(now) != "not_open":
        raise RoundProblem("Chỉ mở ngay được đợt chưa bắt đầu.")
    _set_times(session, survey_round, actor, "round_opened", opens_at=now)


def close_early(session: Session, survey_round: SurveyRound, actor: User, now: dt.datetime) -> None:
    """Close an open round now: citizens get the "survey has closed" page from this moment."""
    if survey_round.status_at(now) != "open":
        raise RoundProblem("Chỉ đóng sớm được đợt đang mở.")
    _set_times(session, survey_round, actor, "round_closed", closes_at=now)


def extend(
    session: Session,
    survey_round: SurveyRound,
    actor: User,
    closes_at: dt.datetime,
    now: dt.datetime,
) -> None:
    """Move the closing moment later (also reopens a round closed too early)."""
    if survey_round.archived_at is not None:
        raise RoundProblem("Đợt đã lưu trữ: khôi phục trước khi gia hạn.")
    if closes_at <= max(now, survey_round.opens_at):
        raise RoundProblem(
            "Thời điểm kết thúc mới phải sau thời điểm hiện tại và sau ngày bắt đầu."
        )
    if closes_at <= survey_round.closes_at:
        raise RoundProblem(
            f"Gia hạn là kéo dài: thời điểm mới phải sau {format_local(survey_round.closes_at)}."
        )
    _set_times(session, survey_round, actor, "round_extended", closes_at=closes_at)


def archive(session: Session, survey_round: SurveyRound, actor: User, now: dt.datetime) -> None:
    """Hide a closed round from the working lists (its data and results stay)."""
    if survey_round.status_at(now) != "closed":
        raise RoundProblem("Chỉ lưu trữ được đợt đã kết thúc.")
    survey_round.archived_at = now
    audit.record(session, "round_archived", target=f"round:{survey_round.code}", actor=actor)


def unarchive(session: Session, survey_round: SurveyRound, actor: User) -> None:
    survey_round.archived_at = None
    audit.record(session, "round_unarchived", target=f"round:{survey_round.code}", actor=actor)


def _set_times(
    session: Session,
    survey_round: SurveyRound,
    actor: User,
    action: str,
    **times: dt.datetime,
) -> None:
    detail = {}
    for name, value in times.items():
        detail[name] = [getattr(survey_round, name).isoformat(), value.isoformat()]
        setattr(survey_round, name, value)
    audit.record(session, action, target=f"round:{survey_round.code}", actor=actor, detail=detail)
    session.flush()


def change_link(
    session: Session, survey_round: SurveyRound, unit: AdminUnit, actor: User, *, revoke: bool
) -> SurveyLink | None:
    """Rotate (new link, old one dead) or revoke (no live link) a unit's link; audited."""
    if revoke:
        count = revoke_links(session, survey_round, unit)
        audit.record(
            session,
            "link_revoked",
            target=f"round:{survey_round.code}:{unit.code}",
            actor=actor,
            detail={"links": count},
        )
        return None
    link = rotate_link(session, survey_round, unit)
    audit.record(
        session, "link_rotated", target=f"round:{survey_round.code}:{unit.code}", actor=actor
    )
    return link


def live_links(session: Session, survey_round: SurveyRound) -> dict[int, SurveyLink]:
    """The live link of each unit of the round, by unit id."""
    links = session.scalars(
        select(SurveyLink).where(
            SurveyLink.round_id == survey_round.id, SurveyLink.revoked_at.is_(None)
        )
    )
    return {link.unit_id: link for link in links}


def sorted_units(survey_round: SurveyRound) -> Sequence[RoundUnit]:
    return sorted(survey_round.units, key=lambda ru: ru.unit.code)

"""The audit log as an administrator reads it: Vietnamese labels, readable details, filters.

Entries are stored with an internal action code and a JSON detail (``audit.record``); this
module turns them into what a district office can read (labels, "cũ → mới", local times) and
reads the page's filters strictly: a person, an action, a range of local days and a page
number, each checked, so a bad value gets a message rather than a half-filtered list.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from survey_app.bounds import ID_MAX, parse_id
from survey_app.formatting import day, integer, moment, number
from survey_app.local_time import service_zone
from survey_app.query import QueryProblem
from survey_app.staff.models import AuditEvent

PAGE_SIZE: Final = 50
FILTERS: Final = ("actor", "action", "from", "to", "page")

#: Every action code written by ``audit.record``; a test checks that none is missing.
ACTION_LABELS: Final = {
    "login": "Đăng nhập",
    "login_failed": "Đăng nhập không thành công",
    "logout": "Đăng xuất",
    "access_denied": "Bị từ chối truy cập",
    "request_refused": "Yêu cầu không hợp lệ bị từ chối",
    "user_created": "Tạo tài khoản",
    "export": "Xuất dữ liệu",
    "quota_targets_computed": "Tính chỉ tiêu số phiếu",
    "quota_target_changed": "Sửa chỉ tiêu số phiếu",
    "par_round_created": "Tạo kỳ đánh giá Chỉ số CCHC",
    "par_score": "Thay đổi điểm",
    "par_status": "Chuyển trạng thái hồ sơ đánh giá",
    "par_evidence_added": "Thêm tài liệu kiểm chứng",
    "par_evidence_removed": "Xoá tài liệu kiểm chứng",
    "par_round_published": "Công bố Chỉ số CCHC",
    "par_export": "Xuất bảng Chỉ số CCHC",
    "par_bulk_approval": "Phê duyệt nhiều đơn vị cùng lúc",
    "par_calendar": "Sửa lịch đánh giá Chỉ số CCHC",
    "par_correction_started": "Bắt đầu đính chính kết quả đã công bố",
    "par_council_assignment": "Phân công thẩm định",
    "par_council_decision": "Lưu quyết định thành lập Hội đồng thẩm định",
    "par_council_member_added": "Thêm thành viên Hội đồng thẩm định",
    "par_council_member_removed": "Bớt thành viên Hội đồng thẩm định",
    "par_council_pdf_download": "Tải quyết định thành lập Hội đồng",
    "par_publication": "Công bố một phiên bản Chỉ số CCHC",
    "par_reminder_sent": "Gửi thư nhắc hạn",
    "round_created": "Tạo đợt khảo sát",
    "round_updated": "Sửa đợt khảo sát",
    "round_opened": "Mở đợt khảo sát ngay",
    "round_closed": "Đóng sớm đợt khảo sát",
    "round_extended": "Gia hạn đợt khảo sát",
    "round_archived": "Lưu trữ đợt khảo sát",
    "round_unarchived": "Khôi phục đợt khảo sát",
    "link_rotated": "Cấp lại đường dẫn khảo sát",
    "link_revoked": "Thu hồi đường dẫn khảo sát",
    "units_imported": "Nhập đơn vị hành chính",
    "counts_imported": "Nhập số hồ sơ giao dịch",
    "user_updated": "Sửa tài khoản",
    "password_reset": "Đặt lại mật khẩu",
    "demo_cleared": "Xoá dữ liệu mẫu",
    "paper_batch_issued": "Cấp số sê-ri phiếu giấy",
    "paper_entered": "Nhập phiếu giấy",
    "quality_policy_changed": "Sửa chính sách kiểm tra chất lượng",
    "review_accept": "Chấp nhận phiếu bị giữ lại",
    "review_exclude": "Loại phiếu",
    "review_undone": "Huỷ quyết định về phiếu",
}

#: Detail keys as words. Keys not listed are shown as they are, as code.
DETAIL_LABELS: Final = {
    "kind": "Loại",
    "format": "Định dạng",
    "flavour": "Kiểu CSV",
    "rows": "Số dòng",
    "filters": "Bộ lọc",
    "weighting": "Gia quyền",
    "options": "Tùy chọn",
    "weights_error": "Lỗi trọng số",
    "message": "Nội dung",
    "args": "Tham số",
    "reason": "Lý do",
    "role": "Vai trò",
    "unit": "Đơn vị",
    "from": "Từ ngày",
    "to": "Đến ngày",
    "item": "Tiêu chí",
    "score": "Loại điểm",
    "old": "Cũ",
    "new": "Mới",
    "document_number": "Số văn bản",
    "document_date": "Ngày văn bản",
    "criteria": "Bộ tiêu chí",
    "units": "Số đơn vị",
    "published": "Đã công bố",
    "changes": "Thay đổi",
    "cells": "Số ô chỉ tiêu",
    "method": "Cách tính",
    "e": "Sai số",
    "floors": "Tối thiểu theo loại đơn vị",
    "by_field": "Chia theo lĩnh vực",
    "sex_age_shares": "Cơ cấu giới tính × nhóm tuổi",
    "adjustment": "Cách gia quyền",
    "trim_lower": "Cắt tỉa dưới",
    "trim_upper": "Cắt tỉa trên",
    "cutoff": "Mốc dữ liệu",
    "survey_round": "Đợt khảo sát",
    "no_survey_rule": "Khi chưa có kết quả khảo sát",
    "deadline": "Hạn tự chấm",
    "self_score": "Điểm tự chấm",
}

#: Values that are words rather than codes.
VALUE_LABELS: Final = {
    "responses": "phiếu trả lời",
    "estimates": "bảng ước lượng",
    "responses_method_note": "ghi chú phương pháp của phiếu trả lời",
    "estimates_method_note": "ghi chú phương pháp của bảng ước lượng",
    "self": "tự chấm",
    "appraised": "thẩm định",
}
#: How the actors that are not people are named.
ACTOR_LABELS: Final = {"anonymous": "(chưa đăng nhập)", "cli": "(dòng lệnh)"}
#: Quota cell keys ("field:ho_tich") name the split first.
CELL_DIMENSIONS: Final = {"field": "ô lĩnh vực", "sex_age": "ô giới tính × nhóm tuổi"}


@dataclass(frozen=True)
class DetailPart:
    """One "label: value" of an entry's detail; ``code`` values are shown as code."""

    label: str
    value: str
    code: bool = False


def action_label(action: str) -> str:
    return ACTION_LABELS.get(action, f"Hành động khác ({action})")


def actor_label(name: str) -> str:
    return ACTOR_LABELS.get(name, name)


def _value(value: Any) -> tuple[str, bool]:
    """(text, is_code) for a detail value."""
    if value is None or value == "":
        return "(trống)", False
    if isinstance(value, bool):
        return ("có" if value else "không"), False
    if isinstance(value, int):
        return integer(value), False
    if isinstance(value, float):
        return (number(value, 2) if not value.is_integer() else integer(value)), False
    if isinstance(value, Mapping):
        if set(value) == {"old", "new"}:
            return f"{_value(value['old'])[0]} → {_value(value['new'])[0]}", False
        text = "; ".join(f"{_key(str(k))}: {_value(v)[0]}" for k, v in value.items())
        return text or "(trống)", False
    if isinstance(value, list | tuple):
        return ", ".join(_value(v)[0] for v in value) or "(trống)", False
    text = str(value)
    if text in VALUE_LABELS:
        return VALUE_LABELS[text], False
    if _ISO_DAY.match(text):
        return _iso_text(text), False
    # A message is a sentence; anything without a space is an identifier or a code.
    return text, " " not in text.strip()


_ISO_DAY: Final = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_text(text: str) -> str:
    """An ISO date or timestamp kept in a detail, as a local day or time (else unchanged)."""
    try:
        moment_ = dt.datetime.fromisoformat(text)
    except ValueError:
        return text
    if len(text) == 10:
        return day(moment_.date())
    return moment(moment_ if moment_.tzinfo else moment_.replace(tzinfo=dt.UTC))


def _key(key: str) -> str:
    dimension, _, cell = key.partition(":")
    if cell and dimension in CELL_DIMENSIONS:
        return f"{CELL_DIMENSIONS[dimension]} {cell}"
    return DETAIL_LABELS.get(key, key)


def describe_detail(action: str, detail: Mapping[str, Any]) -> list[DetailPart]:
    """An entry's detail as readable parts, in the order it was written."""
    parts = []
    for key, value in detail.items():
        text, code = _value(value)
        # A target change keys the unit's own target as "unit", beside its cells.
        target_change = action == "quota_target_changed" and key == "unit"
        parts.append(DetailPart("Chỉ tiêu đơn vị" if target_change else _key(key), text, code))
    return parts


@dataclass(frozen=True)
class AuditFilters:
    actor: str
    action: str
    date_from: dt.date | None
    date_to: dt.date | None
    page: int

    def query(self, page: int | None = None) -> dict[str, str]:
        """The filters as query parameters (empty ones left out), for links to other pages."""
        args = {
            "actor": self.actor,
            "action": self.action,
            "from": self.date_from.isoformat() if self.date_from else "",
            "to": self.date_to.isoformat() if self.date_to else "",
        }
        args = {key: value for key, value in args.items() if value}
        if (page or self.page) > 1:
            args["page"] = str(page or self.page)
        return args


def _day(values: Mapping[str, str], name: str, label: str) -> dt.date | None:
    text = values.get(name, "").strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise QueryProblem(
            f"«{label}» phải là một ngày (năm-tháng-ngày), nhận được {text[:40]!r}"
        ) from None


def read_filters(values: Mapping[str, str]) -> AuditFilters:
    """Check the page's filters; a :class:`QueryProblem` says which one is wrong and why."""
    action = values.get("action", "").strip()
    if action and action not in ACTION_LABELS:
        raise QueryProblem(f"không có hành động {action[:64]!r} trong danh sách để lọc")
    actor = values.get("actor", "").strip()
    if len(actor) > 64:
        raise QueryProblem("tên người thực hiện dài quá 64 ký tự")
    date_from = _day(values, "from", "Từ ngày")
    date_to = _day(values, "to", "Đến ngày")
    if date_from and date_to and date_from > date_to:
        raise QueryProblem(f"khoảng ngày bị đảo: từ {date_from:%d/%m/%Y} đến {date_to:%d/%m/%Y}")
    page_text = values.get("page", "").strip() or "1"
    # parse_id: ASCII digits only ("²" passes isdigit) and small enough that the OFFSET fits
    # the database's integers.
    page = parse_id(page_text)
    if page is None or page < 1 or page > ID_MAX // PAGE_SIZE:
        raise QueryProblem(f"số trang phải là số nguyên từ 1, nhận được {page_text[:20]!r}")
    return AuditFilters(actor, action, date_from, date_to, page)


def _start(day: dt.date) -> dt.datetime:
    """The UTC moment a local day begins (entries are stored in UTC)."""
    return dt.datetime.combine(day, dt.time(), service_zone()).astimezone(dt.UTC)


def _filtered(query: Select[Any], filters: AuditFilters) -> Select[Any]:
    if filters.actor:
        query = query.where(AuditEvent.actor_name == filters.actor)
    if filters.action:
        query = query.where(AuditEvent.action == filters.action)
    if filters.date_from:
        query = query.where(AuditEvent.at >= _start(filters.date_from))
    if filters.date_to:
        query = query.where(AuditEvent.at < _start(filters.date_to + dt.timedelta(days=1)))
    return query


@dataclass(frozen=True)
class AuditPage:
    events: list[AuditEvent]
    total: int
    page: int
    pages: int
    actors: list[str]


def audit_page(session: Session, filters: AuditFilters) -> AuditPage:
    """One page of the entries matching ``filters``, newest first, and who can be chosen."""
    total = session.scalar(_filtered(select(func.count(AuditEvent.id)), filters)) or 0
    pages = max(1, math.ceil(total / PAGE_SIZE))
    query = _filtered(select(AuditEvent), filters).order_by(AuditEvent.id.desc())
    events = list(session.scalars(query.offset((filters.page - 1) * PAGE_SIZE).limit(PAGE_SIZE)))
    actors = list(
        session.scalars(select(AuditEvent.actor_name).distinct().order_by(AuditEvent.actor_name))
    )
    return AuditPage(events, total, filters.page, pages, actors)
